// Shared by every page: API calls, errors in the page, URL state, formatting, theme, dialogs.

export const $ = (selector, root = document) => root.querySelector(selector);
export const $$ = (selector, root = document) => Array.from(root.querySelectorAll(selector));

const ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
export function escapeHtml(value) {
  return String(value ?? "").replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

/** Text for Plotly labels: its renderer reads a few HTML tags, so those are escaped. */
export function plotText(value) {
  return String(value ?? "").replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

export class ApiError extends Error {
  constructor(message, code, status) {
    super(message);
    this.code = code;
    this.status = status;
  }
}

/** Fetch JSON; a non-2xx answer becomes an ApiError carrying the server's message. */
export async function api(url, { method = "GET", body, signal } = {}) {
  const init = { method, signal, headers: {} };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(url, init);
  } catch (err) {
    if (err.name === "AbortError") throw err;
    throw new ApiError(`Cannot reach the server (${err.message})`, "NETWORK", 0);
  }
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : {};
  } catch {
    data = null;
  }
  if (!response.ok) {
    const message = data && data.message ? data.message : `${response.status} ${response.statusText}`;
    throw new ApiError(message, data && data.error_code, response.status);
  }
  return data ?? {};
}

/** POST to MLflow's REST API as the browser UI does (``/ajax-api/2.0/mlflow/...``). */
export function mlflow(path, body) {
  return api(`/ajax-api/2.0/mlflow/${path}`, { method: "POST", body });
}

// -- errors shown in the page ---------------------------------------------------------
export function showError(message) {
  const banner = $("#error-banner");
  if (!banner) return;
  $(".banner-text", banner).textContent = String(message);
  banner.hidden = false;
}

export function clearError() {
  const banner = $("#error-banner");
  if (banner) banner.hidden = true;
}

function describe(reason) {
  if (!reason) return "Unknown error";
  return reason.message || String(reason);
}

window.addEventListener("error", (event) => showError(`Error: ${describe(event.error || event.message)}`));
window.addEventListener("unhandledrejection", (event) => {
  if (event.reason && event.reason.name === "AbortError") return;
  showError(describe(event.reason));
});

// -- URL state --------------------------------------------------------------------------
export function params() {
  return new URLSearchParams(window.location.search);
}

/** Merge into the query string without a reload; null, "" and false remove a key. */
export function setParams(patch) {
  const current = params();
  for (const [key, value] of Object.entries(patch)) {
    if (value === null || value === undefined || value === "" || value === false) current.delete(key);
    else current.set(key, value === true ? "1" : String(value));
  }
  const query = current.toString();
  const url = window.location.pathname + (query ? `?${query}` : "") + window.location.hash;
  window.history.replaceState(null, "", url);
}

export function listParam(name) {
  const raw = params().get(name);
  return raw ? raw.split(",").filter(Boolean) : null;
}

export function pageConfig() {
  const node = $("#page-config");
  return node ? JSON.parse(node.textContent) : {};
}

// -- formatting -------------------------------------------------------------------------
const pad = (n) => String(n).padStart(2, "0");

