// Small DOM and formatting pieces shared by the home, project, new-project and my-work pages.
// Everything that comes from the server is put into the page with textContent, never parsed as HTML.

import { t, lang } from "/static/js/i18n.js";
import { refreshSession } from "/static/js/api.js";

/** Creates an element: `el("td", {className: "line", text: "3", attrs: {scope: "row"}}, children)`. */
export function el(tag, { className, text, attrs, hidden } = {}, children = []) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (attrs) {
    for (const [name, value] of Object.entries(attrs)) {
      if (value !== undefined && value !== null && value !== false) node.setAttribute(name, String(value));
    }
  }
  if (hidden) node.hidden = true;
  for (const child of children) {
    if (child) node.append(child);
  }
  return node;
}

/** Removes every child of `node`. */
export function clear(node) {
  while (node.firstChild) node.firstChild.remove();
}

/** Formats an integer for the page's language (thousands separators). */
export function formatCount(value) {
  return new Intl.NumberFormat(lang()).format(value);
}

/** Formats an RFC 3339 time for the page's language, in the browser's time zone. */
export function formatTime(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso ?? "");
  return new Intl.DateTimeFormat(lang(), { dateStyle: "medium", timeStyle: "short" }).format(date);
}

/** A translation, or `fallback` when the key has none (i18n.js answers a missing key with the key). */
export function translatedOr(key, fallback, params) {
  const text = t(key, params);
  return typeof text === "string" && text !== "" && text !== key ? text : fallback;
}

/** Whether an error from api.js means the session ended (sign in again). */
export function isSignedOut(error) {
  return error?.status === 401;
}

/** Whether an error from api.js means the server could not be reached at all. */
export function isNetworkFailure(error) {
  return error?.name === "NetworkError" || (error && error.status === undefined && error instanceof TypeError);
}

/**
 * Plain words for an error from api.js: the `errors` group's translation of its code when there is one,
 * else the server's own message, else a generic sentence.
 */
export function errorText(error) {
  if (isNetworkFailure(error)) return t("home.errorOffline");
  if (isSignedOut(error)) return t("home.errorSignedOut");
  const server = typeof error?.message === "string" && error.message !== "" ? error.message : null;
  const code = typeof error?.code === "string" ? error.code : null;
  const fromCode = code ? translatedOr(`errors.${code}`, null) : null;
  return fromCode ?? server ?? t("home.errorUnknown");
}

/**
 * Shows an error in a status element; a signed-out error gets a link to sign in again and come back here.
 */
export function showError(statusNode, error, prefixKey) {
  clear(statusNode);
  statusNode.dataset.state = "error";
  const text = prefixKey ? t(prefixKey, { reason: errorText(error) }) : errorText(error);
  statusNode.append(el("span", { text }));
  if (isSignedOut(error)) {
    const next = location.pathname + location.search;
    statusNode.append(
      " ",
      el("a", { text: t("home.signInAgain"), attrs: { href: `/login?next=${encodeURIComponent(next)}` } }),
    );
  }
}

/**
 * Runs an API call that changes something; when the session was renewed in another tab since this page
 * loaded (403 `csrf`), takes the new session's token and tries once more.
 */
export async function withFreshSession(call) {
  try {
    return await call();
  } catch (error) {
    if (error?.status === 403 && error.code === "csrf" && (await refreshSession())) return call();
    throw error;
  }
}

/**
 * Says the session ended without leaving the page: the sign-in link opens a new tab, so unsaved work here
 * stays, and the person can press the same button again once signed in.
 */
export function showSignedOutKeepingWork(statusNode) {
  clear(statusNode);
  statusNode.dataset.state = "error";
  statusNode.append(
    el("span", { text: t("home.signedOutKeepWork") }),
    " ",
    el("a", {
      text: t("home.signInNewTab"),
      attrs: { href: "/login?next=%2F", target: "_blank", rel: "noopener" },
    }),
  );
}

/** Shows a neutral message in a status element. */
export function showStatus(statusNode, text, state = "info") {
  clear(statusNode);
  statusNode.dataset.state = state;
  statusNode.textContent = text;
}

/**
 * The done / in review / left bars of a project's progress, as `[data-testid=progress]` with three
 * `<progress>` children (`.done`, `.in-review`, `.left`), each labelled with its count and share.
 *
 * Review stages come with the quality engine; until then "in review" is always 0.
 */
export function progressBars(progress, idPrefix) {
  const total = Math.max(0, progress.tasks ?? 0);
  const done = Math.min(total, Math.max(0, progress.completed_tasks ?? 0));
  const inReview = Math.min(total - done, Math.max(0, progress.in_review_tasks ?? 0));
  const left = total - done - inReview;
  const rows = [
    ["done", "home.progressDone", done],
    ["in-review", "home.progressInReview", inReview],
    ["left", "home.progressLeft", left],
  ];
  const container = el("div", { className: "progress-bars", attrs: { "data-testid": "progress" } });
  for (const [className, key, value] of rows) {
    const id = `${idPrefix}-${className}`;
    const share = total === 0 ? 0 : Math.round((value / total) * 100);
    const label = el("label", { className: "progress-label", attrs: { for: id } }, [
      el("span", { className: "progress-name", text: t(key) }),
      el("span", {
        className: "progress-numbers",
        text: t("home.progressCount", { count: formatCount(value), total: formatCount(total), percent: share }),
      }),
    ]);
    const bar = el("progress", {
      className: className,
      attrs: { id, max: Math.max(total, 1), value },
      text: `${share}%`,
    });
    container.append(el("div", { className: `progress-row progress-${className}` }, [label, bar]));
  }
  return container;
}

/** Runs `work(item)` for every item with at most `limit` running at once; resolves when all settle. */
export async function forEachLimited(items, limit, work) {
  let next = 0;
  async function worker() {
    while (next < items.length) {
      const item = items[next++];
      try {
        await work(item);
      } catch {
        // Each item shows its own failure; one failure must not stop the others.
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** The project id of a project page: the `project-id` meta the server sets, else the path. */
export function pageProjectID() {
  const meta = document.querySelector('meta[name="project-id"]')?.getAttribute("content");
  const fromMeta = Number.parseInt(meta ?? "", 10);
  if (Number.isSafeInteger(fromMeta) && fromMeta > 0) return fromMeta;
  const match = /^\/projects\/(\d+)/.exec(location.pathname);
  return match ? Number.parseInt(match[1], 10) : null;
}

/** Whether a membership lets its holder create projects (managers and admins of client or operator organizations). */
export function canCreateProjectsIn(organization) {
  return (organization.role === "manager" || organization.role === "admin") && organization.kind !== "vendor";
}

/**
 * A form's inputs by API field name, each with the id of the element that shows its error; a 422's
 * `field` picks the input to mark.
 */
export class FieldErrors {
  constructor(inputs) {
    this.inputs = inputs;
  }

  clear() {
    for (const [input, errorID] of Object.values(this.inputs)) {
      input.removeAttribute("aria-invalid");
      const node = document.getElementById(errorID);
      node.hidden = true;
      node.textContent = "";
    }
  }

  /** Shows `message` under the field's input and focuses it; false when the form has no such field. */
  show(field, message) {
    const target = this.inputs[field];
    if (!target) return false;
    const [input, errorID] = target;
    const node = document.getElementById(errorID);
    node.textContent = message;
    node.hidden = false;
    input.setAttribute("aria-invalid", "true");
    input.focus();
    return true;
  }
}
