/**
 * The annotate form: a project's schema rendered for one task, each field by its viewer (`fields/`) and
 * each question by its kind (`questions/`). This shell does what is the same for every kind: the layout,
 * the active question, the keyboard shortcuts, collecting and showing answers, and the required-answer
 * check. Used by the annotate, review and my-work pages and by the schema previews of the other pages.
 */

import { t, lang } from "/static/js/i18n.js";
import { api } from "/static/js/api.js";
import { element } from "/static/js/form-dom.js";
import { fieldViewer } from "/static/js/fields/registry.js";
import { questionKind } from "/static/js/questions/registry.js";

/** Colours in annotate.css (`.lp-c0` …); labels cycle through them. */
const paletteSize = 10;
let formSerial = 0;

/** Loads the form's styles on pages that do not link them (previews on other pages). */
function ensureStylesheet() {
  if (document.querySelector('link[rel="stylesheet"][href="/static/css/annotate.css"]')) return;
  const link = document.createElement("link");
  link.rel = "stylesheet";
  link.href = "/static/css/annotate.css";
  document.head.append(link);
}

/** Whether keys typed at `target` are text input the form must not take over. */
export function isTypingTarget(target) {
  if (!target || !target.tagName) return false;
  if (target.isContentEditable) return true;
  if (target.tagName === "TEXTAREA" || target.tagName === "SELECT") return true;
  if (target.tagName !== "INPUT") return false;
  return !["range", "button", "submit", "checkbox", "radio", "reset"].includes(target.type);
}

function digitOf(event) {
  if (event.key && event.key.length === 1 && event.key >= "1" && event.key <= "9") return Number(event.key);
  // Number keys with a non-Latin keyboard layout or an input method still report their code.
  const match = /^(?:Digit|Numpad)([1-9])$/.exec(event.code || "");
  return match ? Number(match[1]) : null;
}

/**
 * Renders `schema` for a task whose data is `data` into `container`.
 *
 * Options: `result` (answers to show), `onChange(result, {question, type})` after each change the person
 * makes, `readOnly`, and `ids` (`{task, questions}`: element ids for the fields and questions boxes).
 * Returns `{getResult(), setResult(result), focusQuestion(i), destroy()}` plus, for the annotate page,
 * `handleKey(event)`, `firstProblem()`, `activeIndex()` and `questionCount`. Records the performance
 * measure `lp-render` (marks `lp-render-start`, `lp-render-end`), layout included.
 */
