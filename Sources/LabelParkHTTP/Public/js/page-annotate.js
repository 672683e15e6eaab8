// The annotate page: claims tasks (one shown, two ready ahead), renders them with the schema renderer,
// takes keyboard shortcuts, keeps every answer in the browser until the server acknowledges it, renews the
// leases it holds, and measures its own speed with performance marks.

import { loadTranslations, t, formatNumber } from "/static/js/i18n.js";
import { taskLabel } from "/static/js/task-label.js";
import { api, ApiError, deleteWhileLeaving, refreshSession } from "/static/js/api.js";
import { sessionAwareCaller } from "/static/js/session-wait.js";
import { renderForm, isTypingTarget } from "/static/js/form.js";
import { kindShortcuts } from "/static/js/questions/registry.js";
import { openOutbox, MemoryOutbox, OutboxSender, newIdempotencyKey } from "/static/js/outbox.js";
import { ActiveTime, watchActivity } from "/static/js/activity.js";
import { StatusBanner } from "/static/js/annotate-status.js";
import { TaskSupply } from "/static/js/annotate-supply.js";

/** How often to ask whether the person has signed in again in another tab. */
/** Undo keeps this many steps per task. */
const undoDepth = 100;
/** Typing into one text question within this time is one undo step. */
const typingStepMilliseconds = 1_500;

const byId = (id) => document.getElementById(id);
const projectId = Number(document.querySelector('meta[name="project-id"]')?.content);

const nodes = {
  title: byId("project-name"),
  taskLabel: byId("task-label"),
  workspace: byId("workspace"),
  formRoot: byId("form-root"),
  waiting: byId("waiting"),
  empty: byId("empty"),
  paused: byId("paused"),
  pausedText: byId("paused-text"),
  pausedCheckAgain: byId("paused-check-again"),
  checkAgain: byId("check-again"),
  submit: byId("submit"),
  skip: byId("skip"),
  undo: byId("undo"),
  done: byId("done-count"),
  pending: byId("pending-count"),
  status: byId("status"),
};

let project = null;
let outbox = null;
let sender = null;
let supply = null;
let status = null;
const activity = new ActiveTime();
/** The task on screen: `{task, lease, form, history, lastChange, lapsed}`, or null. */
let current = null;
let busy = false;
let doneCount = 0;
let measuringEnter = false;
/** Tasks answered on this page (newest last), which a claim must not bring back. */
const answeredTasks = new Set();
const answeredMemory = 1_000;

// MARK: - Session and connection

const { call, waitForSession } = sessionAwareCaller({
  onSignedOut: () => status.update({ signedOut: true }),
  onSignedIn: () => status.update({ signedOut: false }),
});

// MARK: - Leases

function heldLeases() {
  const leases = [];
  if (current && !current.lapsed) leases.push({ lease: current.lease, onScreen: true });
  for (const claim of supply?.peek() ?? []) leases.push({ lease: claim.lease, onScreen: false, claim });
  return leases;
}

/** A renewal; after a sign-in in another tab the page's CSRF token is stale, so it is refreshed once. */
async function renew(lease) {
  const path = `/api/v1/leases/${encodeURIComponent(lease.token)}/renew`;
  try {
    return await api("POST", path);
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 403 && error.code === "csrf")) throw error;
    if (!(await refreshSession())) throw new ApiError(401, { code: "unauthenticated" });
    return await api("POST", path);
  }
}

async function renewLeases() {
  for (const { lease, onScreen, claim } of heldLeases()) {
    try {
      const { json } = await renew(lease);
      lease.expires_at = json?.expires_at ?? lease.expires_at;
      status.update({ claimingOffline: false });
    } catch (error) {
      if (!(error instanceof ApiError)) continue; // unreachable: the outbox says so; try again next round
      if (error.status === 401) {
        waitForSession();
      } else if (error.status === 409 || error.status === 404) {
        if (onScreen && current && current.lease === lease) {
          current.lapsed = true;
          status.update({ lapsed: true });
        } else if (!onScreen) {
          supply.replaceAhead(claim);
        }
      }
    }
  }
}

async function releaseLease(token, { skipping = false } = {}) {
  try {
    await api("DELETE", `/api/v1/leases/${encodeURIComponent(token)}${skipping ? "?skip=true" : ""}`);
  } catch {
    // The lease expires by itself; releasing early only hands the task out sooner.
  }
}

