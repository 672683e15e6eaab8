// The reviewer's page: claims one submitted annotation at a time from the project's review queue (or an
// inspection's sample with ?inspection=ID), shows the task and the annotator's answer read-only, and takes a
// decision by keyboard or button: accept, reject with a comment, fix (the answer becomes editable), or skip.
// The review's lease is renewed while the item is open and handed back when the page is left.

import { loadTranslations, t, formatNumber } from "/static/js/i18n.js";
import { taskLabel } from "/static/js/task-label.js";
import { ApiError, deleteWhileLeaving } from "/static/js/api.js";
import { sessionAwareCaller } from "/static/js/session-wait.js";
import { renderForm, isTypingTarget } from "/static/js/form.js";
import { el, clear, formatTime, pageProjectID, errorText, isNetworkFailure } from "/static/js/pages-dom.js";

/** How often to ask whether the person has signed in again in another tab. */
/** While nothing is waiting, look again this often (others keep submitting). */
const emptyPollMilliseconds = 20_000;
/** Retries after a failed claim wait 1 s, 2 s, 4 s … up to this. */
const maxRetryMilliseconds = 30_000;

const byId = (id) => document.getElementById(id);
const projectID = pageProjectID();
const inspectionID = (() => {
  const raw = new URLSearchParams(location.search).get("inspection");
  const value = Number.parseInt(raw ?? "", 10);
  return raw !== null && /^\d+$/.test(raw) && Number.isSafeInteger(value) && value > 0 ? value : null;
})();

const nodes = {
  title: byId("project-name"),
  status: byId("status"),
  empty: byId("empty"),
  emptyText: byId("empty-text"),
  checkAgain: byId("check-again"),
  workspace: byId("workspace"),
  itemLabel: byId("item-label"),
  itemMode: byId("item-mode"),
  history: byId("history"),
  form: byId("review-form"),
  actions: byId("actions"),
  accept: byId("accept"),
  reject: byId("reject"),
  fix: byId("fix"),
  skip: byId("skip"),
  rejectBox: byId("reject-box"),
  rejectComment: byId("reject-comment"),
  rejectError: byId("reject-error"),
  rejectSend: byId("reject-send"),
  rejectCancel: byId("reject-cancel"),
  fixBar: byId("fix-bar"),
  fixError: byId("fix-error"),
  fixSave: byId("fix-save"),
  fixCancel: byId("fix-cancel"),
  inspection: byId("inspection"),
  inspectionHeading: byId("inspection-heading"),
  inspectionProgress: byId("inspection-progress"),
  inspectionNumbers: byId("inspection-numbers"),
  counts: { all: byId("decided-count"), accept: byId("accepted-count"), reject: byId("rejected-count"), fix: byId("fixed-count") },
};

let project = null;
/** The item on screen: `{review, task, annotation, handle, mode: "view"|"reject"|"fix", lapsed}`, or null. */
let current = null;
let busy = false;
let renewTimer = null;
let emptyTimer = null;
/** Claims in flight are numbered so an older one that answers late cannot replace a newer item. */
let claimSerial = 0;
const counts = { accept: 0, reject: 0, fix: 0 };

// MARK: - Status

/**
 * Shows one state in #status (`data-state`): online, offline, signed-out, lapsed, empty, forbidden, closed
 * or error, with a message in plain words; a signed-out state gets a link to sign in in a new tab.
 */
function setStatus(state, message, { signInLink = false } = {}) {
  nodes.status.dataset.state = state;
  const parts = [document.createTextNode(message)];
  if (signInLink) {
    const next = location.pathname + location.search;
    parts.push(
      document.createTextNode(" "),
      el("a", {
        text: t("review.signIn"),
        attrs: { id: "sign-in-again", href: `/login?next=${encodeURIComponent(next)}`, target: "_blank", rel: "noopener" },
      }),
      document.createTextNode(" " + t("review.signedOutThen")),
    );
  }
  nodes.status.replaceChildren(...parts);
}

function showCounts() {
  const all = counts.accept + counts.reject + counts.fix;
  nodes.counts.all.textContent = formatNumber(all);
  nodes.counts.accept.textContent = formatNumber(counts.accept);
  nodes.counts.reject.textContent = formatNumber(counts.reject);
  nodes.counts.fix.textContent = formatNumber(counts.fix);
}

// MARK: - Session and requests

const { call } = sessionAwareCaller({
  onSignedOut: () => setStatus("signed-out", t("review.signedOut"), { signInLink: true }),
});

function sleep(milliseconds) {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}

