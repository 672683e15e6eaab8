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
 * It returns `{element, destroy?(), handleKey?(event)}` plus what its marking questions use. `handleKey`
 * gets the form's keys while focus is inside `element` and returns whether it used the key; `destroy`
 * removes listeners and releases what the viewer holds. What marking questions use:
 *
 * - the text viewer's `spanTarget`, `{text, element, addMarker(marker), redraw(changed?)}`: the text's
 *   `SpanText`, its box, a marker `{marks(), mark(range) → added?, isActive(), activate()}` per question,
 *   and a redraw of every marker's highlights;
 * - the image viewer's `imageTarget`, for boxes and polygons, in image pixels (x right, y down, origin at
 *   the top-left corner of the image as stored, EXIF orientation not applied):
 *   - `width`, `height`: the image's size, 0 until its metadata has arrived;
 *   - `scale`: screen (CSS) pixels per image pixel in the current view;
 *   - `toImage(clientX, clientY) → {x, y}`: the image point under a client (event) point, not clamped, so
 *     a point outside the image answers coordinates outside 0…width, 0…height;
 *   - `toScreen(x, y) → {x, y}`: the client point of an image point;
 *   - `overlay`: an absolutely positioned element `width` × `height` CSS pixels that moves and scales with
 *     the image, for marks drawn in image pixels (an `<svg viewBox="0 0 width height">` filling it); it is
 *     scaled with a CSS transform, under which Chromium ignores `vector-effect: non-scaling-stroke`, so a
 *     question sets its stroke widths from `scale` (the region questions keep a `--lp-px` variable, set once
 *     the view is still: while it moves, the viewer scales the overlay's pixels as one compositor layer); it
 *     is above the image and takes the pointer;
 *   - `element`: the viewport (focusable; where the pointer and keys arrive);
 *   - `onViewChange(callback) → unsubscribe()`: `callback({scale, x, y, width, height})` after each redraw
 *     that moved or zoomed the view (and the first one): `x`, `y` the image's top-left in viewport pixels,
 *     `width`, `height` the viewport's inner size.
 *   A press on the image pans it, unless a mark tool called `preventDefault()` on its `pointerdown`
 *   (listened for on `overlay` or below, which sees it first); a middle-button drag always pans.
 */

import { t } from "/static/js/i18n.js";
import { element } from "/static/js/form-dom.js";
import { textViewer } from "/static/js/fields/text.js";
import { imageViewer } from "/static/js/fields/image.js";

const viewers = new Map([textViewer, imageViewer].map((viewer) => [viewer.type, viewer]));

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
