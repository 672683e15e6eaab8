// The project page's Datasets panel for managers of a project with region questions: download links for COCO,
// YOLO (one per boxes, polygons or keypoints question) and Pascal VOC that follow the chosen answers and image
// naming, and a form that imports a COCO instances file as tasks whose annotations become gold or prefilled
// answers (its answer shown by project-import.js, like the plain import's).

import { t } from "/static/js/i18n.js";
import { api } from "/static/js/api.js";
import { el, clear, showError } from "/static/js/pages-dom.js";
import { importUploader } from "/static/js/project-import.js";

/** Question types whose answers are regions on an image: what COCO, YOLO and VOC carry. */
const REGION_TYPES = new Set(["boxes", "polygons", "keypoints", "masks"]);

/** The schema's region questions on an image field, in schema order: `[{name, type, rotation}]`. */
export function regionQuestions(schema) {
  const imageFields = new Set((schema?.fields ?? []).filter((field) => field?.type === "image").map((f) => f.name));
  return (schema?.questions ?? [])
    .filter((question) => REGION_TYPES.has(question?.type) && imageFields.has(question.field))
    .map((question) => ({ name: String(question.name), type: question.type, rotation: question.rotation === true }));
}

/** The Ultralytics task a question's regions make (`detect`, `obb`, `segment`, `pose`), or null for masks. */
export function yoloTask(question) {
  switch (question.type) {
    case "boxes":
      return question.rotation ? "obb" : "detect";
    case "polygons":
      return "segment";
    case "keypoints":
      return "pose";
    default:
      return null;
  }
}

/**
 * The dataset downloads a schema allows, in the order shown: COCO for any region question, YOLO per question
 * it can write, VOC when there are boxes or polygons. `[{format, question?, task?}]`; empty without regions.
 */
export function datasetExports(schema) {
  const questions = regionQuestions(schema);
  if (questions.length === 0) return [];
  const exports = [{ format: "coco" }];
  for (const question of questions) {
    const task = yoloTask(question);
    if (task) exports.push({ format: "yolo", question: question.name, task });
  }
  if (questions.some((question) => question.type === "boxes" || question.type === "polygons")) {
    exports.push({ format: "voc" });
  }
  return exports;
}

/** The export route's URL for one download with the chosen `answers` (latest, all) and `images` (names, urls). */
export function datasetExportURL(projectID, item, { answers, images }) {
  const query = new URLSearchParams({ format: item.format });
  if (item.question !== undefined) query.set("question", item.question);
  query.set("answers", answers);
  query.set("images", images);
  return `/api/v1/projects/${projectID}/export?${query}`;
}

/** The file name a download is saved under (the server's Content-Disposition says the same for COCO and VOC). */
function downloadName(projectID, item) {
  switch (item.format) {
    case "coco":
      return `project-${projectID}-coco.json`;
    case "yolo":
      return `project-${projectID}-yolo-${item.question.replace(/[^\p{L}\p{N}_-]+/gu, "_")}.zip`;
    default:
      return `project-${projectID}-${item.format}.zip`;
  }
}

/**
 * The import route's URL for a dataset file (`format` coco or yolo): `as` gold or prefill, an optional storage id
 * (a YOLO zip needs one) and question.
 */
export function datasetImportURL(projectID, { format = "coco", as, storage, question, partial }) {
  const query = new URLSearchParams({ format, as });
  if (storage) query.set("storage", String(storage));
  if (question) query.set("question", question);
  if (partial) query.set("partial", "true");
  return `/api/v1/projects/${projectID}/tasks?${query}`;
}

/**
 * Wires `#datasets-section` for a project the caller manages; it stays hidden while the schema has no region
 * question. `onImported` runs after an import the server accepted. Returns `{ready, loadStorages(),
 * showSchema(schema)}`: `ready` settles once the attached storages are listed; `loadStorages` lists them again
 * (one was attached); `showSchema` follows a schema changed in the settings.
 */
