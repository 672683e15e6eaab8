/**
 * The field viewers the form can show a task's data with, by schema field `type`. A new viewer is one
 * module in this folder, imported and listed in `viewers` below.
 *
 * A viewer is `{type, render(field, value, context)}`: `field` is the schema's field definition, `value`
 * is `task.data[field.name]` as the task holds it (any JSON, possibly undefined). `context` has:
 * - `labelledBy`: the id of the field's heading, which the form draws above the viewer;
 * - `marked`: a question marks regions of this field (spans on a text), so render it for selecting them;
 * - `readOnly`: the task's answers are shown, not changed;
 * - `api`: API v1 calls (`api(method, path, options)` of `/static/js/api.js`), for viewers that fetch
 *   what the task only names (an image asset);
 * - `lang`: the page's language.
 *
 * It returns `{element, destroy?(), handleKey?(event)}` plus what its marking questions use (the text
 * viewer's `spanTarget`). `handleKey` gets the form's keys while focus is inside `element` and returns
 * whether it used the key; `destroy` removes listeners and releases what the viewer holds.
 */

import { t } from "/static/js/i18n.js";
import { element } from "/static/js/form-dom.js";
import { textViewer } from "/static/js/fields/text.js";

const viewers = new Map([textViewer].map((viewer) => [viewer.type, viewer]));

/** What the form shows for a field type it does not know: a message instead of the data. */
export const unsupportedViewer = {
  type: null,
  render(field) {
    return { element: element("p", "lp-muted", t("form.unknownFieldType", { type: String(field.type) })) };
  },
};

/** The viewer for fields of `type`; `unsupportedViewer` for a type this page does not know. */
export function fieldViewer(type) {
  return viewers.get(type) ?? unsupportedViewer;
}

/** The field types this page can show, in registration order. */
export function fieldTypes() {
  return [...viewers.keys()];
}
