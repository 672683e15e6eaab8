// My work: the answers a reviewer sent back for rework (with the reviewer's comment), then the person's own
// annotations, newest first, each editable with a version check; a conflict (the annotation changed
// elsewhere since it was opened) shows both versions and lets the person choose. Saving a rework item
// sends it back to review and takes it off the rework list.

import { loadTranslations, t } from "/static/js/i18n.js";
import { taskLabel } from "/static/js/task-label.js";
import { api } from "/static/js/api.js";
import {
  el,
  clear,
  formatCount,
  formatTime,
  showError,
  showStatus,
  errorText,
  withFreshSession,
  showSignedOutKeepingWork,
} from "/static/js/pages-dom.js";
import { loadFormRenderer } from "/static/js/pages-schema.js";

const pageSize = 50;

const statusNode = document.getElementById("my-work-status");
const tableBody = document.querySelector("#my-annotations tbody");
const emptyNode = document.getElementById("my-work-empty");
const loadMoreButton = document.getElementById("load-more");
const projectFilter = document.getElementById("project-filter");

const editorNode = document.getElementById("editor");
const editorHeading = document.getElementById("editor-heading");
const editorMeta = document.getElementById("editor-meta");
const editorRework = document.getElementById("editor-rework");
const editorReworkComment = document.getElementById("editor-rework-comment");
const reworkSection = document.getElementById("rework");
const reworkList = document.getElementById("rework-list");
const reworkEmpty = document.getElementById("rework-empty");
const editorForm = document.getElementById("editor-form");
const editorStatus = document.getElementById("editor-status");
const editorActions = document.getElementById("editor-actions");
const saveButton = document.getElementById("save-edit");
const cancelButton = document.getElementById("cancel-edit");
const conflictNode = document.getElementById("conflict");
const conflictHeading = document.getElementById("conflict-heading");
const conflictTheirsHeading = document.getElementById("conflict-theirs-heading");
const conflictBody = document.querySelector("#conflict-table tbody");
const keepMineButton = document.getElementById("keep-mine");
const takeTheirsButton = document.getElementById("take-theirs");

/** Project names and schemas by id: names from the list, schemas fetched when an editor needs them. */
const projectNames = new Map();
const projectDetails = new Map();

let nextBefore = null;
/** The open editor: `{annotation, task, schema, handle, dirty, row, mine, current, rework}`; null when closed. */
let editing = null;

// MARK: the list

function lateCell(annotation) {
  return annotation.late
    ? el("td", { className: "late-flag" }, [el("span", { className: "badge late", text: t("myWork.late") })])
    : el("td", { className: "late-flag muted", text: t("myWork.onTime") });
}

function whenCell(annotation) {
  const edited = annotation.version > 1 && annotation.updated_at !== annotation.created_at;
  const cell = el("td", { className: "when" }, [
    el("time", { text: formatTime(annotation.created_at), attrs: { datetime: annotation.created_at } }),
  ]);
  if (edited) {
    cell.append(
      el("br"),
      el("span", { className: "muted edited", text: t("myWork.editedAt", { time: formatTime(annotation.updated_at) }) }),
    );
  }
  return cell;
}

function annotationRow(annotation) {
  const projectName = projectNames.get(annotation.project_id) ?? t("myWork.projectNumber", { id: annotation.project_id });
  const edit = el("button", {
    className: "edit small",
    text: t("myWork.edit"),
    attrs: {
      type: "button",
      "aria-label": t("myWork.editLabel", { task: taskLabel(annotation.task_id), project: projectName }),
    },
  });
  const row = el(
    "tr",
    {
      attrs: {
        "data-testid": "my-annotation",
        "data-annotation-id": annotation.id,
        "data-task-id": annotation.task_id,
        "data-version": annotation.version,
      },
    },
    [
      el("td", { className: "project", text: projectName }),
      el("td", { className: "num task", text: `#${taskLabel(annotation.task_id)}` }),
      whenCell(annotation),
      el("td", { className: "num version", text: formatCount(annotation.version) }),
      lateCell(annotation),
      el("td", { className: "actions" }, [edit]),
    ],
  );
  edit.addEventListener("click", () => openEditor(annotation.id, row));
  return row;
}

function replaceRow(row, annotation) {
  const fresh = annotationRow(annotation);
  row.replaceWith(fresh);
  return fresh;
}

