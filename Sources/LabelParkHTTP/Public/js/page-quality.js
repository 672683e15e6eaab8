// Quality of one project, for its managers: per choice question the agreement between annotators, each
// annotator's record (gold, consensus, Dawid-Skene) with a bar chart, and the crowd's answer per task.
// Every number comes from GET /api/v1/projects/{id}/quality; names from the project's progress.

import { loadTranslations, t, lang } from "/static/js/i18n.js";
import { api } from "/static/js/api.js";
import { el, clear, formatCount, showError, showStatus, pageProjectID } from "/static/js/pages-dom.js";

/** How many aggregated answers a question's table lists. */
const AGGREGATED_ROWS_SHOWN = 100;
const SVG_NAMESPACE = "http://www.w3.org/2000/svg";

const projectID = pageProjectID();
const statusNode = document.getElementById("quality-status");
const headingNode = document.getElementById("quality-heading");
const questionsNode = document.getElementById("quality-questions");
const refreshButton = document.getElementById("refresh-quality");

// MARK: numbers in words

/** An agreement statistic (kappa, alpha) with two decimals. */
function formatAgreement(value) {
  return new Intl.NumberFormat(lang(), { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(value);
}

/** A share (accuracy, confidence) as a percentage with at most one decimal. */
function formatShare(value) {
  return new Intl.NumberFormat(lang(), { style: "percent", maximumFractionDigits: 1 }).format(value);
}

const plainTwoDecimals = new Intl.NumberFormat("en", {
  minimumFractionDigits: 2,
  maximumFractionDigits: 2,
  useGrouping: false,
});

/** The value as shown with two decimals, so a reading never contradicts the number next to it. */
function asShown(value) {
  // Rounded as formatAgreement rounds (Intl rounds the shortest decimal form; toFixed the binary value).
  return Number(plainTwoDecimals.format(value));
}

/** Landis & Koch's words for a kappa. */
function kappaReading(value) {
  const shown = asShown(value);
  if (shown < 0) return t("quality.kappaPoor");
  if (shown <= 0.2) return t("quality.kappaSlight");
  if (shown <= 0.4) return t("quality.kappaFair");
  if (shown <= 0.6) return t("quality.kappaModerate");
  if (shown <= 0.8) return t("quality.kappaSubstantial");
  return t("quality.kappaAlmostPerfect");
}

/** Krippendorff's own thresholds for alpha: 0.800 to rely on the data, 0.667 for tentative conclusions. */
function alphaReading(value) {
  const shown = asShown(value);
  if (shown >= 0.8) return t("quality.alphaReliable");
  if (shown >= 0.667) return t("quality.alphaTentative");
  return t("quality.alphaUnreliable");
}

function isNumber(value) {
  return typeof value === "number" && Number.isFinite(value);
}

/**
 * A value cell's content: the formatted number, or a dash that says why there is none — in a tooltip for
 * the mouse and in hidden text for screen readers (the notes under each table say it for everyone else).
 */
function valueOrDash(value, format, missingKey) {
  if (isNumber(value)) return el("span", { className: "value", text: format(value) });
  const why = t(missingKey);
  return el("span", { className: "value missing", attrs: { title: why, "data-missing": missingKey } }, [
    el("span", { text: t("quality.none"), attrs: { "aria-hidden": "true" } }),
    el("span", { className: "visually-hidden", text: why }),
  ]);
}

// MARK: agreement

const AGREEMENT_METRICS = [
  { key: "mean_pairwise_cohen_kappa", label: "quality.metricCohen", reading: kappaReading },
  { key: "fleiss_kappa", label: "quality.metricFleiss", reading: kappaReading },
  { key: "krippendorff_alpha_nominal", label: "quality.metricAlpha", reading: alphaReading },
];

/** Why an agreement statistic is missing: too few answers per task, or (alpha only) a single option throughout. */
function agreementMissingKey(metric, agreement) {
  const pairable = isNumber(agreement.fleiss_kappa) || isNumber(agreement.mean_pairwise_cohen_kappa);
  return metric === "krippendorff_alpha_nominal" && pairable ? "quality.missingOneOption" : "quality.missingPairs";
}

function agreementList(question) {
  const agreement = question.agreement ?? {};
  const list = el("dl", { className: "numbers agreement" });
  for (const metric of AGREEMENT_METRICS) {
    const value = agreement[metric.key];
    const reading = isNumber(value)
      ? el("span", { className: "reading", text: metric.reading(value) })
      : el("span", { className: "reading missing-reason", text: t(agreementMissingKey(metric.key, agreement)) });
    list.append(
      el("div", { attrs: { "data-metric": metric.key } }, [
        el("dt", { text: t(metric.label) }),
        el("dd", {}, [
          isNumber(value)
            ? el("span", { className: "value", text: formatAgreement(value) })
            : el("span", {
                className: "value missing",
                text: t("quality.none"),
                attrs: { title: t(agreementMissingKey(metric.key, agreement)), "aria-hidden": "true" },
              }),
          reading,
        ]),
      ]),
    );
  }
  return list;
}

// MARK: annotators

/** The person behind a user id: their name from the progress report, else "User 7". */
function personName(names, userID) {
  return names.get(userID) ?? t("quality.unknownUser", { id: userID });
}

/** A table that scrolls sideways on a narrow screen, reachable by keyboard so it can be scrolled. */
function scrollable(table, labelText) {
  return el("div", { className: "table-scroll", attrs: { tabindex: "0", role: "region", "aria-label": labelText } }, [
    table,
  ]);
}

function headerRow(keys) {
  return el(
    "tr",
    {},
    keys.map(([key, numeric]) => el("th", { className: numeric ? "num" : "", text: t(key), attrs: { scope: "col" } })),
  );
}

function annotatorTable(annotators, names, captionText) {
  const body = el("tbody");
  for (const annotator of annotators) {
    const gold = annotator.gold ?? {};
    body.append(
      el("tr", { attrs: { "data-testid": "annotator-quality", "data-user-id": annotator.user_id } }, [
        el("th", { className: "name", text: personName(names, annotator.user_id), attrs: { scope: "row" } }),
        el("td", { className: "num answers", text: formatCount(annotator.annotations ?? 0) }),
        el("td", { className: "num gold-scored", text: formatCount(gold.scored ?? 0) }),
        el("td", { className: "num gold-accuracy" }, [valueOrDash(gold.accuracy, formatShare, "quality.missingGold")]),
        el("td", { className: "num consensus" }, [
          valueOrDash(annotator.consensus_agreement, formatShare, "quality.missingConsensus"),
        ]),
        el("td", { className: "num dawid-skene" }, [
          valueOrDash(annotator.dawid_skene_accuracy, formatShare, "quality.missingDawidSkene"),
        ]),
      ]),
    );
  }
  const table = el("table", { className: "data-table annotator-quality" }, [
    el("caption", { className: "visually-hidden", text: captionText }),
    el("thead", {}, [
      headerRow([
        ["quality.colAnnotator", false],
        ["quality.colAnswers", true],
        ["quality.colGoldScored", true],
        ["quality.colGoldAccuracy", true],
        ["quality.colConsensus", true],
        ["quality.colDawidSkene", true],
      ]),
    ]),
    body,
  ]);
  return scrollable(table, captionText);
}

/** One line per kind of dash in the annotators table, so the reasons are visible without a mouse. */
function missingNotes(annotators) {
  const kinds = [
    ["quality.colGoldAccuracy", "quality.missingGold", (annotator) => annotator.gold?.accuracy],
    ["quality.colConsensus", "quality.missingConsensus", (annotator) => annotator.consensus_agreement],
    ["quality.colDawidSkene", "quality.missingDawidSkene", (annotator) => annotator.dawid_skene_accuracy],
  ];
  const notes = el("ul", { className: "missing-notes muted" });
  for (const [columnKey, reasonKey, value] of kinds) {
    if (annotators.some((annotator) => !isNumber(value(annotator)))) {
      notes.append(el("li", { text: t("quality.missingNote", { column: t(columnKey), reason: t(reasonKey) }) }));
    }
  }
  return notes.childElementCount > 0 ? notes : null;
}

// MARK: chart

function svg(tag, attributes = {}, children = []) {
  const node = document.createElementNS(SVG_NAMESPACE, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  for (const child of children) node.append(child);
  return node;
}

function svgText(text, attributes) {
  const node = svg("text", attributes);
  node.textContent = text;
  return node;
}

/** A name cut to about `width` columns (a CJK character counts two), ending in "…" when cut. */
function shortened(name, width) {
  let used = 0;
  let cut = "";
  for (const character of name) {
    used += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/u.test(character)
      ? 2
      : 1;
    if (used > width) return cut + "…";
    cut += character;
  }
  return cut;
}

/**
 * A horizontal bar per annotator on a 0–100% scale, drawn as SVG elements (no markup is parsed). The
 * chart is one image to assistive technology: its label carries every value, the table above the details.
 */
function accuracyChart(entries, titleText, metric, width) {
  // One unit is one CSS pixel at the width the chart is drawn for, so its text is the page's size.
  const labelWidth = Math.round(Math.min(190, width * 0.3));
  const valueWidth = 64;
  const plotWidth = width - labelWidth - valueWidth;
  const rowHeight = 30;
  const top = 8;
  const axisHeight = 26;
  const height = top + entries.length * rowHeight + axisHeight;

  const spoken = entries.map((entry) =>
    isNumber(entry.value)
      ? t("quality.chartEntry", { name: entry.name, value: formatShare(entry.value) })
      : t("quality.chartEntryMissing", { name: entry.name }),
  );
  const label = t("quality.chartLabel", { title: titleText, values: spoken.join(t("quality.listSeparator")) });
  const chart = svg("svg", {
    class: "quality-chart",
    role: "img",
    "aria-label": label,
    viewBox: `0 0 ${width} ${height}`,
    width,
    height,
    "data-testid": "accuracy-chart",
    "data-metric": metric,
    focusable: "false",
  });
  const title = svg("title");
  title.textContent = label;
  chart.append(title);

  const plotBottom = top + entries.length * rowHeight;
  for (const share of [0, 0.25, 0.5, 0.75, 1]) {
    const x = labelWidth + share * plotWidth;
    chart.append(
      svg("line", { class: share === 0 ? "axis" : "grid", x1: x, x2: x, y1: top - 4, y2: plotBottom }),
      svgText(formatShare(share), { class: "tick", x, y: plotBottom + 18, "text-anchor": "middle" }),
    );
  }
  entries.forEach((entry, index) => {
    const y = top + index * rowHeight;
    const middle = y + rowHeight / 2;
    const row = svg("g", { class: "bar-row", "data-user-id": entry.userID });
    const rowTitle = svg("title");
    rowTitle.textContent = spoken[index];
    row.append(
      rowTitle,
      svgText(shortened(entry.name, Math.floor((labelWidth - 14) / 7.5)), {
        class: "bar-name",
        x: labelWidth - 10,
        y: middle,
        "text-anchor": "end",
        "dominant-baseline": "central",
      }),
    );
    if (isNumber(entry.value)) {
      const barWidth = Math.max(0, Math.min(1, entry.value)) * plotWidth;
      row.append(
        svg("rect", {
          class: "bar",
          "data-testid": "chart-bar",
          "data-value": entry.value,
          x: labelWidth,
          y: y + 5,
          width: barWidth.toFixed(2),
          height: rowHeight - 10,
          rx: 2,
        }),
        svgText(formatShare(entry.value), {
          class: "bar-value",
          x: labelWidth + barWidth + 6,
          y: middle,
          "dominant-baseline": "central",
        }),
      );
    } else {
      row.append(
        svgText(t("quality.none"), { class: "bar-value missing", x: labelWidth + 6, y: middle, "dominant-baseline": "central" }),
      );
    }
    chart.append(row);
  });
  return chart;
}

/** The width to draw charts at: the panel's inner width, between 320 and 720 pixels. */
function chartWidth() {
  const panelPadding = 48;
  return Math.round(Math.max(320, Math.min(720, questionsNode.clientWidth - panelPadding)));
}

/** The chart of a question: gold accuracy when anyone answered a gold task, else agreement with the consensus. */
function chartFigure(annotators, names, questionIndex) {
  const withGold = annotators.some((annotator) => (annotator.gold?.scored ?? 0) > 0);
  const titleKey = withGold ? "quality.chartGoldTitle" : "quality.chartConsensusTitle";
  const titleText = t(titleKey);
  const entries = annotators.map((annotator) => ({
    userID: annotator.user_id,
    name: personName(names, annotator.user_id),
    value: withGold ? annotator.gold?.accuracy : annotator.consensus_agreement,
  }));
  const captionID = `question-${questionIndex}-chart-caption`;
  const figure = el("figure", { className: "quality-figure", attrs: { "aria-labelledby": captionID } }, [
    el("figcaption", { text: titleText, attrs: { id: captionID } }),
  ]);
  if (!entries.some((entry) => isNumber(entry.value))) {
    figure.append(el("p", { className: "muted chart-empty", text: t("quality.chartEmpty") }));
    return figure;
  }
  figure.append(accuracyChart(entries, titleText, withGold ? "gold_accuracy" : "consensus_agreement", chartWidth()));
  if (!withGold) figure.append(el("p", { className: "muted small-print", text: t("quality.chartConsensusNote") }));
  return figure;
}

// MARK: aggregated answers

function aggregatedSection(question, questionIndex) {
  const all = [...(question.aggregated ?? [])].sort((a, b) => a.task_id - b.task_id);
  const differing = all.filter((answer) => answer.majority_vote !== answer.dawid_skene);
  const headingID = `question-${questionIndex}-aggregated`;
  const section = el("section", { className: "aggregated", attrs: { "aria-labelledby": headingID } }, [
    el("h3", { text: t("quality.aggregatedHeading"), attrs: { id: headingID } }),
  ]);
  if (all.length === 0) {
    section.append(el("p", { className: "muted", text: t("quality.aggregatedEmpty") }));
    return section;
  }

  const filterID = `question-${questionIndex}-only-differing`;
  const filter = el("input", { attrs: { type: "checkbox", id: filterID } });
  filter.disabled = differing.length === 0;
  section.append(
    el("div", { className: "checkbox-field aggregated-filter" }, [
      filter,
      el("label", { text: t("quality.onlyDiffering", { count: formatCount(differing.length) }), attrs: { for: filterID } }),
    ]),
  );

  const caption = el("caption");
  const body = el("tbody");
  const table = el("table", { className: "data-table aggregated-answers" }, [
    caption,
    el("thead", {}, [
      headerRow([
        ["quality.colTask", true],
        ["quality.colMajority", false],
        ["quality.colMajorityConfidence", true],
        ["quality.colDawidSkeneAnswer", false],
        ["quality.colDawidSkeneConfidence", true],
        ["quality.colComparison", false],
      ]),
    ]),
    body,
  ]);

  function show(onlyDiffering) {
    const rows = onlyDiffering ? differing : all;
    const shown = rows.slice(0, AGGREGATED_ROWS_SHOWN);
    clear(body);
    for (const answer of shown) {
      const differs = answer.majority_vote !== answer.dawid_skene;
      body.append(
        el(
          "tr",
          {
            className: differs ? "differs" : "",
            attrs: { "data-testid": "aggregated-row", "data-task-id": answer.task_id, "data-differs": String(differs) },
          },
          [
            el("th", { className: "num task", text: String(answer.task_id), attrs: { scope: "row" } }),
            el("td", { className: "majority", text: answer.majority_vote }),
            el("td", { className: "num majority-confidence" }, [
              valueOrDash(answer.majority_confidence, formatShare, "quality.missingConfidence"),
            ]),
            el("td", { className: "dawid-skene", text: answer.dawid_skene }),
            el("td", { className: "num dawid-skene-confidence" }, [
              valueOrDash(answer.dawid_skene_confidence, formatShare, "quality.missingConfidence"),
            ]),
            el("td", { className: "comparison" }, [
              differs
                ? el("span", { className: "badge differs-badge", text: t("quality.differs") })
                : el("span", { className: "muted", text: t("quality.same") }),
            ]),
          ],
        ),
      );
    }
    caption.textContent =
      rows.length > shown.length
        ? t("quality.aggregatedCaptionSome", { shown: formatCount(shown.length), total: formatCount(rows.length) })
        : t("quality.aggregatedCaption", { total: formatCount(rows.length) });
  }
  filter.addEventListener("change", () => show(filter.checked));
  show(false);
  section.append(scrollable(table, t("quality.aggregatedHeading")));
  return section;
}

// MARK: one question

function questionSection(question, names, index) {
  const headingID = `question-${index}-heading`;
  const section = el("section", {
    className: "panel question-quality",
    attrs: { "data-question": question.name, "aria-labelledby": headingID },
  });
  section.append(el("h2", { text: t("quality.questionHeading", { name: question.name }), attrs: { id: headingID } }));

  const annotators = [...(question.annotators ?? [])].sort(
    (a, b) => personName(names, a.user_id).localeCompare(personName(names, b.user_id), lang()) || a.user_id - b.user_id,
  );
  section.append(
    el("p", {
      className: "muted question-summary",
      text: t("quality.questionSummary", {
        annotations: formatCount(question.annotations ?? 0),
        tasks: formatCount(question.tasks ?? 0),
        annotators: formatCount(annotators.length),
        options: (question.options ?? []).join(t("quality.listSeparator")),
      }),
    }),
  );
  if ((question.annotations ?? 0) === 0) {
    section.append(el("p", { className: "empty", text: t("quality.noAnswers") }));
    return section;
  }

  const agreementID = `question-${index}-agreement`;
  section.append(
    el("section", { className: "agreement-block", attrs: { "aria-labelledby": agreementID } }, [
      el("h3", { text: t("quality.agreementHeading"), attrs: { id: agreementID } }),
      agreementList(question),
    ]),
  );

  const annotatorsID = `question-${index}-annotators`;
  const annotatorsBlock = el("section", { className: "annotators-block", attrs: { "aria-labelledby": annotatorsID } }, [
    el("h3", { text: t("quality.annotatorsHeading"), attrs: { id: annotatorsID } }),
    annotatorTable(annotators, names, t("quality.annotatorsCaption", { name: question.name })),
  ]);
  const notes = missingNotes(annotators);
  if (notes) annotatorsBlock.append(notes);
  annotatorsBlock.append(chartFigure(annotators, names, index));
  section.append(annotatorsBlock);

  section.append(aggregatedSection(question, index));
  return section;
}

// MARK: loading

/** user id → display name, from the progress report; empty when it cannot be read (ids are shown then). */
async function annotatorNames() {
  try {
    const { json } = await api("GET", `/api/v1/projects/${projectID}/progress`);
    return new Map((json.annotators ?? []).map((annotator) => [annotator.user_id, annotator.name ?? annotator.display_name]));
  } catch {
    return new Map();
  }
}

let loading = false;

async function loadQuality() {
  // The button stays enabled (disabling it would drop keyboard focus); a press while loading is ignored.
  if (loading) return;
  loading = true;
  refreshButton.setAttribute("aria-disabled", "true");
  questionsNode.setAttribute("aria-busy", "true");
  try {
    const [{ json: report }, names] = await Promise.all([
      api("GET", `/api/v1/projects/${projectID}/quality`),
      annotatorNames(),
    ]);
    clear(questionsNode);
    const questions = report.questions ?? [];
    questions.forEach((question, index) => questionsNode.append(questionSection(question, names, index)));
    if (questions.length === 0) {
      showStatus(statusNode, t("quality.noChoiceQuestions"), "info");
    } else {
      const time = new Intl.DateTimeFormat(lang(), { timeStyle: "medium" }).format(new Date());
      showStatus(statusNode, t("quality.updated", { time }), "ok");
    }
  } catch (error) {
    if (error?.status === 403 || error?.status === 404) {
      // Nothing a refresh could change.
      refreshButton.hidden = true;
      clear(questionsNode);
      showStatus(statusNode, t(error.status === 403 ? "quality.forbidden" : "quality.notFound"), "error");
    } else {
      showError(statusNode, error, "quality.loadFailed");
    }
  } finally {
    loading = false;
    refreshButton.removeAttribute("aria-disabled");
    questionsNode.removeAttribute("aria-busy");
  }
}

async function main() {
  await loadTranslations();
  if (!projectID) {
    showStatus(statusNode, t("quality.notFound"), "error");
    return;
  }
  refreshButton.addEventListener("click", () => {
    if (loading) return;
    showStatus(statusNode, t("quality.loading"), "info");
    loadQuality();
  });
  // The project's name makes the heading; the report does not wait for it.
  api("GET", `/api/v1/projects/${projectID}`)
    .then(({ json: project }) => {
      headingNode.textContent = t("quality.headingFor", { name: project.name });
      document.title = t("quality.documentTitle", { name: project.name });
    })
    .catch(() => {});
  await loadQuality();
}

main();
