// The annotate page's status banner (#status): one state at a time, in plain words, with the most urgent
// condition shown first, and the count of answers still kept in the browser (#pending-count).

import { t, formatNumber } from "/static/js/i18n.js";

/** How long a passing note (such as "stored late") stays before the usual message returns. */
const noteMilliseconds = 10_000;

export class StatusBanner {
  constructor(node, pendingNode, { signInHref }) {
    this.node = node;
    this.pendingNode = pendingNode;
    this.signInHref = signInHref;
    this.flags = {
      loading: true,
      pending: 0,
      sendingOffline: false,
      claimingOffline: false,
      signedOut: false,
      refused: null,
      paused: null,
      lapsed: false,
      empty: false,
      failure: null,
    };
    this.note = null;
    this.noteTimer = null;
    this.shown = "";
    this.render();
  }

  /** Changes some of the conditions and redraws. */
  update(patch) {
    Object.assign(this.flags, patch);
    this.render();
  }

  /** Shows `message` for a while in place of the usual online message. */
  flash(message) {
    this.note = message;
    if (this.noteTimer !== null) clearTimeout(this.noteTimer);
    this.noteTimer = setTimeout(() => {
      this.note = null;
      this.noteTimer = null;
      this.render();
    }, noteMilliseconds);
    this.render();
  }

  /** The state name for `data-state` and the message parts (strings, or {link} for the sign-in link). */
  describe() {
    const f = this.flags;
    const count = formatNumber(f.pending);
    const kept = f.pending === 1 ? "One" : "Many";
    if (f.failure) return { state: "error", parts: [f.failure] };
    if (f.signedOut) {
      return {
        state: "signed-out",
        parts: [
          f.pending > 0 ? t(`annotate.signedOut${kept}`, { count }) : t("annotate.signedOutNothing"),
          " ",
          { link: t("annotate.signIn") },
          " ",
          t("annotate.signedOutThen"),
        ],
      };
    }
    if (f.sendingOffline || f.claimingOffline) {
      return {
        state: "offline",
        parts: [f.pending > 0 ? t(`annotate.offline${kept}`, { count }) : t("annotate.offlineNothing")],
      };
    }
    if (f.paused) return { state: "paused", parts: [f.paused] };
    if (f.refused) return { state: "error", parts: [t("annotate.refused", { message: f.refused, count })] };
    if (f.lapsed) return { state: "lapsed", parts: [t("annotate.lapsed")] };
    if (f.empty) return { state: "empty", parts: [this.note ?? t("annotate.emptyStatus")] };
    if (this.note) return { state: "online", parts: [this.note] };
    if (f.loading) return { state: "online", parts: [t("annotate.loading")] };
    if (f.pending > 0) return { state: "online", parts: [t(`annotate.sending${kept}`, { count })] };
    return { state: "online", parts: [t("annotate.allSaved")] };
  }

  render() {
    const { state, parts } = this.describe();
    this.pendingNode.textContent = formatNumber(this.flags.pending);
    const signature = state + "\u0000" + parts.map((part) => (typeof part === "string" ? part : part.link)).join("");
    // Rewriting the same words would make screen readers announce them again.
    if (signature === this.shown) return;
    this.shown = signature;
    this.node.dataset.state = state;
    const nodes = parts.map((part) => {
      if (typeof part === "string") return document.createTextNode(part);
      const link = document.createElement("a");
      link.id = "sign-in-again";
      link.href = this.signInHref;
      link.target = "_blank";
      link.rel = "noopener";
      link.textContent = part.link;
      return link;
    });
    this.node.replaceChildren(...nodes);
  }
}
