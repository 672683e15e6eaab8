/** The `text` question: a free-text answer of at most `max_length` characters (code points), with a counter. */

import { t } from "/static/js/i18n.js";
import { element } from "/static/js/form-dom.js";

/** The limit when the schema sets none. */
const defaultMaxLength = 10_000;

/** Characters as the server counts them: code points, so an emoji is one. */
function codePointCount(text) {
  const pairs = text.match(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g);
  return text.length - (pairs ? pairs.length : 0);
}

export const textQuestion = {
  type: "text",
  render(question, { readOnly, labelId, changed }) {
    const maxLength = Number.isInteger(question.max_length) ? question.max_length : defaultMaxLength;
    const textarea = element("textarea", "lp-textarea");
    textarea.rows = 3;
    textarea.id = `${labelId}-input`;
    textarea.setAttribute("aria-labelledby", labelId);
    textarea.readOnly = readOnly;
    const counter = element("p", "lp-hint lp-counter");
    counter.id = `${labelId}-count`;
    textarea.setAttribute("aria-describedby", counter.id);
    const body = document.createDocumentFragment();
    body.append(textarea, counter);
    const count = () => {
      const used = codePointCount(textarea.value);
      counter.textContent = t("form.textCount", { count: used, max: maxLength });
      counter.classList.toggle("lp-over", used > maxLength);
    };
    textarea.addEventListener("input", () => {
      count();
      changed();
    });
    count();
    return {
      element: body,
      getValue: () => (textarea.value === "" ? undefined : textarea.value),
      setValue(value) {
        textarea.value = typeof value === "string" ? value : "";
        count();
      },
      check: (value) => (codePointCount(value) > maxLength ? t("form.errorTooLong", { max: maxLength }) : null),
    };
  },
};