export function formatTime(ms) {
  if (ms === null || ms === undefined) return "";
  const d = new Date(Number(ms));
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

export function formatDuration(ms) {
  if (ms === null || ms === undefined || Number.isNaN(ms)) return "";
  const seconds = Math.max(0, ms) / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${Math.floor(seconds % 60)}s`;
  return `${Math.floor(minutes / 60)}h ${minutes % 60}m`;
}

/** Metric values: numbers, or the strings "NaN" / "Infinity" / "-Infinity" of protobuf-JSON. */
export function toNumber(value) {
  if (value === null || value === undefined) return null;
  if (typeof value === "number") return value;
  if (value === "NaN") return NaN;
  if (value === "Infinity") return Infinity;
  if (value === "-Infinity") return -Infinity;
  const n = Number(value);
  return Number.isNaN(n) ? null : n;
}

export function formatNumber(value) {
  const n = toNumber(value);
  if (n === null) return "";
  if (Number.isNaN(n)) return "NaN";
  if (!Number.isFinite(n)) return n > 0 ? "Infinity" : "-Infinity";
  if (Number.isInteger(n) && Math.abs(n) < 1e15) return String(n);
  return String(Number(n.toPrecision(6)));
}

function localiseTimes(root = document) {
  for (const node of $$("time[data-ms]", root)) {
    if (node.dataset.ms) node.textContent = formatTime(Number(node.dataset.ms));
  }
}

// -- theme ------------------------------------------------------------------------------
export function currentTheme() {
  return document.documentElement.dataset.theme === "dark" ? "dark" : "light";
}

function paintThemeButton() {
  const button = $("#theme-toggle");
  if (!button) return;
  const dark = currentTheme() === "dark";
  button.setAttribute("aria-pressed", String(dark));
  button.textContent = dark ? "Light theme" : "Dark theme";
}

function toggleTheme() {
  const next = currentTheme() === "dark" ? "light" : "dark";
  document.documentElement.dataset.theme = next;
  try {
    localStorage.setItem("trackbook.theme", next);
  } catch {
    // private mode: the choice lasts for this page only
  }
  paintThemeButton();
  document.dispatchEvent(new CustomEvent("themechange", { detail: next }));
}

/** Colours for Plotly layouts, read from the theme's CSS custom properties. */
export function plotTheme() {
  const style = getComputedStyle(document.documentElement);
  const v = (name) => style.getPropertyValue(name).trim();
  return { bg: v("--bg"), fg: v("--fg"), grid: v("--grid"), muted: v("--muted"), border: v("--border") };
}

export function baseLayout(extra = {}) {
  const t = plotTheme();
  return {
    paper_bgcolor: t.bg,
    plot_bgcolor: t.bg,
    font: { color: t.fg, size: 12 },
    margin: { l: 56, r: 16, t: 12, b: 44 },
    xaxis: { gridcolor: t.grid, zerolinecolor: t.border, automargin: true },
    yaxis: { gridcolor: t.grid, zerolinecolor: t.border, automargin: true },
    legend: { orientation: "h", y: -0.25 },
    hoverlabel: { namelength: -1 },
    ...extra,
  };
}

export const PALETTE = [
  "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
  "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
];

let plotlyPromise = null;
/** Load plotly.js (served from the installed plotly package) once, on first use. */
export function loadPlotly() {
  if (window.Plotly) return Promise.resolve(window.Plotly);
  if (!plotlyPromise) {
    plotlyPromise = afterLoad().then(() => new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = document.querySelector('meta[name="plotly-url"]').content;
      script.onload = () => resolve(window.Plotly);
      script.onerror = () => {
        plotlyPromise = null;
        reject(new Error("Could not load the charting library (plotly.js)"));
      };
      document.head.appendChild(script);
    }));
  }
  return plotlyPromise;
}

/** Resolves once the page has loaded: the 5 MB charting library never holds up "load". */
function afterLoad() {
  if (document.readyState === "complete") return Promise.resolve();
  return new Promise((resolve) => window.addEventListener("load", resolve, { once: true }));
}

/** Run ``draw(element)`` once each element scrolls near the viewport. */
export function whenVisible(elements, draw) {
  const observer = new IntersectionObserver((entries) => {
    for (const entry of entries) {
      if (!entry.isIntersecting) continue;
      observer.unobserve(entry.target);
      entry.target.dataset.drawn = "1";
      Promise.resolve(draw(entry.target)).catch((err) => showError(err.message));
    }
  }, { rootMargin: "200px" });
  for (const element of elements) observer.observe(element);
}

/** Start fetching plotly.js early (e.g. while table data loads) without executing it twice. */
export function preloadPlotly() {
  if (window.Plotly || document.querySelector('link[rel="preload"][as="script"]')) return;
  const link = document.createElement("link");
  link.rel = "preload";
  link.as = "script";
  link.href = document.querySelector('meta[name="plotly-url"]').content;
  document.head.appendChild(link);
}

// -- dialogs ----------------------------------------------------------------------------
/** Open a <dialog> whose form runs ``onSubmit(formData)``; errors stay in the dialog. */
export function runDialog(dialog, onSubmit, { values = {} } = {}) {
  const form = $("form", dialog);
  const error = $(".form-error", dialog);
  for (const [name, value] of Object.entries(values)) {
    const input = form.elements.namedItem(name);
    if (input) input.value = value;
  }
  if (error) error.hidden = true;
  form.onsubmit = async (event) => {
    event.preventDefault();
    const submit = $('button[type="submit"]', form);
    submit.disabled = true;
    try {
      await onSubmit(new FormData(form));
      dialog.close("ok");
    } catch (err) {
      if (error) {
        error.textContent = describe(err);
        error.hidden = false;
      } else {
        dialog.close("error");
        showError(describe(err));
      }
    } finally {
      submit.disabled = false;
    }
  };
  dialog.showModal();
  const first = $("input:not([type=hidden]), select, textarea, button[type=submit]", form);
  if (first) first.focus();
}

function wireDialogCloseButtons() {
  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-close]");
    if (button) button.closest("dialog")?.close("cancel");
  });
}

// -- start ------------------------------------------------------------------------------
function start() {
  paintThemeButton();
  $("#theme-toggle")?.addEventListener("click", toggleTheme);
  $("#error-banner .banner-close")?.addEventListener("click", clearError);
  wireDialogCloseButtons();
  localiseTimes();
}

start();
