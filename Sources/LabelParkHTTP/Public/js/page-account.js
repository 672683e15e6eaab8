// Account: the signed-in person's API tokens (name, created, expiry) with a revoke button each, and a form
// that creates a token. Creating one is the sign-in exchange (`POST /api/v1/tokens` with email and
// password), so the form asks for both; the new token is shown once, in a read-only field with a copy
// button, and is never kept anywhere by this page.
//
// Above them, when there are any, the person's invitations: organizations that added them as a member and
// wait for them to accept (`GET /api/v1/invitations`). Accepting makes the membership count, so the
// organization's projects appear on the home page; declining deletes it, after a confirmation.

import { loadTranslations, t } from "/static/js/i18n.js";
import { api } from "/static/js/api.js";
import {
  el,
  clear,
  formatCount,
  formatTime,
  showError,
  showStatus,
  errorText,
  translatedOr,
  isSignedOut,
  withFreshSession,
  FieldErrors,
} from "/static/js/pages-dom.js";

const whoNode = document.getElementById("account-who");

const invitationsSection = document.getElementById("invitations");
const invitationsHeading = document.getElementById("invitations-heading");
const invitationsStatus = document.getElementById("invitations-status");
const invitationTable = document.getElementById("invitation-table");
const invitationBody = invitationTable.querySelector("tbody");

const tokensHeading = document.getElementById("tokens-heading");
const tokensStatus = document.getElementById("tokens-status");
const tokenTable = document.getElementById("token-table");
const tokenBody = tokenTable.querySelector("tbody");
const tokensEmpty = document.getElementById("tokens-empty");

const newTokenSection = document.getElementById("new-token");
const newTokenValue = document.getElementById("new-token-value");
const newTokenExpiry = document.getElementById("new-token-expiry");
const copyButton = document.getElementById("copy-token");
const copyStatus = document.getElementById("copy-status");
const dismissButton = document.getElementById("dismiss-token");

const form = document.getElementById("create-token-form");
const nameInput = document.getElementById("token-name");
const expiryInput = document.getElementById("token-expiry");
const emailInput = document.getElementById("token-email");
const passwordInput = document.getElementById("token-password");
const createError = document.getElementById("create-error");
const createStatus = document.getElementById("create-status");
const createButton = document.getElementById("create-token");

const fieldErrors = new FieldErrors({
  name: [nameInput, "token-name-error"],
  expires_in_days: [expiryInput, "token-expiry-error"],
  email: [emailInput, "token-email-error"],
  password: [passwordInput, "token-password-error"],
});

const maximumDays = 3650;

/** The signed-in person (`GET /api/v1/session`): `{user_id, name}`; null until known. */
let me = null;
let creating = false;

// MARK: invitations

/** The translated name of an organization kind or role, falling back to the raw value for new ones. */
function kindName(kind) {
  return translatedOr(`account.kind_${kind}`, String(kind ?? ""));
}

function roleName(role) {
  return translatedOr(`account.role_${role}`, String(role ?? ""));
}

/** A status line that also points to the home page, where an accepted organization's projects now are. */
function joinedMessage(organization) {
  const text = t("account.invitationAccepted", { organization });
  return {
    state: "ok",
    render(node) {
      clear(node);
      node.dataset.state = "ok";
      node.append(
        el("span", { text }),
        " ",
        el("a", { text: t("account.openHome"), attrs: { href: "/", "data-testid": "home-link" } }),
      );
    },
  };
}

function invitationRow(invitation) {
  const organization = String(invitation.organization ?? "");
  const accept = el("button", {
    className: "accept small primary",
    text: t("account.accept"),
    attrs: { type: "button", "aria-label": t("account.acceptLabel", { organization }) },
  });
  const decline = el("button", {
    className: "decline small",
    text: t("account.decline"),
    attrs: { type: "button", "aria-label": t("account.declineLabel", { organization }) },
  });
  const row = el("tr", { attrs: { "data-testid": "invitation", "data-organization-id": invitation.organization_id } }, [
    el("th", { className: "organization", text: organization, attrs: { scope: "row" } }),
    el("td", { className: "kind", text: kindName(invitation.kind) }),
    el("td", { className: "role", text: roleName(invitation.role) }),
    el("td", { className: "invited" }, [
      el("time", { text: formatTime(invitation.invited_at), attrs: { datetime: invitation.invited_at } }),
    ]),
    el("td", { className: "actions" }, [accept, decline]),
  ]);
  const buttons = [accept, decline];
  accept.addEventListener("click", () => answerInvitation(invitation, row, buttons, true));
  decline.addEventListener("click", () => answerInvitation(invitation, row, buttons, false));
  return row;
}

/**
 * Loads the invitations; the section shows while there are any, or while `message` (`{text, state}` or
 * `{state, render(node)}`) has something to say about the last answer.
 */
