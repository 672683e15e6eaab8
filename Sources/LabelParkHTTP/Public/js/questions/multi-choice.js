/**
 * The `multi_choice` question: any of `options` (between `min` and `max` of them when set), as toggle
 * buttons switched by click or by digit keys.
 */

import { t } from "/static/js/i18n.js";
import { element, optionButton } from "/static/js/form-dom.js";

export const multiChoiceQuestion = {
  type: "multi_choice",
  render(question, { readOnly, changed }) {
    const options = Array.isArray(question.options) ? question.options : [];
    const min = Number.isInteger(question.min) ? question.min : null;
    const max = Number.isInteger(question.max) ? question.max : null;
    let hint = t("form.chooseAny");
    if (min !== null && max !== null) hint = t("form.chooseBetween", { min, max });
    else if (min !== null) hint = t("form.chooseAtLeast", { min });
    else if (max !== null) hint = t("form.chooseAtMost", { max });
    const group = element("div", "lp-options");
    const buttons = options.map((option, position) => optionButton(option, position + 1, { readOnly }));
    group.append(...buttons);
    const body = document.createDocumentFragment();
    body.append(element("p", "lp-hint", hint), group);

    let chosen = new Set();
    const draw = () => {
      buttons.forEach((button, position) => {
        button.setAttribute("aria-pressed", chosen.has(options[position]) ? "true" : "false");
      });
    };
    const toggle = (position) => {
      const option = options[position];
      if (option === undefined) return false;
      if (chosen.has(option)) chosen.delete(option);
      else chosen.add(option);
      draw();
      changed();
      return true;
    };
    buttons.forEach((button, position) => button.addEventListener("click", () => !readOnly && toggle(position)));
    return {
      element: body,
      // In the schema's order, whatever order they were ticked in.
      getValue: () => (chosen.size > 0 ? options.filter((option) => chosen.has(option)) : undefined),
      setValue(value) {
        chosen = new Set(Array.isArray(value) ? value.filter((v) => options.includes(v)) : []);
        draw();
      },
      check(answer) {
        if (min !== null && answer.length < min) return t("form.errorTooFew", { min });
        if (max !== null && answer.length > max) return t("form.errorTooMany", { max });
        return null;
      },
      pick: (digit) => !readOnly && toggle(digit - 1),
    };
  },
};
