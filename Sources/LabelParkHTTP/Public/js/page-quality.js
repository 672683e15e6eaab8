// Quality of one project, for its managers: per question (every kind) the agreement between annotators,
// each annotator's record against gold with the kind's own measures and a bar chart, gold accuracy per day
// as a line chart, each workplace's pooled gold record, the gold confusion matrix of choice questions, and
// the crowd's answer per task. Every number, and every annotator's name and workplace, comes from
// GET /api/v1/projects/{id}/quality.

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

/** A mean absolute error (rating points) with at most two decimals. */
function formatError(value) {
  return new Intl.NumberFormat(lang(), { maximumFractionDigits: 2 }).format(value);
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

/** A reading for a mean pairwise Jaccard index or span F1: the share two annotators have in common. */
function overlapReading(value) {
  return t("quality.overlapReading", { value: formatShare(value) });
}

/**
 * The statistics shown for a question: `{key, label, value, reading, format, missingKey}` each. A statistic the
 * kind does not have is not listed; one it has but cannot compute yet shows a dash and why.
 */
function agreementMetrics(question) {
  const agreement = question.agreement ?? {};
  const pairable = isNumber(agreement.fleiss_kappa) || isNumber(agreement.mean_pairwise_cohen_kappa);
  const oneValueKey = (anyPairs) => (anyPairs ? "quality.missingOneOption" : "quality.missingPairs");
  switch (question.type) {
    case "multi_choice": {
      const pairs = (agreement.compared_pairs ?? 0) > 0;
      return [
        {
          key: "mean_pairwise_jaccard",
          label: t("quality.metricJaccard"),
          value: agreement.mean_pairwise_jaccard,
          reading: overlapReading,
          format: formatShare,
          missingKey: "quality.missingPairs",
        },
        ...(agreement.options ?? []).map((entry) => ({
          key: `option_alpha:${entry.option}`,
          label: t("quality.metricOptionAlpha", { option: entry.option }),
          value: entry.krippendorff_alpha_nominal,
          reading: alphaReading,
          format: formatAgreement,
          missingKey: oneValueKey(pairs),
        })),
      ];
    }
    case "rating":
      return [
        {
          key: "krippendorff_alpha_interval",
          label: t("quality.metricAlphaInterval"),
          value: agreement.krippendorff_alpha_interval,
          reading: alphaReading,
          format: formatAgreement,
          missingKey: "quality.missingPairsOrOneValue",
        },
      ];
    case "spans":
      return ["exact", "overlap"].map((rule) => ({
        key: `mean_pairwise_span_f1_${rule}`,
        label: t(rule === "exact" ? "quality.metricSpanF1Exact" : "quality.metricSpanF1Overlap"),
        value: agreement.mean_pairwise_span_f1?.[rule],
        reading: overlapReading,
        format: formatShare,
        missingKey: "quality.missingPairs",
      }));
    case "boxes":
    case "polygons":
    case "masks":
    case "keypoints": {
      // Keypoint instances match by OKS, every other region kind by IoU.
      const oks = question.type === "keypoints";
      return [
        {
          key: "mean_pairwise_f1",
          label: oks
            ? t("quality.metricKeypointF1", { threshold: agreement.oks_threshold ?? 0.5 })
            : t("quality.metricRegionF1", { threshold: agreement.iou_threshold ?? 0.5 }),
          value: agreement.mean_pairwise_f1,
          reading: overlapReading,
          format: formatShare,
          missingKey: "quality.missingPairs",
        },
        {
          key: oks ? "mean_matched_oks" : "mean_matched_iou",
          label: t(oks ? "quality.metricMatchedOKS" : "quality.metricMatchedIoU"),
          value: oks ? agreement.mean_matched_oks : agreement.mean_matched_iou,
          reading: overlapReading,
          format: formatShare,
          missingKey: "quality.missingPairs",
        },
      ];
    }
    case "text":
      return [];
    default:
      return [
        ["mean_pairwise_cohen_kappa", "quality.metricCohen", kappaReading],
        ["fleiss_kappa", "quality.metricFleiss", kappaReading],
        ["krippendorff_alpha_nominal", "quality.metricAlpha", alphaReading],
      ].map(([key, label, reading]) => ({
        key,
        label: t(label),
        value: agreement[key],
        reading,
        format: formatAgreement,
        missingKey: key === "krippendorff_alpha_nominal" ? oneValueKey(pairable) : "quality.missingPairs",
      }));
  }
}

function agreementList(question) {
  const metrics = agreementMetrics(question);
  if (metrics.length === 0) return el("p", { className: "muted no-agreement", text: t("quality.agreementNoneText") });
  const list = el("dl", { className: "numbers agreement" });
  for (const metric of metrics) {
    const value = metric.value;
    const reading = isNumber(value)
      ? el("span", { className: "reading", text: metric.reading(value) })
      : el("span", { className: "reading missing-reason", text: t(metric.missingKey) });
    list.append(
      el("div", { attrs: { "data-metric": metric.key } }, [
        el("dt", { text: metric.label }),
        el("dd", {}, [
          isNumber(value)
            ? el("span", { className: "value", text: metric.format(value) })
            : el("span", {
                className: "value missing",
                text: t("quality.none"),
                attrs: { title: t(metric.missingKey), "aria-hidden": "true" },
              }),
          reading,
        ]),
      ]),
    );
  }
  return list;
}

// MARK: annotators

/** user id → `{name, organization, workplace, county}`, from the report's `annotators`. */
function peopleOf(report) {
  return new Map((report.annotators ?? []).map((person) => [person.user_id, person]));
}

/** The person behind a user id: their name, else "User 7" (someone the report does not list). */
function personName(people, userID) {
  return people.get(userID)?.name ?? t("quality.unknownUser", { id: userID });
}

/** Their name with the workplace they work through beside it, where there is room for a single line. */
function personLabel(people, userID) {
  const workplace = people.get(userID)?.workplace;
  const name = personName(people, userID);
  return workplace ? t("quality.personAtWorkplace", { name, workplace }) : name;
}

/**
 * The workplace cell of an annotator: its name and county, or "No workplace"; the organization too when the
 * annotators come from more than one.
 */
function workplaceCell(person, showOrganization) {
  const cell = el("td", { className: "workplace" });
  if (person?.workplace) {
    cell.append(el("span", { className: "workplace-name", text: person.workplace }));
    if (person.county) cell.append(el("span", { className: "county muted", text: person.county }));
  } else {
    cell.append(el("span", { className: "workplace-name muted", text: t("quality.noWorkplace") }));
  }
  if (showOrganization && person?.organization) {
    cell.append(el("span", { className: "organization muted", text: person.organization }));
  }
  return cell;
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

/**
 * The columns of a gold record (an annotator's or a workplace's): `[className, headerKey, value(row), format,
 * missingKey]`. Answers and gold tasks are counts; the rest are the kind's measures against gold, a dash for
 * `missingGoldKey` when there are none.
 */
function goldColumns(type, missingGoldKey) {
  const gold = (key) => (row) => row.gold?.[key];
  const goldSpan = (rule, key) => (row) => row.gold?.[rule]?.[key];
  const columns = [
    ["answers", "quality.colAnswers", (row) => row.annotations ?? 0, formatCount, null],
    ["gold-scored", "quality.colGoldScored", (row) => row.gold?.scored ?? 0, formatCount, null],
    ["gold-accuracy", "quality.colGoldAccuracy", gold("accuracy"), formatShare, missingGoldKey],
  ];
  switch (type) {
    case "rating":
      columns.push(["gold-mae", "quality.colMeanAbsoluteError", gold("mean_absolute_error"), formatError, missingGoldKey]);
      break;
    case "text":
      columns.push(
        ["gold-cer", "quality.colCER", gold("cer"), formatShare, missingGoldKey],
        ["gold-wer", "quality.colWER", gold("wer"), formatShare, missingGoldKey],
      );
      break;
    case "spans":
      columns.push(
        ["gold-exact-precision", "quality.colExactPrecision", goldSpan("exact", "precision"), formatShare, missingGoldKey],
        ["gold-exact-recall", "quality.colExactRecall", goldSpan("exact", "recall"), formatShare, missingGoldKey],
        ["gold-exact-f1", "quality.colExactF1", goldSpan("exact", "f1"), formatShare, missingGoldKey],
        ["gold-overlap-f1", "quality.colOverlapF1", goldSpan("overlap", "f1"), formatShare, missingGoldKey],
      );
      break;
    case "boxes":
    case "polygons":
    case "masks":
    case "keypoints": {
      // Keypoint instances match by OKS, the other region kinds by IoU.
      const mean = type === "keypoints"
        ? ["gold-region-oks", "quality.colRegionOKS", goldSpan("regions", "mean_oks"), formatShare, missingGoldKey]
        : ["gold-region-iou", "quality.colRegionIoU", goldSpan("regions", "mean_iou"), formatShare, missingGoldKey];
      columns.push(
        ["gold-region-precision", "quality.colRegionPrecision", goldSpan("regions", "precision"), formatShare, missingGoldKey],
        ["gold-region-recall", "quality.colRegionRecall", goldSpan("regions", "recall"), formatShare, missingGoldKey],
        mean,
      );
      break;
    }
  }
  return columns;
}

/**
 * The columns of a question's annotator table after the name and workplace: the gold record, and for choice
 * questions the agreement with the others.
 */
function annotatorColumns(type) {
  const columns = goldColumns(type, "quality.missingGold");
  if (type === "choice") {
    columns.push(
      ["consensus", "quality.colConsensus", (annotator) => annotator.consensus_agreement, formatShare, "quality.missingConsensus"],
      ["dawid-skene", "quality.colDawidSkene", (annotator) => annotator.dawid_skene_accuracy, formatShare, "quality.missingDawidSkene"],
    );
  }
  return columns;
}

/** The columns of a question's workplace table after its name and county. */
function workplaceColumns(type) {
  return [
    ["annotators", "quality.colAnnotators", (workplace) => workplace.annotators ?? 0, formatCount, null],
    ...goldColumns(type, "quality.missingWorkplaceGold"),
  ];
}

/** A table cell per column: the formatted value, or a dash that says why. */
function valueCells(columns, row) {
  return columns.map(([className, , value, format, missingKey]) =>
    missingKey
      ? el("td", { className: `num ${className}` }, [valueOrDash(value(row), format, missingKey)])
      : el("td", { className: `num ${className}`, text: format(value(row)) }),
  );
}

function annotatorTable(annotators, people, captionText, type) {
  const columns = annotatorColumns(type);
  const organizations = new Set(annotators.map((annotator) => people.get(annotator.user_id)?.organization ?? null));
  const body = el("tbody");
  for (const annotator of annotators) {
    body.append(
      el("tr", { attrs: { "data-testid": "annotator-quality", "data-user-id": annotator.user_id } }, [
        el("th", { className: "name", text: personName(people, annotator.user_id), attrs: { scope: "row" } }),
        workplaceCell(people.get(annotator.user_id), organizations.size > 1),
        ...valueCells(columns, annotator),
      ]),
    );
  }
  return valueTable("annotator-quality", captionText, ["quality.colAnnotator", "quality.colWorkplace"], columns, body);
}

/**
 * A scrollable table of rows that start with text cells headed `leadingKeys` and go on with the numeric
 * `columns` (as `valueCells` writes them), captioned for screen readers.
 */
function valueTable(className, captionText, leadingKeys, columns, body) {
  const table = el("table", { className: `data-table ${className}` }, [
    el("caption", { className: "visually-hidden", text: captionText }),
    el("thead", {}, [
      headerRow([...leadingKeys.map((key) => [key, false]), ...columns.map(([, key]) => [key, true])]),
    ]),
    body,
  ]);
  return scrollable(table, captionText);
}

/** One line per kind of dash in a table, so the reasons are visible without a mouse. */
function missingNotes(rows, columns) {
  const notes = el("ul", { className: "missing-notes muted" });
  const reasons = new Map();
  for (const [, headerKey, value, , missingKey] of columns) {
    if (!missingKey || !rows.some((row) => !isNumber(value(row)))) continue;
    // Several gold columns share one reason; it is said once, naming the first of them.
    if (!reasons.has(missingKey)) reasons.set(missingKey, headerKey);
  }
  for (const [reasonKey, columnKey] of reasons) {
    notes.append(el("li", { text: t("quality.missingNote", { column: t(columnKey), reason: t(reasonKey) }) }));
  }
  return notes.childElementCount > 0 ? notes : null;
}

// MARK: workplaces

/**
 * A question's record per workplace: its annotators' gold answers pooled, the unassigned group last (the
 * server's order). When nobody is assigned to a workplace there is nothing to compare, and a sentence says so.
 */
function workplaceSection(question, questionIndex) {
  const workplaces = question.workplaces ?? [];
  const headingID = `question-${questionIndex}-workplaces`;
  const section = el("section", {
    className: "workplaces-block",
    attrs: { "aria-labelledby": headingID, "data-testid": "workplace-section" },
  });
  section.append(el("h3", { text: t("quality.workplacesHeading"), attrs: { id: headingID } }));
  if (!workplaces.some((workplace) => workplace.workplace_id !== null && workplace.workplace_id !== undefined)) {
    section.append(el("p", { className: "muted workplaces-none", text: t("quality.workplacesNoneAssigned") }));
    return section;
  }
  const columns = workplaceColumns(question.type ?? "choice");
  const captionText = t("quality.workplacesCaption", { name: question.name });
  const body = el("tbody");
  for (const workplace of workplaces) {
    const assigned = workplace.workplace_id !== null && workplace.workplace_id !== undefined;
    body.append(
      el(
        "tr",
        {
          className: assigned ? "" : "unassigned",
          attrs: { "data-testid": "workplace-quality", "data-workplace-id": assigned ? workplace.workplace_id : "none" },
        },
        [
          el("th", {
            className: `workplace-name${assigned ? "" : " muted"}`,
            text: assigned ? workplace.name : t("quality.noWorkplace"),
            attrs: { scope: "row" },
          }),
          el("td", { className: "county" }, [
            workplace.county
              ? el("span", { text: workplace.county })
              : el("span", { className: "muted", text: t("quality.none") }),
          ]),
          ...valueCells(columns, workplace),
        ],
      ),
    );
  }
  section.append(
    valueTable("workplace-quality", captionText, ["quality.colWorkplace", "quality.colCounty"], columns, body),
  );
  const notes = missingNotes(workplaces, columns);
  if (notes) section.append(notes);
  section.append(el("p", { className: "muted small-print", text: t("quality.workplacesNote") }));
  return section;
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
      ? t("quality.chartEntry", { name: entry.label, value: formatShare(entry.value) })
      : t("quality.chartEntryMissing", { name: entry.label }),
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

/**
 * The chart of a question: gold accuracy when anyone answered a gold task, else (choice questions, the only
 * ones with a consensus) agreement with the consensus.
 */
function chartFigure(annotators, people, questionIndex, type) {
  const withGold = type !== "choice" || annotators.some((annotator) => (annotator.gold?.scored ?? 0) > 0);
  const titleKey = withGold ? "quality.chartGoldTitle" : "quality.chartConsensusTitle";
  const titleText = t(titleKey);
  const entries = annotators.map((annotator) => ({
    userID: annotator.user_id,
    // The bar's own label is short; its tooltip and the chart's spoken label say the workplace too.
    name: personName(people, annotator.user_id),
    label: personLabel(people, annotator.user_id),
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

// MARK: gold accuracy by day

/** A UTC day ("2026-11-26") in the reader's short date form. */
function formatDay(day) {
  const date = new Date(`${day}T00:00:00Z`);
  if (Number.isNaN(date.getTime())) return day;
  return new Intl.DateTimeFormat(lang(), { month: "short", day: "numeric", timeZone: "UTC" }).format(date);
}

/** How many line styles (colour and dash) the stylesheet defines; further annotators reuse them in turn. */
const SERIES_STYLES = 6;

/**
 * A line per annotator of gold accuracy per UTC day, 0–100%, drawn as SVG elements. Each point has a tooltip;
 * the chart's label lists each annotator's latest day for assistive technology, and a legend names the lines.
 */
function accuracyByDayChart(series, days, titleText, width) {
  const left = 52;
  const right = 16;
  const top = 12;
  const plotHeight = 180;
  const bottom = 36;
  const height = top + plotHeight + bottom;
  const plotWidth = width - left - right;
  const xOf = (index) => (days.length === 1 ? left + plotWidth / 2 : left + (index * plotWidth) / (days.length - 1));
  const yOf = (share) => top + (1 - Math.max(0, Math.min(1, share))) * plotHeight;

  const latest = series.map((line) => {
    const last = line.points[line.points.length - 1];
    return t("quality.dayChartEntry", { name: line.name, day: formatDay(last.day), value: formatShare(last.accuracy) });
  });
  const label = t("quality.chartLabel", { title: titleText, values: latest.join(t("quality.listSeparator")) });
  const chart = svg("svg", {
    class: "quality-chart day-chart",
    role: "img",
    "aria-label": label,
    viewBox: `0 0 ${width} ${height}`,
    width,
    height,
    "data-testid": "accuracy-by-day-chart",
    focusable: "false",
  });
  const title = svg("title");
  title.textContent = label;
  chart.append(title);

  for (const share of [0, 0.25, 0.5, 0.75, 1]) {
    const y = yOf(share);
    chart.append(
      svg("line", { class: share === 0 ? "axis" : "grid", x1: left, x2: left + plotWidth, y1: y, y2: y }),
      svgText(formatShare(share), { class: "tick", x: left - 8, y, "text-anchor": "end", "dominant-baseline": "central" }),
    );
  }
  // Every day gets a label when they fit (about 64 pixels each); otherwise every n-th day and the last one.
  const step = Math.max(1, Math.ceil(days.length / Math.max(1, Math.floor(plotWidth / 64))));
  days.forEach((day, index) => {
    if (index % step !== 0 && index !== days.length - 1) return;
    chart.append(svgText(formatDay(day), { class: "tick", x: xOf(index), y: top + plotHeight + 20, "text-anchor": "middle" }));
  });

  const dayIndex = new Map(days.map((day, index) => [day, index]));
  series.forEach((line, lineIndex) => {
    const group = svg("g", {
      class: `series series-${lineIndex % SERIES_STYLES}`,
      "data-testid": "day-series",
      "data-user-id": line.userID,
    });
    const coordinates = line.points.map((point) => [xOf(dayIndex.get(point.day)), yOf(point.accuracy)]);
    if (coordinates.length > 1) {
      group.append(svg("polyline", { class: "line", points: coordinates.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(" ") }));
    }
    line.points.forEach((point, index) => {
      const [x, y] = coordinates[index];
      const dot = svg("circle", {
        class: "point",
        cx: x.toFixed(1),
        cy: y.toFixed(1),
        r: 4,
        "data-testid": "day-point",
        "data-day": point.day,
        "data-value": point.accuracy,
      });
      const tip = svg("title");
      tip.textContent = t("quality.dayPointTitle", {
        name: line.name,
        day: formatDay(point.day),
        value: formatShare(point.accuracy),
        scored: formatCount(point.scored),
      });
      dot.append(tip);
      group.append(dot);
    });
    chart.append(group);
  });
  return chart;
}

/** The legend of the day chart: each annotator's name beside a sample of their line's colour and dash. */
function dayLegend(series) {
  return el(
    "ul",
    { className: "chart-legend", attrs: { "aria-hidden": "true" } },
    series.map((line, index) =>
      el("li", {}, [
        el("span", { className: `swatch series-${index % SERIES_STYLES}` }),
        el("span", { text: line.name }),
      ]),
    ),
  );
}

function accuracyByDayFigure(annotators, people, questionIndex) {
  const series = annotators
    .filter((annotator) => (annotator.gold_by_day ?? []).some((point) => isNumber(point.accuracy)))
    .map((annotator) => ({
      userID: annotator.user_id,
      name: personLabel(people, annotator.user_id),
      points: annotator.gold_by_day.filter((point) => isNumber(point.accuracy)),
    }));
  const titleText = t("quality.dayChartTitle");
  const captionID = `question-${questionIndex}-day-chart-caption`;
  const figure = el("figure", { className: "quality-figure day-figure", attrs: { "aria-labelledby": captionID } }, [
    el("figcaption", { text: titleText, attrs: { id: captionID } }),
  ]);
  if (series.length === 0) {
    figure.append(el("p", { className: "muted chart-empty", text: t("quality.dayChartEmpty") }));
    return figure;
  }
  const days = [...new Set(series.flatMap((line) => line.points.map((point) => point.day)))].sort();
  figure.append(accuracyByDayChart(series, days, titleText, chartWidth()), dayLegend(series));
  return figure;
}

// MARK: confusion matrix

/** The counts' share of their row, as one of five shading steps, so the table reads like a heat map. */
function shadeClass(count, rowTotal) {
  if (count === 0 || rowTotal === 0) return "shade-0";
  return `shade-${Math.min(4, 1 + Math.floor((count / rowTotal) * 4))}`;
}

function confusionTable(matrix, options, captionText) {
  const body = el("tbody");
  options.forEach((goldOption, row) => {
    const counts = matrix?.[row] ?? options.map(() => 0);
    const rowTotal = counts.reduce((sum, count) => sum + count, 0);
    body.append(
      el("tr", {}, [
        el("th", { className: "gold-option", text: goldOption, attrs: { scope: "row" } }),
        ...options.map((answerOption, column) =>
          el("td", {
            className: `num confusion-cell ${shadeClass(counts[column] ?? 0, rowTotal)}${row === column ? " diagonal" : ""}`,
            text: formatCount(counts[column] ?? 0),
            attrs: {
              "data-testid": "confusion-cell",
              "data-gold": goldOption,
              "data-answer": answerOption,
              "data-count": counts[column] ?? 0,
              title: t("quality.confusionCellTitle", { gold: goldOption, answer: answerOption, count: counts[column] ?? 0 }),
            },
          }),
        ),
        el("td", { className: "num row-total", text: formatCount(rowTotal) }),
      ]),
    );
  });
  return el("table", { className: "data-table confusion-matrix" }, [
    el("caption", { text: captionText }),
    el("thead", {}, [
      el("tr", {}, [
        el("th", { className: "corner", text: t("quality.confusionCorner"), attrs: { scope: "col" } }),
        ...options.map((option) => el("th", { className: "num", text: option, attrs: { scope: "col" } })),
        el("th", { className: "num", text: t("quality.confusionRowTotal"), attrs: { scope: "col" } }),
      ]),
    ]),
    body,
  ]);
}

/** The gold confusion matrix of a choice question: everyone together, or one annotator picked from a list. */
function confusionSection(question, annotators, people, questionIndex) {
  const headingID = `question-${questionIndex}-confusion`;
  const section = el("section", {
    className: "confusion-block",
    attrs: { "aria-labelledby": headingID, "data-testid": "confusion-section" },
  });
  section.append(el("h3", { text: t("quality.confusionHeading"), attrs: { id: headingID } }));
  const options = question.options ?? [];
  const total = (question.gold_confusion ?? []).flat().reduce((sum, count) => sum + count, 0);
  if (total === 0) {
    section.append(el("p", { className: "muted", text: t("quality.confusionEmpty") }));
    return section;
  }
  const selectID = `question-${questionIndex}-confusion-annotator`;
  const select = el("select", { attrs: { id: selectID, "data-testid": "confusion-annotator" } }, [
    el("option", { text: t("quality.confusionEveryone"), attrs: { value: "" } }),
    ...annotators.filter((annotator) => annotator.gold_confusion).map((annotator) =>
      el("option", { text: personLabel(people, annotator.user_id), attrs: { value: annotator.user_id } }),
    ),
  ]);
  section.append(
    el("div", { className: "field confusion-picker" }, [
      el("label", { text: t("quality.confusionShowFor"), attrs: { for: selectID } }),
      select,
    ]),
  );
  const holder = el("div", { className: "table-scroll", attrs: { tabindex: "0", role: "region", "aria-label": t("quality.confusionHeading") } });
  function show() {
    const annotator = annotators.find((entry) => String(entry.user_id) === select.value);
    const matrix = annotator ? annotator.gold_confusion : question.gold_confusion;
    const caption = annotator
      ? t("quality.confusionCaptionFor", { name: personLabel(people, annotator.user_id) })
      : t("quality.confusionCaptionEveryone");
    clear(holder);
    holder.append(confusionTable(matrix, options, caption));
  }
  select.addEventListener("change", show);
  show();
  section.append(holder, el("p", { className: "muted small-print", text: t("quality.confusionNote") }));
  return section;
}

// MARK: aggregated multi-choice answers

function selectionSection(question, questionIndex) {
  const all = [...(question.aggregated ?? [])].sort((a, b) => a.task_id - b.task_id);
  const headingID = `question-${questionIndex}-aggregated`;
  const section = el("section", { className: "aggregated", attrs: { "aria-labelledby": headingID } }, [
    el("h3", { text: t("quality.aggregatedHeading"), attrs: { id: headingID } }),
  ]);
  if (all.length === 0) {
    section.append(el("p", { className: "muted", text: t("quality.aggregatedEmpty") }));
    return section;
  }
  const shown = all.slice(0, AGGREGATED_ROWS_SHOWN);
  const joined = (options) => (options.length ? options.join(t("quality.listSeparator")) : t("quality.noOption"));
  const table = el("table", { className: "data-table aggregated-answers" }, [
    el("caption", {
      text:
        all.length > shown.length
          ? t("quality.aggregatedCaptionSome", { shown: formatCount(shown.length), total: formatCount(all.length) })
          : t("quality.aggregatedCaption", { total: formatCount(all.length) }),
    }),
    el("thead", {}, [
      headerRow([
        ["quality.colTask", true],
        ["quality.colMajority", false],
        ["quality.colDawidSkeneAnswer", false],
        ["quality.colDawidSkeneConfidence", true],
        ["quality.colComparison", false],
      ]),
    ]),
    el(
      "tbody",
      {},
      shown.map((answer) => {
        const majority = answer.majority_vote ?? [];
        const inferred = answer.dawid_skene ?? [];
        const differs = majority.join("\u0000") !== inferred.join("\u0000");
        return el(
          "tr",
          {
            className: differs ? "differs" : "",
            attrs: { "data-testid": "aggregated-selection-row", "data-task-id": answer.task_id, "data-differs": String(differs) },
          },
          [
            el("th", { className: "num task", text: String(answer.task_id), attrs: { scope: "row" } }),
            el("td", { className: "majority", text: joined(majority) }),
            el("td", { className: "dawid-skene", text: joined(inferred) }),
            el("td", { className: "num dawid-skene-confidence" }, [
              valueOrDash(answer.dawid_skene_confidence, formatShare, "quality.missingConfidence"),
            ]),
            el("td", { className: "comparison" }, [
              differs
                ? el("span", { className: "badge differs-badge", text: t("quality.differs") })
                : el("span", { className: "muted", text: t("quality.same") }),
            ]),
          ],
        );
      }),
    ),
  ]);
  section.append(scrollable(table, t("quality.aggregatedHeading")), el("p", { className: "muted small-print", text: t("quality.selectionNote") }));
  return section;
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

function questionSection(question, people, index) {
  const headingID = `question-${index}-heading`;
  const section = el("section", {
    className: "panel question-quality",
    attrs: { "data-question": question.name, "aria-labelledby": headingID },
  });
  section.append(
    el("h2", { attrs: { id: headingID } }, [
      el("span", { text: t("quality.questionHeading", { name: question.name }) }),
      el("span", { className: "badge kind-badge", text: t(`quality.kind_${question.type ?? "choice"}`) }),
    ]),
  );

  const annotators = [...(question.annotators ?? [])].sort(
    (a, b) => personName(people, a.user_id).localeCompare(personName(people, b.user_id), lang()) || a.user_id - b.user_id,
  );
  section.append(
    el("p", {
      className: "muted question-summary",
      text: t(question.options ? "quality.questionSummary" : "quality.questionSummaryNoOptions", {
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
    annotatorTable(annotators, people, t("quality.annotatorsCaption", { name: question.name }), question.type ?? "choice"),
  ]);
  const notes = missingNotes(annotators, annotatorColumns(question.type ?? "choice"));
  if (notes) annotatorsBlock.append(notes);
  annotatorsBlock.append(chartFigure(annotators, people, index, question.type ?? "choice"), accuracyByDayFigure(annotators, people, index));
  section.append(annotatorsBlock, workplaceSection(question, index));

  if (question.type === "choice" || question.type === undefined) {
    section.append(confusionSection(question, annotators, people, index), aggregatedSection(question, index));
  } else if (question.type === "multi_choice") {
    section.append(selectionSection(question, index));
  }
  return section;
}

// MARK: loading

let loading = false;

async function loadQuality() {
  // The button stays enabled (disabling it would drop keyboard focus); a press while loading is ignored.
  if (loading) return;
  loading = true;
  refreshButton.setAttribute("aria-disabled", "true");
  questionsNode.setAttribute("aria-busy", "true");
  try {
    const { json: report } = await api("GET", `/api/v1/projects/${projectID}/quality`);
    const people = peopleOf(report);
    clear(questionsNode);
    const questions = report.questions ?? [];
    questions.forEach((question, index) => questionsNode.append(questionSection(question, people, index)));
    if (questions.length === 0) {
      showStatus(statusNode, t("quality.noQuestions"), "info");
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
