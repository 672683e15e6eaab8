/**
 * The question kinds the form can ask, by schema `type`. A new kind is one module in this folder, imported
 * and listed in `kinds` below.
 *
 * A kind is `{type, render(question, context), markedField?(question), shortcuts?(question)}`.
 *
 * `markedField(question)` names the field whose regions the question marks (spans mark a text; boxes,
 * polygons, keypoints and masks an image); the form then asks that field's viewer to render for marking
 * (`marked` in the viewer's context).
 *
 * `shortcuts(question)` is `{heading, keys: [[keys, meaning], …]}` (translation keys): the mouse and keys of
 * the kind, for the page's list of keyboard shortcuts (`kindShortcuts`).
 *
 * `render(question, context)` builds what goes in the question's fieldset between its legend and its
 * error line (the form draws those, and tracks which question is active). `context` has:
 * - `readOnly`: the answer is shown, not changed (review, previews);
 * - `labelId`: the legend's id, for `aria-labelledby` and as the prefix of the kind's own element ids;
 * - `changed()`: call after each change the person makes (clears the shown problem, tells the page);
 * - `showProblem(message)`: show why an action was refused, until the next change;
 * - `isActive()`, `activate()`: whether this is the active question, and make it so (for input that
 *   happens outside the fieldset, such as marking a field's text);
 * - `field(name)`: `{definition, viewer}` of a field shown in the task, or null;
 * - `claimColours(count)`: reserves `count` label colours, consecutive across the form so that two
 *   questions' labels differ; returns `(i) => n` for the class `lp-c{n}` of label `i`.
 *
 * It returns a view:
 * - `element`: the node to show (a DocumentFragment when the kind adds several);
 * - `getValue()`: the answer as the result stores it, or undefined while unanswered (left out of the
 *   result, and what `required` checks for);
 * - `setValue(value)`: shows an answer from a result, ignoring what does not fit; not a change;
 * - `check?(value)`: what is wrong with a given answer under the question's own rules, or null;
 * - `pick?(digit)`: the digit key 1–9 while the question is active; returns whether it was used;
 * - `handleKey?(event)`: the form's other keys while the question is active, before the field viewers get
 *   them (a selected region takes the arrows the image viewer would pan with); returns whether it used the
 *   key, and leaves alone what it does not know (the form then goes on as usual);
 * - `focus?()`: focuses where typing goes (else the form focuses the fieldset);
 * - `destroy?()`: removes what it attached outside its own elements;
 * - `unsupported`: only on the fallback view of a type this page does not know.
 */

import { t } from "/static/js/i18n.js";
import { element } from "/static/js/form-dom.js";
import { choiceQuestion } from "/static/js/questions/choice.js";
import { multiChoiceQuestion } from "/static/js/questions/multi-choice.js";
import { ratingQuestion } from "/static/js/questions/rating.js";
import { textQuestion } from "/static/js/questions/text.js";
import { spansQuestion } from "/static/js/questions/spans.js";
import { boxesQuestion } from "/static/js/questions/boxes.js";
import { polygonsQuestion } from "/static/js/questions/polygons.js";
import { keypointsQuestion } from "/static/js/questions/keypoints.js";
import { masksQuestion } from "/static/js/questions/masks.js";

const kinds = new Map(
  [
    choiceQuestion,
    multiChoiceQuestion,
    ratingQuestion,
    textQuestion,
    spansQuestion,
    boxesQuestion,
    polygonsQuestion,
    keypointsQuestion,
    masksQuestion,
  ].map((kind) => [kind.type, kind]),
);

/** What the form shows for a question type it does not know: a message, and no answer. */
export const unsupportedQuestion = {
  type: null,
  render(question) {
    return {
      element: element("p", "lp-muted", t("form.unknownType", { type: String(question.type) })),
      getValue: () => undefined,
      setValue() {},
      // The person cannot answer it here, so it must not hold back the questions they can answer.
      unsupported: true,
    };
  },
};

/** The kind for questions of `type`; `unsupportedQuestion` for a type this page does not know. */
export function questionKind(type) {
  return kinds.get(type) ?? unsupportedQuestion;
}

/**
 * The shortcut lists of the kinds a schema's questions ask (`shortcuts` of each kind), in the order the
 * questions come: one list per heading, however many questions share it (two boxes questions, one turning
 * its boxes, list the turning keys once). The keys every region kind shares (`form.regionKeys…`) are taken
 * out of each kind's list and listed once, last.
 */
export function kindShortcuts(schema) {
  const lists = new Map();
  const shared = new Map();
  for (const question of Array.isArray(schema?.questions) ? schema.questions : []) {
    if (!question || typeof question !== "object") continue;
    const list = questionKind(question.type).shortcuts?.(question);
    if (!list) continue;
    const own = lists.get(list.heading) ?? new Map();
    lists.set(list.heading, own);
    for (const pair of list.keys) (pair[0].startsWith("form.regionKeys") ? shared : own).set(pair[0], pair);
  }
  if (shared.size > 0) lists.set("form.regionsKeysHeading", shared);
  return [...lists].map(([heading, keys]) => ({ heading, keys: [...keys.values()] }));
}

/** The types this page can ask, in registration order. */
export function questionTypes() {
  return [...kinds.keys()];
}
