// New project: settings, a schema editor checked as you type (locally for JSON syntax, by the server for the
// schema's rules), a live preview of the annotation form, and creation.

import { loadTranslations, t } from "/static/js/i18n.js";
import { api } from "/static/js/api.js";
import {
  el,
  clear,
  showError,
  showStatus,
  errorText,
  canCreateProjectsIn,
  isNetworkFailure,
  withFreshSession,
  showSignedOutKeepingWork,
} from "/static/js/pages-dom.js";
import { parseLocated, rangeForPath, JSONLocatedError } from "/static/js/pages-json.js";
import { renderSchemaPreview } from "/static/js/pages-schema.js";

const form = document.getElementById("new-project-form");
const statusNode = document.getElementById("new-project-status");
const organizationField = document.getElementById("organization-field");
const organizationSelect = document.getElementById("organization");
const nameInput = document.getElementById("project-name");
const descriptionInput = document.getElementById("project-description");
const overlapInput = document.getElementById("overlap");
const leaseInput = document.getElementById("lease-seconds");
const editor = document.getElementById("schema-editor");
const schemaState = document.getElementById("schema-state");
const schemaErrors = document.getElementById("schema-errors");
const preview = document.getElementById("schema-preview");
const previewNote = document.getElementById("schema-preview-note");
const createButton = document.getElementById("create-project");
const createError = document.getElementById("create-error");

const validationDelayMilliseconds = 300;

/** The state of the schema as last checked: the parsed value and where its parts are in the text. */
let checked = { text: null, value: null, locations: null, valid: false };
let checkSequence = 0;
let pendingCheck = null;
let inFlight = null;
let previewHandle = null;
let previewedText = null;

// MARK: schema errors

function selectInEditor(range) {
  if (!range) return;
  editor.focus();
  editor.setSelectionRange(range.start, range.end);
  // Scroll the selection into view: a textarea scrolls to the caret only on some browsers.
  const lineHeight = Number.parseFloat(getComputedStyle(editor).lineHeight) || 18;
  const line = editor.value.slice(0, range.start).split("\n").length - 1;
  editor.scrollTop = Math.max(0, line * lineHeight - editor.clientHeight / 3);
}

/** Lists one error: where it is (a path or a line/column) and what is wrong, with a way to jump there. */
function showSchemaError({ where, message, range, testid }) {
  clear(schemaErrors);
  const item = el("li", { className: "schema-error", attrs: { "data-testid": testid } }, [
    el("code", { className: "field", text: where }),
    " ",
    el("span", { className: "message", text: message }),
  ]);
  if (range) {
    const jump = el("button", {
      className: "small jump",
      text: t("newProject.showInEditor"),
      attrs: { type: "button" },
    });
    jump.addEventListener("click", () => selectInEditor(range));
    item.append(" ", jump);
  }
  schemaErrors.append(item);
  editor.setAttribute("aria-invalid", "true");
}

function clearSchemaErrors() {
  clear(schemaErrors);
  editor.removeAttribute("aria-invalid");
}

function setSchemaState(key, state, params) {
  schemaState.textContent = key ? t(key, params) : "";
  schemaState.dataset.state = state;
}

function markPreviewStale(stale) {
  preview.classList.toggle("stale", stale);
  previewNote.textContent = stale && previewHandle ? t("newProject.previewStale") : t("newProject.previewHelp");
}

// MARK: checking

/** Checks the editor's JSON at once; schedules the server's check of the schema when the JSON is well formed. */
function checkNow() {
  const text = editor.value;
  if (text === checked.text) return;
  clearTimeout(pendingCheck);
  inFlight?.abort();
  const sequence = ++checkSequence;
  let parsed;
  try {
    parsed = parseLocated(text, "schema");
  } catch (error) {
    if (!(error instanceof JSONLocatedError)) throw error;
    checked = { text, value: null, locations: null, valid: false };
    const where = t("newProject.lineColumn", { line: error.line, column: error.column });
    const message = t(`newProject.json_${error.reason}`, { detail: error.detail });
    showSchemaError({
      where,
      message,
      range: { start: error.offset, end: Math.min(text.length, error.offset + 1) },
      testid: "schema-syntax-error",
    });
    setSchemaState("newProject.stateSyntax", "invalid");
    markPreviewStale(true);
    return;
  }
  checked = { text, value: parsed.value, locations: parsed.locations, valid: false };
  setSchemaState("newProject.stateChecking", "checking");
  pendingCheck = setTimeout(() => checkOnServer(sequence, parsed), validationDelayMilliseconds);
}

async function checkOnServer(sequence, parsed) {
  const controller = new AbortController();
  inFlight = controller;
  try {
    await withFreshSession(() =>
      api("POST", "/api/v1/schemas/validate", { body: { schema: parsed.value }, signal: controller.signal }),
    );
    if (sequence !== checkSequence) return;
    checked.valid = true;
    clearSchemaErrors();
    setSchemaState("newProject.stateValid", "valid");
    await showPreview(parsed.value);
  } catch (error) {
    if (sequence !== checkSequence || error?.name === "AbortError") return;
    if (error?.status === 422 || error?.status === 400) {
      const field = typeof error.field === "string" && error.field !== "" ? error.field : "schema";
      showSchemaError({
        where: field,
        message: errorText(error),
        range: rangeForPath(parsed.locations, field),
        testid: "schema-rule-error",
      });
      setSchemaState("newProject.stateInvalid", "invalid");
      markPreviewStale(true);
    } else if (isNetworkFailure(error)) {
      setSchemaState("newProject.stateOffline", "unknown");
    } else if (error?.status === 401) {
      showSignedOutKeepingWork(schemaState);
    } else {
      setSchemaState(null, "unknown");
      showError(schemaState, error, "newProject.checkFailed");
    }
  } finally {
    if (inFlight === controller) inFlight = null;
  }
}

