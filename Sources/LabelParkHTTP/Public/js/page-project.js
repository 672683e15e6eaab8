// Project: progress, per-annotator counts, import by file upload (project-import.js), image uploads
// (project-media.js), attached storages (project-storages.js), export links, datasets (COCO, YOLO and VOC
// downloads and COCO imports: project-datasets.js) and the schema preview.

import { loadTranslations, t } from "/static/js/i18n.js";
import { api } from "/static/js/api.js";
import {
  el,
  clear,
  formatCount,
  progressBars,
  showError,
  showStatus,
  pageProjectID,
  translatedOr,
} from "/static/js/pages-dom.js";
import { renderSchemaPreview } from "/static/js/pages-schema.js";
import { setUpSettings } from "/static/js/pages-settings.js";
import { setUpPausedAnnotators, setUpBatches } from "/static/js/pages-workflow.js";
import { setUpImageUpload } from "/static/js/project-media.js";
import { setUpStorages } from "/static/js/project-storages.js";
import { importContentType, importUploader } from "/static/js/project-import.js";
import { setUpDatasets } from "/static/js/project-datasets.js";

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

const taskImport = importUploader(
  {
    form: importForm,
    controls: [fileInput, partialInput],
    button: importButton,
    cancel: cancelButton,
    progress: document.getElementById("import-progress"),
    percent: document.getElementById("import-percent"),
    result: document.getElementById("import-result"),
    errorsTable: document.getElementById("import-errors"),
    errorsCaption: document.getElementById("import-errors-caption"),
  },
  { onImported: () => loadProgress() },
);

function importFile(event) {
  event.preventDefault();
  if (taskImport.busy()) return;
  const file = fileInput.files?.[0];
  if (!file) {
    taskImport.refuse(t("project.importChooseFile"), fileInput);
    return;
  }
  const contentType = importContentType(file.name);
  if (!contentType) {
    taskImport.refuse(t("project.importUnsupported"), fileInput);
    return;
  }
  const query = partialInput.checked ? "?partial=true" : "";
  taskImport.send(`/api/v1/projects/${projectID}/tasks${query}`, file, contentType);
}

// MARK: start

async function main() {
  await loadTranslations();
  if (!projectID) {
    showStatus(statusNode, t("project.notFound"), "error");
    return;
  }
  importForm.addEventListener("submit", importFile);
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

  let onSaved = showSettings;
  const work = [renderSchemaPreview(document.getElementById("schema-view"), project.schema, { readOnly: true })];
  if (project.can_manage) {
    work.push(loadProgress(), setUpPausedAnnotators(projectID), setUpBatches(projectID));
    setUpImageUpload(projectID, project, { onTasksCreated: () => loadProgress() });
    const datasets = setUpDatasets(projectID, project, { onImported: () => loadProgress() });
    work.push(datasets.ready);
    work.push(setUpStorages(projectID, project, {
      onSynced: () => loadProgress(),
      onAttached: () => datasets.loadStorages(),
    }));
    onSaved = (saved) => {
      showSettings(saved);
      datasets.showSchema(saved.schema);
    };
  }
  work.push(setUpSettings(project, { onSaved }));
  await Promise.all(work);
  if (statusNode.dataset.state !== "error") {
    showStatus(statusNode, project.can_manage ? "" : t("project.annotatorNote"), "ready");
  }
}

main();
