// The project page's Images panel for managers of a project with an image field: files chosen or dropped
// are uploaded as assets, three at a time, each row saying how its file fared; then one task per uploaded
// image is imported (NDJSON, `{"<field>": "asset:<id>"}`).

import { t, lang } from "/static/js/i18n.js";
import { api } from "/static/js/api.js";
import {
  el, clear, formatCount, errorText, isNetworkFailure, isSignedOut, withFreshSession,
} from "/static/js/pages-dom.js";

/** How many uploads run at once: enough to hide latency, few enough to leave the server room. */
const PARALLEL_UPLOADS = 3;

/** What the asset route accepts (it checks the bytes too; this only spares uploads bound to be refused). */
const ACCEPTED_TYPES = new Set(["image/jpeg", "image/png", "image/webp", "image/tiff"]);
const TYPE_BY_EXTENSION = {
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  png: "image/png",
  webp: "image/webp",
  tif: "image/tiff",
  tiff: "image/tiff",
};

/** Codes of the asset route's refusals that have their own sentence under `project.media.refusal`. */
const REFUSAL_CODES = new Set([
  "type_mismatch", "unsupported_media_type", "truncated", "too_many_pixels", "invalid_image", "empty_body",
  "payload_too_large", "quota_exceeded",
]);

/**
 * The Content-Type to upload a file with: its own type when the park accepts it, else the one its name's
 * extension stands for (browsers leave `type` empty for some files); null when it is not an image to send.
 */
export function uploadContentType(file) {
  const declared = String(file.type ?? "").toLowerCase();
  if (ACCEPTED_TYPES.has(declared)) return declared;
  const extension = /\.([^.]+)$/.exec(String(file.name ?? "").toLowerCase())?.[1];
  return TYPE_BY_EXTENSION[extension] ?? null;
}

/** The names of a schema's image fields, in schema order. */
export function imageFieldNames(schema) {
  return (schema?.fields ?? []).filter((field) => field?.type === "image").map((field) => String(field.name));
}

/**
 * The assets that still need a task, each once (the same bytes twice are one asset), in the order their
 * files were added: `[{assetID, items}]`.
 */
export function assetsWithoutTask(items) {
  const byAsset = new Map();
  for (const item of items) {
    if ((item.state !== "done" && item.state !== "duplicate") || !item.asset) continue;
    const entry = byAsset.get(item.asset.id) ?? { assetID: item.asset.id, items: [] };
    entry.items.push(item);
    byAsset.set(item.asset.id, entry);
  }
  return [...byAsset.values()].filter((entry) => entry.items.every((item) => item.task === null));
}

/** One NDJSON line per asset: the task's data, the image in `field`. */
export function taskLines(entries, field) {
  return entries.map((entry) => JSON.stringify({ [field]: `asset:${entry.assetID}` }) + "\n").join("");
}

function formatSize(bytes) {
  if (bytes < 1000) return t("project.media.bytes", { count: formatCount(bytes) });
  const [unit, factor] = bytes < 1e6 ? ["kilobyte", 1e3] : bytes < 1e9 ? ["megabyte", 1e6] : ["gigabyte", 1e9];
  return new Intl.NumberFormat(lang(), { style: "unit", unit, unitDisplay: "short", maximumFractionDigits: 1 })
    .format(bytes / factor);
}

/** Whether two sentences say the same, ignoring case, spaces and final punctuation. */
function sameSentence(a, b) {
  const normal = (text) => String(text ?? "").toLowerCase().replace(/[\s.。!！]+/g, " ").trim();
  return normal(a) === normal(b);
}

/**
 * Wires `#media-section` for a project the caller manages; leaves it hidden when the schema has no image
 * field. `onTasksCreated` runs after an import created tasks (the page refreshes its numbers).
 */
