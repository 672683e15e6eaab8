// Active working time for lead_time_ms: time counts only while the tab is visible and the person did
// something (typed, clicked, scrolled, moved the pointer) within the last minute.

/** How long after the last sign of activity time still counts. */
export const IDLE_LIMIT_MS = 60_000;

/**
 * A stopwatch of active time. The clock is injected so it can be driven by hand; events are reported to it
 * with `noteActivity()` and `setVisible()` (see `watchActivity`).
 */
export class ActiveTime {
  constructor({ now = () => performance.now(), idleLimit = IDLE_LIMIT_MS, visible = true } = {}) {
    this.now = now;
    this.idleLimit = idleLimit;
    this.visible = visible;
    this.total = 0;
    this.lastTick = now();
    this.lastActivity = this.lastTick;
  }

  /** Adds the time since the last tick that was both visible and within the idle limit of activity. */
  advance() {
    const now = this.now();
    if (this.visible) {
      const until = Math.min(now, this.lastActivity + this.idleLimit);
      if (until > this.lastTick) this.total += until - this.lastTick;
    }
    this.lastTick = now;
  }

  /** The person did something. */
  noteActivity() {
    this.advance();
    this.lastActivity = this.lastTick;
  }

  /** The tab became visible or hidden; coming back counts as activity. */
  setVisible(visible) {
    this.advance();
    this.visible = visible;
    if (visible) this.lastActivity = this.lastTick;
  }

  /** Active milliseconds since the last restart, rounded. */
  elapsed() {
    this.advance();
    return Math.round(this.total);
  }

  /** Starts counting from zero (a new task is shown, which follows an action of the person). */
  restart() {
    this.advance();
    this.total = 0;
    this.lastActivity = this.lastTick;
  }
}

const activityEvents = ["keydown", "pointerdown", "wheel", "input", "focusin"];

/**
 * Reports the page's activity and visibility to `clock`. Pointer moves and scrolling are sampled at most
 * once a second. Returns a function that stops watching.
 */
export function watchActivity(clock, { target = window, doc = document } = {}) {
  let lastSample = 0;
  const note = () => clock.noteActivity();
  const sample = () => {
    const now = clock.now();
    if (now - lastSample < 1000) return;
    lastSample = now;
    clock.noteActivity();
  };
  const visibility = () => clock.setVisible(doc.visibilityState === "visible");
  for (const name of activityEvents) target.addEventListener(name, note, { capture: true, passive: true });
  target.addEventListener("pointermove", sample, { capture: true, passive: true });
  target.addEventListener("scroll", sample, { capture: true, passive: true });
  doc.addEventListener("visibilitychange", visibility);
  clock.setVisible(doc.visibilityState === "visible");
  return () => {
    for (const name of activityEvents) target.removeEventListener(name, note, { capture: true });
    target.removeEventListener("pointermove", sample, { capture: true });
    target.removeEventListener("scroll", sample, { capture: true });
    doc.removeEventListener("visibilitychange", visibility);
  };
}