// MARK: - The inspection

async function showInspection(known) {
  if (inspectionID === null) return null;
  let inspection = known;
  if (!inspection) {
    try {
      ({ json: inspection } = await call("GET", `/api/v1/inspections/${inspectionID}`));
    } catch {
      return null; // The progress line is a help, not a condition for reviewing.
    }
  }
  nodes.inspection.hidden = false;
  nodes.inspectionHeading.textContent = t("review.inspectionHeading", {
    id: inspection.id,
    batch: inspection.batch_id,
  });
  const sampled = Math.max(0, inspection.sampled ?? 0);
  const decided = Math.min(sampled, Math.max(0, inspection.decided ?? 0));
  nodes.inspectionProgress.max = Math.max(sampled, 1);
  nodes.inspectionProgress.value = decided;
  nodes.inspectionProgress.textContent = `${decided}/${sampled}`;
  const parts = [
    t("review.inspectionDecided", { decided: formatNumber(decided), sampled: formatNumber(sampled) }),
    t("review.inspectionDefects", { defects: formatNumber(inspection.defects ?? 0) }),
    t("review.inspectionAql", { aql: formatPercent(inspection.aql) }),
  ];
  if (typeof inspection.accuracy === "number") {
    parts.push(t("review.inspectionAccuracy", { accuracy: formatPercent(inspection.accuracy) }));
  }
  parts.push(t(`review.inspectionStatus_${inspection.status}`));
  nodes.inspectionNumbers.textContent = parts.join(" · ");
  nodes.inspection.dataset.status = inspection.status;
  return inspection;
}

function formatPercent(share) {
  if (typeof share !== "number") return "—";
  return new Intl.NumberFormat(document.documentElement.lang || "en", {
    style: "percent",
    maximumFractionDigits: 1,
  }).format(share);
}

// MARK: - Leases

function stopRenewing() {
  if (renewTimer !== null) clearTimeout(renewTimer);
  renewTimer = null;
}

/** Renews the item's lease at a third of its remaining time, so one missed renewal does not lose it. */
function scheduleRenewal(item) {
  stopRenewing();
  const left = Date.parse(item.review.expires_at) - Date.now();
  const wait = Number.isFinite(left) ? Math.max(2_000, left / 3) : 60_000;
  renewTimer = setTimeout(() => renew(item), wait);
}

async function renew(item) {
  if (current !== item || item.lapsed) return;
  try {
    const { json } = await call("POST", `/api/v1/reviews/${encodeURIComponent(item.review.token)}/renew`);
    item.review.expires_at = json?.expires_at ?? item.review.expires_at;
    if (current === item && nodes.status.dataset.state === "offline") setStatus("online", t("review.ready"));
  } catch (error) {
    if (current !== item) return;
    if (error instanceof ApiError && (error.status === 409 || error.status === 404)) {
      markLapsed(item);
      return;
    }
    if (isNetworkFailure(error)) setStatus("offline", t("review.offlineHolding"));
  }
  if (current === item && !item.lapsed) scheduleRenewal(item);
}

function markLapsed(item) {
  item.lapsed = true;
  stopRenewing();
  if (item.mode !== "view") {
    // Nothing can be decided any more; what the reviewer typed is not worth keeping on screen.
    if (item.mode === "fix") renderAnswer(item, { readOnly: true });
    item.mode = "view";
    showMode("view");
  }
  setDecisionsEnabled(false);
  nodes.skip.disabled = false;
  setStatus("lapsed", t("review.lapsed"));
}

/** Best effort on leaving: hand the held item back so it does not wait for its lease to expire. */
function releaseOnLeaving() {
  if (!current || current.lapsed) return;
  deleteWhileLeaving(`/api/v1/reviews/${encodeURIComponent(current.review.token)}`);
}

// MARK: - Showing items

function setDecisionsEnabled(enabled) {
  nodes.accept.disabled = !enabled;
  nodes.reject.disabled = !enabled;
  nodes.fix.disabled = !enabled;
}

function dropCurrent() {
  stopRenewing();
  if (current?.handle) current.handle.destroy();
  current = null;
  clear(nodes.form);
  clear(nodes.history);
  nodes.history.hidden = true;
  nodes.rejectBox.hidden = true;
  nodes.fixBar.hidden = true;
}

function showMode(mode) {
  nodes.itemMode.dataset.mode = mode;
  nodes.itemMode.textContent = t(`review.mode_${mode}`);
  nodes.actions.hidden = mode !== "view";
  nodes.rejectBox.hidden = mode !== "reject";
  nodes.fixBar.hidden = mode !== "fix";
}

