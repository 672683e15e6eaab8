// The annotate page's supply of tasks: claimed tasks kept ready ahead of the one on screen, so that after a
// submission the next task is already here, and an annotator whose connection drops can go on answering
// the tasks already held (the answers wait in the outbox). Claims that fail for lack of a connection are
// retried with backoff; an expired session waits for a new sign-in.

import { ApiError } from "/static/js/api.js";
import { backoffDelay } from "/static/js/outbox.js";

/** Tasks held ahead of the one on screen: with it, three answers can be given while the server is away. */
const depth = 2;

function retryable(error) {
  if (!(error instanceof ApiError)) return true;
  return error.status >= 500 || error.status === 408 || error.status === 429;
}

export class TaskSupply {
  /**
   * `claim()` resolves with `{task, lease}` or null (204: nothing left for this person). `onReachable` and
   * `onUnreachable` report the connection, `onSignedOut` an expired session; `waitForSession()` resolves
   * after a new sign-in. `accept(claim)` may turn a claim down (after dealing with it, e.g. releasing
   * it); the supply then claims again, at once the first time and with backoff after that.
   */
  constructor({ claim, accept = () => true, onReachable, onUnreachable, onSignedOut, waitForSession }) {
    this.claim = claim;
    this.accept = accept;
    this.onReachable = onReachable;
    this.onUnreachable = onUnreachable;
    this.onSignedOut = onSignedOut;
    this.waitForSession = waitForSession;
    this.ahead = [];
    this.exhausted = false;
    this.inflight = null;
    this.failure = null;
  }

  /** Claims in the background, one at a time, until `depth` tasks are ready or the queue has none left. */
  fill() {
    if (this.inflight !== null || this.exhausted || this.ahead.length >= depth) return;
    this.inflight = this.claimWithRetry().then(
      (claim) => {
        this.inflight = null;
        if (claim) {
          this.ahead.push(claim);
          this.fill();
        } else {
          this.exhausted = true;
        }
      },
      (error) => {
        this.failure = error;
        this.inflight = null;
      },
    );
  }

  /**
   * The next task: the first one ready ahead at once, else the one being claimed. When the last claim found
   * nothing, asks again (others may have released tasks since). Resolves null when nothing is left.
   */
  async take() {
    if (this.ahead.length === 0) {
      this.exhausted = false;
      this.fill();
      while (this.ahead.length === 0 && this.inflight !== null) await this.inflight;
    }
    if (this.failure) {
      const failure = this.failure;
      this.failure = null;
      throw failure;
    }
    return this.ahead.shift() ?? null;
  }

  /** The claimed tasks waiting ahead (their leases are renewed and released with the page). */
  peek() {
    return [...this.ahead];
  }

  /** Forgets a task ahead whose lease lapsed, and claims another. */
  replaceAhead(claim) {
    const index = this.ahead.indexOf(claim);
    if (index < 0) return;
    this.ahead.splice(index, 1);
    this.fill();
  }

  /** Resolves once no claim is on its way. */
  async settled() {
    while (this.inflight !== null) await this.inflight;
  }

  async claimWithRetry() {
    let attempt = 0;
    let turnedDown = 0;
    for (;;) {
      try {
        const claim = await this.claim();
        this.onReachable();
        if (claim && !this.accept(claim)) {
          if (turnedDown > 0) await new Promise((resolve) => setTimeout(resolve, backoffDelay(turnedDown - 1)));
          turnedDown++;
          continue;
        }
        return claim;
      } catch (error) {
        if (error instanceof ApiError && error.status === 401) {
          this.onSignedOut();
          await this.waitForSession();
          continue;
        }
        if (!retryable(error)) throw error;
        this.onUnreachable();
        await new Promise((resolve) => setTimeout(resolve, backoffDelay(attempt++)));
      }
    }
  }
}
