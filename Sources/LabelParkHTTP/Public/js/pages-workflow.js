// The project page's workflow panels for managers (issue #5): annotators paused by auto-pause, with a
// Reinstate button each, and the import batches with their acceptance inspections as the batches list gives
// them (start one on an open batch; follow one on the reviewer page in inspection mode).

import { t, lang } from "/static/js/i18n.js";
import { api } from "/static/js/api.js";
import {
  el, clear, formatCount, formatTime, showError, showStatus, errorText, withFreshSession,
} from "/static/js/pages-dom.js";

const byId = (id) => document.getElementById(id);

function formatPercent(share) {
  if (typeof share !== "number" || !Number.isFinite(share)) return "—";
  return new Intl.NumberFormat(lang(), { style: "percent", maximumFractionDigits: 1 }).format(share);
}

// MARK: paused annotators

/** Fills `#paused-annotators` and wires its Reinstate buttons. */
export async function setUpPausedAnnotators(projectID) {
  const section = byId("paused-section");
  const body = document.querySelector("#paused-annotators tbody");
  const empty = byId("paused-empty");
  const status = byId("paused-status");

  /** An empty table is hidden; its sentence says nobody is paused. */
  function showEmpty() {
    const none = body.rows.length === 0;
    empty.hidden = !none;
    body.closest("table").hidden = none;
  }

  async function reinstate(pause, row, button) {
    button.disabled = true;
    showStatus(status, t("project.workflow.reinstating", { name: pause.name }));
    try {
      await withFreshSession(() => api("DELETE", `/api/v1/projects/${projectID}/pauses/${pause.user_id}`));
      showStatus(status, t("project.workflow.reinstated", { name: pause.name }), "ok");
    } catch (error) {
      if (error?.status !== 404) {
        button.disabled = false;
        showError(status, error, "project.workflow.reinstateFailed");
        return;
      }
      // Someone else reinstated them first: the outcome is the same.
      showStatus(status, t("project.workflow.alreadyReinstated", { name: pause.name }), "ok");
    }
    const next = row.nextElementSibling ?? row.previousElementSibling;
    row.remove();
    showEmpty();
    (next?.querySelector("button.reinstate") ?? byId("refresh-paused")).focus();
  }

  function pausedRow(pause) {
    const button = el("button", {
      className: "reinstate small",
      text: t("project.workflow.reinstate"),
      attrs: { type: "button", "aria-label": t("project.workflow.reinstateLabel", { name: pause.name }) },
    });
    const row = el("tr", { attrs: { "data-testid": "paused-row", "data-user-id": pause.user_id } }, [
      el("th", { className: "name", text: pause.name, attrs: { scope: "row" } }),
      el("td", {
        className: "num accuracy",
        text: t("project.workflow.pausedAccuracyValue", {
          accuracy: formatPercent(pause.accuracy),
          window: formatCount(pause.window),
        }),
      }),
      el("td", { className: "when" }, [
        el("time", { text: formatTime(pause.paused_at), attrs: { datetime: pause.paused_at } }),
      ]),
      el("td", { className: "actions" }, [button]),
    ]);
    button.addEventListener("click", () => reinstate(pause, row, button));
    return row;
  }

  async function load() {
    try {
      const { json } = await api("GET", `/api/v1/projects/${projectID}/pauses`);
      clear(body);
      for (const pause of json.paused ?? []) body.append(pausedRow(pause));
      showEmpty();
    } catch (error) {
      if (error?.status === 403) {
        section.hidden = true;
        return;
      }
      showError(status, error, "project.workflow.pausedFailed");
    }
  }

  byId("refresh-paused").addEventListener("click", () => {
    showStatus(status, "");
    load();
  });
  await load();
}

// MARK: batches and inspections

