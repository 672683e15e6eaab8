// Sending one file to the project's import route and saying how it went: upload progress, the count of tasks
// created, and the invalid lines in a table. The project page's two import forms (a file of tasks, and a COCO
// dataset in project-datasets.js) each wire one.

import { t } from "/static/js/i18n.js";
import { csrfToken, refreshSession } from "/static/js/api.js";
import { el, clear, formatCount, errorText } from "/static/js/pages-dom.js";

/** The Content-Type the import route expects for a file, from its extension; null when not importable. */
export function importContentType(fileName) {
  const extension = /\.([^.]+)$/.exec(String(fileName).toLowerCase())?.[1];
  switch (extension) {
    case "jsonl":
    case "ndjson":
      return "application/x-ndjson";
    case "csv":
      return "text/csv";
    case "json":
      return "application/json";
    default:
      return null;
  }
}

/** The keys a plain import's answer is told with; a dataset import names images instead of lines. */
export const LINE_WORDS = {
  createdSkipped: "project.importCreatedSkipped",
  rejected: "project.importRejected",
  rejectedOne: "project.importRejectedOne",
  errorsCaption: "project.importErrorsCaption",
  errorsCaptionSome: "project.importErrorsCaptionSome",
};

/** Sends `file` with upload progress; resolves `{status, body}` whatever the status, rejects on network failure. */
function post(url, file, contentType, { onStarted, onProgress, onSent }) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    onStarted(xhr);
    xhr.open("POST", url);
    xhr.setRequestHeader("Content-Type", contentType);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.setRequestHeader("X-CSRF-Token", csrfToken() ?? "");
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable && event.total > 0) onProgress(event.loaded / event.total);
    };
    xhr.upload.onload = () => onSent();
    xhr.onload = () => {
      let body = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = null;
      }
      resolve({ status: xhr.status, body });
    };
    xhr.onerror = () => reject(Object.assign(new Error("network"), { name: "NetworkError" }));
    xhr.onabort = () => reject(Object.assign(new Error("aborted"), { name: "AbortError" }));
    xhr.send(file);
  });
}

/** Why an upload was refused, in words; `signedOut` when the person must sign in again. */
function describeFailure(status, body) {
  const error = body?.error ?? {};
  switch (status) {
    case 401:
      return { text: t("home.errorSignedOut"), signedOut: true };
    case 403:
      return { text: t("project.importForbidden") };
    case 413:
      return { text: t("project.importTooLarge") };
    case 415:
      return { text: t("project.importUnsupported") };
    case 422:
      // A problem with the file as a whole (a COCO category no question has): the server's words, with the
      // part of the file they are about.
      if (typeof error.message === "string" && error.message !== "") {
        const reason = typeof error.field === "string" && error.field !== ""
          ? `${error.field}: ${error.message}` : error.message;
        return { text: t("project.importRefused", { reason }) };
      }
      return { text: errorText({ status, code: error.code, message: error.message }) };
    default:
      return { text: errorText({ status, code: error.code, message: error.message }) };
  }
}

/**
 * One import form's sending and answer. `nodes`: `form`, `controls` (disabled while sending), `button`,
 * `cancel`, `progress`, `percent`, `result`, `errorsTable` (rows get `data-testid=import-error`, `.line`,
 * `.message`) and `errorsCaption`; `words` overrides keys of `LINE_WORDS`; `onImported` runs after an import the
 * server accepted (the page refreshes its numbers). Returns `{send(url, file, contentType), refuse(text, focus), busy()}`.
 */
