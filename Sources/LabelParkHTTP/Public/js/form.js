// The schema renderer: a task's fields (as text, never HTML) and one fieldset per question of schema v1
// (choice, multi_choice, rating, text, spans), driven by mouse or keyboard. Used by the annotate page and
// by the previews and editors of the other pages.

import { t } from "/static/js/i18n.js";
import { SpanText, overlapConflict, compareSpans, appendLongText } from "/static/js/spans.js";

/** Colours in annotate.css (`.lp-c0` …); labels cycle through them. */
const paletteSize = 10;
/** Texts longer than this (in UTF-16 units) get a fixed-height scrolling box (`.lp-long`). */
const longTextLength = 2_000;
/** Ratings with at most this many values are buttons; longer scales are a slider. */
const maxRatingButtons = 11;
let formSerial = 0;

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Loads the form's styles on pages that do not link them (previews on other pages). */
function ensureStylesheet() {
  if (document.querySelector('link[rel="stylesheet"][href="/static/css/annotate.css"]')) return;
  const link = document.createElement("link");
  link.rel = "stylesheet";
  link.href = "/static/css/annotate.css";
  document.head.append(link);
}

function codePointCount(text) {
  const pairs = text.match(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g);
  return text.length - (pairs ? pairs.length : 0);
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

/** A short quote of a span's text for lists and messages. */
function quote(text) {
  const clean = text.replace(/\s+/g, " ");
  const characters = Array.from(clean);
  return characters.length > 60 ? characters.slice(0, 57).join("") + "…" : clean;
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

  const spanFields = new Set(questions.filter((q) => q && q.type === "spans").map((q) => q.field));
  /** Field name → {view: SpanText, headingId, questions: [spans views]}. */
  const spanTexts = new Map();

  fields.forEach((field, index) => {
    if (!field || typeof field.name !== "string") return;
    const section = element("section", "lp-field");
    section.dataset.field = field.name;
    const headingId = `lp-f${serial}-field${index}`;
    const heading = element("h2", "lp-field-heading", field.label || field.name);
    heading.id = headingId;
    section.append(heading);
    const raw = values[field.name];
    const text = typeof raw === "string" ? raw : raw === undefined || raw === null ? "" : JSON.stringify(raw);
    if (spanFields.has(field.name)) {
      const box = element("div", "lp-field-text lp-span-text" + (text.length > longTextLength ? " lp-long" : ""));
      box.dataset.spanText = field.name;
      box.dataset.empty = t("form.emptyField");
      box.tabIndex = 0;
      box.setAttribute("role", "textbox");
      box.setAttribute("aria-readonly", "true");
      box.setAttribute("aria-multiline", "true");
      box.setAttribute("aria-labelledby", headingId);
      section.append(box);
      spanTexts.set(field.name, { view: new SpanText(box, text), box, headingId, questions: [] });
    } else {
      const long = text.length > longTextLength;
      const box = element("div", "lp-field-text" + (long ? " lp-long" : ""));
      appendLongText(box, text);
      box.dataset.empty = t("form.emptyField");
      if (long) {
        // A scrolling box must be reachable by keyboard to be read.
        box.tabIndex = 0;
        box.setAttribute("role", "region");
        box.setAttribute("aria-labelledby", headingId);
      }
      section.append(box);
    }
    taskBox.append(section);
  });

  let active = 0;
  let colourBase = 0;
  const views = [];
  const changed = (view) => {
    view.clearProblem();
    if (onChange) onChange(getResult(), { question: view.question.name, type: view.question.type });
  };

  questions.forEach((question, index) => {
    const view = makeQuestionView(question, index);
    views.push(view);
    questionsBox.append(view.fieldset);
  });

  function makeQuestionView(question, index) {
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
    const view = {
      question,
      fieldset,
      legendId,
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
      focus() {
        fieldset.focus({ preventScroll: false });
      },
    };
    switch (question.type) {
      case "choice":
      case "multi_choice":
        buildOptions(view, Array.isArray(question.options) ? question.options : [], question.type === "multi_choice");
        break;
      case "rating":
        buildRating(view);
        break;
      case "text":
        buildText(view);
        break;
      case "spans":
        buildSpans(view);
        break;
      default:
        fieldset.append(element("p", "lp-muted", t("form.unknownType", { type: String(question.type) })));
        Object.assign(view, { get: () => undefined, set() {}, pick: () => false, problem: () => null });
    }
    fieldset.append(problemNode);
    fieldset.addEventListener("focusin", () => setActive(index));
    fieldset.addEventListener("pointerdown", () => setActive(index));
    return view;
  }

  function optionButton(value, position, className = "lp-option") {
    const button = element("button", className);
    button.type = "button";
    button.dataset.option = value;
    button.setAttribute("aria-pressed", "false");
    if (position <= 9) {
      const key = element("kbd", "lp-key", String(position));
      key.setAttribute("aria-hidden", "true");
      button.append(key);
      button.setAttribute("aria-keyshortcuts", String(position));
    }
    button.append(element("span", "lp-option-text", value));
    if (readOnly) button.disabled = true;
    return button;
  }

  function buildOptions(view, options, multiple) {
    const { question, fieldset } = view;
    if (multiple) {
      const min = Number.isInteger(question.min) ? question.min : null;
      const max = Number.isInteger(question.max) ? question.max : null;
      let hint = t("form.chooseAny");
      if (min !== null && max !== null) hint = t("form.chooseBetween", { min, max });
      else if (min !== null) hint = t("form.chooseAtLeast", { min });
      else if (max !== null) hint = t("form.chooseAtMost", { max });
      fieldset.append(element("p", "lp-hint", hint));
    }
    const group = element("div", "lp-options");
    const buttons = options.map((option, position) => optionButton(option, position + 1));
    group.append(...buttons);
    fieldset.append(group);
    let chosen = multiple ? new Set() : null;
    const draw = () => {
      buttons.forEach((button, position) => {
        const on = multiple ? chosen.has(options[position]) : chosen === options[position];
        button.setAttribute("aria-pressed", on ? "true" : "false");
      });
    };
    const choose = (position) => {
      const option = options[position];
      if (option === undefined) return false;
      if (multiple) {
        if (chosen.has(option)) chosen.delete(option);
        else chosen.add(option);
      } else {
        chosen = option;
      }
      draw();
      changed(view);
      return true;
    };
    buttons.forEach((button, position) => button.addEventListener("click", () => !readOnly && choose(position)));
    Object.assign(view, {
      get() {
        if (multiple) return chosen.size > 0 ? options.filter((option) => chosen.has(option)) : undefined;
        return chosen ?? undefined;
      },
      set(value) {
        if (multiple) chosen = new Set(Array.isArray(value) ? value.filter((v) => options.includes(v)) : []);
        else chosen = typeof value === "string" && options.includes(value) ? value : null;
        draw();
      },
      pick: (digit) => !readOnly && choose(digit - 1),
      problem() {
        const answer = this.get();
        if (answer === undefined) return question.required ? t("form.errorRequired") : null;
        if (multiple && Number.isInteger(question.min) && answer.length < question.min) {
          return t("form.errorTooFew", { min: question.min });
        }
        if (multiple && Number.isInteger(question.max) && answer.length > question.max) {
          return t("form.errorTooMany", { max: question.max });
        }
        return null;
      },
    });
  }

  function buildRating(view) {
    const { question, fieldset } = view;
    const min = Number.isInteger(question.min) ? question.min : 1;
    const max = Number.isInteger(question.max) ? question.max : 5;
    fieldset.append(element("p", "lp-hint", t("form.ratingRange", { min, max })));
    let value = null;
    const steps = max - min + 1;
    let draw;
    let set;
    if (steps <= maxRatingButtons) {
      const group = element("div", "lp-options lp-rating");
      const buttons = [];
      for (let step = 0; step < steps; step++) {
        const button = optionButton(String(min + step), step + 1, "lp-option lp-rating-value");
        button.addEventListener("click", () => {
          if (readOnly) return;
          set(min + step);
        });
        buttons.push(button);
      }
      group.append(...buttons);
      fieldset.append(group);
      draw = () =>
        buttons.forEach((button, step) => button.setAttribute("aria-pressed", value === min + step ? "true" : "false"));
    } else {
      const row = element("div", "lp-slider");
      const input = element("input", "lp-range");
      input.type = "range";
      input.min = String(min);
      input.max = String(max);
      input.step = "1";
      input.setAttribute("aria-labelledby", view.legendId);
      input.disabled = readOnly;
      const output = element("output", "lp-range-value");
      output.setAttribute("aria-hidden", "true");
      row.append(input, output);
      fieldset.append(row);
      input.addEventListener("input", () => set(Number(input.value)));
      draw = () => {
        if (value === null) {
          input.value = String(Math.round((min + max) / 2));
          output.textContent = t("form.notRated");
          input.setAttribute("aria-valuetext", t("form.notRated"));
          row.classList.add("lp-unset");
        } else {
          input.value = String(value);
          output.textContent = String(value);
          input.removeAttribute("aria-valuetext");
          row.classList.remove("lp-unset");
        }
      };
    }
    set = (next) => {
      value = next;
      draw();
      changed(view);
    };
    draw();
    Object.assign(view, {
      get: () => value ?? undefined,
      set(next) {
        value = Number.isInteger(next) && next >= min && next <= max ? next : null;
        draw();
      },
      pick(digit) {
        if (readOnly || min + digit - 1 > max) return false;
        set(min + digit - 1);
        return true;
      },
      problem: () => (value === null && question.required ? t("form.errorRequired") : null),
    });
  }

  function buildText(view) {
    const { question, fieldset } = view;
    const maxLength = Number.isInteger(question.max_length) ? question.max_length : 10_000;
    const textarea = element("textarea", "lp-textarea");
    textarea.rows = 3;
    textarea.id = `${view.legendId}-input`;
    textarea.setAttribute("aria-labelledby", view.legendId);
    textarea.readOnly = readOnly;
    const counter = element("p", "lp-hint lp-counter");
    counter.id = `${view.legendId}-count`;
    textarea.setAttribute("aria-describedby", counter.id);
    fieldset.append(textarea, counter);
    const count = () => {
      const used = codePointCount(textarea.value);
      counter.textContent = t("form.textCount", { count: used, max: maxLength });
      counter.classList.toggle("lp-over", used > maxLength);
    };
    textarea.addEventListener("input", () => {
      count();
      changed(view);
    });
    count();
    Object.assign(view, {
      get: () => (textarea.value === "" ? undefined : textarea.value),
      set(value) {
        textarea.value = typeof value === "string" ? value : "";
        count();
      },
      pick: () => false,
      problem() {
        if (textarea.value === "") return question.required ? t("form.errorRequired") : null;
        return codePointCount(textarea.value) > maxLength ? t("form.errorTooLong", { max: maxLength }) : null;
      },
      textarea,
    });
  }

  function buildSpans(view) {
    const { question, fieldset } = view;
    const labels = Array.isArray(question.labels) ? question.labels : [];
    const rule = question.overlap || "none";
    const target = spanTexts.get(question.field);
    const base = colourBase;
    colourBase += labels.length;
    const colourOf = (label) => (base + Math.max(0, labels.indexOf(label))) % paletteSize;

    const group = element("div", "lp-options lp-labels");
    group.setAttribute("aria-label", t("form.currentLabel"));
    const buttons = labels.map((label, position) => {
      const button = optionButton(label, position + 1, `lp-option lp-label lp-c${colourOf(label)}`);
      button.addEventListener("click", () => {
        if (readOnly) return;
        current = position;
        draw();
        const range = target?.view.caretRange();
        if (target && !range) target.box.focus();
      });
      return button;
    });
    group.append(...buttons);
    const hint = element("p", "lp-hint");
    hint.id = `${view.legendId}-hint`;
    hint.textContent = readOnly
      ? t("form.spansReadOnly")
      : t("form.spansHint", { field: fieldLabel(question.field) });
    const count = element("p", "lp-span-count");
    const list = element("ul", "lp-span-list");
    list.dataset.spans = question.name;
    list.setAttribute("aria-label", t("form.spansListLabel"));
    fieldset.append(group, hint, count, list);
    if (target) {
      target.questions.push(view);
      const described = target.box.getAttribute("aria-describedby");
      target.box.setAttribute("aria-describedby", described ? `${described} ${hint.id}` : hint.id);
    } else {
      hint.textContent = t("form.spansNoField", { field: String(question.field) });
    }

    let current = 0;
    let spans = [];
    /** Span → its list item, so one change touches one item. */
    let items = new Map();
    const draw = () => {
      buttons.forEach((button, position) => {
        button.setAttribute("aria-pressed", position === current ? "true" : "false");
      });
    };
    const drawCount = () => {
      count.textContent = spans.length === 0 ? t("form.noSpans") : t("form.spanCount", { count: spans.length });
    };
    const makeItem = (span) => {
      const text = target ? quote(target.view.index.slice(span.start, span.end)) : "";
      const item = element("li", "lp-span-item");
      const show = element("button", "lp-span-show");
      show.type = "button";
      show.append(
        element("span", `lp-chip lp-c${colourOf(span.label)}`, span.label),
        element("span", "lp-quote", text),
      );
      show.title = t("form.showSpan");
      show.addEventListener("click", () => target && target.view.select(span.start, span.end));
      item.append(show);
      if (!readOnly) {
        const remove = element("button", "lp-span-remove", "✕");
        remove.type = "button";
        remove.setAttribute("aria-label", t("form.removeSpan", { text, label: span.label }));
        remove.title = t("form.remove");
        remove.addEventListener("click", () => removeSpan(span));
        item.append(remove);
      }
      return item;
    };
    const drawList = () => {
      items = new Map(spans.map((span) => [span, makeItem(span)]));
      list.replaceChildren(...items.values());
      drawCount();
    };
    const removeSpan = (span) => {
      const position = spans.indexOf(span);
      if (position < 0) return;
      spans.splice(position, 1);
      const item = items.get(span);
      const neighbour = item.nextElementSibling ?? item.previousElementSibling;
      item.remove();
      items.delete(span);
      drawCount();
      if (target) drawHighlights(question.field, span);
      changed(view);
      const next = neighbour?.querySelector(".lp-span-remove");
      if (next) next.focus();
      else if (target) target.box.focus();
    };
    const refresh = () => {
      drawList();
      if (target) drawHighlights(question.field);
    };
    draw();

    Object.assign(view, {
      get: () => spans.map((span) => ({ ...span })),
      set(value) {
        spans = [];
        if (Array.isArray(value) && target) {
          for (const span of value) {
            if (!span || !Number.isInteger(span.start) || !Number.isInteger(span.end)) continue;
            if (span.start < 0 || span.end <= span.start || span.end > target.view.length) continue;
            if (typeof span.label !== "string") continue;
            const text = target.view.index.slice(span.start, span.end);
            spans.push({ start: span.start, end: span.end, label: span.label, text });
          }
        }
        spans.sort(compareSpans);
        refresh();
      },
      pick(digit) {
        if (readOnly || digit > labels.length) return false;
        current = digit - 1;
        draw();
        return true;
      },
      /** Adds a span with the current label; shows why not when the overlap rule forbids it. */
      add(range) {
        if (readOnly || !target || labels.length === 0) return false;
        const candidate = { start: range.start, end: range.end, label: labels[current] };
        const conflict = overlapConflict(spans, candidate, rule);
        if (conflict) {
          const other = quote(target.view.index.slice(conflict.other.start, conflict.other.end));
          const key = { duplicate: "form.errorDuplicate", overlap: "form.errorOverlap", cross: "form.errorCross" };
          view.showProblem(t(key[conflict.kind], { text: other, label: conflict.other.label }));
          return false;
        }
        candidate.text = target.view.index.slice(candidate.start, candidate.end);
        let position = spans.findIndex((span) => compareSpans(candidate, span) < 0);
        if (position < 0) position = spans.length;
        spans.splice(position, 0, candidate);
        const item = makeItem(candidate);
        items.set(candidate, item);
        list.insertBefore(item, position + 1 < spans.length ? items.get(spans[position + 1]) : null);
        drawCount();
        drawHighlights(question.field, candidate);
        changed(view);
        return true;
      },
      marks: () =>
        spans.map((span) => ({ start: span.start, end: span.end, colour: colourOf(span.label), title: span.label })),
      problem: () => null,
      focus() {
        if (target) target.box.focus();
        else fieldset.focus();
      },
      spanTarget: target,
    });
  }

  function fieldLabel(name) {
    const field = fields.find((f) => f && f.name === name);
    return field ? field.label || field.name : String(name);
  }

  /** Redraws a field's highlights: all of them, or only around `changedSpan` after it was added or removed. */
  function drawHighlights(fieldName, changedSpan) {
    const target = spanTexts.get(fieldName);
    if (!target) return;
    const marks = target.questions.flatMap((view) => view.marks());
    if (changedSpan) target.view.update(marks, changedSpan.start, changedSpan.end);
    else target.view.render(marks);
  }

  /** The spans question that marks text in `fieldName`: the active one if it does, else the first. */
  function spansOwner(fieldName) {
    const current = views[active];
    if (current && current.question.type === "spans" && current.question.field === fieldName) return current;
    return spanTexts.get(fieldName)?.questions[0] ?? null;
  }

  function setActive(index) {
    if (index < 0 || index >= views.length) return;
    if (views[active]) views[active].fieldset.classList.remove("lp-active");
    active = index;
    views[active].fieldset.classList.add("lp-active");
  }

  // Mouse selection and the keyboard caret on span texts.
  const cleanups = [];
  for (const [fieldName, target] of spanTexts) {
    const onPointerUp = () => {
      if (readOnly) return;
      // After the browser has settled the selection.
      setTimeout(() => {
        const owner = spansOwner(fieldName);
        const range = target.view.offsetsOf(window.getSelection());
        if (!owner || !range) return;
        target.view.caret = null;
        target.view.resume = range.end;
        if (owner.add(range)) window.getSelection().removeAllRanges();
      }, 0);
    };
    const onFocus = () => {
      const owner = spansOwner(fieldName);
      if (owner) setActive(views.indexOf(owner));
    };
    target.box.addEventListener("mouseup", onPointerUp);
    target.box.addEventListener("focus", onFocus);
    cleanups.push(() => {
      target.box.removeEventListener("mouseup", onPointerUp);
      target.box.removeEventListener("focus", onFocus);
    });
  }

  /** Keys on a span text: caret moves, marking, Escape. Returns whether the key was used. */
  function handleSpanTextKey(event, fieldName) {
    const target = spanTexts.get(fieldName);
    const text = target.view;
    const byWord = event.ctrlKey || event.altKey;
    switch (event.key) {
      case "ArrowLeft":
      case "ArrowRight":
        return text.moveCaret(event.key === "ArrowLeft" ? -1 : 1, { extend: event.shiftKey, byWord });
      case "Home":
      case "End": {
        if (text.length === 0) return false;
        const to = event.key === "Home" ? 0 : text.length - 1;
        const anchor = event.shiftKey && text.caret ? text.caret.anchor : to;
        text.caret = { anchor, focus: to };
        const range = text.caretRange();
        text.select(range.start, range.end);
        return true;
      }
      case "Escape":
        if (!text.caret) return false;
        text.clearCaret();
        return true;
      case "Enter":
      case "l":
      case "L": {
        if (event.ctrlKey || event.metaKey || event.altKey) return false;
        const range = text.caretRange();
        if (!range) return event.key !== "Enter"; // Enter without a keyboard selection submits the task.
        const owner = spansOwner(fieldName);
        if (!owner) return true;
        if (owner.add(range)) {
          text.resume = range.end;
          text.clearCaret();
        }
        return true;
      }
      default:
        return false;
    }
  }

  /**
   * Applies the form's keyboard shortcuts to `event`: digits 1–9 for the active question, ArrowUp/ArrowDown
   * between questions, and the caret keys on a span text. Returns whether the key was used (the caller
   * then prevents the default). Keys typed into text boxes are left alone.
   */
  function handleKey(event) {
    if (readOnly || views.length === 0) return false;
    const target = event.target;
    if (isTypingTarget(target)) return false;
    const spanField = target && target.dataset ? target.dataset.spanText : undefined;
    if (spanField !== undefined && root.contains(target) && handleSpanTextKey(event, spanField)) return true;
    if (event.ctrlKey || event.metaKey || event.altKey) return false;
    const digit = digitOf(event);
    if (digit !== null) return views[active] ? views[active].pick(digit) : false;
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

  function getResult() {
    const answers = {};
    for (const view of views) {
      const value = view.get();
      if (value !== undefined) answers[view.question.name] = value;
    }
    return answers;
  }

  function setResult(next) {
    const answers = next && typeof next === "object" ? next : {};
    for (const view of views) {
      view.clearProblem();
      view.set(answers[view.question.name]);
    }
  }

  function focusQuestion(index) {
    const clamped = Math.max(0, Math.min(views.length - 1, index));
    if (!views[clamped]) return;
    setActive(clamped);
    views[clamped].focus();
  }

  /** The first question whose answer is missing or breaks a rule, with the message shown on it; or null. */
  function firstProblem() {
    let first = null;
    views.forEach((view, index) => {
      const message = view.problem();
      if (message) {
        view.showProblem(message);
        if (!first) first = { index, question: view.question.name, message };
      } else {
        view.clearProblem();
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
    questionCount: views.length,
    destroy() {
      root.removeEventListener("keydown", onKeyDown);
      for (const cleanup of cleanups) cleanup();
      root.remove();
    },
  };
}