export function renderForm(container, schema, data, { result, onChange, readOnly = false, ids = {} } = {}) {
  performance.mark("lp-render-start");
  ensureStylesheet();
  const serial = ++formSerial;
  const fields = Array.isArray(schema?.fields) ? schema.fields : [];
  const questions = (Array.isArray(schema?.questions) ? schema.questions : []).filter(
    (question) => question && typeof question === "object" && typeof question.name === "string",
  );
  const values = data && typeof data === "object" ? data : {};

  const root = element("div", "lp-form" + (readOnly ? " lp-read-only" : ""));
  const taskBox = element("div", "lp-task");
  const questionsBox = element("div", "lp-questions");
  if (ids.task) taskBox.id = ids.task;
  if (ids.questions) questionsBox.id = ids.questions;
  taskBox.setAttribute("aria-label", t("form.taskLabel"));
  questionsBox.setAttribute("aria-label", t("form.questionsLabel"));
  root.append(taskBox, questionsBox);

  // MARK: fields

  const markedFields = new Set(questions.map((question) => questionKind(question.type).markedField?.(question)));
  /** The viewers in the order shown, and by field name: `{definition, viewer}`. */
  const shownFields = [];
  const fieldsByName = new Map();

  fields.forEach((field, index) => {
    if (!field || typeof field.name !== "string") return;
    const section = element("section", "lp-field");
    section.dataset.field = field.name;
    const heading = element("h2", "lp-field-heading", field.label || field.name);
    heading.id = `lp-f${serial}-field${index}`;
    section.append(heading);
    const viewer = fieldViewer(field.type).render(field, values[field.name], {
      labelledBy: heading.id,
      marked: markedFields.has(field.name),
      readOnly,
      api,
      lang: lang(),
    });
    section.append(viewer.element);
    taskBox.append(section);
    const shown = { definition: field, viewer };
    shownFields.push(shown);
    fieldsByName.set(field.name, shown);
  });

  // MARK: questions

  let active = 0;
  let coloursClaimed = 0;
  /** One entry per question: `{question, fieldset, view, showProblem(message), clearProblem()}`. */
  const entries = [];

  const changed = (entry) => {
    entry.clearProblem();
    if (onChange) onChange(getResult(), { question: entry.question.name, type: entry.question.type });
  };

  questions.forEach((question, index) => {
    const entry = renderQuestion(question, index);
    entries.push(entry);
    questionsBox.append(entry.fieldset);
  });

  function renderQuestion(question, index) {
    const fieldset = element("fieldset", "lp-question");
    fieldset.dataset.question = question.name;
    fieldset.dataset.type = question.type;
    fieldset.tabIndex = -1;
    const legend = element("legend", "lp-question-legend");
    const legendId = `lp-f${serial}-q${index}`;
    legend.id = legendId;
    const number = element("span", "lp-question-number", String(index + 1));
    number.setAttribute("aria-hidden", "true");
    legend.append(number, element("span", "lp-question-label", question.label || question.name));
    if (question.required) legend.append(element("span", "lp-required", t("form.required")));
    fieldset.append(legend);
    const problemNode = element("p", "lp-question-error");
    problemNode.id = `${legendId}-error`;
    problemNode.hidden = true;
    const entry = {
      question,
      fieldset,
      view: null,
      showProblem(message) {
        problemNode.textContent = message;
        problemNode.hidden = false;
        problemNode.setAttribute("role", "alert");
        fieldset.classList.add("lp-invalid");
      },
      clearProblem() {
        if (problemNode.hidden) return;
        problemNode.hidden = true;
        problemNode.removeAttribute("role");
        problemNode.textContent = "";
        fieldset.classList.remove("lp-invalid");
      },
    };
    entry.view = questionKind(question.type).render(question, {
      readOnly,
      labelId: legendId,
      changed: () => changed(entry),
      showProblem: (message) => entry.showProblem(message),
      isActive: () => entries[active] === entry,
      activate: () => setActive(index),
      field: (name) => fieldsByName.get(name) ?? null,
      claimColours(count) {
        const base = coloursClaimed;
        coloursClaimed += count;
        return (position) => (base + position) % paletteSize;
      },
    });
    fieldset.append(entry.view.element, problemNode);
    fieldset.addEventListener("focusin", () => setActive(index));
    fieldset.addEventListener("pointerdown", () => setActive(index));
    return entry;
  }

  function setActive(index) {
    if (index < 0 || index >= entries.length) return;
    if (entries[active]) entries[active].fieldset.classList.remove("lp-active");
    active = index;
    entries[active].fieldset.classList.add("lp-active");
  }

  // MARK: keys

  /**
   * Applies the form's keyboard shortcuts to `event`: the active question's own keys (a selected region on
   * an image), the keys of the field viewer that has focus (the caret on a marked text, zoom and pan),
   * digits 1–9 for the active question and ArrowUp/ArrowDown between questions. Returns whether the key
   * was used (the caller then prevents the default). Keys typed into text boxes are left alone.
   */
  function handleKey(event) {
    if (readOnly || entries.length === 0) return false;
    const target = event.target;
    if (isTypingTarget(target)) return false;
    if (entries[active]?.view.handleKey?.(event)) return true;
    for (const { viewer } of shownFields) {
      if (viewer.handleKey && viewer.element.contains(target) && viewer.handleKey(event)) return true;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) return false;
    const digit = digitOf(event);
    if (digit !== null) return entries[active]?.view.pick?.(digit) ?? false;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      focusQuestion(active + (event.key === "ArrowDown" ? 1 : -1));
      return true;
    }
    return false;
  }

  const onKeyDown = (event) => {
    if (event.defaultPrevented) return;
    if (handleKey(event)) {
      event.preventDefault();
      event.stopPropagation();
    }
  };
  root.addEventListener("keydown", onKeyDown);

  // MARK: answers

  function getResult() {
    const answers = {};
    for (const { question, view } of entries) {
      const value = view.getValue();
      if (value !== undefined) answers[question.name] = value;
    }
    return answers;
  }

  function setResult(next) {
    const answers = next && typeof next === "object" ? next : {};
    for (const entry of entries) {
      entry.clearProblem();
      entry.view.setValue(answers[entry.question.name]);
    }
  }

  function focusQuestion(index) {
    const clamped = Math.max(0, Math.min(entries.length - 1, index));
    const entry = entries[clamped];
    if (!entry) return;
    setActive(clamped);
    if (entry.view.focus) entry.view.focus();
    else entry.fieldset.focus({ preventScroll: false });
  }

  /** Why a question's answer cannot be sent: missing though required, or against the kind's rules; or null. */
  function problemOf({ question, view }) {
    const value = view.getValue();
    if (value === undefined) return question.required && !view.unsupported ? t("form.errorRequired") : null;
    return view.check ? view.check(value) : null;
  }

  /** The first question whose answer is missing or breaks a rule, with the message shown on it; or null. */
  function firstProblem() {
    let first = null;
    entries.forEach((entry, index) => {
      const message = problemOf(entry);
      if (message) {
        entry.showProblem(message);
        if (!first) first = { index, question: entry.question.name, message };
      } else {
        entry.clearProblem();
      }
    });
    return first;
  }

  setResult(result);
  setActive(0);
  container.replaceChildren(root);
  // Layout is part of showing the form; reading a size makes the measure include it.
  void root.offsetHeight;
  performance.mark("lp-render-end");
  performance.measure("lp-render", "lp-render-start", "lp-render-end");

  return {
    getResult,
    setResult,
    focusQuestion,
    handleKey,
    firstProblem,
    activeIndex: () => active,
    questionCount: entries.length,
    destroy() {
      root.removeEventListener("keydown", onKeyDown);
      for (const { viewer } of shownFields) viewer.destroy?.();
      for (const { view } of entries) view.destroy?.();
      root.remove();
    },
  };
}