export function importUploader(nodes, { words = {}, onImported } = {}) {
  const keys = { ...LINE_WORDS, ...words };
  const { form, controls, button, cancel, progress, percent, result, errorsTable, errorsCaption } = nodes;
  const errorsBody = errorsTable.querySelector("tbody");
  let current = null;

  cancel.addEventListener("click", () => current?.abort());

  // Controls that were disabled before the upload (for their own reasons) stay so after it.
  let disabledBefore = [];

  function setUploading(uploading) {
    button.disabled = uploading;
    if (uploading) {
      disabledBefore = controls.map((control) => control.disabled);
      for (const control of controls) control.disabled = true;
    } else {
      controls.forEach((control, index) => {
        control.disabled = disabledBefore[index] ?? false;
      });
    }
    cancel.hidden = !uploading;
    form.setAttribute("aria-busy", uploading ? "true" : "false");
  }

  function setProgress(fraction) {
    if (fraction === null) {
      // Indeterminate while the server validates and stores what it received.
      progress.removeAttribute("value");
      percent.textContent = t("project.importProcessing");
      return;
    }
    const share = Math.round(fraction * 100);
    progress.value = share;
    progress.textContent = `${share}%`;
    percent.textContent = `${share}%`;
  }

  function resetProgress() {
    progress.value = 0;
    percent.textContent = "";
  }

  function showLineErrors(errors, total) {
    clear(errorsBody);
    for (const lineError of errors) {
      errorsBody.append(
        el("tr", { attrs: { "data-testid": "import-error" } }, [
          el("td", { className: "num line", text: String(lineError.line) }),
          el("td", { className: "message", text: lineError.message }),
        ]),
      );
    }
    errorsCaption.textContent =
      total > errors.length
        ? t(keys.errorsCaptionSome, { shown: formatCount(errors.length), total: formatCount(total) })
        : t(keys.errorsCaption, { total: formatCount(total) });
    errorsTable.hidden = errors.length === 0;
  }

  function showResult(text, state) {
    clear(result);
    result.dataset.state = state;
    result.textContent = text;
  }

  /** Says what is wrong before anything is sent, and puts the focus where it can be fixed. */
  function refuse(text, focus) {
    showResult(text, "error");
    focus?.focus();
  }

  function showAnswer({ status, body }) {
    setProgress(1);
    progress.value = 100;
    if ((status === 200 || status === 201) && body) {
      const created = body.created ?? 0;
      const errorCount = body.error_count ?? 0;
      showResult(
        errorCount > 0
          ? t(keys.createdSkipped, { count: formatCount(created), skipped: formatCount(errorCount) })
          : t("project.importCreated", { count: formatCount(created) }),
        errorCount > 0 ? "warning" : "ok",
      );
      showLineErrors(body.errors ?? [], errorCount);
      onImported?.(body);
    } else if (status === 422 && Array.isArray(body?.errors) && body.errors.length > 0) {
      const invalid = body.error_count ?? body.errors.length;
      showResult(t(invalid === 1 ? keys.rejectedOne : keys.rejected, { count: formatCount(invalid) }), "error");
      showLineErrors(body.errors, invalid);
      errorsBody.querySelector("tr")?.scrollIntoView({ block: "nearest" });
    } else {
      const failure = describeFailure(status, body);
      showResult(failure.text, "error");
      if (failure.signedOut) {
        const next = location.pathname;
        result.append(
          " ",
          el("a", { text: t("home.signInAgain"), attrs: { href: `/login?next=${encodeURIComponent(next)}` } }),
        );
      }
      resetProgress();
    }
  }

  async function send(url, file, contentType) {
    if (current) return;
    showLineErrors([], 0);
    setProgress(0);
    setUploading(true);
    showResult(t("project.importSending", { name: file.name }), "info");
    const events = {
      onStarted: (xhr) => {
        current = xhr;
      },
      onProgress: setProgress,
      onSent: () => setProgress(null),
    };
    try {
      let answer = await post(url, file, contentType, events);
      if (answer.status === 403 && answer.body?.error?.code === "csrf") {
        // The session was renewed elsewhere (signed in again in another tab): take its new token and retry once.
        await refreshSession();
        setProgress(0);
        answer = await post(url, file, contentType, events);
      }
      showAnswer(answer);
    } catch (error) {
      resetProgress();
      showResult(
        error?.name === "AbortError" ? t("project.importCancelled") : t("project.importNetworkFailed"), "error");
    } finally {
      current = null;
      setUploading(false);
    }
  }

  return { send, refuse, busy: () => current !== null };
}
