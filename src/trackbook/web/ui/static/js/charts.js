// Charts of the experiment page: a bar chart of each run's latest value per metric (keyed
// by run or by a parameter) and a line chart of each metric's history, drawn from the
// server's downsampled series. Zoom survives redraws (Plotly's uirevision); zooming in on
// steps asks the server for that range, so detail appears where you look.

import { $, api, baseLayout, escapeHtml, loadPlotly, PALETTE, plotText, toNumber } from "./common.js";

export const X_MODES = ["step", "relative", "wall"];

export function smooth(values, weight) {
  if (!weight) return values;
  const out = new Array(values.length);
  let last = 0;
  let count = 0;
  for (let k = 0; k < values.length; k++) {
    const v = values[k];
    if (v === null || !Number.isFinite(v)) {
      out[k] = v;
      continue;
    }
    last = last * weight + (1 - weight) * v;
    count++;
    out[k] = last / (1 - weight ** count);
  }
  return out;
}

/**
 * The min/max band around a (smoothed) line: each point's bucket extremes from the server,
 * widened to a window of neighbours so the band shows the raw spread even where every
 * point was kept (then a bucket is the point itself).
 */
export function envelope(lo, hi, buckets = 60) {
  const n = lo.length;
  const w = Math.max(0, Math.floor(n / buckets / 2));
  if (!w) return { lo, hi };
  const outLo = new Array(n);
  const outHi = new Array(n);
  for (let k = 0; k < n; k++) {
    let a = Infinity;
    let b = -Infinity;
    for (let j = Math.max(0, k - w); j <= Math.min(n - 1, k + w); j++) {
      if (lo[j] !== null && lo[j] < a) a = lo[j];
      if (hi[j] !== null && hi[j] > b) b = hi[j];
    }
    outLo[k] = a === Infinity ? null : a;
    outHi[k] = b === -Infinity ? null : b;
  }
  return { lo: outLo, hi: outHi };
}

function withAlpha(hex, alpha) {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}

const isNumeric = (values) => values.every((v) => v !== "" && v !== null && Number.isFinite(Number(v)));

export class ChartPanel {
  constructor(root) {
    this.root = root;
    this.ranges = new Map(); // metric -> [startStep, endStep] after a zoom on steps
    this.seriesCache = new Map();
    this.drawToken = 0;
  }

  /** Draw all charts for ``runs`` (indices into ``model``) with ``settings``. */
  async draw(model, runs, settings) {
    const token = ++this.drawToken;
    this.model = model;
    this.runs = runs;
    this.settings = settings;
    this.colors = new Map(runs.map((i, k) => [model.id[i], PALETTE[k % PALETTE.length]]));
    // Ask for the series while plotly.js loads, not after.
    const requests = new Map();
    if (runs.length) {
      for (const metric of settings.metrics) {
        const request = this.fetchSeries(metric);
        request.catch(() => {}); // reported by drawLine
        requests.set(metric, request);
      }
    }
    const Plotly = await loadPlotly();
    if (token !== this.drawToken) return;
    this.layoutCards(settings.metrics);
    if (!runs.length || !settings.metrics.length) return;
    // Line charts first: the bar charts (cheap to fetch, not to draw) follow once they show.
    await Promise.all(
      settings.metrics.map((metric) => this.drawLine(Plotly, metric, token, requests.get(metric))),
    );
    if (token !== this.drawToken) return;
    for (const metric of settings.metrics) this.drawBar(Plotly, metric);
  }

  layoutCards(metrics) {
    const wanted = metrics.join("\n");
    if (this.cardsFor === wanted) return;
    this.cardsFor = wanted;
    if (this.root.querySelector(".chart")) {
      for (const node of this.root.querySelectorAll(".chart")) window.Plotly?.purge(node);
    }
    const card = (metric, kind, title) =>
      `<figure class="chart-card" data-metric="${escapeHtml(metric)}" data-kind="${kind}">` +
      `<figcaption>${escapeHtml(title)}</figcaption>` +
      `<div class="chart" role="img" aria-label="${escapeHtml(title)}"></div></figure>`;
    const html = [];
    for (const metric of metrics) {
      html.push(card(metric, "line", `${metric} — history`));
      html.push(card(metric, "bar", `${metric} — latest value`));
    }
    this.root.innerHTML = html.join("") || `<p class="empty">Choose metrics to chart.</p>`;
  }

  chartNode(metric, kind) {
    for (const fig of this.root.querySelectorAll("figure.chart-card")) {
      if (fig.dataset.metric === metric && fig.dataset.kind === kind) return $(".chart", fig);
    }
    return null;
  }