async function loadInvitations(message = null) {
  try {
    const { json } = await api("GET", "/api/v1/invitations");
    const invitations = Array.isArray(json?.invitations) ? json.invitations : [];
    clear(invitationBody);
    for (const invitation of invitations) invitationBody.append(invitationRow(invitation));
    invitationTable.hidden = invitations.length === 0;
    invitationsSection.hidden = invitations.length === 0 && !message;
    if (message?.render) {
      message.render(invitationsStatus);
    } else if (message) {
      showStatus(invitationsStatus, message.text, message.state);
    } else {
      const count = invitations.length;
      const text = count <= 1 ? "" : t("account.invitationsShown", { count: formatCount(count) });
      showStatus(invitationsStatus, text, "ready");
    }
    return true;
  } catch (error) {
    // Without the list nobody can tell whether an invitation waits: say so rather than hide the section.
    invitationTable.hidden = invitationBody.rows.length === 0;
    invitationsSection.hidden = false;
    showError(invitationsStatus, error, "account.invitationsLoadFailed");
    return false;
  }
}

/** Where focus goes after a row leaves: the next row's accept button, else the previous one's, else the heading. */
function focusAfterAnswering(rowIndex) {
  const rows = invitationBody.rows;
  const target = rows[rowIndex] ?? rows[rowIndex - 1];
  const button = target?.querySelector("button.accept");
  if (button) button.focus();
  else invitationsHeading.focus();
}

async function answerInvitation(invitation, row, buttons, accepting) {
  const organization = String(invitation.organization ?? "");
  if (!accepting && !confirm(t("account.declineConfirm", { organization }))) return;
  const rowIndex = row.sectionRowIndex;
  for (const button of buttons) button.disabled = true;
  row.setAttribute("aria-busy", "true");
  showStatus(invitationsStatus, t(accepting ? "account.accepting" : "account.declining", { organization }), "info");
  const id = encodeURIComponent(invitation.organization_id);
  let message;
  try {
    if (accepting) {
      await withFreshSession(() => api("POST", `/api/v1/invitations/${id}/accept`));
      message = joinedMessage(organization);
    } else {
      await withFreshSession(() => api("DELETE", `/api/v1/invitations/${id}`));
      message = { text: t("account.invitationDeclined", { organization }), state: "ok" };
    }
  } catch (error) {
    if (error?.status === 404) {
      message = { text: t("account.invitationGone", { organization }), state: "warning" };
    } else {
      row.removeAttribute("aria-busy");
      for (const button of buttons) button.disabled = false;
      if (isSignedOut(error)) {
        showError(invitationsStatus, error);
      } else {
        const key = accepting ? "account.acceptFailed" : "account.declineFailed";
        showStatus(invitationsStatus, t(key, { organization, reason: errorText(error) }), "error");
      }
      buttons[accepting ? 0 : 1].focus();
      return;
    }
  }
  // A new membership changes what else this page shows (the email is read from a member list), so the
  // page's data is read again, not just the invitations.
  await Promise.all([loadInvitations(message), loadTokens(), accepting ? prefillEmail() : null]);
  focusAfterAnswering(rowIndex);
}

// MARK: the list

function expiresCell(token) {
  if (!token.expires_at) return el("td", { className: "expires never muted", text: t("account.never") });
  return el("td", { className: "expires" }, [
    el("time", { text: formatTime(token.expires_at), attrs: { datetime: token.expires_at } }),
  ]);
}

function tokenRow(token) {
  const name = String(token.name ?? "");
  const revoke = el("button", {
    className: "revoke small",
    text: t("account.revoke"),
    attrs: { type: "button", "aria-label": t("account.revokeLabel", { name }) },
  });
  const row = el("tr", { attrs: { "data-testid": "token", "data-token-id": token.id } }, [
    el("th", { className: "name", text: name, attrs: { scope: "row" } }),
    el("td", { className: "created" }, [
      el("time", { text: formatTime(token.created_at), attrs: { datetime: token.created_at } }),
    ]),
    expiresCell(token),
    el("td", { className: "actions" }, [revoke]),
  ]);
  revoke.addEventListener("click", () => revokeToken(token, row, revoke));
  return row;
}

/** Loads the list; `message` (with its state) replaces the count in the status line when given. */
async function loadTokens(message = null) {
  try {
    const { json } = await api("GET", "/api/v1/tokens");
    const tokens = Array.isArray(json?.tokens) ? json.tokens : [];
    clear(tokenBody);
    for (const token of tokens) tokenBody.append(tokenRow(token));
    tokenTable.hidden = tokens.length === 0;
    tokensEmpty.hidden = tokens.length > 0;
    if (message) {
      showStatus(tokensStatus, message.text, message.state);
    } else {
      // No tokens: #tokens-empty says so, and the status line stays empty.
      const count = tokens.length;
      const text =
        count === 0 ? "" : count === 1 ? t("account.shownOne") : t("account.shown", { count: formatCount(count) });
      showStatus(tokensStatus, text, "ready");
    }
    return true;
  } catch (error) {
    showError(tokensStatus, error, "account.loadFailed");
    return false;
  }
}

