// API calls that outlast an expired browser session: they wait until the person has signed in again
// (in another tab) and then go through, so no answer or decision on the page is lost to a sign-out.

import { api, ApiError, refreshSession } from "/static/js/api.js";

const pollMilliseconds = 3_000;

/**
 * Returns `{ call, waitForSession }` for one page. `call(method, path, options)` is `api()` that retries
 * once after refreshing a stale CSRF token (the session was renewed in another tab) and once after
 * waiting out an expired session (401). `waitForSession()` resolves when GET /api/v1/session answers 200
 * again; every caller shares one wait. `onSignedOut` and `onSignedIn` let the page say so.
 */
export function sessionAwareCaller({ onSignedOut = () => {}, onSignedIn = () => {} } = {}) {
  let waiting = null;

  function waitForSession() {
    onSignedOut();
    waiting ??= new Promise((resolve) => {
      const poll = async () => {
        let back = false;
        try {
          back = await refreshSession();
        } catch {
          back = false;
        }
        if (back) {
          waiting = null;
          onSignedIn();
          resolve();
        } else {
          setTimeout(poll, pollMilliseconds);
        }
      };
      setTimeout(poll, pollMilliseconds);
    });
    return waiting;
  }

  async function call(method, path, options) {
    try {
      return await api(method, path, options);
    } catch (error) {
      if (error instanceof ApiError && error.status === 403 && error.code === "csrf" && (await refreshSession())) {
        return api(method, path, options);
      }
      if (!(error instanceof ApiError) || error.status !== 401) throw error;
      await waitForSession();
      return api(method, path, options);
    }
  }

  return { call, waitForSession };
}
