// Schema previews for the project and new-project pages, and the shared loader of the schema renderer.

import { t } from "/static/js/i18n.js";
import { el, clear } from "/static/js/pages-dom.js";

let formModule = null;

/**
 * The annotate page's schema renderer (`/static/js/form.js`), loaded on first use. Loaded lazily so that a
 * page still shows its lists and tables if the renderer fails to load.
 */
export async function loadFormRenderer() {
  formModule ??= import("/static/js/form.js");
  return formModule;
}

/**
 * Example task data for a schema: for every text field a short text in the page's language, mentioning
 * the labels of any span question that marks it so the preview shows what the annotator will see. Other
 * fields (an image) get no value: their viewers say there is nothing to show.
 */
export function exampleData(schema) {
  const data = {};
  const fields = Array.isArray(schema?.fields) ? schema.fields : [];
  const questions = Array.isArray(schema?.questions) ? schema.questions : [];
  for (const field of fields) {
    if (!field || typeof field.name !== "string") continue;
    if (field.type !== undefined && field.type !== "text") continue;
    const heading = typeof field.label === "string" && field.label !== "" ? field.label : field.name;
    let text = t("newProject.exampleText", { field: heading });
    const spanLabels = questions
      .filter((question) => question?.type === "spans" && question.field === field.name && Array.isArray(question.labels))
      .flatMap((question) => question.labels)
      .filter((label) => typeof label === "string");
    if (spanLabels.length > 0) {
      text += " " + t("newProject.exampleSpans", { labels: spanLabels.slice(0, 8).join(", ") });
    }
    data[field.name] = text;
  }
  return data;
}

/**
 * Renders `schema` read-only (or editable, for a try-out) into `container` with example data; returns the
 * renderer's handle, or null after showing a message when the renderer is unavailable or refuses the schema.
 */
export async function renderSchemaPreview(container, schema, { readOnly = true } = {}) {
  let renderForm;
  try {
    ({ renderForm } = await loadFormRenderer());
  } catch {
    formModule = null;
    clear(container);
    container.append(el("p", { className: "preview-unavailable", text: t("newProject.previewUnavailable") }));
    return null;
  }
  clear(container);
  try {
    return renderForm(container, schema, exampleData(schema), { readOnly });
  } catch {
    clear(container);
    container.append(el("p", { className: "preview-unavailable", text: t("newProject.previewFailed") }));
    return null;
  }
}
