// Project: progress, per-annotator counts, import by file upload, image uploads (project-media.js),
// attached storages (project-storages.js), export links and the schema preview.

import { loadTranslations, t } from "/static/js/i18n.js";
import { api, csrfToken, refreshSession } from "/static/js/api.js";
import {
  el,
  clear,
  formatCount,
  progressBars,
  showError,
  showStatus,
  pageProjectID,
  errorText,
  translatedOr,
} from "/static/js/pages-dom.js";
import { renderSchemaPreview } from "/static/js/pages-schema.js";
import { setUpSettings } from "/static/js/pages-settings.js";
import { setUpPausedAnnotators, setUpBatches } from "/static/js/pages-workflow.js";
import { setUpImageUpload } from "/static/js/project-media.js";
import { setUpStorages } from "/static/js/project-storages.js";

/** Roles that review annotations on a project (the server checks; this only decides what links to show). */
const reviewingRoles = new Set(["reviewer", "manager", "admin"]);

const projectID = pageProjectID();
const statusNode = document.getElementById("project-status");
const headingNode = document.getElementById("project-heading");
const aboutNode = document.getElementById("project-about");
const progressNode = document.getElementById("progress");
const numbersNode = document.getElementById("progress-numbers");
const annotatorsBody = document.querySelector("#annotators tbody");
const annotatorsEmpty = document.getElementById("annotators-empty");
const refreshButton = document.getElementById("refresh-progress");

const importForm = document.getElementById("import-form");
const fileInput = document.getElementById("import-file");
const partialInput = document.getElementById("import-partial");
const importButton = document.getElementById("import-button");
const cancelButton = document.getElementById("import-cancel");
const importProgress = document.getElementById("import-progress");
const importPercent = document.getElementById("import-percent");
const importResult = document.getElementById("import-result");
const errorsTable = document.getElementById("import-errors");
const errorsBody = errorsTable.querySelector("tbody");
const errorsCaption = document.getElementById("import-errors-caption");

/** The Content-Type the import route expects for a file, from its extension; null when not importable. */
function importContentType(fileName) {
  const extension = /\.([^.]+)$/.exec(fileName.toLowerCase())?.[1];
  switch (extension) {
    case "jsonl":
    case "ndjson":
      return "application/x-ndjson";
    case "csv":
      return "text/csv";
    case "json":
      return "application/json";
    default:
      return null;
  }
}

/** One term of a `<dl class="numbers">`, its name and value kept together in a `<div>` so they wrap as a pair. */
function numberItem(labelKey, valueText) {
  return el("div", {}, [el("dt", { text: t(labelKey) }), el("dd", { text: valueText })]);
}

async function loadProgress() {
  try {
    const { json } = await api("GET", `/api/v1/projects/${projectID}/progress`);
    clear(progressNode);
    progressNode.append(progressBars(json, "project-progress"));
    clear(numbersNode);
    numbersNode.append(
      numberItem("project.numberTasks", formatCount(json.tasks)),
      numberItem("project.numberCompleted", formatCount(json.completed_tasks)),
      numberItem("project.numberSlots", formatCount(json.slots?.total ?? 0)),
      numberItem("project.numberOpen", formatCount(json.slots?.open ?? 0)),
      numberItem("project.numberLeased", formatCount(json.slots?.leased ?? 0)),
      numberItem("project.numberSubmitted", formatCount(json.slots?.submitted ?? 0)),
      numberItem("project.numberAnnotations", formatCount(json.annotations)),
      numberItem("project.numberLate", formatCount(json.late_annotations)),
    );
    showAnnotators(json.annotators ?? []);
    return true;
  } catch (error) {
    if (error?.status === 403) return false;
    showError(statusNode, error, "project.progressFailed");
    return true;
  }
}

function showAnnotators(annotators) {
  clear(annotatorsBody);
  const sorted = [...annotators].sort((a, b) => b.annotations - a.annotations || a.user_id - b.user_id);
  for (const annotator of sorted) {
    annotatorsBody.append(
      el("tr", { attrs: { "data-testid": "annotator-row", "data-user-id": annotator.user_id } }, [
        el("th", { className: "name", text: annotator.name, attrs: { scope: "row" } }),
        el("td", { className: "num annotations", text: formatCount(annotator.annotations) }),
        el("td", { className: "num late", text: formatCount(annotator.late) }),
      ]),
    );
  }
  annotatorsEmpty.hidden = annotators.length > 0;
}