function renderAnswer(item, { readOnly }) {
  item.handle?.destroy();
  item.handle = renderForm(nodes.form, project.schema, item.task.data ?? {}, {
    result: item.annotation.result ?? {},
    readOnly,
    ids: { task: "task", questions: "questions" },
  });
}

function present(claim) {
  dropCurrent();
  stopEmptyPolling();
  const item = { review: claim.review, task: claim.task, annotation: claim.annotation, handle: null, mode: "view", lapsed: false };
  current = item;
  nodes.empty.hidden = true;
  nodes.workspace.hidden = false;
  nodes.workspace.dataset.annotationId = String(item.annotation.id);
  nodes.workspace.dataset.taskId = String(item.task.id);
  nodes.itemLabel.textContent = t(inspectionID === null ? "review.itemLabel" : "review.itemLabelInspection", {
    task: taskLabel(item.task.id),
    version: formatNumber(item.annotation.version ?? 1),
    time: formatTime(item.annotation.updated_at ?? item.annotation.created_at),
  });
  renderAnswer(item, { readOnly: true });
  showMode("view");
  setDecisionsEnabled(true);
  nodes.skip.disabled = false;
  nodes.rejectComment.value = "";
  nodes.rejectError.hidden = true;
  nodes.fixError.hidden = true;
  setStatus("online", t("review.ready"));
  scheduleRenewal(item);
  nodes.itemLabel.focus();
  loadHistory(item);
}

/** Earlier decisions on this annotation (a reworked answer shows why it was rejected before). */
async function loadHistory(item) {
  let reviews;
  try {
    const { json } = await call("GET", `/api/v1/annotations/${item.annotation.id}/reviews`);
    reviews = Array.isArray(json?.reviews) ? json.reviews : [];
  } catch {
    return;
  }
  if (current !== item || reviews.length === 0) return;
  clear(nodes.history);
  for (const review of reviews) {
    const decision = t(`review.decision_${review.decision}`);
    const text = t("review.historyItem", {
      decision,
      version: formatNumber(review.annotation_version ?? 0),
      time: formatTime(review.created_at),
    });
    const entry = el("li", { attrs: { "data-decision": review.decision } }, [el("span", { className: "history-what", text })]);
    if (review.comment) entry.append(" ", el("q", { className: "history-comment", text: review.comment }));
    nodes.history.append(entry);
  }
  nodes.history.hidden = false;
}

function stopEmptyPolling() {
  if (emptyTimer !== null) clearTimeout(emptyTimer);
  emptyTimer = null;
}

function showEmpty(inspection) {
  dropCurrent();
  nodes.workspace.hidden = true;
  nodes.empty.hidden = false;
  const closed = inspection && inspection.status !== "open";
  if (closed) {
    nodes.emptyText.textContent = t(`review.inspectionClosed_${inspection.status}`);
    setStatus("closed", t(`review.inspectionClosed_${inspection.status}`));
  } else {
    nodes.emptyText.textContent = t(inspectionID === null ? "review.emptyText" : "review.emptyInspection");
    setStatus("empty", t("review.emptyStatus"));
    stopEmptyPolling();
    emptyTimer = setTimeout(() => {
      emptyTimer = null;
      if (!current && document.visibilityState === "visible") claimNext({ quiet: true });
    }, emptyPollMilliseconds);
  }
  if (!document.activeElement || document.activeElement === document.body || !nodes.empty.contains(document.activeElement)) {
    nodes.checkAgain.focus();
  }
}

function showForbidden() {
  dropCurrent();
  stopEmptyPolling();
  nodes.workspace.hidden = true;
  nodes.empty.hidden = true;
  setStatus("forbidden", t("review.forbidden"));
}

