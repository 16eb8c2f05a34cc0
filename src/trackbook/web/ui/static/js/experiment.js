// The experiment page: runs table and charts of one or more experiments. All view state
// lives in the URL (filter, stage, sort, columns, selection, view, chart settings); the
// chosen columns are also remembered per experiment in localStorage.

import {
  $, api, ApiError, clearError, escapeHtml, formatTime, listParam, mlflow, pageConfig,
  params, preloadPlotly, setParams, showError,
} from "./common.js";
import { wireActions, wireCreate } from "./experiment_actions.js";
import { allRowsInOrder, displayRows, fetchRuns } from "./run_data.js";
import { RunsGrid, splitSort } from "./runs_grid.js";
import { pickColumns } from "./column_picker.js";
import { ChartPanel, X_MODES } from "./charts.js";
import { downloadText, toCsv } from "./csv.js";

const REFRESH_MS = 10_000;
const FIRST_ROWS = 100;
const MAX_URL_SELECTION = 200;
const MAX_COMPARE = 100;
const DEFAULT_CHART_METRICS = 4;

const config = pageConfig();
const ids = config.experiments.map((e) => e.id);
const experimentNames = new Map(config.experiments.map((e) => [e.id, e.name]));
const columnsKey = `trackbook.columns.${ids.join(",")}`;

function storedColumns() {
  try {
    const raw = localStorage.getItem(columnsKey);
    return raw ? JSON.parse(raw) : [];
  } catch {
    return [];
  }
}

function readState() {
  const p = params();
  const smooth = Number(p.get("smooth") || 0);
  const n = Number(p.get("n") || 10);
  return {
    filter: p.get("filter") || "",
    stage: ["active", "deleted", "all"].includes(p.get("stage")) ? p.get("stage") : "active",
    order: p.get("order") || "start:desc",
    columns: listParam("cols") ?? storedColumns(),
    selection: listParam("sel") || [],
    view: p.get("view") === "charts" ? "charts" : "table",
    expandAll: p.get("nested") === "expanded",
    chart: {
      metrics: listParam("metrics"),
      bar: p.get("bar") || "run",
      x: X_MODES.includes(p.get("x")) ? p.get("x") : "step",
      log: p.get("log") === "1",
      smooth: Number.isFinite(smooth) ? Math.min(Math.max(smooth, 0), 0.99) : 0,
      band: p.get("band") === "1",
      n: [5, 10, 25, 50, 100].includes(n) ? n : 10,
    },
    refresh: p.get("refresh") === "1",
  };
}

const state = readState();
let model = null;
let display = { rows: [], parents: 0 };
let keys = null;
let loadController = null;
let refreshTimer = 0;

const grid = new RunsGrid($("#runs-grid"), {
  onSort: (column) => {
    const [current, dir] = splitSort(state.order);
    const next = current === column ? (dir === "asc" ? "desc" : "asc") : column === "start" ? "desc" : "asc";
    state.order = `${column}:${next}`;
    setParams({ order: state.order === "start:desc" ? null : state.order });
    load();
  },
  onSelect: () => {
    writeSelection();
    paintStatus();
    paintActions();
    if (state.view === "charts") drawCharts();
  },
  onFold: (runId) => {
    if (grid.expanded.has(runId)) grid.expanded.delete(runId);
    else grid.expanded.add(runId);
    rebuildRows();
  },
});
grid.selection = new Set(state.selection);
grid.expandAll = state.expandAll;
const charts = new ChartPanel($("#charts"));

// -- loading ------------------------------------------------------------------------------
function wantedColumns() {
  const wanted = [...state.columns];
  if (state.view === "charts") {
    for (const m of state.chart.metrics || []) {
      const name = `metrics.${m}`;
      if (!wanted.includes(name)) wanted.push(name);
    }
    if (state.chart.bar !== "run" && !wanted.includes(state.chart.bar)) wanted.push(state.chart.bar);
  }
  return wanted;
}