/** Where focus goes after a row leaves: the next row's button, else the previous one's, else the heading. */
function focusAfterRemoving(rowIndex) {
  const rows = tokenBody.rows;
  const target = rows[rowIndex] ?? rows[rowIndex - 1];
  const button = target?.querySelector("button.revoke");
  if (button) button.focus();
  else tokensHeading.focus();
}

async function revokeToken(token, row, button) {
  const name = String(token.name ?? "");
  if (!confirm(t("account.revokeConfirm", { name }))) return;
  const rowIndex = row.sectionRowIndex;
  button.disabled = true;
  showStatus(tokensStatus, t("account.revoking", { name }), "info");
  let message;
  try {
    await withFreshSession(() => api("DELETE", `/api/v1/tokens/${encodeURIComponent(token.id)}`));
    message = { text: t("account.revoked", { name }), state: "ok" };
  } catch (error) {
    if (error?.status === 404) {
      message = { text: t("account.revokeGone", { name }), state: "warning" };
    } else {
      button.disabled = false;
      if (isSignedOut(error)) showError(tokensStatus, error);
      else showStatus(tokensStatus, t("account.revokeFailed", { name, reason: errorText(error) }), "error");
      button.focus();
      return;
    }
  }
  await loadTokens(message);
  focusAfterRemoving(rowIndex);
}

// MARK: the new token, shown once

function showNewToken(token, name, expiresAt) {
  newTokenValue.value = token;
  newTokenExpiry.textContent = expiresAt
    ? t("account.newTokenExpires", { name, time: formatTime(expiresAt) })
    : t("account.newTokenNeverExpires", { name });
  showStatus(copyStatus, "", "info");
  newTokenSection.hidden = false;
  newTokenSection.scrollIntoView({ block: "start" });
  // Focus on the token itself, selected: copying it is what the person does next.
  newTokenValue.focus();
  newTokenValue.select();
}

function hideNewToken() {
  newTokenValue.value = "";
  newTokenExpiry.textContent = "";
  showStatus(copyStatus, "", "info");
  newTokenSection.hidden = true;
}

async function copyToken() {
  const value = newTokenValue.value;
  if (!value) return;
  let copied = false;
  try {
    if (navigator.clipboard?.writeText) {
      await navigator.clipboard.writeText(value);
      copied = true;
    }
  } catch {
    copied = false;
  }
  if (!copied) {
    newTokenValue.focus();
    newTokenValue.select();
    try {
      copied = document.execCommand("copy");
    } catch {
      copied = false;
    }
  }
  if (copied) {
    showStatus(copyStatus, t("account.copied"), "ok");
  } else {
    newTokenValue.focus();
    newTokenValue.select();
    showStatus(copyStatus, t("account.copyFailed"), "warning");
  }
}

// MARK: creating a token

/** A wait in seconds as words: "40 seconds", "3 minutes". */
function waitText(seconds) {
  if (seconds < 90) {
    return seconds === 1 ? t("account.waitOneSecond") : t("account.waitSeconds", { count: formatCount(seconds) });
  }
  const minutes = Math.ceil(seconds / 60);
  return minutes === 1 ? t("account.waitOneMinute") : t("account.waitMinutes", { count: formatCount(minutes) });
}

function showCreateError(text) {
  createError.textContent = text;
  createError.hidden = false;
}

function clearCreateErrors() {
  fieldErrors.clear();
  createError.hidden = true;
  createError.textContent = "";
}

/** The form's values, or null after marking what is missing or wrong (focus on the first such field). */
function readForm() {
  const name = nameInput.value.trim();
  const expiryText = expiryInput.value.trim();
  const email = emailInput.value.trim();
  const password = passwordInput.value;
  const problems = [];
  if (name === "") problems.push(["name", t("account.errorNameMissing")]);
  let days = null;
  if (expiryText !== "" || expiryInput.validity?.badInput) {
    days = /^\d+$/.test(expiryText) ? Number.parseInt(expiryText, 10) : NaN;
    if (!Number.isSafeInteger(days) || days < 1 || days > maximumDays) {
      problems.push(["expires_in_days", t("account.errorExpiry")]);
    }
  }
  if (email === "") problems.push(["email", t("account.errorEmailMissing")]);
  if (password === "") problems.push(["password", t("account.errorPasswordMissing")]);
  if (problems.length > 0) {
    // show() focuses its field: the last call wins, so go backwards to leave focus on the first problem.
    for (const [field, message] of problems.reverse()) fieldErrors.show(field, message);
    return null;
  }
  const body = { email, password, name };
  if (days !== null) body.expires_in_days = days;
  return body;
}

