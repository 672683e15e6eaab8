/** The `choice` question: exactly one of `options`, as buttons chosen by click or by digit keys. */

import { element, optionButton } from "/static/js/form-dom.js";

export const choiceQuestion = {
  type: "choice",
  render(question, { readOnly, changed }) {
    const options = Array.isArray(question.options) ? question.options : [];
    const group = element("div", "lp-options");
    const buttons = options.map((option, position) => optionButton(option, position + 1, { readOnly }));
    group.append(...buttons);
    let chosen = null;
    const draw = () => {
      buttons.forEach((button, position) => {
        button.setAttribute("aria-pressed", chosen === options[position] ? "true" : "false");
      });
    };
    const choose = (position) => {
      const option = options[position];
      if (option === undefined) return false;
      chosen = option;
      draw();
      changed();
      return true;
    };
    buttons.forEach((button, position) => button.addEventListener("click", () => !readOnly && choose(position)));
    return {
      element: group,
      getValue: () => chosen ?? undefined,
      setValue(value) {
        chosen = typeof value === "string" && options.includes(value) ? value : null;
        draw();
      },
      pick: (digit) => !readOnly && choose(digit - 1),
    };
  },
};