/** Claims the next item and shows it; 204 shows the "nothing to review" state. */
async function claimNext({ quiet = false } = {}) {
  const serial = ++claimSerial;
  dropCurrent();
  if (!quiet) {
    nodes.workspace.hidden = true;
    setStatus("online", t("review.claiming"));
  }
  const path = `/api/v1/projects/${projectID}/reviews/next${inspectionID === null ? "" : `?inspection=${inspectionID}`}`;
  for (let attempt = 0; ; attempt++) {
    try {
      const response = await call("POST", path);
      if (serial !== claimSerial) return;
      if (response.status === 204 || !response.json) {
        showEmpty(await showInspection());
      } else {
        present(response.json);
      }
      return;
    } catch (error) {
      if (serial !== claimSerial) return;
      if (error instanceof ApiError && error.status === 403) {
        showForbidden();
        return;
      }
      if (error instanceof ApiError && error.status === 404) {
        nodes.workspace.hidden = true;
        setStatus("error", t(inspectionID === null ? "review.notFound" : "review.inspectionNotFound"));
        return;
      }
      const retryable = isNetworkFailure(error) || (error instanceof ApiError && error.status >= 500);
      if (!retryable) {
        nodes.workspace.hidden = true;
        setStatus("error", t("review.failed", { reason: errorText(error) }));
        return;
      }
      setStatus("offline", t("review.offlineClaiming"));
      await sleep(Math.min(maxRetryMilliseconds, 1_000 * 2 ** Math.min(attempt, 5)));
      if (serial !== claimSerial) return;
    }
  }
}

// MARK: - Decisions

/** Sends a decision on the item on screen; on success counts it and claims the next item. */
async function decide(item, body, { onInvalid } = {}) {
  if (busy || current !== item || item.lapsed) return;
  busy = true;
  setDecisionsEnabled(false);
  nodes.rejectSend.disabled = true;
  nodes.fixSave.disabled = true;
  setStatus("online", t("review.sending"));
  try {
    const { json } = await call("POST", `/api/v1/reviews/${encodeURIComponent(item.review.token)}/decision`, { body });
    counts[body.decision] += 1;
    showCounts();
    stopRenewing();
    if (inspectionID !== null) await showInspection(json?.closed_inspection ?? null);
    busy = false;
    await claimNext();
    return;
  } catch (error) {
    if (current !== item) return;
    if (error instanceof ApiError && (error.status === 409 || error.status === 404)) {
      markLapsed(item);
    } else if (error instanceof ApiError && error.status === 422 && onInvalid) {
      onInvalid(error);
      setStatus("error", t("review.notSent", { reason: errorText(error) }));
    } else if (error instanceof ApiError && error.status === 403) {
      showForbidden();
    } else if (isNetworkFailure(error)) {
      setStatus("offline", t("review.offlineDecision"));
    } else {
      setStatus("error", t("review.notSent", { reason: errorText(error) }));
    }
  } finally {
    busy = false;
    nodes.rejectSend.disabled = false;
    nodes.fixSave.disabled = false;
    if (current === item && !item.lapsed && item.mode === "view") setDecisionsEnabled(true);
  }
}

function accept() {
  if (!current || current.mode !== "view") return;
  decide(current, { decision: "accept" });
}

function startReject() {
  if (!current || current.lapsed || current.mode !== "view" || busy) return;
  current.mode = "reject";
  showMode("reject");
  nodes.rejectError.hidden = true;
  nodes.rejectComment.removeAttribute("aria-invalid");
  nodes.rejectComment.focus();
}

function sendReject() {
  const item = current;
  if (!item || item.mode !== "reject") return;
  const comment = nodes.rejectComment.value.trim();
  if (comment === "") {
    showRejectError(t("review.commentRequired"));
    return;
  }
  decide(item, { decision: "reject", comment }, { onInvalid: (error) => showRejectError(errorText(error)) });
}

function showRejectError(message) {
  nodes.rejectError.textContent = message;
  nodes.rejectError.hidden = false;
  nodes.rejectComment.setAttribute("aria-invalid", "true");
  nodes.rejectComment.focus();
}

function backToView() {
  const item = current;
  if (!item || item.mode === "view") return;
  if (item.mode === "fix") renderAnswer(item, { readOnly: true });
  item.mode = "view";
  showMode("view");
  if (!item.lapsed) setDecisionsEnabled(true);
  nodes.itemLabel.focus();
}

function startFix() {
  const item = current;
  if (!item || item.lapsed || item.mode !== "view" || busy) return;
  item.mode = "fix";
  renderAnswer(item, { readOnly: false });
  showMode("fix");
  nodes.fixError.hidden = true;
  item.handle.focusQuestion(0);
}

function saveFix() {
  const item = current;
  if (!item || item.mode !== "fix") return;
  const problem = item.handle.firstProblem();
  if (problem) {
    item.handle.focusQuestion(problem.index);
    return;
  }
  nodes.fixError.hidden = true;
  decide(
    item,
    { decision: "fix", result: item.handle.getResult() },
    {
      onInvalid: (error) => {
        const where = error.field ? `${error.field}: ` : "";
        nodes.fixError.textContent = where + errorText(error);
        nodes.fixError.hidden = false;
      },
    },
  );
}