async function load({ quiet = false } = {}) {
  loadController?.abort();
  const controller = new AbortController();
  loadController = controller;
  if (!quiet) $("#run-status").textContent = "Loading runs…";
  const request = {
    ids, filter: state.filter, stage: state.stage, order: state.order,
    columns: wantedColumns(), signal: controller.signal,
  };
  let complete = false;
  if (!quiet && state.view === "table") {
    // The first screenful comes on its own, so the table shows at once however many
    // runs follow.
    fetchRuns({ ...request, limit: FIRST_ROWS })
      .then((first) => {
        if (complete || controller !== loadController || !first.truncated) return;
        model = first;
        rebuildRows();
        $("#run-status").textContent = `Loading all runs… (showing the first ${first.count})`;
      })
      .catch(() => {}); // the full request reports errors
  }
  try {
    const data = await fetchRuns(request);
    complete = true;
    if (controller !== loadController) return;
    model = data;
    showFilterError(null);
    grid.pruneSelection(model);
    writeSelection();
    rebuildRows();
    paintActions();
    if (state.view === "charts") await drawCharts();
  } catch (err) {
    if (err.name === "AbortError") return;
    if (err instanceof ApiError && err.status === 400 && /^(filter|order|columns)\b/.test(err.message)) {
      showFilterError(err.message);
      $("#run-status").textContent = "The filter has an error.";
    } else {
      showError(err.message);
      $("#run-status").textContent = "Could not load runs.";
    }
  }
}

let gridStale = false;

function rebuildRows() {
  display = displayRows(model, grid.expanded, grid.expandAll);
  // A hidden table is built when its tab is opened.
  gridStale = state.view !== "table";
  if (!gridStale) {
    grid.setData({
      model, rows: display.rows, columns: state.columns, sort: state.order, experimentNames,
    });
  }
  $("#toggle-nesting").hidden = display.parents === 0;
  $("#toggle-nesting").textContent = grid.expandAll ? "Collapse all" : "Expand all";
  paintStatus();
}

function showFilterError(message) {
  const box = $("#filter-error");
  const input = $("#run-filter");
  if (message) {
    box.textContent = message;
    box.hidden = false;
    input.setAttribute("aria-invalid", "true");
  } else {
    box.hidden = true;
    input.removeAttribute("aria-invalid");
  }
}

// -- status, selection, actions ---------------------------------------------------------------
function paintStatus() {
  if (!model) return;
  const total = model.count.toLocaleString("en-US");
  const parts = [`${total} run${model.count === 1 ? "" : "s"}`];
  if (model.truncated) parts[0] += ` (only the first ${model.limit.toLocaleString("en-US")})`;
  if (display.rows.length !== model.count) parts.push(`${display.rows.length.toLocaleString("en-US")} rows shown`);
  parts.push(`${grid.selection.size} selected`);
  $("#run-status").textContent = parts.join(" · ");
}

function selectedIds() {
  if (!model) return [];
  return model.id.filter((id) => grid.selection.has(id));
}

function writeSelection() {
  const sel = [...grid.selection];
  setParams({ sel: sel.length && sel.length <= MAX_URL_SELECTION ? sel.join(",") : null });
}

function paintActions() {
  const chosen = selectedIds();
  const stages = chosen.map((id) => model.stage[model.index.get(id)]);
  $("#compare-runs").disabled = chosen.length < 1 || chosen.length > MAX_COMPARE;
  $("#compare-runs").textContent = chosen.length ? `Compare (${chosen.length})` : "Compare";
  $("#delete-runs").disabled = !stages.includes("active");
  $("#restore-runs").disabled = !stages.includes("deleted");
}

async function forEachLimited(items, limit, work) {
  const failures = [];
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++];
      try {
        await work(item);
      } catch (err) {
        failures.push(err.message);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return failures;
}

async function changeStage(action) {
  const wanted = action === "delete" ? "active" : "deleted";
  const targets = selectedIds().filter((id) => model.stage[model.index.get(id)] === wanted);
  const failures = await forEachLimited(targets, 8, (id) => mlflow(`runs/${action}`, { run_id: id }));
  if (failures.length) showError(`${failures.length} run(s) could not be ${action}d: ${failures[0]}`);
  grid.selection.clear();
  writeSelection();
  await load();
}

function exportCsv() {
  if (!model) return;
  const header = ["run_id", "run_name"];
  if (ids.length > 1) header.push("experiment");
  header.push("user", "source", "status", "start_time", "duration_s", "parent_run_id", ...state.columns);
  const rows = allRowsInOrder(model).map(({ i }) => {
    const row = [model.id[i], model.name[i]];
    if (ids.length > 1) row.push(experimentNames.get(model.experiment[i]) || model.experiment[i]);
    const duration = model.end[i] != null ? (model.end[i] - model.start[i]) / 1000 : "";
    row.push(model.user[i], model.source[i] || "", model.status[i], formatTime(model.start[i]), duration, model.parent[i] || "");
    for (const c of state.columns) row.push(model.columns[c] ? model.columns[c][i] : "");
    return row;
  });
  const name = `runs-${ids.join("-")}.csv`;
  downloadText(name, toCsv(header, rows));
}

