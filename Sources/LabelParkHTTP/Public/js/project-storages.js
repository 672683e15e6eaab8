// The project page's Attached storages panel for managers: the project's storages (a server directory or an
// S3-compatible bucket) with their last sync, a Sync button each whose progress is polled while it runs,
// and a form that attaches a new one. Credentials go to the server and are never shown again.

import { t } from "/static/js/i18n.js";
import { api } from "/static/js/api.js";
import {
  el, formatCount, formatTime, errorText, isNetworkFailure, showError, showStatus, showSignedOutKeepingWork,
  withFreshSession, FieldErrors,
} from "/static/js/pages-dom.js";

/** How often a running sync is read again. */
const POLL_MILLISECONDS = 1000;
/** After a network failure the server may be restarting: ask again, less often. */
const RETRY_MILLISECONDS = 5000;

const COUNTS = ["objects", "assets", "tasks", "skipped"];

/** Where a storage's objects are, in one line: its path, or endpoint · bucket/prefix. */
export function storageWhere(storage) {
  if (storage.kind === "directory") return String(storage.path ?? "");
  const folder = storage.prefix ? `${storage.bucket}/${storage.prefix}` : String(storage.bucket ?? "");
  return `${storage.endpoint} · ${folder}`;
}

/**
 * The attach request's body from the form's values (strings, and `pathStyle` a boolean); optional fields
 * left empty are not sent, so the server's defaults apply.
 */
export function attachBody(kind, values) {
  const body = { kind };
  const optional = (key, value) => {
    if (value !== "") body[key] = value;
  };
  if (kind === "directory") {
    body.path = values.path;
  } else {
    Object.assign(body, { endpoint: values.endpoint, bucket: values.bucket });
    optional("prefix", values.prefix);
    optional("region", values.region);
    body.path_style = values.pathStyle;
    Object.assign(body, { access_key_id: values.accessKey, secret_access_key: values.secretKey });
    optional("session_token", values.sessionToken);
  }
  optional("title", values.title);
  return body;
}

/**
 * Wires `#storages-section` for a project the caller manages (hidden otherwise) and loads its storages.
 * `onSynced` runs when a sync this page watched finishes (the page refreshes its numbers), `onAttached` when a
 * storage was attached (the dataset import lists it).
 */