async function loadPage({ reset = false } = {}) {
  if (reset) {
    nextBefore = null;
    clear(tableBody);
  }
  loadMoreButton.disabled = true;
  const query = new URLSearchParams({ limit: String(pageSize) });
  if (nextBefore !== null) query.set("before", String(nextBefore));
  if (projectFilter.value) query.set("project", projectFilter.value);
  try {
    const { json } = await api("GET", `/api/v1/annotations?${query}`);
    const annotations = json.annotations ?? [];
    const firstNew = tableBody.rows.length;
    for (const annotation of annotations) tableBody.append(annotationRow(annotation));
    nextBefore = json.next_before ?? null;
    loadMoreButton.hidden = nextBefore === null;
    emptyNode.hidden = tableBody.rows.length > 0;
    const shown = tableBody.rows.length;
    showStatus(statusNode, t(shown === 1 ? "myWork.shownOne" : "myWork.shown", { count: formatCount(shown) }), "ready");
    // After "load more", keyboard users continue from the first new row rather than the top of the page.
    if (!reset && firstNew > 0) tableBody.rows[firstNew]?.querySelector("button.edit")?.focus();
  } catch (error) {
    showError(statusNode, error, "myWork.loadFailed");
  } finally {
    loadMoreButton.disabled = false;
  }
}

async function loadProjects() {
  try {
    const { json } = await api("GET", "/api/v1/projects");
    for (const project of json.projects ?? []) {
      projectNames.set(project.id, project.name);
      projectDetails.set(project.id, project);
      projectFilter.append(el("option", { text: project.name, attrs: { value: project.id } }));
    }
  } catch {
    // Rows then show "project N"; the list of annotations itself reports any real failure.
  }
}

async function projectDetail(id) {
  if (projectDetails.has(id)) return projectDetails.get(id);
  const { json } = await api("GET", `/api/v1/projects/${id}`);
  projectDetails.set(id, json);
  projectNames.set(id, json.name);
  return json;
}

// MARK: rework

function reworkItem(entry) {
  const { annotation, rejection } = entry;
  const projectName = projectNames.get(annotation.project_id) ?? t("myWork.projectNumber", { id: annotation.project_id });
  const open = el("button", {
    className: "rework-open small primary",
    text: t("myWork.reworkOpen"),
    attrs: { type: "button", "aria-label": t("myWork.reworkOpenLabel", { task: taskLabel(annotation.task_id), project: projectName }) },
  });
  const item = el(
    "li",
    {
      className: "rework-item",
      attrs: { "data-testid": "rework-item", "data-annotation-id": annotation.id, "data-task-id": annotation.task_id },
    },
    [
      el("span", { className: "rework-what", text: t("myWork.reworkWhat", { task: taskLabel(annotation.task_id), project: projectName }) }),
      el("p", { className: "rework-comment", text: rejection?.comment || t("myWork.reworkNoComment") }),
      el("span", {
        className: "rework-when",
        text: t("myWork.reworkWhen", { time: formatTime(rejection?.created_at ?? annotation.updated_at) }),
      }),
      open,
    ],
  );
  open.addEventListener("click", () => {
    const row = tableBody.querySelector(`tr[data-annotation-id="${annotation.id}"]`);
    openEditor(annotation.id, row, { rework: { item, comment: rejection?.comment ?? "" } });
  });
  return item;
}

function showReworkCount() {
  const count = reworkList.children.length;
  reworkEmpty.hidden = count > 0;
  document.getElementById("rework-heading").textContent =
    count > 0 ? t("myWork.reworkHeadingCount", { count: formatCount(count) }) : t("myWork.reworkHeading");
}

async function loadRework() {
  const query = projectFilter.value ? `?project=${encodeURIComponent(projectFilter.value)}` : "";
  try {
    const { json } = await api("GET", `/api/v1/rework${query}`);
    const entries = Array.isArray(json?.rework) ? json.rework : [];
    clear(reworkList);
    for (const entry of entries) {
      if (entry?.annotation) reworkList.append(reworkItem(entry));
    }
    // The section appears only when something was sent back (or was, earlier on this page).
    if (entries.length > 0) reworkSection.hidden = false;
    showReworkCount();
  } catch {
    // Older servers have no rework list; the annotations below still load and report real failures.
  }
}

/** Takes a saved rework item off the list and moves focus to the next one (or the list's heading). */
function finishRework(item) {
  const next = item.nextElementSibling ?? item.previousElementSibling;
  item.remove();
  showReworkCount();
  (next?.querySelector("button.rework-open") ?? document.getElementById("rework-heading")).focus();
}

// MARK: the editor

function setEditorBusy(busy) {
  saveButton.disabled = busy;
  keepMineButton.disabled = busy;
  takeTheirsButton.disabled = busy;
  editorNode.setAttribute("aria-busy", busy ? "true" : "false");
}

function closeEditor({ focusRow = true } = {}) {
  if (!editing) return;
  const row = editing.row;
  const reworkItemNode = editing.rework?.item;
  editing.handle?.destroy?.();
  editing = null;
  editorRework.hidden = true;
  clear(editorForm);
  clear(conflictBody);
  conflictNode.hidden = true;
  editorNode.hidden = true;
  if (!focusRow) return;
  // Back where the editor was opened from: the rework item, or the annotation's row.
  if (reworkItemNode?.isConnected) reworkItemNode.querySelector("button.rework-open")?.focus();
  else if (row?.isConnected) row.querySelector("button.edit")?.focus();
}

