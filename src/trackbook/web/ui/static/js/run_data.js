// The runs of a view as decoded columns, and the display order with nested runs folded.

import { api } from "./common.js";

function decode(column) {
  if (Array.isArray(column)) return column;
  const { dict, codes } = column;
  const out = new Array(codes.length);
  for (let i = 0; i < codes.length; i++) out[i] = dict[codes[i]];
  return out;
}

/** Ask the server for the runs of ``ids`` matching the view; columns are "metrics.x" etc. */
export async function fetchRuns({ ids, filter, stage, order, columns, signal, limit }) {
  const query = new URLSearchParams({ experiment_ids: ids.join(","), stage, order });
  if (filter) query.set("filter", filter);
  if (limit) query.set("limit", String(limit));
  if (columns.length) query.set("columns", columns.join(","));
  const data = await api(`/ui/api/runs?${query}`, { signal });
  const r = data.runs;
  const model = {
    count: data.count,
    truncated: data.truncated,
    limit: data.limit,
    id: r.run_id,
    name: r.name,
    experiment: decode(r.experiment_id),
    user: decode(r.user),
    status: decode(r.status),
    start: r.start,
    end: r.end,
    stage: decode(r.stage),
    source: decode(r.source),
    parent: r.parent,
    columns: {},
    index: new Map(),
  };
  for (const [name, values] of Object.entries(data.columns)) model.columns[name] = decode(values);
  for (let i = 0; i < model.id.length; i++) model.index.set(model.id[i], i);
  return model;
}

/**
 * Rows in display order: a run whose parent (tag mlflow.parentRunId) is in the result
 * goes under it, folded unless the parent is in ``expanded``. Returns
 * ``{rows: [{i, depth, children}], parents: number}``.
 */
export function displayRows(model, expanded, expandAll) {
  const n = model.id.length;
  const parentOf = new Int32Array(n).fill(-1);
  for (let i = 0; i < n; i++) {
    const parent = model.parent[i];
    const p = parent ? model.index.get(parent) : undefined;
    if (p !== undefined && p !== i) parentOf[i] = p;
  }
  // A cycle of parent tags (a under b under a) must not hide its runs: break it.
  for (let i = 0; i < n; i++) {
    let p = parentOf[i];
    for (let hops = 0; p !== -1 && hops <= n; hops++) {
      if (p === i) {
        parentOf[i] = -1;
        break;
      }
      p = parentOf[p];
    }
  }
  const children = new Map();
  const top = [];
  for (let i = 0; i < n; i++) {
    const p = parentOf[i];
    if (p === -1) top.push(i);
    else {
      if (!children.has(p)) children.set(p, []);
      children.get(p).push(i);
    }
  }
  const rows = [];
  const visit = (i, depth) => {
    const kids = children.get(i);
    rows.push({ i, depth, children: kids ? kids.length : 0 });
    if (kids && (expandAll || expanded.has(model.id[i]))) {
      for (const k of kids) visit(k, depth + 1);
    }
  };
  for (const i of top) visit(i, 0);
  return { rows, parents: children.size };
}

/** Every run of the result in nesting order (folded children included): for exports. */
export function allRowsInOrder(model) {
  return displayRows(model, new Set(), true).rows;
}