  drawBar(Plotly, metric) {
    const node = this.chartNode(metric, "bar");
    const m = this.model;
    const values = m.columns[`metrics.${metric}`] || [];
    const key = this.settings.bar;
    let trace;
    let xaxis = {};
    const present = this.runs.filter((i) => values[i] !== null && values[i] !== undefined);
    if (key === "run") {
      trace = {
        type: "bar",
        x: present.map((i) => m.id[i]),
        y: present.map((i) => toNumber(values[i])),
        marker: { color: present.map((i) => this.colors.get(m.id[i])) },
        customdata: present.map((i) => plotText(m.name[i])),
        hovertemplate: "%{customdata}<br>%{y}<extra></extra>",
      };
      xaxis = { tickvals: present.map((i) => m.id[i]), ticktext: present.map((i) => plotText(m.name[i])), type: "category" };
    } else {
      const params = m.columns[key] || [];
      const groups = new Map();
      for (const i of present) {
        const label = params[i] ?? "(none)";
        if (!groups.has(label)) groups.set(label, []);
        groups.get(label).push(toNumber(values[i]));
      }
      let labels = [...groups.keys()];
      labels = isNumeric(labels) ? labels.sort((a, b) => Number(a) - Number(b)) : labels.sort();
      const mean = (xs) => xs.reduce((s, v) => s + v, 0) / xs.length;
      const ys = labels.map((l) => mean(groups.get(l)));
      trace = {
        type: "bar",
        x: labels.map(plotText),
        y: ys,
        marker: { color: PALETTE[0] },
        error_y: {
          type: "data",
          symmetric: false,
          array: labels.map((l, k) => Math.max(...groups.get(l)) - ys[k]),
          arrayminus: labels.map((l, k) => ys[k] - Math.min(...groups.get(l))),
        },
        customdata: labels.map((l) => groups.get(l).length),
        hovertemplate: `${plotText(key)}=%{x}<br>mean %{y} of %{customdata} run(s)<extra></extra>`,
      };
      xaxis = { type: "category", title: { text: plotText(key) } };
    }
    const layout = baseLayout({ showlegend: false });
    layout.xaxis = { ...layout.xaxis, ...xaxis };
    layout.yaxis = { ...layout.yaxis, type: this.settings.log ? "log" : "linear" };
    layout.uirevision = `${metric}|bar|${key}`;
    Plotly.react(node, [trace], layout, { displaylogo: false, responsive: true });
    node.dataset.points = String(trace.x.length);
  }

  async fetchSeries(metric) {
    const m = this.model;
    const ids = this.runs.map((i) => m.id[i]);
    const query = new URLSearchParams({ run_ids: ids.join(","), key: metric });
    const range = this.settings.x === "step" ? this.ranges.get(metric) : null;
    if (range) {
      query.set("start_step", String(range[0]));
      query.set("end_step", String(range[1]));
    }
    return api(`/ui/api/series?${query}`);
  }

  async drawLine(Plotly, metric, token, request = null) {
    const node = this.chartNode(metric, "line");
    let data;
    try {
      data = await (request || this.fetchSeries(metric));
    } catch (err) {
      Plotly.purge(node);
      node.innerHTML = `<p class="form-error">${escapeHtml(err.message)}</p>`;
      return;
    }
    node.querySelector(":scope > p.form-error")?.remove();
    if (token !== this.drawToken) return;
    const { x: mode, smooth: weight, band, log } = this.settings;
    const m = this.model;
    const traces = [];
    let drawn = 0;
    let sampled = false;
    for (const s of data.series) {
      if (!s.step.length) continue;
      const i = m.index.get(s.run_id);
      const color = this.colors.get(s.run_id) || PALETTE[0];
      const name = m.name[i] || s.run_id;
      let xs;
      if (mode === "step") xs = s.step;
      else if (mode === "wall") xs = s.time;
      else {
        const origin = m.start[i] ?? s.time[0];
        xs = s.time.map((t) => (t - origin) / 1000);
      }
      sampled = sampled || !s.exact;
      if (band) {
        const { lo, hi } = envelope(s.lo, s.hi);
        traces.push({
          type: "scatter", mode: "lines", x: xs, y: hi, line: { width: 0, color },
          hoverinfo: "skip", showlegend: false, legendgroup: s.run_id,
        });
        traces.push({
          type: "scatter", mode: "lines", x: xs, y: lo, line: { width: 0, color },
          fill: "tonexty", fillcolor: withAlpha(color, 0.18),
          hoverinfo: "skip", showlegend: false, legendgroup: s.run_id,
        });
      }
      traces.push({
        type: "scatter",
        mode: s.step.length === 1 ? "markers" : "lines",
        name: plotText(name),
        x: xs,
        y: smooth(s.value, weight),
        line: { color, width: 1.5 },
        marker: { color },
        legendgroup: s.run_id,
        hovertemplate: `${plotText(name)}<br>%{x}: %{y}<extra></extra>`,
      });
      drawn += s.step.length;
    }
    const layout = baseLayout({ showlegend: data.series.length <= 12 });
    const xTitle = { step: "Step", relative: "Relative time (s)", wall: "Wall time" }[mode];
    layout.xaxis = { ...layout.xaxis, title: { text: xTitle }, type: mode === "wall" ? "date" : "linear" };
    layout.yaxis = { ...layout.yaxis, type: log ? "log" : "linear" };
    layout.uirevision = `${metric}|${mode}|${log ? "log" : "lin"}`;
    await Plotly.react(node, traces, layout, { displaylogo: false, responsive: true });
    node.dataset.points = String(drawn);
    node.dataset.sampled = String(sampled);
    node.dataset.runs = String(data.series.filter((s) => s.step.length).length);
    this.watchZoom(node, metric);
  }

  watchZoom(node, metric) {
    if (node.dataset.zoomWired) return;
    node.dataset.zoomWired = "1";
    node.on("plotly_relayout", (event) => {
      if (this.settings.x !== "step") return;
      let changed = false;
      if (event["xaxis.autorange"]) {
        changed = this.ranges.delete(metric);
      } else {
        // A drag reports "xaxis.range[0]"/"[1]"; Plotly.relayout(..., {"xaxis.range": [a, b]}) the pair.
        const pair = event["xaxis.range"] || [event["xaxis.range[0]"], event["xaxis.range[1]"]];
        if (pair[0] !== undefined && pair[1] !== undefined) {
          this.ranges.set(metric, [Math.floor(pair[0]), Math.ceil(pair[1])]);
          changed = true;
        }
      }
      if (changed) loadPlotly().then((Plotly) => this.drawLine(Plotly, metric, this.drawToken));
    });
  }

  rethemed() {
    if (!this.model) return;
    this.cardsFor = null;
    return this.draw(this.model, this.runs, this.settings);
  }
}
