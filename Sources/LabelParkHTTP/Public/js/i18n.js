// Translations for the pages' scripts: the same strings the server renders into templates, loaded once
// from /i18n/<lang>.json for the page's language (<html lang>).

let strings = {};

/** The page's language: "en" or "zh-CN". */
export function lang() {
  return document.documentElement.lang || "en";
}

/** Loads the page language's strings; call (and await) once before using t(). */
export async function loadTranslations() {
  const response = await fetch(`/i18n/${encodeURIComponent(lang())}.json`, { credentials: "same-origin" });
  if (!response.ok) throw new Error(`translations for ${lang()} answered ${response.status}`);
  strings = await response.json();
}

/** The string for a dotted key, with {name} placeholders filled from params; the key itself if missing. */
export function t(key, params = {}) {
  let node = strings;
  for (const part of key.split(".")) node = node == null ? undefined : node[part];
  if (typeof node !== "string") return key;
  return node.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole));
}

/** Formats a number for the page's language. */
export function formatNumber(value) {
  return new Intl.NumberFormat(lang()).format(value);
}

/** Formats an RFC 3339 time for the page's language. */
export function formatTime(iso) {
  return new Intl.DateTimeFormat(lang(), { dateStyle: "medium", timeStyle: "short" }).format(new Date(iso));
}
