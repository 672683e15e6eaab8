/**
 * The `text` field viewer: the task's text, set as text and never parsed as HTML. When a question marks
 * the field it becomes a focusable box with highlights whose mouse and keyboard selections are offered
 * to the marking questions (`spanTarget`).
 */

import { t } from "/static/js/i18n.js";
import { element } from "/static/js/form-dom.js";
import { SpanText, appendLongText } from "/static/js/spans.js";

/** Texts longer than this (in UTF-16 units) get a fixed-height scrolling box (`.lp-long`). */
const longTextLength = 2_000;

export const textViewer = {
  type: "text",
  render(field, value, context) {
    const text = typeof value === "string" ? value : value === undefined || value === null ? "" : JSON.stringify(value);
    return context.marked ? markableText(field, text, context) : plainText(text, context);
  },
};

function plainText(text, { labelledBy }) {
  const long = text.length > longTextLength;
  const box = element("div", "lp-field-text" + (long ? " lp-long" : ""));
  appendLongText(box, text);
  box.dataset.empty = t("form.emptyField");
  if (long) {
    // A scrolling box must be reachable by keyboard to be read.
    box.tabIndex = 0;
    box.setAttribute("role", "region");
    box.setAttribute("aria-labelledby", labelledBy);
  }
  return { element: box };
}

/**
 * A text that questions mark. Each marking question registers a marker,
 * `{marks(), mark(range) → added?, isActive(), activate()}`; a selection goes to the active one when it
 * marks this text, else to the first.
 */
function markableText(field, text, { labelledBy, readOnly }) {
  const box = element("div", "lp-field-text lp-span-text" + (text.length > longTextLength ? " lp-long" : ""));
  box.dataset.spanText = field.name;
  box.dataset.empty = t("form.emptyField");
  box.tabIndex = 0;
  box.setAttribute("role", "textbox");
  box.setAttribute("aria-readonly", "true");
  box.setAttribute("aria-multiline", "true");
  box.setAttribute("aria-labelledby", labelledBy);
  const view = new SpanText(box, text);
  const markers = [];
  const owner = () => markers.find((marker) => marker.isActive()) ?? markers[0] ?? null;

  /** Draws every marker's highlights: all of them, or only around `changed` after it was added or removed. */
  function redraw(changed) {
    const marks = markers.flatMap((marker) => marker.marks());
    if (changed) view.update(marks, changed.start, changed.end);
    else view.render(marks);
  }

  const onMouseUp = () => {
    if (readOnly) return;
    // After the browser has settled the selection.
    setTimeout(() => {
      const marker = owner();
      const range = view.offsetsOf(window.getSelection());
      if (!marker || !range) return;
      view.caret = null;
      view.resume = range.end;
      if (marker.mark(range)) window.getSelection().removeAllRanges();
    }, 0);
  };
  const onFocus = () => owner()?.activate();
  box.addEventListener("mouseup", onMouseUp);
  box.addEventListener("focus", onFocus);

  /** Keys on the text: caret moves, marking, Escape. Returns whether the key was used. */
  function handleKey(event) {
    const byWord = event.ctrlKey || event.altKey;
    switch (event.key) {
      case "ArrowLeft":
      case "ArrowRight":
        return view.moveCaret(event.key === "ArrowLeft" ? -1 : 1, { extend: event.shiftKey, byWord });
      case "Home":
      case "End": {
        if (view.length === 0) return false;
        const to = event.key === "Home" ? 0 : view.length - 1;
        const anchor = event.shiftKey && view.caret ? view.caret.anchor : to;
        view.caret = { anchor, focus: to };
        const range = view.caretRange();
        view.select(range.start, range.end);
        return true;
      }
      case "Escape":
        if (!view.caret) return false;
        view.clearCaret();
        return true;
      case "Enter":
      case "l":
      case "L": {
        if (event.ctrlKey || event.metaKey || event.altKey) return false;
        const range = view.caretRange();
        if (!range) return event.key !== "Enter"; // Enter without a keyboard selection submits the task.
        const marker = owner();
        if (!marker) return true;
        if (marker.mark(range)) {
          view.resume = range.end;
          view.clearCaret();
        }
        return true;
      }
      default:
        return false;
    }
  }

  return {
    element: box,
    spanTarget: { text: view, element: box, addMarker: (marker) => markers.push(marker), redraw },
    handleKey,
    destroy() {
      box.removeEventListener("mouseup", onMouseUp);
      box.removeEventListener("focus", onFocus);
    },
  };
}
