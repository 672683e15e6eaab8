// The project's settings for its managers: name, description, lease, the schema in the shared editor
// (checked as you type, with a preview) and the quality settings, saved with PATCH /api/v1/projects/{id}.
// Once the project has annotations the schema is read-only: the stored answers must stay valid, so the
// server refuses a new one.

import { t } from "/static/js/i18n.js";
import { api } from "/static/js/api.js";
import {
  showError, showStatus, errorText, withFreshSession, showSignedOutKeepingWork, FieldErrors,
} from "/static/js/pages-dom.js";
import { renderSchemaPreview } from "/static/js/pages-schema.js";
import { createSchemaEditor } from "/static/js/pages-schema-editor.js";
import { setUpQualitySettings } from "/static/js/pages-quality-settings.js";

/** The schema as the editor shows it: pretty-printed, two spaces. */
function schemaText(schema) {
  return JSON.stringify(schema, null, 2);
}

/** Whether two JSON values are the same (the stored schema and the edited one, key order included). */
function sameJSON(a, b) {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Sets up the `#settings` section for `project` (as `GET /api/v1/projects/{id}` answers it) when the
 * person may manage it; `onSaved(project)` runs after every successful save with the updated project.
 */
export async function setUpSettings(project, { onSaved } = {}) {
  if (!project?.can_manage) return;
  const form = document.getElementById("settings-form");
  const nameInput = document.getElementById("settings-name");
  const descriptionInput = document.getElementById("settings-description");
  const leaseInput = document.getElementById("settings-lease-seconds");
  const editor = document.getElementById("settings-schema");
  const lockedNote = document.getElementById("settings-schema-locked");
  const saveButton = document.getElementById("settings-save");
  const result = document.getElementById("settings-result");

  let stored = project;
  let locked = false;
  let saving = false;
  const qualitySettings = setUpQualitySettings(project.overlap);
  /** The quality object as the form read it right after it was filled: unchanged settings are not sent. */
  let storedQuality = null;

  const fieldInputs = {
    name: [nameInput, "settings-name-error"],
    description: [descriptionInput, "settings-description-error"],
    lease_seconds: [leaseInput, "settings-lease-seconds-error"],
    ...qualitySettings.fieldInputs,
  };

  function fill(fromProject) {
    nameInput.value = fromProject.name;
    descriptionInput.value = fromProject.description ?? "";
    leaseInput.value = String(fromProject.lease_seconds);
    qualitySettings.setOverlap(fromProject.overlap);
    qualitySettings.fill(fromProject.quality ?? {});
    storedQuality = qualitySettings.read(() => {});
  }

  function lockSchema() {
    locked = true;
    editor.readOnly = true;
    lockedNote.hidden = false;
    // The note replaces the help, which promises a check as you type.
    document.getElementById("settings-schema-help").hidden = true;
    editor.setAttribute("aria-describedby", "settings-schema-locked settings-schema-state");
  }

  const fieldErrors = new FieldErrors(fieldInputs);
  const clearFieldErrors = () => fieldErrors.clear();
  const showFieldError = (field, message) => fieldErrors.show(field, message);

  /** Reads the lease; null (after showing why) when it is not a whole number in the input's range. */
  function leaseSeconds() {
    const value = Number(leaseInput.value);
    const min = Number(leaseInput.min);
    const max = Number(leaseInput.max);
    if (leaseInput.value.trim() === "" || !Number.isInteger(value) || value < min || value > max) {
      showFieldError("lease_seconds", t("project.settings.wholeNumber", { min, max }));
      return null;
    }
    return value;
  }

  /** Shows the saved project in the page's heading, description and read-only schema view. */
  async function showSaved(saved, schemaChanged) {
    document.getElementById("project-heading").textContent = saved.name;
    document.title = t("project.documentTitle", { name: saved.name });
    const about = document.getElementById("project-about");
    about.textContent = saved.description ?? "";
    about.hidden = !saved.description;
    onSaved?.(saved);
    if (schemaChanged) {
      document.getElementById("schema-json").textContent = schemaText(saved.schema);
      await renderSchemaPreview(document.getElementById("schema-view"), saved.schema, { readOnly: true });
    }
  }

  async function save(event) {
    event.preventDefault();
    if (saving) return;
    clearFieldErrors();
    showStatus(result, "");
    const name = nameInput.value.trim();
    if (name === "") {
      showFieldError("name", t("project.settings.nameRequired"));
      showStatus(result, t("project.settings.fixField"), "error");
      return;
    }
    const lease = leaseSeconds();
    if (lease === null) {
      showStatus(result, t("project.settings.fixField"), "error");
      return;
    }
    const quality = qualitySettings.read(showFieldError);
    if (quality === null) {
      showStatus(result, t("project.settings.fixField"), "error");
      return;
    }
    const body = { name, description: descriptionInput.value, lease_seconds: lease };
    // Only a change is sent, so saving a name never rewrites quality settings another manager just changed.
    if (!sameJSON(quality, storedQuality)) body.quality = quality;
    if (!locked) {
      schemaEditor.check();
      const schema = schemaEditor.current();
      if (schema.value === null) {
        showStatus(result, t("project.settings.fixSchemaFirst"), "error");
        schemaEditor.jumpToError();
        return;
      }
      // An unchanged schema is left out, so saving a name never trips over annotations arriving meanwhile.
      if (!sameJSON(schema.value, stored.schema)) body.schema = schema.value;
    }

    saving = true;
    saveButton.disabled = true;
    form.setAttribute("aria-busy", "true");
    showStatus(result, t("project.settings.saving"));
    try {
      const { json: saved } = await withFreshSession(() => api("PATCH", `/api/v1/projects/${project.id}`, { body }));
      stored = saved;
      if ("schema" in body) schemaEditor.reset(schemaText(saved.schema));
      if ("quality" in body) {
        qualitySettings.fill(saved.quality ?? {});
        storedQuality = qualitySettings.read(() => {});
      }
      await showSaved(saved, "schema" in body);
      showStatus(result, t("project.settings.saved"), "ok");
    } catch (error) {
      const field = typeof error?.field === "string" ? error.field : "";
      if (error?.status === 409 && error.code === "schema_locked") {
        lockSchema();
        schemaEditor.reset(schemaText(stored.schema));
        showStatus(result, t("project.settings.schemaLockedNow"), "error");
      } else if (error?.status === 401) {
        showSignedOutKeepingWork(result);
      } else if (error?.status === 403) {
        showStatus(result, t("project.settings.forbidden"), "error");
      } else if (field.startsWith("schema")) {
        schemaEditor.showRuleError(error);
        showStatus(result, t("project.settings.fixSchemaFirst"), "error");
        editor.focus();
      } else if (showFieldError(field, errorText(error))) {
        showStatus(result, t("project.settings.fixField"), "error");
      } else {
        showError(result, error, "project.settings.notSaved");
      }
    } finally {
      saving = false;
      saveButton.disabled = false;
      form.setAttribute("aria-busy", "false");
    }
  }

  document.getElementById("settings").hidden = false;
  fill(project);
  editor.value = schemaText(project.schema);
  const schemaEditor = createSchemaEditor({
    editor,
    stateNode: document.getElementById("settings-schema-state"),
    errorsNode: document.getElementById("settings-schema-errors"),
    preview: document.getElementById("settings-schema-preview"),
    previewNote: document.getElementById("settings-schema-preview-note"),
    messages: { offline: "project.settings.stateOffline", previewHelp: "project.settings.previewHelp" },
  });
  form.addEventListener("submit", save);
  form.addEventListener("input", (event) => {
    // A "saved" that stays on screen while the form is edited again would claim too much.
    if (result.dataset.state === "ok") showStatus(result, "");
    if (event.target !== editor) event.target.removeAttribute("aria-invalid");
  });

  try {
    const { json: progress } = await api("GET", `/api/v1/projects/${project.id}/progress`);
    if ((progress.annotations ?? 0) > 0) lockSchema();
  } catch {
    // Unknown: leave the schema editable; the server refuses a new schema once there are annotations.
  }
  editor.readOnly = locked;
  schemaEditor.check();
  saveButton.disabled = false;
  form.setAttribute("aria-busy", "false");
}