function showSettings(project) {
  const settings = document.getElementById("project-settings");
  clear(settings);
  settings.append(
    numberItem("project.settingOverlap", formatCount(project.overlap)),
    numberItem("project.settingLease", t("project.seconds", { count: formatCount(project.lease_seconds) })),
    numberItem("project.settingRole", translatedOr(`home.role_${project.your_role}`, String(project.your_role))),
    numberItem("project.settingReview", reviewSummary(project.quality?.review)),
  );
}

/** The review setting in words: none, every answer, or a share of them. */
function reviewSummary(review) {
  switch (review?.mode) {
    case "all":
      return t("project.reviewAll");
    case "sample":
      return t("project.reviewSample", { percent: formatCount(review.sample_percent ?? 0) });
    default:
      return t("project.reviewNone");
  }
}

// MARK: import

let currentUpload = null;

function setUploading(uploading) {
  importButton.disabled = uploading;
  fileInput.disabled = uploading;
  partialInput.disabled = uploading;
  cancelButton.hidden = !uploading;
  importForm.setAttribute("aria-busy", uploading ? "true" : "false");
}

function setProgress(fraction) {
  if (fraction === null) {
    // Indeterminate while the server validates and stores what it received.
    importProgress.removeAttribute("value");
    importPercent.textContent = t("project.importProcessing");
    return;
  }
  const percent = Math.round(fraction * 100);
  importProgress.value = percent;
  importProgress.textContent = `${percent}%`;
  importPercent.textContent = `${percent}%`;
}

/** Sends one file with upload progress; resolves `{status, body}` whatever the status, rejects on network failure. */
function sendFile(file, contentType, partial) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    currentUpload = xhr;
    xhr.open("POST", `/api/v1/projects/${projectID}/tasks${partial ? "?partial=true" : ""}`);
    xhr.setRequestHeader("Content-Type", contentType);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.setRequestHeader("X-CSRF-Token", csrfToken() ?? "");
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable && event.total > 0) setProgress(event.loaded / event.total);
    };
    xhr.upload.onload = () => setProgress(null);
    xhr.onload = () => {
      let body = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = null;
      }
      resolve({ status: xhr.status, body });
    };
    xhr.onerror = () => reject(Object.assign(new Error("network"), { name: "NetworkError" }));
    xhr.onabort = () => reject(Object.assign(new Error("aborted"), { name: "AbortError" }));
    xhr.send(file);
  });
}

function showLineErrors(errors, total) {
  clear(errorsBody);
  for (const lineError of errors) {
    errorsBody.append(
      el("tr", { attrs: { "data-testid": "import-error" } }, [
        el("td", { className: "num line", text: String(lineError.line) }),
        el("td", { className: "message", text: lineError.message }),
      ]),
    );
  }
  errorsCaption.textContent =
    total > errors.length
      ? t("project.importErrorsCaptionSome", { shown: formatCount(errors.length), total: formatCount(total) })
      : t("project.importErrorsCaption", { total: formatCount(total) });
  errorsTable.hidden = errors.length === 0;
}

function describeUploadFailure(status, body) {
  const error = body?.error ?? {};
  switch (status) {
    case 401:
      return { text: t("home.errorSignedOut"), signedOut: true };
    case 403:
      return { text: t("project.importForbidden") };
    case 413:
      return { text: t("project.importTooLarge") };
    case 415:
      return { text: t("project.importUnsupported") };
    default:
      return { text: errorText({ status, code: error.code, message: error.message }) };
  }
}