/** Best effort on leaving: hand the held tasks back so they do not wait for their leases to expire. */
function releaseOnLeaving() {
  for (const { lease } of heldLeases()) {
    deleteWhileLeaving(`/api/v1/leases/${encodeURIComponent(lease.token)}`);
  }
}

// MARK: - Showing tasks

function setControlsEnabled(enabled) {
  nodes.submit.disabled = !enabled;
  nodes.skip.disabled = !enabled;
  if (!enabled) nodes.undo.disabled = true;
}

function updateUndo() {
  nodes.undo.disabled = !current || current.history.length <= 1;
}

function onFormChange(result, { question, type }) {
  if (!current) return;
  const snapshot = JSON.stringify(result);
  const now = performance.now();
  const last = current.lastChange;
  const sameTyping = type === "text" && last && last.question === question && now - last.time < typingStepMilliseconds;
  if (sameTyping && current.history.length > 1) current.history[current.history.length - 1] = snapshot;
  else current.history.push(snapshot);
  if (current.history.length > undoDepth) current.history.splice(1, 1);
  current.lastChange = { question, time: now };
  updateUndo();
}

/** Renders `claim` as the task on screen. */
function present(claim) {
  if (current) current.form.destroy();
  // Visible before rendering, so that the render measure includes layout.
  nodes.waiting.hidden = true;
  nodes.empty.hidden = true;
  nodes.paused.hidden = true;
  nodes.workspace.hidden = false;
  const prefilled = claim.task.prefill && typeof claim.task.prefill === "object";
  // A prefilled task starts from a model's or a dataset's answer, which the annotator corrects.
  nodes.taskLabel.textContent = t(prefilled ? "annotate.taskNumberPrefilled" : "annotate.taskNumber", {
    id: taskLabel(claim.task.id),
  });
  current = { task: claim.task, lease: claim.lease, form: null, history: [], lastChange: null, lapsed: false };
  current.form = renderForm(nodes.formRoot, project.schema, claim.task.data ?? {}, {
    result: prefilled ? claim.task.prefill : undefined,
    onChange: onFormChange,
    ids: { task: "task", questions: "questions" },
  });
  current.history.push(JSON.stringify(current.form.getResult()));
  setControlsEnabled(true);
  updateUndo();
  activity.restart();
  status.update({ lapsed: false, empty: false, paused: null, loading: false });
  current.form.focusQuestion(0);
  if (measuringEnter) {
    measuringEnter = false;
    performance.mark("lp-next-interactive");
    performance.measure("lp-enter-to-next", "lp-submit-start", "lp-next-interactive");
  }
}

function showWaiting() {
  if (current) {
    current.form.destroy();
    current = null;
  }
  setControlsEnabled(false);
  nodes.workspace.hidden = true;
  nodes.empty.hidden = true;
  nodes.paused.hidden = true;
  nodes.waiting.hidden = false;
}

function showEmpty() {
  showWaiting();
  nodes.waiting.hidden = true;
  nodes.empty.hidden = false;
  measuringEnter = false;
  status.update({ empty: true, lapsed: false, paused: null, loading: false });
  nodes.checkAgain.focus();
}

/** Whether a claim was refused because a manager's auto-pause stopped this annotator on the project. */
function isPaused(error) {
  return error instanceof ApiError && error.status === 403 && error.code === "annotator_paused";
}

/** Shows why no more tasks come (403 annotator_paused): the gold accuracy and window that paused them. */
function showPaused(error) {
  showWaiting();
  nodes.waiting.hidden = true;
  nodes.paused.hidden = false;
  measuringEnter = false;
  const accuracy = Number(error.body?.accuracy);
  const windowSize = Number(error.body?.window);
  const message =
    Number.isFinite(accuracy) && Number.isInteger(windowSize) && windowSize > 0
      ? t("annotate.pausedText", {
          accuracy: new Intl.NumberFormat(document.documentElement.lang || "en", {
            style: "percent",
            maximumFractionDigits: 1,
          }).format(accuracy),
          window: formatNumber(windowSize),
        })
      : t("annotate.pausedTextPlain");
  nodes.pausedText.textContent = message;
  status.update({ paused: message, empty: false, lapsed: false, loading: false });
  nodes.pausedCheckAgain.focus();
}

