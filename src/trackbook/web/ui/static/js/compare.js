// The compare page: "only differences", a parallel-coordinates plot and a scatter of two
// parameters or metrics. Choices are kept in the URL.

import {
  $, baseLayout, escapeHtml, listParam, loadPlotly, pageConfig, params, PALETTE, plotText, setParams, showError,
  toNumber, whenVisible,
} from "./common.js";

const config = pageConfig();
const runs = config.runs;
const MAX_DEFAULT_AXES = 6;

/** Every param and metric as an axis: numeric when all its values are numbers. */
function axes() {
  const out = [];
  const seen = new Set();
  for (const [prefix, field] of [["params", "params"], ["metrics", "metrics"]]) {
    for (const r of runs) {
      for (const key of Object.keys(r[field])) {
        const name = `${prefix}.${key}`;
        if (seen.has(name)) continue;
        seen.add(name);
        out.push(name);
      }
    }
  }
  return out.sort((a, b) => (a.startsWith("params.") === b.startsWith("params.") ? a.localeCompare(b) : a.startsWith("params.") ? -1 : 1));
}

function valuesOf(name) {
  const dot = name.indexOf(".");
  const field = name.slice(0, dot);
  const key = name.slice(dot + 1);
  return runs.map((r) => {
    const v = r[field][key];
    return v === undefined ? null : field === "metrics" ? toNumber(v) : v;
  });
}

function numericValues(values) {
  const nums = values.map((v) => (v === null || v === "" ? null : Number(v)));
  return nums.every((n) => n === null || Number.isFinite(n)) ? nums : null;
}

function dimension(name) {
  const values = valuesOf(name);
  const nums = numericValues(values);
  if (nums) return { label: plotText(name), values: nums.map((n) => (n === null ? NaN : n)) };
  const labels = [...new Set(values.map((v) => v ?? "(none)"))].sort();
  return {
    label: plotText(name),
    values: values.map((v) => labels.indexOf(v ?? "(none)")),
    tickvals: labels.map((_, k) => k),
    ticktext: labels.map(plotText),
  };
}

async function drawParallel(chosen) {
  const node = $("#parallel-plot");
  const Plotly = await loadPlotly();
  if (chosen.length < 2) {
    Plotly.purge(node);
    node.innerHTML = `<p class="empty">Choose at least two axes.</p>`;
    node.dataset.axes = String(chosen.length);
    return;
  }
  node.querySelector(":scope > p.empty")?.remove();
  const dims = chosen.map(dimension);
  const colorBy = dims[dims.length - 1];
  const trace = {
    type: "parcoords",
    dimensions: dims,
    line: { color: colorBy.values, colorscale: "Viridis", showscale: false },
  };
  const layout = baseLayout({ margin: { l: 60, r: 60, t: 40, b: 30 } });
  await Plotly.react(node, [trace], layout, { displaylogo: false, responsive: true });
  node.dataset.axes = String(chosen.length);
}

async function drawScatter(x, y) {
  const node = $("#scatter-plot");
  const Plotly = await loadPlotly();
  const xs = valuesOf(x);
  const ys = valuesOf(y);
  const trace = {
    type: "scatter",
    mode: "markers+text",
    x: xs,
    y: ys,
    text: runs.map((r) => plotText(r.name)),
    textposition: "top center",
    marker: { size: 11, color: runs.map((_, k) => PALETTE[k % PALETTE.length]) },
    hovertemplate: "%{text}<br>%{x}, %{y}<extra></extra>",
  };
  const layout = baseLayout({ showlegend: false });
  layout.xaxis = { ...layout.xaxis, title: { text: plotText(x) }, type: numericValues(xs) ? "linear" : "category" };
  layout.yaxis = { ...layout.yaxis, title: { text: plotText(y) }, type: numericValues(ys) ? "linear" : "category" };
  await Plotly.react(node, [trace], layout, { displaylogo: false, responsive: true });
  node.dataset.points = String(xs.filter((v, k) => v !== null && ys[k] !== null).length);
}

function start() {
  let parallelShown = false;
  let scatterShown = false;
  const table = $("#compare-table");
  const only = $("#only-differences");
  only.checked = params().get("diff") === "1";
  table.classList.toggle("only-differences", only.checked);
  only.addEventListener("change", () => {
    table.classList.toggle("only-differences", only.checked);
    setParams({ diff: only.checked });
  });

  const all = axes();
  const defaults = all.filter((a) => numericValues(valuesOf(a))).slice(0, MAX_DEFAULT_AXES);
  let chosen = (listParam("pc") || defaults).filter((a) => all.includes(a));
  const dims = $("#pc-dims");
  dims.innerHTML = all.length
    ? all.map((a) => `<label><input type="checkbox" value="${escapeHtml(a)}"${chosen.includes(a) ? " checked" : ""}> ${escapeHtml(a)}</label>`).join("")
    : `<span class="muted">These runs have no parameters or metrics.</span>`;
  dims.addEventListener("change", () => {
    chosen = [...dims.querySelectorAll("input:checked")].map((b) => b.value);
    setParams({ pc: chosen.join(",") || null });
    if (parallelShown) drawParallel(chosen).catch((err) => showError(err.message));
  });

  const sx = $("#scatter-x");
  const sy = $("#scatter-y");
  const options = all.map((a) => `<option value="${escapeHtml(a)}">${escapeHtml(a)}</option>`).join("");
  sx.innerHTML = options;
  sy.innerHTML = options;
  const numeric = all.filter((a) => numericValues(valuesOf(a)));
  const p = params();
  sx.value = all.includes(p.get("sx")) ? p.get("sx") : numeric.find((a) => a.startsWith("params.")) || all[0] || "";
  sy.value = all.includes(p.get("sy")) ? p.get("sy") : numeric.find((a) => a.startsWith("metrics.")) || all[1] || all[0] || "";
  const scatter = () => {
    setParams({ sx: sx.value, sy: sy.value });
    if (scatterShown && sx.value && sy.value) {
      drawScatter(sx.value, sy.value).catch((err) => showError(err.message));
    }
  };
  sx.addEventListener("change", scatter);
  sy.addEventListener("change", scatter);

  // The plots sit below the table: they are drawn when scrolled to.
  whenVisible([$("#parallel-plot")], () => {
    parallelShown = true;
    return drawParallel(chosen);
  });
  whenVisible([$("#scatter-plot")], () => {
    scatterShown = true;
    if (all.length) scatter();
  });
  document.addEventListener("themechange", () => {
    if (parallelShown) drawParallel(chosen).catch((err) => showError(err.message));
    if (scatterShown && all.length) scatter();
  });
}

start();