// -- columns ---------------------------------------------------------------------------------
async function ensureKeys() {
  if (!keys) keys = await api(`/ui/api/keys?experiment_ids=${ids.join(",")}`);
  return keys;
}

async function chooseColumns() {
  let available;
  try {
    available = await ensureKeys();
  } catch (err) {
    showError(err.message);
    return;
  }
  const chosen = await pickColumns(available, state.columns);
  if (!chosen) return;
  state.columns = chosen;
  try {
    localStorage.setItem(columnsKey, JSON.stringify(chosen));
  } catch {
    // storage full or disabled: the URL still carries the choice
  }
  setParams({ cols: chosen.length ? chosen.join(",") : null });
  await load();
}

// -- charts ------------------------------------------------------------------------------------
function chartedRuns() {
  const chosen = selectedIds();
  if (chosen.length) return { runs: chosen.map((id) => model.index.get(id)).slice(0, 100), selected: true };
  return { runs: display.rows.slice(0, state.chart.n).map((r) => r.i), selected: false };
}

async function prepareChartControls() {
  const available = await ensureKeys();
  if (!state.chart.metrics) {
    state.chart.metrics = available.metrics.slice(0, DEFAULT_CHART_METRICS);
  }
  const chips = $("#chart-metrics");
  chips.innerHTML = available.metrics.length
    ? available.metrics
        .map((k) => `<label><input type="checkbox" value="${escapeHtml(k)}"${state.chart.metrics.includes(k) ? " checked" : ""}> ${escapeHtml(k)}</label>`)
        .join("")
    : `<span class="muted">No metrics logged yet.</span>`;
  const bar = $("#chart-bar-key");
  bar.innerHTML =
    `<option value="run">Run</option>` +
    available.params.map((k) => `<option value="params.${escapeHtml(k)}">Parameter ${escapeHtml(k)}</option>`).join("");
  bar.value = state.chart.bar;
  if (bar.value !== state.chart.bar) state.chart.bar = "run";
  $("#chart-x").value = state.chart.x;
  $("#chart-log").checked = state.chart.log;
  $("#chart-smooth").value = String(state.chart.smooth);
  $("#chart-smooth-value").textContent = String(state.chart.smooth);
  $("#chart-band").checked = state.chart.band;
  $("#chart-count").value = String(state.chart.n);
}

async function drawCharts() {
  if (!model) return;
  const { runs, selected } = chartedRuns();
  const what = selected ? `${runs.length} selected run${runs.length === 1 ? "" : "s"}` : `the first ${runs.length} run${runs.length === 1 ? "" : "s"} shown`;
  $("#chart-status").textContent = runs.length ? `Charting ${what}.` : "No runs to chart.";
  await charts.draw(model, runs, { ...state.chart, metrics: state.chart.metrics || [] });
}

function writeChartParams() {
  const c = state.chart;
  setParams({
    metrics: c.metrics ? c.metrics.join(",") : null,
    bar: c.bar === "run" ? null : c.bar,
    x: c.x === "step" ? null : c.x,
    log: c.log,
    smooth: c.smooth ? String(c.smooth) : null,
    band: c.band,
    n: c.n === 10 ? null : String(c.n),
  });
}

async function onChartControlsChange(event) {
  const target = event.target;
  const c = state.chart;
  let reload = false;
  if (target.closest("#chart-metrics")) {
    c.metrics = [...document.querySelectorAll("#chart-metrics input:checked")].map((b) => b.value);
    reload = true;
  } else if (target.id === "chart-bar-key") {
    c.bar = target.value;
    reload = c.bar !== "run";
  } else if (target.id === "chart-x") c.x = target.value;
  else if (target.id === "chart-log") c.log = target.checked;
  else if (target.id === "chart-smooth") {
    c.smooth = Number(target.value);
    $("#chart-smooth-value").textContent = target.value;
  } else if (target.id === "chart-band") c.band = target.checked;
  else if (target.id === "chart-count") c.n = Number(target.value);
  writeChartParams();
  if (reload) await load({ quiet: true });
  else await drawCharts();
}