async function openEditor(annotationID, row, { rework = null } = {}) {
  if (editing && editing.dirty && !confirm(t("myWork.discardConfirm"))) return;
  closeEditor({ focusRow: false });
  editorNode.hidden = false;
  conflictNode.hidden = true;
  editorActions.hidden = false;
  editorHeading.textContent = t("myWork.editorLoading");
  clear(editorMeta);
  showStatus(editorStatus, "");
  setEditorBusy(true);
  editorNode.scrollIntoView({ block: "start" });
  editorHeading.focus();
  const session = { row, dirty: false, handle: null, rework };
  editing = session;
  editorReworkComment.textContent = rework?.comment ?? "";
  editorRework.hidden = !rework;
  try {
    const { json: annotation } = await api("GET", `/api/v1/annotations/${annotationID}`);
    const [{ json: task }, project, { renderForm }] = await Promise.all([
      api("GET", `/api/v1/tasks/${annotation.task_id}`),
      projectDetail(annotation.project_id),
      loadFormRenderer(),
    ]);
    if (editing !== session) return;
    Object.assign(session, { annotation, task, schema: project.schema });
    editorHeading.textContent = t(rework ? "myWork.reworkEditorHeading" : "myWork.editorHeading", {
      task: taskLabel(annotation.task_id),
    });
    editorMeta.textContent = t("myWork.editorMeta", {
      project: project.name,
      version: formatCount(annotation.version),
      time: formatTime(annotation.updated_at),
    });
    clear(editorForm);
    session.handle = renderForm(editorForm, project.schema, task.data ?? {}, {
      result: annotation.result ?? {},
      readOnly: false,
      onChange: () => {
        session.dirty = true;
      },
    });
    setEditorBusy(false);
    // The list may be older than what was just read (an edit in another tab): show the current version.
    if (row?.isConnected && Number(row.dataset.version) !== annotation.version) {
      session.row = replaceRow(row, annotation);
    }
  } catch (error) {
    if (editing !== session) return;
    editorHeading.textContent = t("myWork.editorFailedHeading");
    showError(editorStatus, error, "myWork.editorLoadFailed");
    saveButton.disabled = true;
  }
}

/** Saves `result` over `version`; on success closes the editor and updates the row. */
async function save(result, version) {
  const session = editing;
  if (!session?.annotation) return;
  setEditorBusy(true);
  showStatus(editorStatus, t("myWork.saving"));
  try {
    const { json: updated } = await withFreshSession(() =>
      api("PUT", `/api/v1/annotations/${session.annotation.id}`, { body: { result, version } }),
    );
    if (editing !== session) return;
    session.row = session.row?.isConnected ? replaceRow(session.row, updated) : session.row;
    if (session.rework) {
      closeEditor({ focusRow: false });
      finishRework(session.rework.item);
      showStatus(statusNode, t("myWork.reworkSent", { task: taskLabel(updated.task_id), version: formatCount(updated.version) }), "ok");
      return;
    }
    closeEditor();
    showStatus(statusNode, t("myWork.saved", { task: taskLabel(updated.task_id), version: formatCount(updated.version) }), "ok");
  } catch (error) {
    if (editing !== session) return;
    setEditorBusy(false);
    if (error?.status === 409 && (error.code === "stale_version" || error.code === undefined)) {
      await showConflict(session, result);
    } else if (error?.status === 401) {
      showSignedOutKeepingWork(editorStatus);
    } else if (error?.status === 422) {
      const where = error.field ? `${error.field}: ` : "";
      showStatus(editorStatus, t("myWork.invalidResult", { reason: where + errorText(error) }), "error");
    } else {
      showError(editorStatus, error, "myWork.saveFailed");
    }
  }
}

// MARK: conflicts

/** A question's answer as plain words, for comparing two versions side by side. */
function answerText(question, answer, data) {
  if (answer === undefined || answer === null) return t("myWork.unanswered");
  if (Array.isArray(answer) && question?.type === "spans") {
    if (answer.length === 0) return t("myWork.noSpans");
    const text = typeof data?.[question.field] === "string" ? Array.from(data[question.field]) : [];
    // Span offsets count Unicode scalars, hence Array.from rather than string indices.
    return answer
      .map((span) => {
        const excerpt = text.slice(span.start, span.end).join("");
        return t("myWork.spanAnswer", { label: span.label, text: excerpt, start: span.start, end: span.end });
      })
      .join("; ");
  }
  if (Array.isArray(answer) && ["boxes", "polygons", "keypoints", "masks"].includes(question?.type)) {
    if (answer.length === 0) return t("myWork.noRegions");
    // Regions by label and count: where each lies is for the editor to show, not a table cell.
    const counts = new Map();
    for (const region of answer) counts.set(String(region?.label), (counts.get(String(region?.label)) ?? 0) + 1);
    return [...counts].map(([label, count]) => `${label} ×${count}`).join(", ");
  }
  if (Array.isArray(answer)) return answer.length === 0 ? t("myWork.unanswered") : answer.join(", ");
  if (typeof answer === "object") return JSON.stringify(answer);
  return String(answer);
}

