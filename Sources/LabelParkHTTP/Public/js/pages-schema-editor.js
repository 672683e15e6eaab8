// The schema editor shared by the new-project page and the project's settings: a textarea checked as you
// type (at once for JSON syntax, with line and column; by the server for the schema's rules, debounced), a
// list of what is wrong with a way to jump there, and a live preview of the annotation form.

import { t } from "/static/js/i18n.js";
import { api } from "/static/js/api.js";
import {
  el,
  clear,
  showError,
  errorText,
  isNetworkFailure,
  withFreshSession,
  showSignedOutKeepingWork,
} from "/static/js/pages-dom.js";
import { parseLocated, rangeForPath, JSONLocatedError } from "/static/js/pages-json.js";
import { renderSchemaPreview } from "/static/js/pages-schema.js";

const validationDelayMilliseconds = 300;

/** The translation keys a page may word for itself; the rest of the editor's strings are `newProject.*`. */
const defaultMessages = {
  offline: "newProject.stateOffline",
  previewHelp: "newProject.previewHelp",
  previewStale: "newProject.previewStale",
};

/**
 * Wires a schema editor to its elements: `editor` (the textarea), `stateNode` (one line: checking, valid…),
 * `errorsNode` (a list), `preview` (the rendered form) and `previewNote` (says when the preview is stale).
 * `messages` overrides the keys of `defaultMessages`.
 *
 * Returns `{check(), current(), showRuleError(error), jumpToError(), reset(text)}`:
 * - `check()` checks the text now (call it once after setting the text; typing calls it by itself);
 * - `current()` is the last check: `{text, value, locations, valid}`, `value` null while the JSON is broken;
 * - `showRuleError(error)` lists an API error whose `field` is in the schema (from creating or saving);
 * - `jumpToError()` selects the first listed error in the editor;
 * - `reset(text)` replaces the text and checks it.
 */
export function createSchemaEditor({ editor, stateNode, errorsNode, preview, previewNote, messages = {} }) {
  const keys = { ...defaultMessages, ...messages };
  /** The state of the schema as last checked: the parsed value and where its parts are in the text. */
  let checked = { text: null, value: null, locations: null, valid: false };
  let checkSequence = 0;
  let pendingCheck = null;
  let inFlight = null;
  let previewHandle = null;
  let previewedText = null;

  // MARK: errors

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
    clear(errorsNode);
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
    errorsNode.append(item);
    editor.setAttribute("aria-invalid", "true");
  }

  function clearSchemaErrors() {
    clear(errorsNode);
    editor.removeAttribute("aria-invalid");
  }

  function setState(key, state, params) {
    stateNode.textContent = key ? t(key, params) : "";
    stateNode.dataset.state = state;
  }

  function markPreviewStale(stale) {
    preview.classList.toggle("stale", stale);
    previewNote.textContent = stale && previewHandle ? t(keys.previewStale) : t(keys.previewHelp);
  }

  // MARK: checking

  /** Checks the editor's JSON at once; schedules the server's check of the schema when the JSON is well formed. */
  function check() {
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
      showSchemaError({
        where: t("newProject.lineColumn", { line: error.line, column: error.column }),
        message: t(`newProject.json_${error.reason}`, { detail: error.detail }),
        range: { start: error.offset, end: Math.min(text.length, error.offset + 1) },
        testid: "schema-syntax-error",
      });
      setState("newProject.stateSyntax", "invalid");
      markPreviewStale(true);
      return;
    }
    checked = { text, value: parsed.value, locations: parsed.locations, valid: false };
    setState("newProject.stateChecking", "checking");
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
      setState("newProject.stateValid", "valid");
      await showPreview(parsed.value);
    } catch (error) {
      if (sequence !== checkSequence || error?.name === "AbortError") return;
      if (error?.status === 422 || error?.status === 400) {
        showRuleError(error, parsed.locations);
        setState("newProject.stateInvalid", "invalid");
        markPreviewStale(true);
      } else if (isNetworkFailure(error)) {
        setState(keys.offline, "unknown");
      } else if (error?.status === 401) {
        showSignedOutKeepingWork(stateNode);
      } else {
        setState(null, "unknown");
        showError(stateNode, error, "newProject.checkFailed");
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

  /** Lists an API error about the schema, selecting the part of the text its `field` path names. */
  function showRuleError(error, locations = checked.locations) {
    const field = typeof error?.field === "string" && error.field !== "" ? error.field : "schema";
    showSchemaError({
      where: field,
      message: errorText(error),
      range: locations ? rangeForPath(locations, field) : null,
      testid: "schema-rule-error",
    });
  }

  editor.addEventListener("input", check);

  return {
    check,
    current: () => checked,
    showRuleError: (error) => showRuleError(error),
    jumpToError: () => errorsNode.querySelector("button.jump")?.click(),
    reset(text) {
      editor.value = text;
      check();
    },
  };
}
