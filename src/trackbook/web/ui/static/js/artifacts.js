// The artifact browser: a lazily loaded tree of a run's files (through the server's
// artifacts/list endpoint) and previews of text, JSON, YAML, CSV (as a table) and images,
// each with a download link.

import { api, escapeHtml, setParams, showError } from "./common.js";
import { parseCsv } from "./csv.js";

const MAX_PREVIEW_BYTES = 2 * 1024 * 1024;
const MAX_CSV_ROWS = 500;
const IMAGE = new Set(["png", "jpg", "jpeg", "gif", "webp", "bmp", "ico"]);
const TEXT = new Set([
  "txt", "log", "md", "py", "sh", "cfg", "ini", "toml", "yaml", "yml", "json", "xml", "html", "htm",
  "js", "ts", "css", "r", "sql", "ipynb", "conf", "properties", "env", "requirements", "lock",
]);
const NAMED_TEXT = new Set(["MLmodel", "Dockerfile", "LICENSE", "README", "requirements.txt", "conda.yaml"]);

function extension(path) {
  const name = path.split("/").pop();
  const dot = name.lastIndexOf(".");
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : "";
}

function humanSize(bytes) {
  if (bytes === undefined || bytes === null) return "";
  const units = ["B", "KB", "MB", "GB", "TB"];
  let value = Number(bytes);
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit ? value.toFixed(1) : value} ${units[unit]}`;
}

export class ArtifactBrowser {
  constructor({ runId, tree, preview, empty }) {
    this.runId = runId;
    this.tree = tree;
    this.preview = preview;
    this.empty = empty;
    this.loaded = new Map(); // dir path -> <ul>
    tree.addEventListener("click", (event) => this.onClick(event));
    tree.addEventListener("keydown", (event) => this.onKey(event));
  }

  downloadUrl(path) {
    return `/get-artifact?run_uuid=${encodeURIComponent(this.runId)}&path=${encodeURIComponent(path)}`;
  }

  async list(path) {
    const files = [];
    let token = "";
    for (let page = 0; page < 20; page++) {
      const query = new URLSearchParams({ run_id: this.runId });
      if (path) query.set("path", path);
      if (token) query.set("page_token", token);
      const data = await api(`/ajax-api/2.0/mlflow/artifacts/list?${query}`);
      files.push(...(data.files || []));
      token = data.next_page_token;
      if (!token) break;
    }
    files.sort((a, b) => (b.is_dir - a.is_dir) || a.path.localeCompare(b.path));
    return files;
  }

  itemHtml(file) {
    const name = file.path.split("/").pop();
    const dir = Boolean(file.is_dir);
    const expanded = dir ? ' aria-expanded="false"' : "";
    return (
      `<li role="treeitem" tabindex="-1" data-path="${escapeHtml(file.path)}" data-dir="${dir}"${expanded} aria-selected="false">` +
      `<span class="node"><span class="icon" aria-hidden="true"></span><span class="node-name">${escapeHtml(name)}</span>` +
      `${dir ? "" : `<span class="size">${humanSize(file.file_size)}</span>`}</span></li>`
    );
  }

  async fill(ul, path) {
    let files;
    try {
      files = await this.list(path);
    } catch (err) {
      ul.innerHTML = `<li class="form-error">${escapeHtml(err.message)}</li>`;
      return [];
    }
    ul.innerHTML = files.map((f) => this.itemHtml(f)).join("");
    this.loaded.set(path, ul);
    return files;
  }

  /** Load the root and, for a deep link, open the folders down to ``path`` and preview it. */
  async open(path) {
    const files = await this.fill(this.tree, "");
    if (!files.length && !this.tree.querySelector(".form-error")) this.empty.hidden = false;
    const first = this.tree.querySelector("li[role=treeitem]");
    if (first) first.tabIndex = 0;
    if (!path) return;
    const parts = path.split("/");
    for (let k = 1; k < parts.length; k++) {
      const item = this.item(parts.slice(0, k).join("/"));
      if (item && item.dataset.dir === "true") await this.expand(item, true);
    }
    const target = this.item(path);
    if (target) {
      if (target.dataset.dir === "true") await this.expand(target, true);
      else await this.select(target);
    }
  }

  item(path) {
    for (const li of this.tree.querySelectorAll("li[role=treeitem]")) if (li.dataset.path === path) return li;
    return null;
  }

  async expand(li, open) {
    li.setAttribute("aria-expanded", String(open));
    let group = li.querySelector(":scope > ul");
    if (open && !group) {
      group = document.createElement("ul");
      group.setAttribute("role", "group");
      li.appendChild(group);
      await this.fill(group, li.dataset.path);
    }
    if (group) group.hidden = !open;
  }

  async onClick(event) {
    const li = event.target.closest("li[role=treeitem]");
    if (!li) return;
    event.stopPropagation();
    this.focus(li);
    if (li.dataset.dir === "true") await this.expand(li, li.getAttribute("aria-expanded") !== "true");
    else await this.select(li);
  }

  focus(li) {
    for (const other of this.tree.querySelectorAll("li[role=treeitem]")) other.tabIndex = -1;
    li.tabIndex = 0;
    li.focus();
  }

  visibleItems() {
    return [...this.tree.querySelectorAll("li[role=treeitem]")].filter((li) => !li.closest("ul[hidden]"));
  }

  onKey(event) {
    const li = event.target.closest("li[role=treeitem]");
    if (!li) return;
    const items = this.visibleItems();
    const at = items.indexOf(li);
    const dir = li.dataset.dir === "true";
    const open = li.getAttribute("aria-expanded") === "true";
    const parent = li.parentElement.closest("li[role=treeitem]");
    const actions = {
      ArrowDown: () => at < items.length - 1 && this.focus(items[at + 1]),
      ArrowUp: () => at > 0 && this.focus(items[at - 1]),
      ArrowRight: () => dir && !open && this.expand(li, true),
      ArrowLeft: () => (dir && open ? this.expand(li, false) : parent && this.focus(parent)),
      Home: () => this.focus(items[0]),
      End: () => this.focus(items[items.length - 1]),
      Enter: () => (dir ? this.expand(li, !open) : this.select(li)),
      " ": () => (dir ? this.expand(li, !open) : this.select(li)),
    };
    const action = actions[event.key];
    if (!action) return;
    event.preventDefault();
    Promise.resolve(action()).catch((err) => showError(err.message));
  }

  async select(li) {
    for (const other of this.tree.querySelectorAll("[aria-selected=true]")) other.setAttribute("aria-selected", "false");
    li.setAttribute("aria-selected", "true");
    const path = li.dataset.path;
    setParams({ path });
    await this.showPreview(path, li.querySelector(".size")?.textContent || "");
  }

  async showPreview(path, size) {
    const url = this.downloadUrl(path);
    const name = path.split("/").pop();
    const head =
      `<div class="preview-head"><h2 id="preview-title">${escapeHtml(path)}</h2>` +
      `<span class="muted">${escapeHtml(size)}</span>` +
      `<a class="button" href="${url}" download="${escapeHtml(name)}">Download</a></div>`;
    const ext = extension(path);
    this.preview.innerHTML = `${head}<p class="muted">Loading preview…</p>`;
    const body = (html) => {
      this.preview.innerHTML = head + html;
    };
    if (IMAGE.has(ext)) {
      body(`<img class="preview-image" src="${url}" alt="${escapeHtml(name)}">`);
      return;
    }
    let response;
    try {
      response = await fetch(url);
    } catch (err) {
      body(`<p class="form-error">Cannot download: ${escapeHtml(err.message)}</p>`);
      return;
    }
    if (!response.ok) {
      let message = `${response.status} ${response.statusText}`;
      try {
        message = (await response.json()).message || message;
      } catch {
        // not JSON
      }
      body(`<p class="form-error">${escapeHtml(message)}</p>`);
      return;
    }
    const length = Number(response.headers.get("content-length") || 0);
    if (length > MAX_PREVIEW_BYTES) {
      body(`<p class="muted">Too large to preview (${escapeHtml(size)}); download it instead.</p>`);
      return;
    }
    const blob = await response.blob();
    if (ext === "svg") {
      // Drawn through <img> from a typed blob: the image renders, any script in it does not run.
      const svgUrl = URL.createObjectURL(new Blob([blob], { type: "image/svg+xml" }));
      body(`<img class="preview-image" src="${svgUrl}" alt="${escapeHtml(name)}">`);
      return;
    }
    const bytes = new Uint8Array(await blob.slice(0, 4096).arrayBuffer());
    const binary = bytes.includes(0);
    const knownText = TEXT.has(ext) || NAMED_TEXT.has(name) || ext === "csv" || ext === "tsv";
    if (binary || (!knownText && blob.size > MAX_PREVIEW_BYTES)) {
      body(`<p class="muted">No preview for this kind of file; download it instead.</p>`);
      return;
    }
    const text = await blob.text();
    if (ext === "json") {
      let pretty = text;
      try {
        pretty = JSON.stringify(JSON.parse(text), null, 2);
      } catch {
        // invalid JSON is shown as it is
      }
      body(`<pre class="code preview-json">${escapeHtml(pretty)}</pre>`);
    } else if (ext === "csv" || ext === "tsv") {
      body(this.csvTable(text, ext === "tsv" ? "\t" : ","));
    } else if (ext === "yaml" || ext === "yml" || name === "MLmodel") {
      body(`<pre class="code preview-yaml">${escapeHtml(text)}</pre>`);
    } else {
      body(`<pre class="code preview-text">${escapeHtml(text)}</pre>`);
    }
  }

  csvTable(text, delimiter) {
    const rows = parseCsv(text, { delimiter, maxRows: MAX_CSV_ROWS + 1 });
    if (!rows.length) return `<p class="empty">Empty file.</p>`;
    const [header, ...rest] = rows;
    const shown = rest.slice(0, MAX_CSV_ROWS - 1);
    const more = rest.length > shown.length ? `<p class="muted">Showing the first ${shown.length} rows.</p>` : "";
    return (
      `<div class="table-wrap"><table class="data preview-csv"><thead><tr>` +
      header.map((h) => `<th scope="col">${escapeHtml(h)}</th>`).join("") +
      `</tr></thead><tbody>` +
      shown.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join("")}</tr>`).join("") +
      `</tbody></table></div>${more}`
    );
  }
}
