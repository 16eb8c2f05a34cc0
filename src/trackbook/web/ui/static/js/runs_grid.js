// The runs table: a virtual-scrolling <table> (only the rows in view exist in the DOM),
// sortable headers, checkbox selection with shift-click ranges, folding of nested runs,
// and keyboard movement between rows.

import { escapeHtml, formatDuration, formatNumber, formatTime } from "./common.js";

const ROW_HEIGHT = 32;
const OVERSCAN = 12;

const FIXED_COLUMNS = [
  { id: "name", label: "Run name", sort: "name", width: 240 },
  { id: "experiment", label: "Experiment", sort: "experiment", width: 160, multiOnly: true },
  { id: "user", label: "User", sort: "user", width: 120 },
  { id: "source", label: "Source", sort: "source", width: 160 },
  { id: "status", label: "Status", sort: "status", width: 100 },
  { id: "start", label: "Started", sort: "start", width: 165 },
  { id: "duration", label: "Duration", sort: "duration", width: 95 },
];

const KIND_LABEL = { metrics: "metric", params: "param", tags: "tag" };

export function columnLabel(name) {
  const dot = name.indexOf(".");
  return { kind: KIND_LABEL[name.slice(0, dot)] || "", key: name.slice(dot + 1) };
}

export class RunsGrid {
  /**
   * ``host``: the scroll container. ``callbacks``: onSort(column), onSelect(),
   * onFold(runId).
   */
  constructor(host, callbacks) {
    this.host = host;
    this.callbacks = callbacks;
    this.model = null;
    this.rows = [];
    this.selection = new Set();
    this.expanded = new Set();
    this.columns = [];
    this.sort = "start:desc";
    this.experimentNames = new Map();
    this.multi = false;
    this.lastClicked = null;
    this.range = [-1, -1];
    host.addEventListener("scroll", () => this.scheduleRender());
    host.addEventListener("click", (event) => this.onClick(event));
    host.addEventListener("keydown", (event) => this.onKeyDown(event));
    new ResizeObserver(() => this.scheduleRender()).observe(host);
  }

  /** Rebuild the table for new data, columns or nesting (keeps scroll position). */
  setData({ model, rows, columns, sort, experimentNames }) {
    this.model = model;
    this.rows = rows;
    this.columns = columns;
    this.sort = sort;
    this.experimentNames = experimentNames;
    this.multi = experimentNames.size > 1;
    this.buildTable();
    this.range = [-1, -1];
    this.render();
  }

  fixedColumns() {
    return FIXED_COLUMNS.filter((c) => !c.multiOnly || this.multi);
  }

  buildTable() {
    const [sortColumn, sortDir] = splitSort(this.sort);
    const fixed = this.fixedColumns();
    const cols = [`<col style="width:40px">`];
    const heads = [
      `<th scope="col" class="col-check"><input type="checkbox" class="select-all" aria-label="Select all runs"></th>`,
    ];
    const headCell = (id, inner, width, title) => {
      const sorted = sortColumn === id;
      const ariaSort = sorted ? (sortDir === "asc" ? "ascending" : "descending") : "none";
      cols.push(`<col style="width:${width}px">`);
      heads.push(
        `<th scope="col" aria-sort="${ariaSort}" data-column="${escapeHtml(id)}" title="${escapeHtml(title)}">` +
          `<button type="button" class="sort" data-sort="${escapeHtml(id)}">${inner}</button></th>`,
      );
    };
    for (const c of fixed) headCell(c.id, escapeHtml(c.label), c.width, `Sort by ${c.label}`);
    for (const name of this.columns) {
      const { kind, key } = columnLabel(name);
      headCell(name, `<span class="col-kind">${kind}</span> ${escapeHtml(key)}`, 130, name);
    }
    cols.push(`<col style="width:90px">`);
    heads.push(`<th scope="col">Artifacts</th>`);
    this.columnCount = heads.length;
    this.host.innerHTML =
      `<table class="runs" role="grid" aria-label="Runs" aria-multiselectable="true" aria-rowcount="${this.rows.length + 1}">` +
      `<colgroup>${cols.join("")}</colgroup><thead><tr aria-rowindex="1">${heads.join("")}</tr></thead>` +
      `<tbody></tbody></table>` +
      (this.rows.length ? "" : `<p class="empty" id="no-runs">No runs match.</p>`);
    this.tbody = this.host.querySelector("tbody");
    this.selectAll = this.host.querySelector(".select-all");
    this.selectAll.addEventListener("change", () => this.toggleAll(this.selectAll.checked));
    this.paintSelectAll();
  }

