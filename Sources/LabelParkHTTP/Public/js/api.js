// API v1 from the pages: the session cookie authenticates, the CSRF token from <meta name="csrf-token">
// goes with every request that changes something, and failures become typed errors.

/**
 * The server answered with an error: status and the error object of the body; `retryAfter` is the
 * Retry-After header in whole seconds (a 429), else null.
 */
export class ApiError extends Error {
  constructor(status, error = {}, headers = null) {
    super(error.message || `HTTP ${status}`);
    this.name = "ApiError";
    this.status = status;
    this.code = error.code || `http_${status}`;
    this.field = error.field;
    this.line = error.line;
    this.body = error;
    const retryAfter = Number.parseInt(headers?.get?.("Retry-After") ?? "", 10);
    this.retryAfter = Number.isSafeInteger(retryAfter) && retryAfter >= 0 ? retryAfter : null;
  }
}

/** No HTTP answer at all: offline, server down, or the connection dropped. */
export class NetworkError extends Error {
  constructor(cause) {
    super("network error");
    this.name = "NetworkError";
    this.cause = cause;
  }
}

/** The current CSRF token of this page. */
export function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
}

function setCsrfToken(token) {
  let meta = document.querySelector('meta[name="csrf-token"]');
  if (!meta) {
    meta = document.createElement("meta");
    meta.name = "csrf-token";
    document.head.append(meta);
  }
  meta.content = token;
}

/**
 * Calls API v1. `path` starts with "/api/v1/". A JSON body is sent as JSON; a Blob/File/string body with
 * headers["Content-Type"] as given. Returns {status, headers, json}; throws ApiError for 4xx/5xx and
 * NetworkError when no answer came.
 */
export async function api(method, path, { body, headers = {}, signal, keepalive } = {}) {
  const init = { method, headers: { Accept: "application/json", ...headers }, credentials: "same-origin", signal, keepalive };
  if (method !== "GET" && method !== "HEAD") init.headers["X-CSRF-Token"] = csrfToken();
  if (body !== undefined) {
    if (typeof body === "string" || body instanceof Blob) {
      init.body = body;
    } else {
      init.body = JSON.stringify(body);
      init.headers["Content-Type"] = "application/json";
    }
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (error) {
    if (error && error.name === "AbortError") throw error;
    throw new NetworkError(error);
  }
  const text = await response.text();
  let json = null;
  if (text) {
    try { json = JSON.parse(text); } catch { json = null; }
  }
  if (!response.ok) throw new ApiError(response.status, json && json.error ? json.error : {}, response.headers);
  return { status: response.status, headers: response.headers, json };
}

/**
 * Asks whether the browser is signed in again (after a sign-in in another tab) and, if so, takes the new
 * session's CSRF token. Returns true when signed in.
 */
export async function refreshSession() {
  try {
    const { json } = await api("GET", "/api/v1/session");
    setCsrfToken(json.csrf);
    return true;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return false;
    throw error;
  }
}

/**
 * Best effort while the page unloads: a DELETE that outlives the page (`keepalive`), its outcome ignored.
 * Pages hand held leases back with it so they do not wait for their expiry.
 */
export function deleteWhileLeaving(path) {
  try {
    fetch(path, {
      method: "DELETE",
      keepalive: true,
      credentials: "same-origin",
      headers: { "X-CSRF-Token": csrfToken() },
    }).catch(() => {});
  } catch {
    // Nothing to do while the page unloads.
  }
}
