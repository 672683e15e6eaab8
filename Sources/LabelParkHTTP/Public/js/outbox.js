// Never lose an answer: every submission is written to IndexedDB before it is sent, and deleted only once
// the server has acknowledged it. The sender retries with backoff, waits for a new sign-in when the session
// expired, and reports its state in plain terms for the page to show.

import { api, ApiError } from "/static/js/api.js";

const databaseName = "labelpark";
const storeName = "outbox";
const databaseVersion = 1;

function promised(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

/** Opens (creating on first use) the `labelpark` database with its `outbox` store. */
export function openOutbox() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(databaseName, databaseVersion);
    request.onupgradeneeded = () => {
      const database = request.result;
      if (!database.objectStoreNames.contains(storeName)) {
        const store = database.createObjectStore(storeName, { keyPath: "idempotency_key" });
        store.createIndex("project_id", "project_id", { unique: false });
      }
    };
    request.onsuccess = () => resolve(new Outbox(request.result));
    request.onerror = () => reject(request.error);
    request.onblocked = () => reject(new Error("the labelpark database is blocked by another tab"));
  });
}

/**
 * The stored, not yet acknowledged submissions. An entry is
 * `{idempotency_key, task_id, lease_token, result, lead_time_ms, project_id, created_at}`.
 */
export class Outbox {
  constructor(database) {
    this.database = database;
    this.persistent = true;
  }

  /** Stores `entry`; resolves once the transaction is committed (durable in the browser). */
  put(entry) {
    return new Promise((resolve, reject) => {
      const transaction = this.database.transaction(storeName, "readwrite", { durability: "strict" });
      transaction.objectStore(storeName).put(entry);
      transaction.oncomplete = () => resolve();
      transaction.onerror = () => reject(transaction.error);
      transaction.onabort = () => reject(transaction.error ?? new Error("outbox write aborted"));
    });
  }

  /** Forgets the entry with `key` (after the server acknowledged it). */
  delete(key) {
    return new Promise((resolve, reject) => {
      const transaction = this.database.transaction(storeName, "readwrite");
      transaction.objectStore(storeName).delete(key);
      transaction.oncomplete = () => resolve();
      transaction.onerror = () => reject(transaction.error);
    });
  }

  /** The entries of project `projectId`, oldest first. */
  async entries(projectId) {
    const transaction = this.database.transaction(storeName, "readonly");
    const index = transaction.objectStore(storeName).index("project_id");
    const entries = await promised(index.getAll(IDBKeyRange.only(projectId)));
    const order = (a, b) => (a < b ? -1 : a > b ? 1 : 0);
    return entries.sort((a, b) => order(a.created_at, b.created_at) || order(a.idempotency_key, b.idempotency_key));
  }
}

/**
 * An outbox in memory, for a browser that refuses IndexedDB (private modes, full disks): answers then
 * survive only while the page stays open, which the page says.
 */
export class MemoryOutbox {
  constructor() {
    this.entriesByKey = new Map();
    this.persistent = false;
  }

  async put(entry) {
    this.entriesByKey.set(entry.idempotency_key, structuredClone(entry));
  }

  async delete(key) {
    this.entriesByKey.delete(key);
  }

  async entries(projectId) {
    return [...this.entriesByKey.values()].filter((entry) => entry.project_id === projectId);
  }
}

/** A fresh idempotency key. */
export function newIdempotencyKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** The first retry waits this long; each failure doubles it up to `maxBackoffMs`. */
export const firstBackoffMs = 1_000;
export const maxBackoffMs = 30_000;

/** The wait before retry number `attempt` (0-based), with up to 20% jitter so tabs do not retry in step. */
export function backoffDelay(attempt, random = Math.random) {
  const base = Math.min(maxBackoffMs, firstBackoffMs * 2 ** Math.min(attempt, 15));
  return Math.round(base * (0.8 + 0.2 * random()));
}

/** What one attempt to send an entry came to. */
function outcomeOf(error) {
  if (!(error instanceof ApiError)) return { kind: "unreachable" };
  if (error.status >= 500 || error.status === 408 || error.status === 429) return { kind: "unreachable" };
  if (error.status === 401) return { kind: "signed-out" };
  if (error.status === 403 && error.code === "csrf") return { kind: "csrf" };
  if (error.status === 409 && error.code === "already_annotated") return { kind: "stored-before" };
  return { kind: "rejected", message: error.message, field: error.field };
}