  scheduleRender() {
    if (this.pending) return;
    this.pending = requestAnimationFrame(() => {
      this.pending = 0;
      this.render();
    });
  }

  visibleRange() {
    const headerHeight = this.host.querySelector("thead")?.offsetHeight || ROW_HEIGHT;
    const top = Math.max(0, this.host.scrollTop - headerHeight);
    const visible = Math.ceil(this.host.clientHeight / ROW_HEIGHT) + 1;
    const first = Math.max(0, Math.floor(top / ROW_HEIGHT) - OVERSCAN);
    const last = Math.min(this.rows.length, first + visible + 2 * OVERSCAN);
    return [first, last];
  }

  render(force = false) {
    if (!this.model || !this.tbody) return;
    const [first, last] = this.visibleRange();
    if (!force && first === this.range[0] && last === this.range[1]) return;
    const focus = this.focusedCell();
    this.range = [first, last];
    const parts = [];
    const span = this.columnCount;
    if (first > 0) parts.push(`<tr class="spacer" aria-hidden="true"><td colspan="${span}" style="height:${first * ROW_HEIGHT}px"></td></tr>`);
    for (let r = first; r < last; r++) parts.push(this.rowHtml(r));
    const rest = this.rows.length - last;
    if (rest > 0) parts.push(`<tr class="spacer" aria-hidden="true"><td colspan="${span}" style="height:${rest * ROW_HEIGHT}px"></td></tr>`);
    this.tbody.innerHTML = parts.join("");
    if (focus) this.focusCell(focus.row, focus.role, false);
  }

  rowHtml(r) {
    const m = this.model;
    const { i, depth, children } = this.rows[r];
    const id = escapeHtml(m.id[i]);
    const selected = this.selection.has(m.id[i]);
    const name = m.name[i] || m.id[i];
    const cells = [
      `<td class="col-check"><input type="checkbox" class="select-run" data-row="${r}" data-role="select"${selected ? " checked" : ""} aria-label="Select run ${escapeHtml(name)}"></td>`,
    ];
    let fold = "";
    if (children) {
      const open = this.expanded.has(m.id[i]) || this.expandAll;
      fold = `<button type="button" class="fold" data-run="${id}" data-role="fold" aria-expanded="${open}" aria-label="${open ? "Hide" : "Show"} ${children} child run${children === 1 ? "" : "s"} of ${escapeHtml(name)}">${open ? "▾" : "▸"} ${children}</button>`;
    }
    const indent = depth ? `<span class="indent" style="width:${depth * 18}px"></span>` : "";
    cells.push(
      `<td class="name">${indent}${fold}<a href="/runs/${id}" data-role="open" title="${escapeHtml(name)}">${escapeHtml(name)}</a></td>`,
    );
    if (this.multi) {
      const eid = m.experiment[i];
      cells.push(`<td>${escapeHtml(this.experimentNames.get(eid) || eid)}</td>`);
    }
    const source = m.source[i] || "";
    const shortSource = source.split("/").filter(Boolean).pop() || source;
    cells.push(
      `<td>${escapeHtml(m.user[i])}</td>`,
      `<td title="${escapeHtml(source)}">${escapeHtml(shortSource)}</td>`,
      `<td><span class="badge status-${escapeHtml(String(m.status[i]).toLowerCase())}">${escapeHtml(m.status[i])}</span></td>`,
      `<td>${formatTime(m.start[i])}</td>`,
      `<td>${m.end[i] != null ? formatDuration(m.end[i] - m.start[i]) : ""}</td>`,
    );
    for (const name of this.columns) {
      const values = m.columns[name];
      const value = values ? values[i] : null;
      if (name.startsWith("metrics.")) {
        cells.push(`<td class="kind-metric">${formatNumber(value)}</td>`);
      } else {
        cells.push(`<td title="${escapeHtml(value ?? "")}">${escapeHtml(value ?? "")}</td>`);
      }
    }
    cells.push(`<td><a href="/runs/${id}?tab=artifacts" aria-label="Artifacts of ${escapeHtml(name)}">Artifacts</a></td>`);
    const deleted = m.stage[i] === "deleted" ? ' class="deleted"' : "";
    return `<tr data-run="${id}" data-row="${r}" aria-rowindex="${r + 2}" aria-selected="${selected}"${deleted}>${cells.join("")}</tr>`;
  }