export function setUpDatasets(projectID, project, { onImported } = {}) {
  const byId = (id) => document.getElementById(id);
  const section = byId("datasets-section");
  const list = byId("dataset-exports");
  const choices = section.querySelector(".dataset-choices");
  const form = byId("dataset-import-form");
  const fileInput = byId("dataset-file");
  const storageSelect = byId("dataset-storage");
  const inStorage = byId("dataset-in-storage");
  const inAssets = byId("dataset-in-assets");
  const storageHelp = byId("dataset-storage-help");
  const questionField = byId("dataset-question-field");
  const questionSelect = byId("dataset-question");
  const partialInput = byId("dataset-partial");
  const result = byId("dataset-import-result");
  const radios = (name) => Array.from(section.querySelectorAll(`input[name="${name}"]`));
  const checked = (inputs) => inputs.find((input) => input.checked)?.value;

  let schema = project.schema;
  let storages = [];

  const upload = importUploader(
    {
      form,
      controls: [fileInput, partialInput, storageSelect, questionSelect, ...radios("dataset-as"),
        ...radios("dataset-images-in")],
      button: byId("dataset-import-button"),
      cancel: byId("dataset-import-cancel"),
      progress: byId("dataset-import-progress"),
      percent: byId("dataset-import-percent"),
      result,
      errorsTable: byId("dataset-import-errors"),
      errorsCaption: byId("dataset-import-errors-caption"),
    },
    {
      words: {
        createdSkipped: "project.datasets.createdSkipped",
        rejected: "project.datasets.rejected",
        rejectedOne: "project.datasets.rejectedOne",
        errorsCaption: "project.datasets.errorsCaption",
        errorsCaptionSome: "project.datasets.errorsCaptionSome",
      },
      onImported,
    },
  );

  // MARK: downloads

  function exportLabel(item) {
    switch (item.format) {
      case "yolo":
        return t("project.datasets.yolo", { question: item.question });
      default:
        return t(`project.datasets.${item.format}`);
    }
  }

  function exportNote(item) {
    if (item.format !== "yolo") return t(`project.datasets.${item.format}Note`);
    return t("project.datasets.yoloNote", { task: item.task });
  }

  function showExports() {
    clear(list);
    const items = datasetExports(schema);
    items.forEach((item, index) => {
      const noteID = `dataset-export-note-${index}`;
      const link = el("a", {
        className: "button",
        text: exportLabel(item),
        attrs: {
          id: item.format === "yolo" ? null : `export-${item.format}`,
          "data-format": item.format,
          "data-question": item.question,
          download: downloadName(projectID, item),
          "aria-describedby": noteID,
        },
      });
      link.dataset.item = JSON.stringify(item);
      list.append(
        el("li", { attrs: { "data-testid": "dataset-export", "data-format": item.format } }, [
          link,
          el("span", { className: "muted small-print dataset-note", text: exportNote(item), attrs: { id: noteID } }),
        ]),
      );
    });
    updateLinks();
  }

  /** Points every link at the export with the answers and image naming chosen now. */
  function updateLinks() {
    const options = {
      answers: checked(radios("dataset-answers")) ?? "latest",
      images: checked(radios("dataset-images")) ?? "names",
    };
    for (const link of list.querySelectorAll("a[data-format]")) {
      link.href = datasetExportURL(projectID, JSON.parse(link.dataset.item), options);
    }
  }

  // MARK: the import form

  function showQuestions() {
    const questions = regionQuestions(schema);
    const chosen = questionSelect.value;
    while (questionSelect.options.length > 1) questionSelect.options[1].remove();
    for (const question of questions) {
      questionSelect.append(el("option", {
        text: t("project.datasets.questionOption", { name: question.name, type: question.type }),
        attrs: { value: question.name },
      }));
    }
    questionSelect.value = questions.some((question) => question.name === chosen) ? chosen : "";
    // With one region question every category goes to it anyway.
    questionField.hidden = questions.length < 2;
  }

  function showStorages() {
    const chosen = storageSelect.value;
    clear(storageSelect);
    for (const storage of storages) {
      storageSelect.append(el("option", { text: storage.title, attrs: { value: storage.id } }));
    }
    if (storages.some((storage) => String(storage.id) === chosen)) storageSelect.value = chosen;
    const none = storages.length === 0;
    if (none) {
      storageSelect.append(el("option", { text: t("project.datasets.noStorage"), attrs: { value: "" } }));
      inAssets.checked = true;
    }
    inStorage.disabled = none;
    storageSelect.disabled = none;
    storageHelp.textContent = t(none ? "project.datasets.storageNone" : "project.datasets.storageHelp");
  }

  async function loadStorages() {
    const hadNone = storages.length === 0;
    try {
      const { json } = await api("GET", `/api/v1/projects/${projectID}/storages`);
      storages = json.storages ?? [];
    } catch (error) {
      storages = [];
      if (error?.status !== 403 && error?.status !== 404) showError(result, error, "project.datasets.storagesFailed");
    }
    showStorages();
    // A dataset whose images are in a bucket is the common case once there is one to name.
    if (hadNone && storages.length > 0) inStorage.checked = true;
  }

  function importFile(event) {
    event.preventDefault();
    if (upload.busy()) return;
    const file = fileInput.files?.[0];
    if (!file) {
      upload.refuse(t("project.importChooseFile"), fileInput);
      return;
    }
    // A COCO instances file is JSON; a YOLO dataset is a zip of labels whose images are in a storage.
    const format = /\.json$/i.test(file.name) ? "coco" : /\.zip$/i.test(file.name) ? "yolo" : null;
    if (!format) {
      upload.refuse(t("project.datasets.notJSON"), fileInput);
      return;
    }
    const fromStorage = inStorage.checked;
    if (format === "yolo" && !fromStorage) {
      upload.refuse(t("project.datasets.yoloNeedsStorage"), storageSelect.disabled ? fileInput : inStorage);
      return;
    }
    if (fromStorage && !storageSelect.value) {
      upload.refuse(t("project.datasets.chooseStorage"), storageSelect);
      return;
    }
    const url = datasetImportURL(projectID, {
      format,
      as: checked(radios("dataset-as")) ?? "prefill",
      storage: fromStorage ? storageSelect.value : null,
      question: questionField.hidden ? "" : questionSelect.value,
      partial: partialInput.checked,
    });
    upload.send(url, file, format === "coco" ? "application/json" : "application/zip");
  }

  /** Shows the panel and its downloads for `next`, or hides it when the schema has no region question. */
  function showSchema(next) {
    schema = next;
    const shown = project.can_manage && regionQuestions(schema).length > 0;
    section.hidden = !shown;
    showExports();
    showQuestions();
  }

  // MARK: wiring

  choices.addEventListener("change", updateLinks);
  form.addEventListener("submit", importFile);
  // Choosing a storage means the images are there.
  storageSelect.addEventListener("change", () => {
    if (storageSelect.value) inStorage.checked = true;
  });
  showSchema(schema);
  const ready = project.can_manage ? loadStorages() : Promise.resolve();
  return { ready, loadStorages, showSchema };
}