/** Fills `#batches`: each batch's status, its inspections, and a form to start one on an open batch. */
export async function setUpBatches(projectID) {
  const section = byId("batches-section");
  const body = document.querySelector("#batches tbody");
  const empty = byId("batches-empty");
  const status = byId("batches-status");

  function inspectionItem(inspection) {
    const parts = [
      t(`project.workflow.inspectionStatus_${inspection.status}`),
      t("project.workflow.inspectionDecided", {
        decided: formatCount(inspection.decided ?? 0),
        sampled: formatCount(inspection.sampled ?? 0),
      }),
      t("project.workflow.inspectionDefects", { defects: formatCount(inspection.defects ?? 0) }),
    ];
    if (typeof inspection.accuracy === "number") {
      parts.push(t("project.workflow.inspectionAccuracy", { accuracy: formatPercent(inspection.accuracy) }));
    }
    parts.push(t("project.workflow.inspectionAql", { aql: formatPercent(inspection.aql) }));
    const item = el(
      "li",
      {
        className: `inspection inspection-${inspection.status}`,
        attrs: { "data-testid": "inspection", "data-inspection-id": inspection.id, "data-status": inspection.status },
      },
      [
        el("span", { className: "inspection-name", text: t("project.workflow.inspectionName", { id: inspection.id }) }),
        " ",
        el("span", { className: "inspection-summary", text: parts.join(" · ") }),
      ],
    );
    if (inspection.status === "open") {
      item.append(
        " ",
        el("a", {
          className: "inspection-link",
          text: t("project.workflow.inspectionReview"),
          attrs: { href: `/projects/${projectID}/review?inspection=${inspection.id}` },
        }),
      );
    }
    return item;
  }

  function startForm(batch, row) {
    const sampleID = `inspect-${batch.id}-sample`;
    const aqlID = `inspect-${batch.id}-aql`;
    const errorID = `inspect-${batch.id}-error`;
    const sample = el("input", {
      className: "sample-size",
      attrs: {
        id: sampleID, type: "number", min: 1, max: 100000, step: 1, inputmode: "numeric",
        value: Math.max(1, Math.min(50, batch.task_count ?? 50)), "aria-describedby": errorID,
      },
    });
    const aql = el("input", {
      className: "aql",
      attrs: { id: aqlID, type: "number", min: 0, max: 100, step: "any", inputmode: "decimal", value: 98, "aria-describedby": errorID },
    });
    const button = el("button", { className: "start-inspection small", text: t("project.workflow.startInspection"), attrs: { type: "submit" } });
    const error = el("p", { className: "field-error inspection-error", attrs: { id: errorID }, hidden: true });
    const form = el("form", { className: "inspection-form", attrs: { novalidate: true, "aria-label": t("project.workflow.startLabel", { id: batch.id }) } }, [
      el("div", { className: "inline-inputs" }, [
        el("label", { text: t("project.workflow.sampleSize"), attrs: { for: sampleID } }),
        sample,
        el("label", { text: t("project.workflow.aql"), attrs: { for: aqlID } }),
        aql,
        button,
      ]),
      error,
    ]);
    const fail = (input, message) => {
      error.textContent = message;
      error.hidden = false;
      input?.setAttribute("aria-invalid", "true");
      input?.focus();
    };
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      error.hidden = true;
      sample.removeAttribute("aria-invalid");
      aql.removeAttribute("aria-invalid");
      const size = Number(sample.value);
      if (!Number.isInteger(size) || size < 1 || size > 100000) {
        fail(sample, t("project.settings.wholeNumber", { min: 1, max: 100000 }));
        return;
      }
      const percent = Number(aql.value);
      if (aql.value.trim() === "" || !Number.isFinite(percent) || percent <= 0 || percent > 100) {
        fail(aql, t("project.qualitySettings.numberAbove", { min: 0, max: 100 }));
        return;
      }
      button.disabled = true;
      try {
        const { json: inspection } = await withFreshSession(() =>
          api("POST", `/api/v1/projects/${projectID}/batches/${batch.id}/inspections`, {
            body: { sample_size: size, aql: Number((percent / 100).toFixed(6)) },
          }),
        );
        const fresh = batchRow({ ...batch, inspections: [...inspectionsOf(batch), inspection] });
        row.replaceWith(fresh);
        showStatus(status, t("project.workflow.inspectionStarted", { id: inspection.id, batch: batch.id, sampled: formatCount(inspection.sampled ?? 0) }), "ok");
        fresh.querySelector("a.inspection-link")?.focus();
      } catch (problem) {
        button.disabled = false;
        if (problem?.status === 409) fail(null, t("project.workflow.notReviewable"));
        else if (problem?.field === "sample_size") fail(sample, errorText(problem));
        else if (problem?.field === "aql") fail(aql, errorText(problem));
        else fail(null, errorText(problem));
      }
    });
    return form;
  }

  /** The batch's inspections as the server listed them (oldest first); anything malformed is left out. */
  function inspectionsOf(batch) {
    const listed = Array.isArray(batch.inspections) ? batch.inspections : [];
    return listed.filter((inspection) => inspection && typeof inspection === "object" && Number.isSafeInteger(inspection.id));
  }

  function batchRow(batch) {
    // Newest first: the one still open, if any, is where the manager goes next.
    const own = [...inspectionsOf(batch)].reverse();
    const cell = el("td", { className: "inspections" });
    if (own.length > 0) cell.append(el("ul", { className: "inspection-list" }, own.map(inspectionItem)));
    const row = el("tr", { attrs: { "data-testid": "batch-row", "data-batch-id": batch.id, "data-status": batch.status } }, [
      el("th", { className: "num batch-id", text: `#${batch.id}`, attrs: { scope: "row" } }),
      el("td", { className: "when" }, [el("time", { text: formatTime(batch.created_at), attrs: { datetime: batch.created_at } })]),
      el("td", { className: "num task-count", text: formatCount(batch.task_count ?? 0) }),
      el("td", { className: "batch-status" }, [
        el("span", { className: `badge batch-${batch.status}`, text: t(`project.workflow.batchStatus_${batch.status}`) }),
      ]),
      cell,
    ]);
    if (batch.status === "open" && !own.some((inspection) => inspection.status === "open")) {
      cell.append(startForm(batch, row));
    } else if (own.length === 0) {
      cell.append(el("span", { className: "muted", text: "—" }));
    }
    return row;
  }

  async function load() {
    let batches;
    try {
      const { json } = await api("GET", `/api/v1/projects/${projectID}/batches`);
      batches = Array.isArray(json?.batches) ? json.batches : [];
    } catch (error) {
      if (error?.status === 403) {
        section.hidden = true;
        return;
      }
      showError(status, error, "project.workflow.batchesFailed");
      return;
    }
    clear(body);
    for (const batch of batches) body.append(batchRow(batch));
    empty.hidden = batches.length > 0;
  }

  byId("refresh-batches").addEventListener("click", () => {
    showStatus(status, "");
    load();
  });
  await load();
}