/**
 * The email and password of another account make a token for that account. This page is about the
 * signed-in person's tokens, so such a token is revoked again at once, with itself as the credential.
 */
async function revokeForeignToken(token, name) {
  const headers = { Accept: "application/json", Authorization: `Bearer ${token}` };
  try {
    const listed = await fetch("/api/v1/tokens", { headers, credentials: "omit" });
    if (!listed.ok) return;
    const tokens = (await listed.json())?.tokens ?? [];
    const mine = tokens.find((candidate) => candidate.name === name) ?? tokens[0];
    if (!mine) return;
    await fetch(`/api/v1/tokens/${encodeURIComponent(mine.id)}`, { method: "DELETE", headers, credentials: "omit" });
  } catch {
    // Best effort: the person is told to use their own email either way.
  }
}

function showCreateFailure(error) {
  if (error?.status === 401 && error.code === "bad_credentials") {
    fieldErrors.show("password", t("account.errorBadCredentials"));
    passwordInput.select();
    return;
  }
  if (error?.status === 429) {
    const wait = error.retryAfter;
    showCreateError(
      wait !== null && wait !== undefined
        ? t("account.errorTooManyAttempts", { wait: waitText(Math.max(1, wait)) })
        : t("account.errorTooManyAttemptsLater"),
    );
    createButton.focus();
    return;
  }
  if (error?.status === 422 && typeof error.field === "string") {
    const message =
      error.field === "expires_in_days"
        ? t("account.errorExpiry")
        : t("account.errorFieldInvalid", { message: errorText(error) });
    if (fieldErrors.show(error.field, message)) return;
  }
  showCreateError(t("account.errorCreateFailed", { reason: errorText(error) }));
  createButton.focus();
}

async function createToken(event) {
  event.preventDefault();
  if (creating) return;
  clearCreateErrors();
  const body = readForm();
  if (!body) return;
  creating = true;
  createButton.disabled = true;
  form.setAttribute("aria-busy", "true");
  showStatus(createStatus, t("account.creating"), "info");
  try {
    const { json } = await api("POST", "/api/v1/tokens", { body });
    passwordInput.value = "";
    if (me && Number(json.user_id) !== Number(me.user_id)) {
      await revokeForeignToken(json.token, body.name);
      showCreateError(t("account.errorOtherAccount"));
      emailInput.focus();
      emailInput.select();
      await loadTokens();
      return;
    }
    nameInput.value = "";
    expiryInput.value = "";
    hideNewToken();
    await loadTokens({ text: t("account.created", { name: body.name }), state: "ok" });
    showNewToken(json.token, body.name, json.expires_at ?? null);
  } catch (error) {
    // Enabled again first: a disabled button cannot take the focus the failure may move to it.
    createButton.disabled = false;
    showCreateFailure(error);
  } finally {
    showStatus(createStatus, "", "info");
    creating = false;
    createButton.disabled = false;
    form.setAttribute("aria-busy", "false");
  }
}

// MARK: start

/** The signed-in person's email from the member list of one of their organizations, when it can be read. */
async function prefillEmail() {
  if (!me || emailInput.value !== "") return;
  try {
    const { json } = await api("GET", "/api/v1/me");
    const organizations = (json?.organizations ?? []).filter((organization) => organization.role).slice(0, 3);
    for (const organization of organizations) {
      const { json: listed } = await api("GET", `/api/v1/organizations/${encodeURIComponent(organization.id)}/members`);
      const member = (listed?.members ?? []).find((candidate) => Number(candidate.id) === Number(me.user_id));
      if (member?.email) {
        if (emailInput.value === "") emailInput.value = member.email;
        return;
      }
    }
  } catch {
    // The person types it; nothing is lost.
  }
}

async function loadSession() {
  try {
    const { json } = await api("GET", "/api/v1/session");
    me = { user_id: json.user_id, name: json.name };
    whoNode.textContent = t("account.signedInAs", { name: String(json.name ?? "") });
  } catch {
    me = null;
  }
}

async function main() {
  await loadTranslations();
  form.addEventListener("submit", createToken);
  form.setAttribute("aria-busy", "false");
  copyButton.addEventListener("click", copyToken);
  dismissButton.addEventListener("click", () => {
    hideNewToken();
    tokensHeading.focus();
  });
  // A token on screen must not survive a trip through the back-forward cache.
  window.addEventListener("pagehide", hideNewToken);
  await loadSession();
  await Promise.all([loadInvitations(), loadTokens(), prefillEmail()]);
}

main();
