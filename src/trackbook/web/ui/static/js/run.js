// The run page: Details / Artifacts tabs (kept in the URL), metric line charts, and the
// MLflow 3 logged models of the run when the server offers them.

import {
  $, $$, api, baseLayout, escapeHtml, loadPlotly, pageConfig, params, plotText, setParams, showError, whenVisible,
} from "./common.js";
import { ArtifactBrowser } from "./artifacts.js";

const config = pageConfig();
let browser = null;

function showTab(name, { focus = false } = {}) {
  for (const tab of ["details", "artifacts"]) {
    const on = tab === name;
    const button = $(`#tab-${tab}`);
    button.setAttribute("aria-selected", String(on));
    button.tabIndex = on ? 0 : -1;
    $(`#panel-${tab}`).hidden = !on;
  }
  if (focus) $(`#tab-${name}`).focus();
  setParams({ tab: name === "details" ? null : name });
  if (name === "artifacts") {
    if (!browser) {
      browser = new ArtifactBrowser({
        runId: config.run_id,
        tree: $("#artifact-tree"),
        preview: $("#artifact-preview"),
        empty: $("#artifact-empty"),
      });
      browser.open(params().get("path") || "");
    }
  } else {
    setParams({ path: null });
  }
}

async function drawChart(figure) {
  const Plotly = await loadPlotly();
  const metric = figure.dataset.metric;
  const node = $(".chart", figure);
  const query = new URLSearchParams({ run_ids: config.run_id, key: metric, points: "1000" });
  try {
    const data = await api(`/ui/api/series?${query}`);
    const s = data.series[0];
    const trace = { type: "scatter", mode: "lines", x: s.step, y: s.value, name: plotText(metric), line: { width: 1.5 } };
    const layout = baseLayout({ showlegend: false });
    layout.xaxis = { ...layout.xaxis, title: { text: "Step" } };
    await Plotly.react(node, [trace], layout, { displaylogo: false, responsive: true });
    node.dataset.points = String(s.step.length);
  } catch (err) {
    Plotly.purge(node);
    node.innerHTML = `<p class="form-error">${escapeHtml(err.message)}</p>`;
  }
}

/** Charts are drawn when they scroll into view: the details render without waiting. */
function drawMetricCharts() {
  whenVisible($$("#run-charts figure[data-metric]"), drawChart);
}

function redrawVisibleCharts() {
  for (const figure of $$("#run-charts figure[data-drawn]")) drawChart(figure).catch((err) => showError(err.message));
}

/** MLflow 3 logged models whose source is this run (when the server has the endpoint). */
async function loadLoggedModels() {
  let data;
  try {
    data = await api("/ajax-api/2.0/mlflow/logged-models/search", {
      method: "POST",
      body: {
        experiment_ids: [config.experiment_id],
        filter: `source_run_id = '${config.run_id}'`,
        max_results: 100,
      },
    });
  } catch {
    return; // an older server without logged models: the tag history is all there is
  }
  const models = (data.models || []).filter((m) => m.info && m.info.source_run_id === config.run_id);
  if (!models.length) return;
  const table = $("#models-table");
  const body = $("tbody", table);
  for (const m of models) {
    const info = m.info;
    const row = document.createElement("tr");
    row.innerHTML =
      `<th scope="row">${escapeHtml(info.name)} <span class="muted mono">${escapeHtml(info.model_id)}</span></th>` +
      `<td>${escapeHtml(info.model_type || "")}</td>` +
      `<td>${info.creation_timestamp_ms ? new Date(Number(info.creation_timestamp_ms)).toISOString() : ""}</td>`;
    body.appendChild(row);
  }
  table.hidden = false;
  $("#models-empty").hidden = true;
}

function start() {
  const tabs = [$("#tab-details"), $("#tab-artifacts")];
  tabs[0].addEventListener("click", () => showTab("details"));
  tabs[1].addEventListener("click", () => showTab("artifacts"));
  for (const tab of tabs) {
    tab.addEventListener("keydown", (event) => {
      if (event.key === "ArrowRight" || event.key === "ArrowLeft") {
        event.preventDefault();
        showTab(tab.id === "tab-details" ? "artifacts" : "details", { focus: true });
      }
    });
  }
  showTab(params().get("tab") === "artifacts" ? "artifacts" : "details");
  drawMetricCharts();
  loadLoggedModels();
  document.addEventListener("themechange", redrawVisibleCharts);
}

start();
