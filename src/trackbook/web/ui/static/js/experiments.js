// The experiments list: search form, actions per experiment, viewing several together.

import { $, $$ } from "./common.js";
import { wireActions, wireCreate } from "./experiment_actions.js";

function start() {
  wireCreate($("#create-experiment"));
  const table = $("#experiments-table");
  if (table) wireActions(table);

  // The lifecycle toggle and the sort apply at once, like the search button.
  for (const id of ["#show-deleted", "#experiment-sort"]) {
    $(id)?.addEventListener("change", () => $("#experiment-search").requestSubmit());
  }

  const viewSelected = $("#view-selected");
  const selected = () => $$(".select-experiment:checked").map((box) => box.value);
  document.addEventListener("change", (event) => {
    if (event.target.matches(".select-experiment")) {
      const count = selected().length;
      viewSelected.disabled = count === 0;
      viewSelected.textContent = count > 1 ? `View runs of ${count} experiments` : "View runs of selected";
    }
  });
  viewSelected.addEventListener("click", () => {
    const ids = selected();
    if (ids.length) window.location.assign(`/experiments/${ids.join(",")}`);
  });
}

start();
