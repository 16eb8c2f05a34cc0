// Create, rename, delete and restore experiments (experiments list and experiment page).

import { $, mlflow, runDialog, showError } from "./common.js";

export function wireCreate(button) {
  button?.addEventListener("click", () => {
    runDialog($("#create-dialog"), async (data) => {
      const body = { name: data.get("name").trim() };
      const location = data.get("artifact_location").trim();
      if (location) body.artifact_location = location;
      const result = await mlflow("experiments/create", body);
      window.location.assign(`/experiments/${result.experiment_id}`);
    }, { values: { name: "", artifact_location: "" } });
  });
}

/** Buttons with data-action inside an element carrying data-experiment-id and data-name. */
export function wireActions(root) {
  root.addEventListener("click", async (event) => {
    const button = event.target.closest("button[data-action]");
    if (!button) return;
    const holder = button.closest("[data-experiment-id]");
    const id = holder.dataset.experimentId;
    const name = holder.dataset.name;
    const action = button.dataset.action;
    if (action === "rename") {
      runDialog($("#rename-dialog"), async (data) => {
        await mlflow("experiments/update", { experiment_id: id, new_name: data.get("new_name").trim() });
        window.location.reload();
      }, { values: { experiment_id: id, new_name: name } });
    } else if (action === "delete") {
      $("#delete-dialog .target-name").textContent = name;
      runDialog($("#delete-dialog"), async () => {
        await mlflow("experiments/delete", { experiment_id: id });
        window.location.reload();
      }, { values: { experiment_id: id } });
    } else if (action === "restore") {
      button.disabled = true;
      try {
        await mlflow("experiments/restore", { experiment_id: id });
        window.location.reload();
      } catch (err) {
        showError(err.message);
        button.disabled = false;
      }
    }
  });
}