  // -- selection ------------------------------------------------------------------------
  onClick(event) {
    const target = event.target;
    const sortButton = target.closest("button.sort");
    if (sortButton) {
      this.callbacks.onSort(sortButton.dataset.sort);
      return;
    }
    const fold = target.closest("button.fold");
    if (fold) {
      this.callbacks.onFold(fold.dataset.run);
      return;
    }
    if (target.matches("input.select-run")) {
      const r = Number(target.dataset.row);
      const checked = target.checked;
      if (event.shiftKey && this.lastClicked !== null) {
        const [a, b] = [Math.min(this.lastClicked, r), Math.max(this.lastClicked, r)];
        for (let k = a; k <= b; k++) this.setSelected(this.model.id[this.rows[k].i], checked);
      } else {
        this.setSelected(this.model.id[this.rows[r].i], checked);
      }
      this.lastClicked = r;
      this.render(true);
      this.paintSelectAll();
      this.callbacks.onSelect();
    }
  }

  setSelected(id, on) {
    if (on) this.selection.add(id);
    else this.selection.delete(id);
  }

  toggleAll(on) {
    if (on) for (const id of this.model.id) this.selection.add(id);
    else this.selection.clear();
    this.lastClicked = null;
    this.render(true);
    this.paintSelectAll();
    this.callbacks.onSelect();
  }

  /** Keep only selected runs that are still in the result. */
  pruneSelection(model) {
    for (const id of [...this.selection]) if (!model.index.has(id)) this.selection.delete(id);
  }

  paintSelectAll() {
    if (!this.selectAll || !this.model) return;
    const total = this.model.id.length;
    const count = this.selection.size;
    this.selectAll.checked = total > 0 && count >= total;
    this.selectAll.indeterminate = count > 0 && count < total;
  }

  // -- keyboard ---------------------------------------------------------------------------
  focusedCell() {
    const active = document.activeElement;
    if (!active || !this.tbody || !this.tbody.contains(active)) return null;
    const row = active.closest("tr[data-row]");
    return row ? { row: Number(row.dataset.row), role: active.dataset.role || "select" } : null;
  }

  focusCell(r, role, scroll = true) {
    if (r < 0 || r >= this.rows.length) return;
    if (scroll) {
      const headerHeight = this.host.querySelector("thead")?.offsetHeight || ROW_HEIGHT;
      const top = r * ROW_HEIGHT;
      const view = this.host.clientHeight - headerHeight;
      if (top < this.host.scrollTop) this.host.scrollTop = top;
      else if (top + ROW_HEIGHT > this.host.scrollTop + view) this.host.scrollTop = top + ROW_HEIGHT - view;
      this.render();
    }
    const row = this.tbody.querySelector(`tr[data-row="${r}"]`);
    const el = row?.querySelector(`[data-role="${role}"]`) || row?.querySelector('[data-role="select"]');
    el?.focus({ preventScroll: true });
  }

  onKeyDown(event) {
    const at = this.focusedCell();
    if (!at) return;
    const page = Math.max(1, Math.floor(this.host.clientHeight / ROW_HEIGHT) - 2);
    const moves = {
      ArrowDown: at.row + 1,
      ArrowUp: at.row - 1,
      PageDown: at.row + page,
      PageUp: at.row - page,
      Home: 0,
      End: this.rows.length - 1,
    };
    if (!(event.key in moves)) return;
    event.preventDefault();
    const target = Math.max(0, Math.min(this.rows.length - 1, moves[event.key]));
    this.focusCell(target, at.role);
  }
}

export function splitSort(order) {
  const at = order.lastIndexOf(":");
  return at < 0 ? [order, "asc"] : [order.slice(0, at), order.slice(at + 1)];
}
