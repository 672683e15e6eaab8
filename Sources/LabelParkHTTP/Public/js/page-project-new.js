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
  withFreshSession,
  showSignedOutKeepingWork,
  FieldErrors,
} from "/static/js/pages-dom.js";
import { createSchemaEditor } from "/static/js/pages-schema-editor.js";

const form = document.getElementById("new-project-form");
const statusNode = document.getElementById("new-project-status");
const organizationField = document.getElementById("organization-field");
const organizationSelect = document.getElementById("organization");
const nameInput = document.getElementById("project-name");
const descriptionInput = document.getElementById("project-description");
const overlapInput = document.getElementById("overlap");
const leaseInput = document.getElementById("lease-seconds");
const editor = document.getElementById("schema-editor");
const createButton = document.getElementById("create-project");
const createError = document.getElementById("create-error");

let schemaEditor = null;

// MARK: creating

const fieldInputs = {
  name: [nameInput, "project-name-error"],
  overlap: [overlapInput, "overlap-error"],
  lease_seconds: [leaseInput, "lease-seconds-error"],
};
const fieldErrors = new FieldErrors(fieldInputs);

function clearFieldErrors() {
  fieldErrors.clear();
  createError.hidden = true;
  createError.textContent = "";
}

function showFieldError(field, message) {
  return fieldErrors.show(field, message);
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
  schemaEditor.check();
  const schema = schemaEditor.current();
  if (schema.value === null) {
    showCreateError(t("newProject.fixSchemaFirst"));
    schemaEditor.jumpToError();
    return;
  }
  const body = {
    name,
    description: descriptionInput.value,
    overlap,
    lease_seconds: leaseSeconds,
    schema: schema.value,
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
      schemaEditor.showRuleError(error);
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
  schemaEditor = createSchemaEditor({
    editor,
    stateNode: document.getElementById("schema-state"),
    errorsNode: document.getElementById("schema-errors"),
    preview: document.getElementById("schema-preview"),
    previewNote: document.getElementById("schema-preview-note"),
  });
  form.addEventListener("submit", create);
  for (const [input] of Object.values(fieldInputs)) {
    input.addEventListener("input", () => {
      input.removeAttribute("aria-invalid");
    });
  }
  await loadOrganizations();
  schemaEditor.check();
}

main();
