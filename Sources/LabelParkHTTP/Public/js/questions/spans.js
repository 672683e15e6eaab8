/**
 * The `spans` question: labelled stretches of one text field, marked on that field's viewer (with the
 * mouse, or the keyboard caret) with the label chosen here, and listed here to show or remove. The
 * `overlap` rule ("none", "nested", "any") says which spans may share characters.
 */

import { t } from "/static/js/i18n.js";
import { element, optionButton } from "/static/js/form-dom.js";
import { overlapConflict, compareSpans } from "/static/js/spans.js";

/** A short quote of a span's text for lists and messages. */
function quote(text) {
  const clean = text.replace(/\s+/g, " ");
  const characters = Array.from(clean);
  return characters.length > 60 ? characters.slice(0, 57).join("") + "…" : clean;
}

const conflictMessages = { duplicate: "form.errorDuplicate", overlap: "form.errorOverlap", cross: "form.errorCross" };

export const spansQuestion = {
  type: "spans",
  markedField: (question) => question.field,
  render(question, context) {
    const { readOnly, labelId, changed } = context;
    const labels = Array.isArray(question.labels) ? question.labels : [];
    const rule = question.overlap || "none";
    const shown = context.field(question.field);
    /** The field viewer's marking surface: `{text: SpanText, element, addMarker(marker), redraw(changed?)}`. */
    const target = shown?.viewer.spanTarget ?? null;
    const colour = context.claimColours(labels.length);
    const colourOf = (label) => colour(Math.max(0, labels.indexOf(label)));

    let current = 0;
    let spans = [];
    /** Span → its list item, so one change touches one item. */
    let items = new Map();

    const group = element("div", "lp-options lp-labels");
    group.setAttribute("aria-label", t("form.currentLabel"));
    const buttons = labels.map((label, position) => {
      const className = `lp-option lp-label lp-c${colourOf(label)}`;
      const button = optionButton(label, position + 1, { className, readOnly });
      button.addEventListener("click", () => {
        if (readOnly) return;
        current = position;
        draw();
        const range = target?.text.caretRange();
        if (target && !range) target.element.focus();
      });
      return button;
    });
    group.append(...buttons);
    const hint = element("p", "lp-hint");
    hint.id = `${labelId}-hint`;
    const count = element("p", "lp-span-count");
    const list = element("ul", "lp-span-list");
    list.dataset.spans = question.name;
    list.setAttribute("aria-label", t("form.spansListLabel"));
    const body = document.createDocumentFragment();
    body.append(group, hint, count, list);
    if (target) {
      const heading = shown.definition.label || shown.definition.name;
      hint.textContent = readOnly ? t("form.spansReadOnly") : t("form.spansHint", { field: heading });
      target.addMarker({
        marks: () =>
          spans.map((span) => ({ start: span.start, end: span.end, colour: colourOf(span.label), title: span.label })),
        mark: add,
        isActive: context.isActive,
        activate: context.activate,
      });
      const described = target.element.getAttribute("aria-describedby");
      target.element.setAttribute("aria-describedby", described ? `${described} ${hint.id}` : hint.id);
    } else {
      hint.textContent = t("form.spansNoField", { field: String(question.field) });
    }

    function draw() {
      buttons.forEach((button, position) => {
        button.setAttribute("aria-pressed", position === current ? "true" : "false");
      });
    }

    function drawCount() {
      count.textContent = spans.length === 0 ? t("form.noSpans") : t("form.spanCount", { count: spans.length });
    }

    function makeItem(span) {
      const text = target ? quote(target.text.index.slice(span.start, span.end)) : "";
      const item = element("li", "lp-span-item");
      const show = element("button", "lp-span-show");
      show.type = "button";
      show.append(
        element("span", `lp-chip lp-c${colourOf(span.label)}`, span.label),
        element("span", "lp-quote", text),
      );
      show.title = t("form.showSpan");
      show.addEventListener("click", () => target && target.text.select(span.start, span.end));
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
    }

    function drawList() {
      items = new Map(spans.map((span) => [span, makeItem(span)]));
      list.replaceChildren(...items.values());
      drawCount();
    }

    function removeSpan(span) {
      const position = spans.indexOf(span);
      if (position < 0) return;
      spans.splice(position, 1);
      const item = items.get(span);
      const neighbour = item.nextElementSibling ?? item.previousElementSibling;
      item.remove();
      items.delete(span);
      drawCount();
      if (target) target.redraw(span);
      changed();
      // Keep the keyboard in the list: on the next remove button, else back on the text.
      const next = neighbour?.querySelector(".lp-span-remove");
      if (next) next.focus();
      else if (target) target.element.focus();
    }

    /** Adds a span with the current label; shows why not when the overlap rule forbids it. */
    function add(range) {
      if (readOnly || !target || labels.length === 0) return false;
      const candidate = { start: range.start, end: range.end, label: labels[current] };
      const conflict = overlapConflict(spans, candidate, rule);
      if (conflict) {
        const other = quote(target.text.index.slice(conflict.other.start, conflict.other.end));
        context.showProblem(t(conflictMessages[conflict.kind], { text: other, label: conflict.other.label }));
        return false;
      }
      candidate.text = target.text.index.slice(candidate.start, candidate.end);
      let position = spans.findIndex((span) => compareSpans(candidate, span) < 0);
      if (position < 0) position = spans.length;
      spans.splice(position, 0, candidate);
      const item = makeItem(candidate);
      items.set(candidate, item);
      list.insertBefore(item, position + 1 < spans.length ? items.get(spans[position + 1]) : null);
      drawCount();
      target.redraw(candidate);
      changed();
      return true;
    }

    draw();
    const view = {
      element: body,
      getValue: () => spans.map((span) => ({ ...span })),
      setValue(value) {
        spans = [];
        if (Array.isArray(value) && target) {
          for (const span of value) {
            if (!span || !Number.isInteger(span.start) || !Number.isInteger(span.end)) continue;
            if (span.start < 0 || span.end <= span.start || span.end > target.text.length) continue;
            if (typeof span.label !== "string") continue;
            const text = target.text.index.slice(span.start, span.end);
            spans.push({ start: span.start, end: span.end, label: span.label, text });
          }
        }
        spans.sort(compareSpans);
        drawList();
        if (target) target.redraw();
      },
      pick(digit) {
        if (readOnly || digit > labels.length) return false;
        current = digit - 1;
        draw();
        return true;
      },
    };
    if (target) view.focus = () => target.element.focus();
    return view;
  },
};