async function skip() {
  const item = current;
  if (!item || busy) return;
  if (item.mode !== "view" && !item.lapsed) return;
  busy = true;
  stopRenewing();
  if (!item.lapsed) {
    try {
      await call("DELETE", `/api/v1/reviews/${encodeURIComponent(item.review.token)}`);
    } catch {
      // The lease expires by itself; releasing early only hands the item to someone else sooner.
    }
  }
  busy = false;
  await claimNext();
}

// MARK: - Keyboard

function letterOf(event) {
  const key = event.key === "Process" || event.key === "Unidentified" ? event.code : event.key;
  const match = /^(?:Key)?([A-Za-z])$/.exec(key ?? "");
  return match ? match[1].toLowerCase() : null;
}

function onKeyDown(event) {
  if (event.defaultPrevented || event.isComposing || !current) return;
  const target = event.target;
  const control = event.ctrlKey || event.metaKey;

  if (current.mode === "reject") {
    if (event.key === "Escape") {
      event.preventDefault();
      backToView();
    } else if (event.key === "Enter" && !event.shiftKey && !event.altKey && target === nodes.rejectComment) {
      event.preventDefault();
      sendReject();
    }
    return;
  }

  if (current.mode === "fix") {
    if (event.key === "Escape") {
      event.preventDefault();
      // In a text box Escape leaves the box first (as on the annotate page); a second Escape cancels.
      if (isTypingTarget(target) && nodes.form.contains(target)) target.closest("fieldset")?.focus();
      else backToView();
      return;
    }
    if (event.key === "Enter" && !event.altKey && !event.shiftKey) {
      const native = target.closest?.("a, summary, button:not([data-option])");
      if (control || (!isTypingTarget(target) && !native)) {
        event.preventDefault();
        saveFix();
      }
      return;
    }
    if (current.handle?.handleKey(event)) event.preventDefault();
    return;
  }

  if (isTypingTarget(target) || control || event.altKey) return;
  switch (letterOf(event)) {
    case "a":
      event.preventDefault();
      accept();
      break;
    case "r":
      event.preventDefault();
      startReject();
      break;
    case "f":
      event.preventDefault();
      startFix();
      break;
    case "s":
      event.preventDefault();
      skip();
      break;
    default:
      break;
  }
}

// MARK: - Start

async function start() {
  await loadTranslations();
  showCounts();
  if (!projectID) {
    setStatus("error", t("review.notFound"));
    return;
  }
  if (new URLSearchParams(location.search).has("inspection") && inspectionID === null) {
    setStatus("error", t("review.inspectionNotFound"));
    return;
  }
  try {
    ({ json: project } = await call("GET", `/api/v1/projects/${projectID}`));
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) setStatus("error", t("review.notFound"));
    else if (isNetworkFailure(error)) setStatus("offline", t("review.offlineLoading"));
    else setStatus("error", t("review.failed", { reason: errorText(error) }));
    return;
  }
  nodes.title.textContent = t("review.heading", { name: project.name });
  document.title = `${t("review.heading", { name: project.name })} · LabelPark`;

  document.addEventListener("keydown", onKeyDown);
  nodes.accept.addEventListener("click", accept);
  nodes.reject.addEventListener("click", startReject);
  nodes.fix.addEventListener("click", startFix);
  nodes.skip.addEventListener("click", skip);
  nodes.rejectSend.addEventListener("click", sendReject);
  nodes.rejectCancel.addEventListener("click", backToView);
  nodes.fixSave.addEventListener("click", saveFix);
  nodes.fixCancel.addEventListener("click", backToView);
  nodes.checkAgain.addEventListener("click", () => claimNext());
  nodes.rejectComment.addEventListener("input", () => {
    nodes.rejectError.hidden = true;
    nodes.rejectComment.removeAttribute("aria-invalid");
  });
  window.addEventListener("pagehide", releaseOnLeaving);
  window.addEventListener("pageshow", (event) => {
    // Back from the page cache: the item was handed back on leaving, so start afresh.
    if (event.persisted) location.reload();
  });
  window.addEventListener("online", () => {
    if (current && !current.lapsed && nodes.status.dataset.state === "offline") setStatus("online", t("review.backOnline"));
  });
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState !== "visible") return;
    if (current && !current.lapsed) renew(current);
    else if (!current && !nodes.empty.hidden) claimNext({ quiet: true });
  });

  await showInspection();
  await claimNext();
}

start().catch((error) => setStatus("error", t("review.failed", { reason: String(error?.message ?? error) })));
