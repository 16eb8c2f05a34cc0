// The "Columns…" dialog: pick metric, param and tag columns, with a search box for
// experiments that have thousands of keys (only matching keys are put in the DOM).

import { $, escapeHtml } from "./common.js";

const SHOWN_PER_GROUP = 300;
const GROUPS = [
  ["metrics", "Metrics"],
  ["params", "Parameters"],
  ["tags", "Tags"],
];

/** Resolves with the new list of column names, or null when cancelled. */
export function pickColumns(keys, chosen) {
  const dialog = $("#columns-dialog");
  const list = $("#columns-list", dialog);
  const search = $("#columns-search", dialog);
  const picked = new Set(chosen);

  const paint = () => {
    const needle = search.value.trim().toLowerCase();
    const html = [];
    for (const [prefix, title] of GROUPS) {
      const all = (keys[prefix] || []).filter((k) => !needle || k.toLowerCase().includes(needle));
      const shown = all.slice(0, SHOWN_PER_GROUP);
      html.push(`<fieldset><legend>${title} (${all.length})</legend>`);
      for (const key of shown) {
        const name = `${prefix}.${key}`;
        html.push(
          `<label><input type="checkbox" value="${escapeHtml(name)}"${picked.has(name) ? " checked" : ""}> ${escapeHtml(key)}</label>`,
        );
      }
      if (all.length > shown.length) {
        html.push(`<p class="more">${all.length - shown.length} more: type to narrow the list.</p>`);
      }
      if (!all.length) html.push(`<p class="more">None.</p>`);
      html.push("</fieldset>");
    }
    if (keys.truncated) html.push(`<p class="more">Only the first keys of each kind are listed.</p>`);
    list.innerHTML = html.join("");
  };

  return new Promise((resolve) => {
    search.value = "";
    paint();
    search.oninput = paint;
    list.onchange = (event) => {
      if (event.target.matches("input[type=checkbox]")) {
        if (event.target.checked) picked.add(event.target.value);
        else picked.delete(event.target.value);
      }
    };
    $("#columns-none", dialog).onclick = () => {
      picked.clear();
      paint();
    };
    const form = $("form", dialog);
    form.onsubmit = (event) => {
      event.preventDefault();
      dialog.close("ok");
      // Keep the order the user already had, new picks at the end.
      const ordered = chosen.filter((c) => picked.has(c));
      for (const c of picked) if (!ordered.includes(c)) ordered.push(c);
      resolve(ordered);
    };
    dialog.onclose = () => {
      if (dialog.returnValue !== "ok") resolve(null);
    };
    dialog.returnValue = "";
    dialog.showModal();
    search.focus();
  });
}
