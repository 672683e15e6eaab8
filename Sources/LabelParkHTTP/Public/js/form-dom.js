/** DOM helpers shared by the form shell (`form.js`), its question kinds and its field viewers. */

/** A new `tag` element with a class and, if given, text content (set as text, never parsed as HTML). */
export function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/**
 * A button for one value of a list (an option, a rating, a span label): `data-option` holds the value,
 * `aria-pressed` whether it is chosen, and the first nine show their digit shortcut as a key cap.
 */
export function optionButton(value, position, { className = "lp-option", readOnly = false } = {}) {
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
