// The quality part of the project's settings (issue #5): gold tasks, auto-pause, dynamic overlap and review.
// Shares are stored as fractions (0.05) and shown as percentages (5); the form reads back the `quality`
// object PATCH /api/v1/projects/{id} takes.

import { t } from "/static/js/i18n.js";

const byId = (id) => document.getElementById(id);

/** A stored fraction as the percentage the form shows, without float noise (0.07 → 7, not 7.000000000000001). */
function percentOf(fraction) {
  return String(Number((fraction * 100).toFixed(4)));
}

/** A percentage typed in the form as the fraction the API stores. */
function fractionOf(percent) {
  return Number((percent / 100).toFixed(6));
}

/**
 * Sets up the quality fields of `#settings-form` for a project whose base overlap is `overlap`.
 *
 * Returns `{fieldInputs, fill(quality), read(showFieldError), setOverlap(overlap)}`: `fieldInputs` maps the
 * API's error fields (`quality.gold_rate`, …) to inputs for `FieldErrors`; `read` answers the `quality`
 * object, or null after marking the first field that is out of range.
 */
export function setUpQualitySettings(overlap) {
  const inputs = {
    goldRate: byId("settings-gold-rate"),
    goldAtStart: byId("settings-gold-at-start"),
    autoPause: byId("settings-auto-pause"),
    pauseWindow: byId("settings-pause-window"),
    pauseAccuracy: byId("settings-pause-accuracy"),
    dynamicOverlap: byId("settings-dynamic-overlap"),
    maxOverlap: byId("settings-max-overlap"),
    confidenceTarget: byId("settings-confidence-target"),
    reviewMode: byId("settings-review-mode"),
    reviewPercent: byId("settings-review-percent"),
  };
  const groups = {
    autoPause: byId("settings-auto-pause-fields"),
    dynamicOverlap: byId("settings-dynamic-overlap-fields"),
    reviewPercent: byId("settings-review-percent-field"),
  };
  let baseOverlap = overlap;

  const fieldInputs = {
    quality: [inputs.goldRate, "settings-gold-rate-error"],
    "quality.gold_rate": [inputs.goldRate, "settings-gold-rate-error"],
    "quality.gold_at_start": [inputs.goldAtStart, "settings-gold-at-start-error"],
    "quality.auto_pause": [inputs.pauseWindow, "settings-pause-window-error"],
    "quality.auto_pause.window": [inputs.pauseWindow, "settings-pause-window-error"],
    "quality.auto_pause.min_accuracy": [inputs.pauseAccuracy, "settings-pause-accuracy-error"],
    "quality.dynamic_overlap": [inputs.maxOverlap, "settings-max-overlap-error"],
    "quality.dynamic_overlap.overlap": [inputs.maxOverlap, "settings-max-overlap-error"],
    "quality.dynamic_overlap.max_overlap": [inputs.maxOverlap, "settings-max-overlap-error"],
    "quality.dynamic_overlap.confidence_target": [inputs.confidenceTarget, "settings-confidence-target-error"],
    "quality.review": [inputs.reviewMode, "settings-review-mode-error"],
    "quality.review.mode": [inputs.reviewMode, "settings-review-mode-error"],
    "quality.review.sample_percent": [inputs.reviewPercent, "settings-review-percent-error"],
  };

  /** Shows only the fields that apply: a switched-off part's fields are hidden, not just disabled. */
  function showApplicable() {
    groups.autoPause.hidden = !inputs.autoPause.checked;
    groups.dynamicOverlap.hidden = !inputs.dynamicOverlap.checked;
    groups.reviewPercent.hidden = inputs.reviewMode.value !== "sample";
  }

  function fill(quality = {}) {
    inputs.goldRate.value = percentOf(quality.gold_rate ?? 0.05);
    inputs.goldAtStart.value = String(quality.gold_at_start ?? 0);
    const pause = quality.auto_pause ?? null;
    inputs.autoPause.checked = pause !== null;
    inputs.pauseWindow.value = String(pause?.window ?? 20);
    inputs.pauseAccuracy.value = percentOf(pause?.min_accuracy ?? 0.8);
    const dynamic = quality.dynamic_overlap ?? null;
    inputs.dynamicOverlap.checked = dynamic !== null;
    inputs.maxOverlap.value = String(dynamic?.max_overlap ?? Math.min(100, Math.max(baseOverlap + 2, 5)));
    inputs.confidenceTarget.value = percentOf(dynamic?.confidence_target ?? 0.95);
    const review = quality.review ?? { mode: "none" };
    inputs.reviewMode.value = ["none", "all", "sample"].includes(review.mode) ? review.mode : "none";
    inputs.reviewPercent.value = String(review.sample_percent ?? 10);
    inputs.maxOverlap.min = String(baseOverlap);
    showApplicable();
  }

  /**
   * The number typed into `input` when it lies in [min, max] (above min when `aboveMin`) and is whole when
   * `whole`; otherwise null after `showFieldError(field, message)`.
   */
  function number(input, field, { min, max, whole = false, aboveMin = false }, showFieldError) {
    const text = input.value.trim();
    const value = Number(text);
    const fits = text !== "" && Number.isFinite(value) && (aboveMin ? value > min : value >= min) && value <= max;
    if (fits && (!whole || Number.isInteger(value))) return value;
    const key = whole ? "project.settings.wholeNumber" : aboveMin ? "project.qualitySettings.numberAbove" : "project.qualitySettings.numberBetween";
    showFieldError(field, t(key, { min, max }));
    return null;
  }

  function read(showFieldError) {
    const goldRate = number(inputs.goldRate, "quality.gold_rate", { min: 0, max: 100 }, showFieldError);
    if (goldRate === null) return null;
    const goldAtStart = number(inputs.goldAtStart, "quality.gold_at_start", { min: 0, max: 1000, whole: true }, showFieldError);
    if (goldAtStart === null) return null;
    let autoPause = null;
    if (inputs.autoPause.checked) {
      const window = number(inputs.pauseWindow, "quality.auto_pause.window", { min: 1, max: 1000, whole: true }, showFieldError);
      if (window === null) return null;
      const accuracy = number(inputs.pauseAccuracy, "quality.auto_pause.min_accuracy", { min: 0, max: 100 }, showFieldError);
      if (accuracy === null) return null;
      autoPause = { window, min_accuracy: fractionOf(accuracy) };
    }
    let dynamicOverlap = null;
    if (inputs.dynamicOverlap.checked) {
      const maxOverlap = number(
        inputs.maxOverlap, "quality.dynamic_overlap.max_overlap", { min: baseOverlap, max: 100, whole: true }, showFieldError,
      );
      if (maxOverlap === null) return null;
      const target = number(
        inputs.confidenceTarget, "quality.dynamic_overlap.confidence_target", { min: 0, max: 100, aboveMin: true }, showFieldError,
      );
      if (target === null) return null;
      dynamicOverlap = { max_overlap: maxOverlap, confidence_target: fractionOf(target) };
    }
    const review = { mode: inputs.reviewMode.value };
    if (review.mode === "sample") {
      const percent = number(inputs.reviewPercent, "quality.review.sample_percent", { min: 0, max: 100, aboveMin: true }, showFieldError);
      if (percent === null) return null;
      review.sample_percent = percent;
    }
    return {
      gold_rate: fractionOf(goldRate),
      gold_at_start: goldAtStart,
      auto_pause: autoPause,
      dynamic_overlap: dynamicOverlap,
      review,
    };
  }

  for (const input of [inputs.autoPause, inputs.dynamicOverlap, inputs.reviewMode]) {
    input.addEventListener("change", showApplicable);
  }

  return {
    fieldInputs,
    fill,
    read,
    setOverlap(value) {
      baseOverlap = value;
      inputs.maxOverlap.min = String(value);
    },
  };
}