async function importFile(event) {
  event.preventDefault();
  if (currentUpload) return;
  const file = fileInput.files?.[0];
  clear(importResult);
  importResult.dataset.state = "info";
  if (!file) {
    importResult.dataset.state = "error";
    importResult.textContent = t("project.importChooseFile");
    fileInput.focus();
    return;
  }
  const contentType = importContentType(file.name);
  if (!contentType) {
    importResult.dataset.state = "error";
    importResult.textContent = t("project.importUnsupported");
    fileInput.focus();
    return;
  }
  const partial = partialInput.checked;
  showLineErrors([], 0);
  setProgress(0);
  setUploading(true);
  importResult.textContent = t("project.importSending", { name: file.name });
  try {
    let answer = await sendFile(file, contentType, partial);
    if (answer.status === 403 && answer.body?.error?.code === "csrf") {
      // The session was renewed elsewhere (signed in again in another tab): take its new token and retry once.
      await refreshSession();
      setProgress(0);
      answer = await sendFile(file, contentType, partial);
    }
    const { status, body } = answer;
    setProgress(1);
    importProgress.value = 100;
    if ((status === 200 || status === 201) && body) {
      const created = body.created ?? 0;
      const errorCount = body.error_count ?? 0;
      importResult.dataset.state = errorCount > 0 ? "warning" : "ok";
      importResult.textContent =
        errorCount > 0
          ? t("project.importCreatedSkipped", { count: formatCount(created), skipped: formatCount(errorCount) })
          : t("project.importCreated", { count: formatCount(created) });
      showLineErrors(body.errors ?? [], errorCount);
      loadProgress();
    } else if (status === 422 && Array.isArray(body?.errors) && body.errors.length > 0) {
      importResult.dataset.state = "error";
      const invalid = body.error_count ?? body.errors.length;
      importResult.textContent = t(invalid === 1 ? "project.importRejectedOne" : "project.importRejected", {
        count: formatCount(invalid),
      });
      showLineErrors(body.errors, body.error_count ?? body.errors.length);
      errorsTable.querySelector("tbody tr")?.scrollIntoView({ block: "nearest" });
    } else {
      const failure = describeUploadFailure(status, body);
      importResult.dataset.state = "error";
      importResult.textContent = failure.text;
      if (failure.signedOut) {
        const next = location.pathname;
        importResult.append(
          " ",
          el("a", { text: t("home.signInAgain"), attrs: { href: `/login?next=${encodeURIComponent(next)}` } }),
        );
      }
      importProgress.value = 0;
      importPercent.textContent = "";
    }
  } catch (error) {
    importProgress.value = 0;
    importPercent.textContent = "";
    importResult.dataset.state = "error";
    importResult.textContent =
      error?.name === "AbortError" ? t("project.importCancelled") : t("project.importNetworkFailed");
  } finally {
    currentUpload = null;
    setUploading(false);
  }
}

// MARK: start

async function main() {
  await loadTranslations();
  if (!projectID) {
    showStatus(statusNode, t("project.notFound"), "error");
    return;
  }
  importForm.addEventListener("submit", importFile);
  cancelButton.addEventListener("click", () => currentUpload?.abort());
  refreshButton.addEventListener("click", () => loadProgress());

  let project;
  try {
    ({ json: project } = await api("GET", `/api/v1/projects/${projectID}`));
  } catch (error) {
    if (error?.status === 404) showStatus(statusNode, t("project.notFound"), "error");
    else showError(statusNode, error, "project.loadFailed");
    return;
  }
  headingNode.textContent = project.name;
  document.title = t("project.documentTitle", { name: project.name });
  if (project.description) {
    aboutNode.textContent = project.description;
    aboutNode.hidden = false;
  }
  if (!project.can_manage) {
    for (const section of document.querySelectorAll(".manager-only")) section.hidden = true;
  }
  document.getElementById("review-link").hidden = !(project.can_manage || reviewingRoles.has(project.your_role));
  showSettings(project);
  document.getElementById("schema-json").textContent = JSON.stringify(project.schema, null, 2);

  const work = [renderSchemaPreview(document.getElementById("schema-view"), project.schema, { readOnly: true })];
  if (project.can_manage) {
    work.push(loadProgress(), setUpPausedAnnotators(projectID), setUpBatches(projectID));
    setUpImageUpload(projectID, project, { onTasksCreated: () => loadProgress() });
    work.push(setUpStorages(projectID, project, { onSynced: () => loadProgress() }));
  }
  work.push(setUpSettings(project, { onSaved: showSettings }));
  await Promise.all(work);
  if (statusNode.dataset.state !== "error") {
    showStatus(statusNode, project.can_manage ? "" : t("project.annotatorNote"), "ready");
  }
}

main();