/**
 * Sends a project's outbox entries one at a time, oldest first, and reports what it is doing through
 * `onState({state, pending, message})` with state `idle` (nothing pending), `sending`, `offline`,
 * `signed-out` or `error` (the server refused an entry; it stays stored), and `onStored(entry, annotation)`
 * after each acknowledgement. `waitForSession()` resolves once the person has signed in again.
 */
export class OutboxSender {
  constructor(outbox, { projectId, onState = () => {}, onStored = () => {}, waitForSession, refreshSession }) {
    this.outbox = outbox;
    this.projectId = projectId;
    this.onState = onState;
    this.onStored = onStored;
    this.waitForSession = waitForSession;
    this.refreshSession = refreshSession;
    this.running = false;
    this.again = false;
    this.attempt = 0;
    this.timer = null;
    // Entries the server refused in this page's life; retried after a reload, not in a loop.
    this.refused = new Map();
    this.waitingForSession = false;
  }

  /** Sends what is pending now (after a new entry, on coming back online, on page load). */
  nudge() {
    if (this.waitingForSession) return;
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    this.run();
  }

  async run() {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    try {
      do {
        this.again = false;
        const stop = await this.sendPending();
        if (stop) return;
      } while (this.again);
    } catch (error) {
      // IndexedDB itself failed; nothing can be sent from it now, so say so and try again later.
      this.report("error", 0, String(error && error.message ? error.message : error));
      this.retryLater();
    } finally {
      this.running = false;
    }
  }

  /** One pass over the pending entries; returns true when sending must pause (offline, signed out). */
  async sendPending() {
    const entries = await this.outbox.entries(this.projectId);
    for (const key of this.refused.keys()) {
      if (!entries.some((entry) => entry.idempotency_key === key)) this.refused.delete(key);
    }
    let pending = entries.length;
    const todo = entries.filter((entry) => !this.refused.has(entry.idempotency_key));
    if (todo.length > 0) this.report("sending", pending);
    for (const entry of todo) {
      const outcome = await this.sendOne(entry);
      switch (outcome.kind) {
        case "stored":
        case "stored-before":
          await this.outbox.delete(entry.idempotency_key);
          pending--;
          this.attempt = 0;
          this.onStored(entry, outcome.annotation ?? null);
          break;
        case "unreachable":
          this.report("offline", pending);
          this.retryLater();
          return true;
        case "signed-out":
          this.report("signed-out", pending);
          this.awaitSession();
          return true;
        case "rejected":
          this.refused.set(entry.idempotency_key, outcome.message);
          break;
      }
    }
    if (this.refused.size > 0) {
      const [message] = this.refused.values();
      this.report("error", pending, message);
    } else {
      this.report(pending > 0 ? "sending" : "idle", pending);
    }
    return false;
  }

  /** Posts one entry; a stale CSRF token is refreshed once and the post repeated. */
  async sendOne(entry) {
    for (let round = 0; round < 2; round++) {
      try {
        const { json } = await api("POST", `/api/v1/tasks/${entry.task_id}/annotations`, {
          body: {
            lease_token: entry.lease_token,
            result: entry.result,
            idempotency_key: entry.idempotency_key,
            lead_time_ms: entry.lead_time_ms,
          },
        });
        return { kind: "stored", annotation: json };
      } catch (error) {
        const outcome = outcomeOf(error);
        if (outcome.kind !== "csrf") return outcome;
        try {
          if (!(await this.refreshSession())) return { kind: "signed-out" };
        } catch {
          return { kind: "unreachable" };
        }
      }
    }
    return { kind: "rejected", message: "csrf" };
  }

  retryLater() {
    if (this.timer !== null) clearTimeout(this.timer);
    const delay = backoffDelay(this.attempt++);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.run();
    }, delay);
  }

  async awaitSession() {
    if (this.waitingForSession) return;
    this.waitingForSession = true;
    try {
      await this.waitForSession();
    } finally {
      this.waitingForSession = false;
    }
    this.attempt = 0;
    this.nudge();
  }

  report(state, pending, message = "") {
    this.onState({ state, pending, message });
  }
}