/** Shows the next task: the one ready ahead at once, otherwise once it is claimed. */
async function showNext() {
  if (supply.peek().length === 0) showWaiting();
  let claim;
  try {
    claim = await supply.take();
  } catch (error) {
    if (isPaused(error)) showPaused(error);
    else fail(error);
    return;
  }
  if (!claim) {
    showEmpty();
    return;
  }
  present(claim);
  supply.fill();
}

/**
 * Checks a fresh claim. After a lease lapsed its slot is open again, so a claim can bring back the task on
 * screen (its new lease is then simply taken over) or one answered here whose answer the server has not
 * stored yet (handed back). Returns whether the claim is a new task to show.
 */
function acceptClaim(claim) {
  if (current && claim.task.id === current.task.id) {
    current.lease = claim.lease;
    current.lapsed = false;
    status.update({ lapsed: false });
    return false;
  }
  if (answeredTasks.has(claim.task.id)) {
    releaseLease(claim.lease.token);
    return false;
  }
  return true;
}

function fail(error) {
  const message = error instanceof ApiError ? error.message : String(error?.message ?? error);
  status.update({ failure: t("annotate.failed", { message }), loading: false });
}

// MARK: - Actions

async function submit() {
  if (!current || busy) return;
  const problem = current.form.firstProblem();
  if (problem) {
    measuringEnter = false;
    current.form.focusQuestion(problem.index);
    return;
  }
  busy = true;
  const entry = {
    idempotency_key: newIdempotencyKey(),
    task_id: current.task.id,
    lease_token: current.lease.token,
    result: current.form.getResult(),
    lead_time_ms: activity.elapsed(),
    project_id: projectId,
    created_at: new Date().toISOString(),
  };
  try {
    await outbox.put(entry);
  } catch (error) {
    busy = false;
    measuringEnter = false;
    status.update({ failure: t("annotate.storeFailed", { message: String(error?.message ?? error) }) });
    return;
  }
  if (status.flags.failure) status.update({ failure: null });
  answeredTasks.add(entry.task_id);
  if (answeredTasks.size > answeredMemory) answeredTasks.delete(answeredTasks.values().next().value);
  doneCount++;
  nodes.done.textContent = formatNumber(doneCount);
  // Sent right after the next task is on screen: the answer is safe in the outbox already.
  setTimeout(() => sender.nudge(), 0);
  try {
    await showNext();
  } finally {
    busy = false;
  }
}

async function skip() {
  if (!current || busy) return;
  busy = true;
  measuringEnter = false;
  const token = current.lease.token;
  // A skip is remembered by the server, so this person's later claims pass over the task; others get it.
  releaseLease(token, { skipping: true });
  try {
    await showNext();
  } finally {
    busy = false;
  }
}

function undo() {
  if (!current || current.history.length <= 1) return;
  current.history.pop();
  current.form.setResult(JSON.parse(current.history[current.history.length - 1]));
  current.lastChange = null;
  updateUndo();
}

function onKeyDown(event) {
  if (event.defaultPrevented || event.isComposing) return;
  const target = event.target;
  const control = event.ctrlKey || event.metaKey;
  if (event.key === "Enter" && control && !event.altKey) {
    event.preventDefault();
    measuringEnter = Boolean(current);
    if (current) performance.mark("lp-submit-start");
    submit();
    return;
  }
  if (isTypingTarget(target)) {
    if (event.key === "Escape" && nodes.formRoot.contains(target)) {
      const question = target.closest("fieldset");
      if (question) question.focus();
    }
    return;
  }
  if (control && !event.altKey && !event.shiftKey && (event.key === "z" || event.key === "Z")) {
    event.preventDefault();
    undo();
    return;
  }
  if (control || event.altKey) return;
  if (event.key === "Enter") {
    // Links and the page's own buttons keep Enter; on the form itself Enter submits.
    const native = target.closest?.("a, summary, button:not([data-option])");
    if (native) return;
    event.preventDefault();
    if (!current) return;
    measuringEnter = true;
    performance.mark("lp-submit-start");
    submit();
    return;
  }
  const key = event.key === "Process" ? event.code : event.key;
  if (key === "s" || key === "S" || key === "KeyS") {
    if (!current) return;
    event.preventDefault();
    skip();
    return;
  }
  if (current && current.form.handleKey(event)) event.preventDefault();
}

// MARK: - Start

/**
 * The mouse and keys of the project's marking questions (boxes, keypoints, …) in the list of shortcuts; the
 * keys for marking text only where a question marks text.
 */