// -- view switching ------------------------------------------------------------------------------
async function showView(view, { focus = false } = {}) {
  state.view = view;
  setParams({ view: view === "charts" ? "charts" : null });
  for (const name of ["table", "charts"]) {
    const tab = $(`#tab-${name}`);
    const on = name === view;
    tab.setAttribute("aria-selected", String(on));
    tab.tabIndex = on ? 0 : -1;
    $(`#panel-${name}`).hidden = !on;
  }
  if (focus) $(`#tab-${view}`).focus();
  if (view === "charts") {
    const controls = prepareChartControls()
      .then(writeChartParams)
      .catch((err) => showError(err.message));
    // Default metrics come from the keys; metrics named in the URL need not wait for them.
    if (!state.chart.metrics) await controls;
    const missing = !model || wantedColumns().some((c) => !(c in model.columns));
    await Promise.all([missing ? load({ quiet: true }) : drawCharts(), controls]);
  } else if (gridStale && model) {
    rebuildRows();
  } else {
    grid.render(true);
  }
}

function setAutoRefresh(on) {
  state.refresh = on;
  setParams({ refresh: on });
  clearInterval(refreshTimer);
  if (on) refreshTimer = setInterval(() => load({ quiet: true }), REFRESH_MS);
}

// -- wiring ----------------------------------------------------------------------------------------
function start() {
  wireCreate(null);
  const head = document.querySelector(".page-head .actions");
  if (head) wireActions(head);

  $("#run-filter").value = state.filter;
  $("#run-stage").value = state.stage;
  $("#filter-form").addEventListener("submit", (event) => {
    event.preventDefault();
    clearError();
    state.filter = $("#run-filter").value.trim();
    state.stage = $("#run-stage").value;
    setParams({ filter: state.filter, stage: state.stage === "active" ? null : state.stage });
    load();
  });
  $("#run-stage").addEventListener("change", () => $("#filter-form").requestSubmit());
  $("#filter-clear").addEventListener("click", () => {
    $("#run-filter").value = "";
    $("#filter-form").requestSubmit();
  });

  $("#pick-columns").addEventListener("click", chooseColumns);
  $("#toggle-nesting").addEventListener("click", () => {
    grid.expandAll = !grid.expandAll;
    if (!grid.expandAll) grid.expanded.clear();
    setParams({ nested: grid.expandAll ? "expanded" : null });
    rebuildRows();
  });
  $("#compare-runs").addEventListener("click", () => {
    const chosen = selectedIds();
    if (chosen.length) window.location.assign(`/compare?runs=${chosen.join(",")}`);
  });
  $("#delete-runs").addEventListener("click", () => {
    const count = selectedIds().filter((id) => model.stage[model.index.get(id)] === "active").length;
    const dialog = $("#delete-runs-dialog");
    $("#delete-runs-count").textContent = `${count} run${count === 1 ? "" : "s"}`;
    const form = $("form", dialog);
    form.onsubmit = async (event) => {
      event.preventDefault();
      dialog.close("ok");
      await changeStage("delete");
    };
    dialog.showModal();
  });
  $("#restore-runs").addEventListener("click", () => changeStage("restore"));
  $("#export-csv").addEventListener("click", exportCsv);
  $("#auto-refresh").checked = state.refresh;
  $("#auto-refresh").addEventListener("change", (event) => setAutoRefresh(event.target.checked));

  const tabs = [$("#tab-table"), $("#tab-charts")];
  tabs[0].addEventListener("click", () => showView("table"));
  tabs[1].addEventListener("click", () => showView("charts"));
  for (const tab of tabs) {
    tab.addEventListener("keydown", (event) => {
      if (event.key === "ArrowRight" || event.key === "ArrowLeft") {
        event.preventDefault();
        showView(state.view === "table" ? "charts" : "table", { focus: true });
      }
    });
  }
  $("#chart-controls").addEventListener("change", onChartControlsChange);
  $("#chart-smooth").addEventListener("input", (event) => {
    $("#chart-smooth-value").textContent = event.target.value;
  });
  document.addEventListener("themechange", () => {
    if (state.view === "charts") charts.rethemed();
  });

  if (state.view === "charts") {
    preloadPlotly();
    showView("charts");
  } else {
    load();
  }
  if (state.refresh) setAutoRefresh(true);
}

start();
