/**
 * The `rating` question: a whole number from `min` to `max` (default 1–5). Short scales are buttons with
 * digit keys; longer ones a slider that shows "not rated" until it is moved.
 */

import { t } from "/static/js/i18n.js";
import { element, optionButton } from "/static/js/form-dom.js";

/** Ratings with at most this many values are buttons; longer scales are a slider. */
const maxRatingButtons = 11;

export const ratingQuestion = {
  type: "rating",
  render(question, { readOnly, labelId, changed }) {
    const min = Number.isInteger(question.min) ? question.min : 1;
    const max = Number.isInteger(question.max) ? question.max : 5;
    const body = document.createDocumentFragment();
    body.append(element("p", "lp-hint", t("form.ratingRange", { min, max })));
    let value = null;
    const rate = (next) => {
      value = next;
      draw();
      changed();
    };
    const steps = max - min + 1;
    const draw = steps <= maxRatingButtons ? buttons() : slider();

    function buttons() {
      const group = element("div", "lp-options lp-rating");
      const list = [];
      for (let step = 0; step < steps; step++) {
        const button = optionButton(String(min + step), step + 1, { className: "lp-option lp-rating-value", readOnly });
        button.addEventListener("click", () => {
          if (readOnly) return;
          rate(min + step);
        });
        list.push(button);
      }
      group.append(...list);
      body.append(group);
      return () =>
        list.forEach((button, step) => button.setAttribute("aria-pressed", value === min + step ? "true" : "false"));
    }

    function slider() {
      const row = element("div", "lp-slider");
      const input = element("input", "lp-range");
      input.type = "range";
      input.min = String(min);
      input.max = String(max);
      input.step = "1";
      input.setAttribute("aria-labelledby", labelId);
      input.disabled = readOnly;
      const output = element("output", "lp-range-value");
      output.setAttribute("aria-hidden", "true");
      row.append(input, output);
      body.append(row);
      input.addEventListener("input", () => rate(Number(input.value)));
      return () => {
        if (value === null) {
          // A slider always shows some position; the middle, marked as not rated, favours no answer.
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

    draw();
    return {
      element: body,
      getValue: () => value ?? undefined,
      setValue(next) {
        value = Number.isInteger(next) && next >= min && next <= max ? next : null;
        draw();
      },
      pick(digit) {
        if (readOnly || min + digit - 1 > max) return false;
        rate(min + digit - 1);
        return true;
      },
    };
  },
};