function showKindShortcuts(schema) {
  const spans = byId("spans-shortcuts");
  const questions = Array.isArray(schema?.questions) ? schema.questions : [];
  if (spans) spans.hidden = !questions.some((question) => question?.type === "spans");
  const box = byId("kind-shortcuts");
  if (!box) return;
  const parts = [];
  for (const { heading, keys } of kindShortcuts(schema)) {
    const title = document.createElement("h3");
    title.className = "lp-shortcuts-subheading";
    title.textContent = t(heading);
    const list = document.createElement("dl");
    for (const [combination, meaning] of keys) {
      const row = document.createElement("div");
      const term = document.createElement("dt");
      const key = document.createElement("kbd");
      key.textContent = t(combination);
      term.append(key);
      const text = t(meaning);
      const description = document.createElement("dd");
      // The form's own lists say "draw a box…" after the key; here each line stands alone.
      description.textContent = text.charAt(0).toUpperCase() + text.slice(1);
      row.append(term, description);
      list.append(row);
    }
    parts.push(title, list);
  }
  box.replaceChildren(...parts);
  box.hidden = parts.length === 0;
}

async function loadProject() {
  for (;;) {
    try {
      const { json } = await call("GET", `/api/v1/projects/${projectId}`);
      status.update({ claimingOffline: false });
      return json;
    } catch (error) {
      if (error instanceof ApiError && error.status < 500) throw error;
      status.update({ claimingOffline: true });
      await new Promise((resolve) => setTimeout(resolve, 3_000));
    }
  }
}

async function start() {
  await loadTranslations();
  status = new StatusBanner(nodes.status, nodes.pending, {
    signInHref: `/login?next=${encodeURIComponent(`/projects/${projectId}`)}`,
  });
  if (!Number.isInteger(projectId) || projectId <= 0) {
    status.update({ failure: t("annotate.noProject") });
    return;
  }

  try {
    outbox = await openOutbox();
  } catch {
    outbox = new MemoryOutbox();
  }
  sender = new OutboxSender(outbox, {
    projectId,
    refreshSession,
    waitForSession,
    onState: ({ state, pending, message }) =>
      status.update({
        pending,
        sendingOffline: state === "offline",
        refused: state === "error" ? message : null,
      }),
    onStored: (entry, annotation) => {
      if (annotation && annotation.late) status.flash(t("annotate.lateNote", { id: taskLabel(entry.task_id) }));
    },
  });
  // Answers left from an earlier visit go first.
  sender.nudge();
  if (!outbox.persistent) status.flash(t("annotate.noStorage"));

  watchActivity(activity);
  document.addEventListener("keydown", onKeyDown);
  nodes.submit.addEventListener("click", () => {
    measuringEnter = false;
    submit();
  });
  nodes.skip.addEventListener("click", () => skip());
  nodes.undo.addEventListener("click", () => undo());
  nodes.checkAgain.addEventListener("click", () => showNext());
  nodes.pausedCheckAgain.addEventListener("click", () => showNext());
  window.addEventListener("online", () => sender.nudge());
  window.addEventListener("pagehide", releaseOnLeaving);
  window.addEventListener("pageshow", (event) => {
    // Back from the page cache: the leases were handed back on leaving, so start afresh.
    if (event.persisted) location.reload();
  });
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") {
      renewLeases();
      sender.nudge();
    }
  });

  try {
    project = await loadProject();
  } catch (error) {
    fail(error);
    return;
  }
  nodes.title.textContent = project.name;
  document.title = `${project.name} · ${t("annotate.title")} · LabelPark`;
  showKindShortcuts(project.schema);

  supply = new TaskSupply({
    claim: async () => {
      const response = await api("POST", `/api/v1/projects/${projectId}/next`);
      return response.status === 204 ? null : response.json;
    },
    accept: acceptClaim,
    onReachable: () => status.update({ claimingOffline: false }),
    onUnreachable: () => status.update({ claimingOffline: true }),
    onSignedOut: () => status.update({ signedOut: true }),
    waitForSession,
  });
  const leaseSeconds = Number(project.lease_seconds) || 600;
  setInterval(renewLeases, Math.max(2_000, (leaseSeconds * 1000) / 3));
  await showNext();
}

start().catch((error) => {
  if (status) fail(error);
  else if (nodes.status) nodes.status.textContent = String(error?.message ?? error);
});