async function showPreview(schema) {
  const text = checked.text;
  if (text === previewedText && previewHandle) {
    markPreviewStale(false);
    return;
  }
  previewHandle?.destroy?.();
  previewHandle = await renderSchemaPreview(preview, schema, { readOnly: false });
  previewedText = text;
  markPreviewStale(false);
}

// MARK: creating

const fieldInputs = {
  name: [nameInput, "project-name-error"],
  overlap: [overlapInput, "overlap-error"],
  lease_seconds: [leaseInput, "lease-seconds-error"],
};

function clearFieldErrors() {
  for (const [input, errorID] of Object.values(fieldInputs)) {
    input.removeAttribute("aria-invalid");
    const node = document.getElementById(errorID);
    node.hidden = true;
    node.textContent = "";
  }
  createError.hidden = true;
  createError.textContent = "";
}

function showFieldError(field, message) {
  const target = fieldInputs[field];
  if (!target) return false;
  const [input, errorID] = target;
  const node = document.getElementById(errorID);
  node.textContent = message;
  node.hidden = false;
  input.setAttribute("aria-invalid", "true");
  input.focus();
  return true;
}

function showCreateError(text) {
  createError.textContent = text;
  createError.hidden = false;
}

/** Reads an integer input; null (after showing why) when it is not a whole number in its range. */
function integerInput(field, input) {
  const value = Number(input.value);
  const min = Number(input.min);
  const max = Number(input.max);
  if (input.value.trim() === "" || !Number.isInteger(value) || value < min || value > max) {
    showFieldError(field, t("newProject.wholeNumber", { min, max }));
    return null;
  }
  return value;
}

async function create(event) {
  event.preventDefault();
  if (createButton.disabled) return;
  clearFieldErrors();
  const name = nameInput.value.trim();
  if (name === "") {
    showFieldError("name", t("newProject.nameRequired"));
    return;
  }
  const overlap = integerInput("overlap", overlapInput);
  if (overlap === null) return;
  const leaseSeconds = integerInput("lease_seconds", leaseInput);
  if (leaseSeconds === null) return;
  checkNow();
  if (checked.value === null) {
    showCreateError(t("newProject.fixSchemaFirst"));
    schemaErrors.querySelector("button.jump")?.click();
    return;
  }
  const body = {
    name,
    description: descriptionInput.value,
    overlap,
    lease_seconds: leaseSeconds,
    schema: checked.value,
  };
  if (organizationSelect.value) body.organization_id = Number(organizationSelect.value);

  createButton.disabled = true;
  form.setAttribute("aria-busy", "true");
  showStatus(statusNode, t("newProject.creating"));
  try {
    const { json } = await withFreshSession(() => api("POST", "/api/v1/projects", { body }));
    showStatus(statusNode, t("newProject.created"), "ok");
    location.assign(`/projects/${json.id}`);
  } catch (error) {
    createButton.disabled = false;
    form.setAttribute("aria-busy", "false");
    showStatus(statusNode, "");
    const field = typeof error?.field === "string" ? error.field : "";
    if (error?.status === 401) {
      showSignedOutKeepingWork(createError);
      createError.hidden = false;
    } else if (field.startsWith("schema")) {
      showSchemaError({
        where: field,
        message: errorText(error),
        range: rangeForPath(checked.locations, field),
        testid: "schema-rule-error",
      });
      showCreateError(t("newProject.fixSchemaFirst"));
      editor.focus();
    } else if (!showFieldError(field, errorText(error))) {
      showError(createError, error, "newProject.createFailed");
      createError.hidden = false;
      if (field === "organization_id") {
        organizationField.hidden = false;
        organizationSelect.focus();
      }
    } else {
      showCreateError(t("newProject.createFailed", { reason: errorText(error) }));
    }
  }
}

// MARK: start

async function loadOrganizations() {
  try {
    const { json } = await api("GET", "/api/v1/me");
    const creatable = (json.organizations ?? []).filter(canCreateProjectsIn);
    clear(organizationSelect);
    for (const organization of creatable) {
      organizationSelect.append(el("option", { text: organization.name, attrs: { value: organization.id } }));
    }
    organizationField.hidden = creatable.length < 2;
    if (creatable.length === 0) {
      createButton.disabled = true;
      showStatus(statusNode, t("newProject.notAllowed"), "error");
    }
  } catch (error) {
    showError(statusNode, error, "newProject.loadFailed");
  }
}

async function main() {
  await loadTranslations();
  editor.addEventListener("input", checkNow);
  form.addEventListener("submit", create);
  for (const [input] of Object.values(fieldInputs)) {
    input.addEventListener("input", () => {
      input.removeAttribute("aria-invalid");
    });
  }
  await loadOrganizations();
  checkNow();
}

main();