export function setUpImageUpload(projectID, project, { onTasksCreated } = {}) {
  const byId = (id) => document.getElementById(id);
  const section = byId("media-section");
  const fields = imageFieldNames(project.schema);
  if (!project.can_manage || fields.length === 0) {
    section.hidden = true;
    return;
  }
  section.hidden = false;

  const drop = byId("media-drop");
  const input = byId("media-input");
  const chooseButton = byId("media-choose");
  const totalRow = byId("media-total");
  const totalProgress = byId("media-progress");
  const cancelButton = byId("media-cancel");
  const summary = byId("media-summary");
  const filesTable = byId("media-files");
  const filesBody = filesTable.querySelector("tbody");
  const fieldRow = byId("media-field-row");
  const fieldSelect = byId("media-field");
  const fieldSingle = byId("media-field-single");
  const otherFields = byId("media-other-fields");
  const createButton = byId("media-create");
  const result = byId("media-result");
  const errorsTable = byId("media-errors");
  const errorsBody = errorsTable.querySelector("tbody");

  /** Every file added since the page opened, in order: {file, type, row, state, asset, reason, detail, task}. */
  const items = [];
  const waiting = [];
  let running = 0;
  let creating = false;

  // MARK: the field the tasks fill

  if (fields.length > 1) {
    for (const name of fields) fieldSelect.append(el("option", { text: name, attrs: { value: name } }));
    fieldRow.hidden = false;
  } else {
    fieldSingle.textContent = t("project.media.fieldSingle", { name: fields[0] });
    fieldSingle.hidden = false;
  }

  function chosenField() {
    return fields.length > 1 ? fieldSelect.value : fields[0];
  }

  /** Every task must carry every field of the schema: say so when the image alone will not do. */
  function showOtherFields() {
    const others = (project.schema?.fields ?? []).map((field) => String(field.name)).filter((name) => name !== chosenField());
    otherFields.hidden = others.length === 0;
    otherFields.textContent = others.length === 0 ? "" : t("project.media.otherFields", { names: others.join(", ") });
  }

  // MARK: rows

  function stateText(item) {
    const params = { reason: item.reason };
    if (item.asset) Object.assign(params, { width: formatCount(item.asset.width), height: formatCount(item.asset.height) });
    if (item.state === "duplicate" && item.sameAs) {
      return t("project.media.state.sameAs", { ...params, name: item.sameAs.file.name });
    }
    return t(`project.media.state.${item.state}`, params);
  }

  function taskText(item) {
    switch (item.task?.state) {
      case "created":
        return t("project.media.taskCreated");
      case "refused":
        return t("project.media.taskRefused");
      case "unknown":
        return t("project.media.taskUnknown");
      default:
        return "";
    }
  }

  function addRow(item) {
    item.stateNode = el("span", { className: "media-state-text" });
    item.detailNode = el("span", { className: "media-detail small-print", attrs: { lang: "en" }, hidden: true });
    item.taskNode = el("span", { className: "media-task", hidden: true });
    item.progressNode = el("progress", {
      className: "media-file-progress",
      attrs: { "aria-label": t("project.media.fileProgress", { name: item.file.name }) },
      hidden: true,
    });
    item.row = el("tr", { attrs: { "data-testid": "media-file" } }, [
      el("th", { className: "name", text: item.file.name, attrs: { scope: "row" } }),
      el("td", { className: "num size", text: formatSize(item.file.size) }),
      el("td", { className: "state" }, [item.stateNode, item.progressNode, item.taskNode, item.detailNode]),
    ]);
    filesBody.append(item.row);
    filesTable.hidden = false;
  }

  function showItem(item) {
    item.row.dataset.state = item.state;
    if (item.asset) item.row.dataset.assetId = String(item.asset.id);
    if (item.task) item.row.dataset.task = item.task.state;
    item.stateNode.textContent = stateText(item);
    item.progressNode.hidden = item.state !== "uploading";
    // The server's own words, when they add something to the translated reason.
    const detail = item.detail && !sameSentence(item.detail, item.reason) ? item.detail : "";
    item.detailNode.textContent = detail;
    item.detailNode.hidden = detail === "";
    const task = taskText(item);
    item.taskNode.textContent = task;
    item.taskNode.hidden = task === "";
    item.taskNode.dataset.state = item.task?.state ?? "";
  }

  // MARK: totals and buttons

  function counts() {
    const tally = { queued: 0, uploading: 0, done: 0, duplicate: 0, refused: 0, failed: 0, cancelled: 0 };
    for (const item of items) tally[item.state] += 1;
    return tally;
  }

  function showTotals() {
    const tally = counts();
    const total = items.length;
    const finished = total - tally.queued - tally.uploading;
    totalRow.hidden = total === 0;
    totalProgress.max = Math.max(total, 1);
    totalProgress.value = finished;
    totalProgress.textContent = `${finished}/${total}`;
    const parts = [t("project.media.summary", { finished: formatCount(finished), total: formatCount(total) })];
    for (const [state, key] of [
      ["done", "summaryUploaded"], ["duplicate", "summaryDuplicates"], ["refused", "summaryRefused"],
      ["failed", "summaryFailed"], ["cancelled", "summaryCancelled"],
    ]) {
      if (tally[state] > 0) parts.push(t(`project.media.${key}`, { count: formatCount(tally[state]) }));
    }
    summary.textContent = total === 0 ? "" : parts.join(" · ");
    summary.dataset.state = running > 0 || waiting.length > 0 ? "busy" : tally.refused + tally.failed > 0 ? "warning" : "ok";
    const busy = running > 0 || waiting.length > 0;
    cancelButton.hidden = !busy;
    section.setAttribute("aria-busy", busy ? "true" : "false");
    const pending = assetsWithoutTask(items).length;
    createButton.disabled = busy || creating || pending === 0;
    createButton.textContent = pending > 0 ? t("project.media.createCount", { count: formatCount(pending) }) : t("project.media.create");
    fieldSelect.disabled = creating;
  }

  // MARK: uploads

  function refusal(error) {
    if (error?.status === 403 && error.code !== "csrf") return t("project.media.forbidden");
    if (REFUSAL_CODES.has(error?.code)) return t(`project.media.refusal.${error.code}`);
    return errorText(error);
  }

  async function upload(item) {
    item.controller = new AbortController();
    item.state = "uploading";
    showItem(item);
    try {
      const { status, json } = await withFreshSession(() =>
        api("POST", `/api/v1/projects/${projectID}/assets`, {
          body: item.file,
          headers: { "Content-Type": item.type },
          signal: item.controller.signal,
        }),
      );
      item.asset = json;
      if (status === 200) {
        item.state = "duplicate";
        item.sameAs = items.find((other) => other !== item && other.asset?.id === json.id) ?? null;
      } else {
        item.state = "done";
      }
    } catch (error) {
      if (error?.name === "AbortError") {
        item.state = "cancelled";
      } else {
        // A refusal is the server's verdict on this file; anything else (offline, signed out, a server
        // fault) says nothing about the file, and choosing it again may work.
        const refused = error?.status >= 400 && error.status < 500 && !isSignedOut(error) && error.code !== "csrf";
        item.state = refused ? "refused" : "failed";
        item.reason = refused ? refusal(error) : errorText(error);
        item.detail = refused && !isNetworkFailure(error) ? error.message : "";
      }
    } finally {
      item.controller = null;
    }
    showItem(item);
  }

  function pump() {
    while (running < PARALLEL_UPLOADS && waiting.length > 0) {
      const item = waiting.shift();
      running += 1;
      upload(item).finally(() => {
        running -= 1;
        pump();
        showTotals();
      });
    }
    showTotals();
  }

  function addFiles(fileList) {
    const files = Array.from(fileList ?? []);
    if (files.length === 0) return;
    clearCreateResult();
    for (const file of files) {
      const item = { file, type: uploadContentType(file), state: "queued", asset: null, reason: "", detail: "", task: null };
      items.push(item);
      addRow(item);
      if (item.type === null) {
        item.state = "refused";
        item.reason = t("project.media.notImage");
      } else {
        waiting.push(item);
      }
      showItem(item);
    }
    pump();
  }

  function cancelUploads() {
    for (const item of waiting.splice(0)) {
      item.state = "cancelled";
      showItem(item);
    }
    for (const item of items) item.controller?.abort();
    showTotals();
    chooseButton.focus();
  }

  // MARK: tasks

  function clearCreateResult() {
    result.textContent = "";
    delete result.dataset.state;
    clear(errorsBody);
    errorsTable.hidden = true;
  }

  function showLineErrors(entries, errors, total) {
    clear(errorsBody);
    for (const lineError of errors) {
      const entry = entries[lineError.line - 1];
      const names = entry ? entry.items.map((item) => item.file.name).join(", ") : t("project.media.line", { line: lineError.line });
      errorsBody.append(
        el("tr", { attrs: { "data-testid": "media-task-error" } }, [
          el("th", { className: "name", text: names, attrs: { scope: "row" } }),
          el("td", { className: "message", text: lineError.message, attrs: { lang: "en" } }),
        ]),
      );
    }
    const caption = byId("media-errors-caption");
    caption.textContent = total > errors.length
      ? t("project.media.errorsCaptionSome", { shown: formatCount(errors.length), total: formatCount(total) })
      : t("project.media.errorsCaption");
    errorsTable.hidden = errors.length === 0;
  }

  /** Marks each asset's files with what the import did with its line. */
  function recordOutcome(entries, answer) {
    const errors = Array.isArray(answer.errors) ? answer.errors : [];
    const errorCount = answer.error_count ?? errors.length;
    const created = answer.created ?? 0;
    const failedLines = new Map(errors.map((lineError) => [lineError.line, lineError.message]));
    // The error list may be cut short: only when it is complete (or nothing was created) does each line's
    // fate follow from it. Otherwise the unnamed lines are marked unknown, never sent twice.
    const exact = errorCount <= errors.length || created === 0;
    entries.forEach((entry, index) => {
      const message = failedLines.get(index + 1);
      const state = message !== undefined || created === 0 ? "refused" : exact ? "created" : "unknown";
      for (const item of entry.items) {
        item.task = { state, message: message ?? null };
        showItem(item);
      }
    });
    showLineErrors(entries, errors, errorCount);
    return { created, errorCount };
  }

  async function createTasks() {
    const entries = assetsWithoutTask(items);
    if (creating || entries.length === 0) return;
    const field = chosenField();
    creating = true;
    clearCreateResult();
    result.dataset.state = "info";
    result.textContent = t("project.media.creating");
    showTotals();
    try {
      const { json } = await withFreshSession(() =>
        api("POST", `/api/v1/projects/${projectID}/tasks?partial=true`, {
          body: taskLines(entries, field),
          headers: { "Content-Type": "application/x-ndjson" },
        }),
      );
      const { created, errorCount } = recordOutcome(entries, json ?? {});
      result.dataset.state = errorCount > 0 ? (created > 0 ? "warning" : "error") : "ok";
      result.textContent = created === 0 && errorCount > 0
        ? t("project.media.noneCreated", { count: formatCount(errorCount) })
        : errorCount > 0
          ? t("project.media.createdSkipped", { count: formatCount(created), skipped: formatCount(errorCount) })
          : t("project.media.created", { count: formatCount(created) });
      if (created > 0) onTasksCreated?.();
    } catch (error) {
      result.dataset.state = "error";
      if (error?.status === 422 && Array.isArray(error.body?.errors)) {
        recordOutcome(entries, { created: 0, errors: error.body.errors, error_count: error.body.error_count });
      }
      result.textContent = t("project.media.createFailed", {
        reason: error?.status === 403 && error.code !== "csrf" ? t("project.importForbidden") : errorText(error),
      });
    } finally {
      creating = false;
      showTotals();
    }
  }

  // MARK: wiring

  chooseButton.addEventListener("click", () => input.click());
  input.addEventListener("change", () => {
    addFiles(input.files);
    // Choosing the same files again must fire `change` again.
    input.value = "";
  });
  drop.addEventListener("dragenter", (event) => {
    if (!event.dataTransfer?.types?.includes("Files")) return;
    event.preventDefault();
    drop.dataset.state = "over";
  });
  drop.addEventListener("dragover", (event) => {
    if (!event.dataTransfer?.types?.includes("Files")) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "copy";
    drop.dataset.state = "over";
  });
  drop.addEventListener("dragleave", (event) => {
    if (!drop.contains(event.relatedTarget)) drop.dataset.state = "idle";
  });
  drop.addEventListener("drop", (event) => {
    event.preventDefault();
    drop.dataset.state = "idle";
    addFiles(event.dataTransfer?.files);
  });
  cancelButton.addEventListener("click", cancelUploads);
  fieldSelect.addEventListener("change", showOtherFields);
  createButton.addEventListener("click", createTasks);

  // A file dropped beside the zone would make the browser open it and leave the page, uploads and all.
  for (const type of ["dragover", "drop"]) {
    document.addEventListener(type, (event) => {
      if (!event.dataTransfer?.types?.includes("Files") || drop.contains(event.target)) return;
      event.preventDefault();
      event.dataTransfer.dropEffect = "none";
    });
  }

  showOtherFields();
  showTotals();
}