export async function setUpStorages(projectID, project, { onSynced, onAttached } = {}) {
  const byId = (id) => document.getElementById(id);
  const section = byId("storages-section");
  if (!project.can_manage) {
    section.hidden = true;
    return;
  }
  section.hidden = false;

  const list = byId("storages-list");
  const empty = byId("storages-empty");
  const status = byId("storages-status");
  const form = byId("storage-form");
  const formError = byId("storage-form-error");
  const formStatus = byId("storage-form-status");
  const kindSelect = byId("storage-kind");
  const attachButton = byId("storage-attach");
  const input = {
    path: byId("storage-path"),
    endpoint: byId("storage-endpoint"),
    bucket: byId("storage-bucket"),
    prefix: byId("storage-prefix"),
    region: byId("storage-region"),
    pathStyle: byId("storage-path-style"),
    accessKey: byId("storage-access-key"),
    secretKey: byId("storage-secret-key"),
    sessionToken: byId("storage-session-token"),
    title: byId("storage-title"),
  };
  // Keyed by the API's field names, so a 422's `field` finds its input.
  const fieldErrors = new FieldErrors({
    kind: [kindSelect, "storage-kind-error"],
    path: [input.path, "storage-path-error"],
    endpoint: [input.endpoint, "storage-endpoint-error"],
    bucket: [input.bucket, "storage-bucket-error"],
    prefix: [input.prefix, "storage-prefix-error"],
    region: [input.region, "storage-region-error"],
    path_style: [input.pathStyle, "storage-path-style-error"],
    access_key_id: [input.accessKey, "storage-access-key-error"],
    secret_access_key: [input.secretKey, "storage-secret-key-error"],
    session_token: [input.sessionToken, "storage-session-token-error"],
    title: [input.title, "storage-title-error"],
  });

  /** Every storage shown, by id: {storage, nodes…}. */
  const entries = new Map();
  /** Pending poll timers, by storage id. */
  const polls = new Map();
  let attaching = false;

  // MARK: the list

  function addEntry(storage) {
    const entry = { storage };
    entry.title = el("span", { className: "storage-name" });
    entry.kind = el("span", { className: "badge storage-kind" });
    entry.button = el("button", { className: "small storage-sync", attrs: { type: "button" } });
    entry.where = el("p", { className: "storage-where small-print" });
    entry.state = el("p", { className: "storage-state" });
    entry.progress = el("progress", { className: "storage-progress", hidden: true });
    // The server's own words (a storage's error is not translated).
    entry.error = el("p", { className: "storage-error small-print", attrs: { lang: "en" }, hidden: true });
    entry.counts = {};
    const numbers = el("dl", { className: "numbers storage-counts" });
    for (const name of COUNTS) {
      entry.counts[name] = el("dd", { attrs: { "data-count": name } });
      numbers.append(el("div", {}, [el("dt", { text: t(`project.storages.count.${name}`) }), entry.counts[name]]));
    }
    entry.note = el("p", { className: "storage-note muted small-print", hidden: true });
    entry.node = el("li", { className: "storage-item", attrs: { "data-testid": "storage" } }, [
      el("div", { className: "storage-head" }, [
        el("h3", { className: "storage-title" }, [entry.title, entry.kind]),
        entry.button,
      ]),
      entry.where, entry.state, entry.progress, entry.error, numbers, entry.note,
    ]);
    entry.button.addEventListener("click", () => startSync(entry));
    entries.set(storage.id, entry);
    list.append(entry.node);
    showEntry(entry);
    return entry;
  }

  function showEntry(entry) {
    const { storage } = entry;
    const sync = storage.sync ?? {};
    const running = sync.state === "running";
    entry.node.dataset.storageId = String(storage.id);
    entry.node.dataset.kind = storage.kind;
    entry.node.dataset.state = sync.state ?? "idle";
    entry.node.setAttribute("aria-busy", running ? "true" : "false");
    entry.title.textContent = storage.title;
    entry.kind.textContent = t(`project.storages.kindLabel.${storage.kind}`);
    // A title left to its default is the path already.
    const where = storageWhere(storage);
    entry.where.textContent = where === storage.title ? "" : where;
    entry.where.hidden = where === storage.title;
    const time = sync.finished_at ?? sync.heartbeat_at ?? sync.started_at;
    const stateKey = `project.storages.state.${sync.state ?? "idle"}`;
    entry.state.textContent = t(stateKey, { time: time ? formatTime(time) : "" });
    entry.progress.hidden = !running;
    entry.progress.setAttribute("aria-label", t("project.storages.syncing"));
    const error = sync.state === "failed" && sync.error ? sync.error : "";
    entry.error.textContent = error;
    entry.error.hidden = error === "";
    for (const name of COUNTS) entry.counts[name].textContent = formatCount(sync[name] ?? 0);
    const noTasks = sync.state !== "idle" && sync.started_at && sync.creates_tasks === false;
    entry.note.textContent = noTasks ? t("project.storages.noTasks") : "";
    entry.note.hidden = !noTasks;
    entry.button.disabled = running;
    entry.button.textContent = running ? t("project.storages.syncing") : t("project.storages.sync");
    // Several Sync buttons: each names its storage (a running one's visible "Syncing…" says enough).
    if (running) entry.button.removeAttribute("aria-label");
    else entry.button.setAttribute("aria-label", t("project.storages.syncLabel", { title: storage.title }));
  }

  /** Shows `storage`, new or known; watches it while it syncs. */
  function upsert(storage) {
    let entry = entries.get(storage.id);
    if (entry) {
      entry.storage = storage;
      showEntry(entry);
    } else {
      entry = addEntry(storage);
    }
    empty.hidden = entries.size > 0;
    if (storage.sync?.state === "running") watch(entry);
    return entry;
  }

  async function load() {
    try {
      const { json } = await api("GET", `/api/v1/projects/${projectID}/storages`);
      for (const storage of json.storages ?? []) upsert(storage);
      empty.hidden = entries.size > 0;
    } catch (error) {
      if (error?.status === 403 || error?.status === 404) {
        section.hidden = true;
        return;
      }
      showError(status, error, "project.storages.listFailed");
    }
  }

  // MARK: syncs

  function watch(entry, delay = POLL_MILLISECONDS) {
    const id = entry.storage.id;
    if (polls.has(id)) return;
    polls.set(id, setTimeout(() => poll(entry), delay));
  }

  async function poll(entry) {
    const id = entry.storage.id;
    const title = entry.storage.title;
    try {
      const { json } = await api("GET", `/api/v1/projects/${projectID}/storages/${id}`);
      polls.delete(id);
      entry.storage = json;
      showEntry(entry);
      if (json.sync?.state === "running") {
        watch(entry);
      } else {
        finished(entry);
      }
    } catch (error) {
      polls.delete(id);
      if (error?.status === 401) showSignedOutKeepingWork(status);
      else showStatus(status, t("project.storages.pollFailed", { title, reason: errorText(error) }), "error");
      if (isNetworkFailure(error)) watch(entry, RETRY_MILLISECONDS);
    }
  }

  /** Says how a watched sync ended; a finished one may have added tasks, so the page's numbers follow. */
  function finished(entry) {
    const { title, sync } = entry.storage;
    switch (sync?.state) {
      case "finished":
        showStatus(status, t("project.storages.syncFinished", {
          title, objects: formatCount(sync.objects), tasks: formatCount(sync.tasks), skipped: formatCount(sync.skipped),
        }), "ok");
        onSynced?.(entry.storage);
        break;
      case "failed":
        showStatus(status, t("project.storages.syncFailed", { title }), "error");
        break;
      case "interrupted":
        showStatus(status, t("project.storages.syncInterrupted", { title }), "warning");
        break;
      default:
        break;
    }
  }

  async function startSync(entry) {
    const { id, title } = entry.storage;
    entry.button.disabled = true;
    showStatus(formStatus, "");
    try {
      const { json } = await withFreshSession(() => api("POST", `/api/v1/projects/${projectID}/storages/${id}/sync`));
      showStatus(status, t("project.storages.syncStarted", { title }));
      upsert(json);
      if (json.sync?.state !== "running") finished(entry);
    } catch (error) {
      if (error?.code === "sync_in_progress") {
        showStatus(status, t("project.storages.syncBusy", { title }));
        watch(entry, 0);
        return;
      }
      showEntry(entry);
      if (error?.status === 401) showSignedOutKeepingWork(status);
      else showStatus(status, t("project.storages.syncRefused", { title, reason: errorText(error) }), "error");
    }
  }

  // MARK: attaching

  function showKind() {
    const directory = kindSelect.value === "directory";
    byId("storage-directory-fields").hidden = !directory;
    byId("storage-s3-fields").hidden = directory;
    clearFormErrors();
  }

  function clearFormErrors() {
    fieldErrors.clear();
    formError.hidden = true;
    formError.textContent = "";
  }

  function showFormError(text) {
    formError.textContent = text;
    formError.hidden = false;
  }

  function values() {
    const text = (name) => input[name].value.trim();
    return {
      path: text("path"), endpoint: text("endpoint"), bucket: text("bucket"), prefix: text("prefix"),
      region: text("region"), pathStyle: input.pathStyle.checked, accessKey: text("accessKey"),
      // A secret is sent exactly as typed.
      secretKey: input.secretKey.value, sessionToken: input.sessionToken.value.trim(), title: text("title"),
    };
  }

  /** The form's own checks, before the server's: [[field, message]] in the form's order. */
  function problems(kind, value) {
    const found = [];
    const require = (field, present) => {
      if (!present) found.push([field, t("project.storages.required")]);
    };
    if (kind === "directory") {
      require("path", value.path !== "");
      if (value.path !== "" && !value.path.startsWith("/")) found.push(["path", t("project.storages.notAbsolute")]);
    } else {
      require("endpoint", value.endpoint !== "");
      require("bucket", value.bucket !== "");
      require("access_key_id", value.accessKey !== "");
      require("secret_access_key", value.secretKey !== "");
    }
    return found;
  }

  function setAttaching(busy) {
    attaching = busy;
    attachButton.disabled = busy;
    form.setAttribute("aria-busy", busy ? "true" : "false");
  }

  function showAttachFailure(error) {
    if (error?.status === 401) {
      showSignedOutKeepingWork(formError);
      formError.hidden = false;
    } else if (error?.status === 403 || error?.status === 404) {
      showFormError(t("project.storages.forbidden"));
    } else if (error?.code === "storage_unreachable") {
      showFormError(t("project.storages.unreachable"));
      formError.append(" ", el("span", { className: "storage-detail", text: error.message, attrs: { lang: "en" } }));
    } else if (!(typeof error?.field === "string" && error?.status === 422 &&
                 fieldErrors.show(error.field, t("project.storages.fieldRefused", { message: error.message })))) {
      showFormError(t("project.storages.attachFailed", { reason: errorText(error) }));
    }
  }

  async function attach(event) {
    event.preventDefault();
    if (attaching) return;
    clearFormErrors();
    showStatus(formStatus, "");
    const kind = kindSelect.value;
    const value = values();
    const found = problems(kind, value);
    if (found.length > 0) {
      // Shown last to first, so the focus ends on the first field to fix.
      for (const [field, message] of found.reverse()) fieldErrors.show(field, message);
      return;
    }
    setAttaching(true);
    showStatus(formStatus, t(kind === "s3" ? "project.storages.checkingBucket" : "project.storages.attaching"));
    try {
      const { json } = await withFreshSession(() =>
        api("POST", `/api/v1/projects/${projectID}/storages`, { body: attachBody(kind, value) }));
      // The keys are the server's now; nothing typed stays in the page.
      for (const field of Object.values(input)) {
        if (field.type !== "checkbox") field.value = "";
      }
      showStatus(formStatus, t("project.storages.attached", { title: json.title }), "ok");
      upsert(json).button.focus();
      onAttached?.(json);
    } catch (error) {
      showStatus(formStatus, "");
      showAttachFailure(error);
    } finally {
      setAttaching(false);
    }
  }

  // MARK: wiring

  kindSelect.addEventListener("change", showKind);
  form.addEventListener("submit", attach);
  byId("refresh-storages").addEventListener("click", () => load());
  showKind();
  await load();
}