/** A canonical text of an answer: object keys sorted, spans reduced to what identifies them and ordered. */
function canonicalAnswer(question, answer) {
  if (answer === undefined || answer === null) return "null";
  if (question?.type === "spans" && Array.isArray(answer)) {
    // The renderer may keep each span's quoted `text`; two versions differ only in where and what is marked.
    const spans = answer.map((span) => [span?.start, span?.end, span?.label]);
    spans.sort((a, b) => a[0] - b[0] || a[1] - b[1] || String(a[2]).localeCompare(String(b[2])));
    return JSON.stringify(spans);
  }
  if (question?.type === "multi_choice" && Array.isArray(answer)) return JSON.stringify([...answer].sort());
  const sortedKeys = (_key, value) =>
    value && typeof value === "object" && !Array.isArray(value)
      ? Object.fromEntries(Object.keys(value).sort().map((key) => [key, value[key]]))
      : value;
  return JSON.stringify(answer, sortedKeys);
}

function sameAnswer(question, a, b) {
  return canonicalAnswer(question, a) === canonicalAnswer(question, b);
}

async function showConflict(session, mine) {
  showStatus(editorStatus, t("myWork.conflictLoading"));
  let current;
  try {
    ({ json: current } = await api("GET", `/api/v1/annotations/${session.annotation.id}`));
  } catch (error) {
    showError(editorStatus, error, "myWork.saveFailed");
    return;
  }
  if (editing !== session) return;
  session.mine = mine;
  session.current = current;
  showStatus(editorStatus, "");
  conflictTheirsHeading.textContent = t("myWork.conflictTheirsVersion", {
    version: formatCount(current.version),
    time: formatTime(current.updated_at),
  });
  clear(conflictBody);
  const questions = Array.isArray(session.schema?.questions) ? session.schema.questions : [];
  const theirs = current.result ?? {};
  const names = questions.map((question) => question.name);
  for (const name of [...Object.keys(mine), ...Object.keys(theirs)]) {
    if (!names.includes(name)) names.push(name);
  }
  for (const name of names) {
    const question = questions.find((candidate) => candidate.name === name);
    const differs = !sameAnswer(question, mine[name], theirs[name]);
    conflictBody.append(
      el("tr", { className: differs ? "differs" : "", attrs: { "data-question": name } }, [
        el("th", { attrs: { scope: "row" } }, [
          el("span", { text: question?.label || name }),
          differs ? el("span", { className: "badge differs", text: t("myWork.differs") }) : null,
        ]),
        el("td", { className: "mine", text: answerText(question, mine[name], session.task?.data) }),
        el("td", { className: "theirs", text: answerText(question, theirs[name], session.task?.data) }),
      ]),
    );
  }
  editorActions.hidden = true;
  conflictNode.hidden = false;
  setEditorBusy(false);
  conflictHeading.focus();
}

function keepMine() {
  const session = editing;
  if (!session?.current) return;
  save(session.mine, session.current.version);
}

function takeTheirs() {
  const session = editing;
  if (!session?.current) return;
  const current = session.current;
  if (session.row?.isConnected) session.row = replaceRow(session.row, current);
  session.dirty = false;
  closeEditor();
  showStatus(statusNode, t("myWork.tookTheirs", { task: taskLabel(current.task_id), version: formatCount(current.version) }), "ok");
}

// MARK: start

async function main() {
  await loadTranslations();
  saveButton.addEventListener("click", () => {
    if (!editing?.handle) return;
    save(editing.handle.getResult(), editing.annotation.version);
  });
  cancelButton.addEventListener("click", () => {
    if (editing?.dirty && !confirm(t("myWork.discardConfirm"))) return;
    closeEditor();
  });
  keepMineButton.addEventListener("click", keepMine);
  takeTheirsButton.addEventListener("click", takeTheirs);
  editorNode.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && conflictNode.hidden && !event.defaultPrevented) {
      event.preventDefault();
      cancelButton.click();
    }
  });
  loadMoreButton.addEventListener("click", () => loadPage());
  projectFilter.addEventListener("change", () => {
    closeEditor({ focusRow: false });
    loadRework();
    loadPage({ reset: true });
  });
  window.addEventListener("beforeunload", (event) => {
    if (editing?.dirty) event.preventDefault();
  });
  await loadProjects();
  await Promise.all([loadRework(), loadPage({ reset: true })]);
}

main();
