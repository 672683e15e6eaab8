"""Browser test of the account page: create an API token with a name and an expiry (the password asked
again), see it once, use it from outside the browser, revoke it in the page and see it refused; a wrong
password and a bad expiry answered in words; the page in both languages, with a screenshot of each."""

from __future__ import annotations

import datetime
import re

from selenium.webdriver.common.keys import Keys

from browser import Browser, wait_until
from cases_pages import check_language
from context import TestContext
from pages import CJK, sign_in
from park import BCRYPT_COST, PASSWORD

MANAGER = "manager@browser.test"
TOKEN_NAME = "ci export 7d"
CHINESE_TOKEN_NAME = "夜间导出"
ACCOUNT_PATH = "/account"

ACCOUNT_STATE_SCRIPT = """
const q = (s) => document.querySelector(s);
const shown = (e) => !!e && !e.hidden && e.getClientRects().length > 0;
const status = q('#tokens-status');
return {
  tokensState: status ? status.getAttribute('data-state') : null,
  tokensStatus: status ? status.innerText.trim() : null,
  rows: Array.from(document.querySelectorAll('#token-table tbody tr[data-testid=token]')).map((row) => ({
    id: row.getAttribute('data-token-id'),
    name: row.querySelector('.name').innerText.trim(),
    created: row.querySelector('.created time') ? row.querySelector('.created time').getAttribute('datetime') : null,
    expires: row.querySelector('.expires time') ? row.querySelector('.expires time').getAttribute('datetime') : null,
    expiresText: row.querySelector('.expires').innerText.trim(),
  })),
  tableShown: shown(q('#token-table')),
  emptyShown: shown(q('#tokens-empty')),
  newTokenShown: shown(q('#new-token')),
  newToken: q('#new-token-value') ? q('#new-token-value').value : null,
  newTokenReadOnly: q('#new-token-value') ? q('#new-token-value').readOnly : null,
  warning: q('#new-token-warning') ? q('#new-token-warning').innerText.trim() : null,
  copyStatus: q('#copy-status') ? q('#copy-status').innerText.trim() : null,
  createError: shown(q('#create-error')) ? q('#create-error').innerText.trim() : '',
  fieldErrors: Object.fromEntries(['token-name', 'token-expiry', 'token-email', 'token-password'].map((id) => {
    const node = q('#' + id + '-error');
    return [id, shown(node) ? node.innerText.trim() : ''];
  })),
  busy: q('#create-token-form') ? q('#create-token-form').getAttribute('aria-busy') : null,
  email: q('#token-email') ? q('#token-email').value : null,
  activeInTable: !!document.activeElement && !!document.activeElement.closest('#token-table'),
  active: document.activeElement ? (document.activeElement.tagName + (document.activeElement.id ? '#' + document.activeElement.id : '')) : null,
};
"""


def account_state(browser: Browser) -> dict:
    return browser.js(ACCOUNT_STATE_SCRIPT)


def open_account(browser: Browser, base_url: str, query: str = "") -> dict:
    """Opens /account and waits until the token list has loaded."""
    browser.open(base_url, ACCOUNT_PATH + query)
    return wait_for_list(browser)


def wait_for_list(browser: Browser) -> dict:
    return wait_until(lambda: (lambda s: s if s["tokensState"] in ("ready", "ok", "warning") else None)(account_state(browser)),
                      10, "#tokens-status to report the loaded list", describe=lambda: account_state(browser))


def full_page_screenshot(browser: Browser, path) -> None:
    """The whole page, not just the 1280×900 viewport: the window grows to the page's height for the shot."""
    size = browser.driver.get_window_size()
    height = browser.js("return Math.ceil(document.documentElement.scrollHeight)")
    browser.js("window.scrollTo(0, 0)")
    browser.driver.set_window_size(size["width"], max(size["height"], min(int(height) + 140, 4000)))
    try:
        browser.screenshot(path)
    finally:
        browser.driver.set_window_size(size["width"], size["height"])


def create_token(browser: Browser, name: str, days: str, password: str = PASSWORD) -> None:
    """Fills the form by keyboard focus and submits it with Enter in the password field."""
    browser.type_into("#token-name", name)
    browser.type_into("#token-expiry", days)
    browser.type_into("#token-email", MANAGER)
    browser.type_into("#token-password", password)
    browser.press(Keys.ENTER)


def accept_confirm(browser: Browser, expected_in_text: str) -> str:
    text = wait_until(browser.alert_text, 10, "the revoke confirmation to open")
    assert expected_in_text in text, f"the confirmation says {text!r}, expected it to name {expected_in_text!r}"
    browser.driver.switch_to.alert.accept()
    return text


def test_account_tokens(ctx: TestContext) -> None:
    park = ctx.park
    park.open([(MANAGER, "manager", "Mia Manager")])
    manager = park.account(MANAGER)
    browser = ctx.browser()
    sign_in(browser, park, MANAGER)

    # The shared navigation leads to the page.
    browser.wait_for("#nav-account")
    browser.click("#nav-account")
    wait_until(lambda: browser.path() == ACCOUNT_PATH, 10, "#nav-account to open the account page", describe=browser.path)
    state = wait_for_list(browser)
    # park.open made one token for the test's own API calls: it is the only one listed.
    assert [row["name"] for row in state["rows"]] == ["browser-test"], f"the list before creating: {state['rows']}"
    assert state["rows"][0]["expiresText"] and state["rows"][0]["expires"] is None, \
        f"a token without expiry should say it never expires: {state['rows'][0]}"
    assert not state["newTokenShown"], "a token is shown before one was created"
    check_language(browser, "en", "/account")
    # The email is prefilled from the member list of the person's organization.
    wait_until(lambda: account_state(browser)["email"] == MANAGER, 5, "#token-email to be prefilled with the email",
               describe=lambda: account_state(browser)["email"])

    # A bad expiry is caught in the page, in words, with focus on the field.
    create_token(browser, TOKEN_NAME, "0")
    state = wait_until(lambda: (lambda s: s if s["fieldErrors"]["token-expiry"] else None)(account_state(browser)),
                       5, "#token-expiry-error to explain", describe=lambda: account_state(browser))
    assert state["active"] == "INPUT#token-expiry", f"focus after a bad expiry is on {state['active']}"
    ctx.note(f"expiry 0 says: {state['fieldErrors']['token-expiry']!r}")

    # A wrong password: 401 bad_credentials, said under the password field; nothing created.
    create_token(browser, TOKEN_NAME, "7", password="not-the-password")
    state = wait_until(lambda: (lambda s: s if s["fieldErrors"]["token-password"] else None)(account_state(browser)),
                       10, "#token-password-error to say the password is wrong", describe=lambda: account_state(browser))
    assert state["active"] == "INPUT#token-password", f"focus after a wrong password is on {state['active']}"
    assert not state["newTokenShown"] and len(state["rows"]) == 1, f"a wrong password created something: {state}"
    ctx.note(f"wrong password says: {state['fieldErrors']['token-password']!r}")

    # The real thing: name, 7 days, email and password, Enter.
    before = datetime.datetime.now(datetime.timezone.utc)
    create_token(browser, TOKEN_NAME, "7")
    state = wait_until(lambda: (lambda s: s if s["newTokenShown"] and s["newToken"] and s["busy"] == "false" else None)(
        account_state(browser)), 10, "#new-token to show the new token", describe=lambda: account_state(browser))
    token = state["newToken"]
    assert state["newTokenReadOnly"], "#new-token-value can be edited"
    assert state["warning"] and "not be shown again" in state["warning"], f"#new-token-warning says {state['warning']!r}"
    assert state["active"] == "INPUT#new-token-value", f"focus after creating is on {state['active']}, not the token"
    assert all(not text for text in state["fieldErrors"].values()) and not state["createError"], \
        f"errors still shown after success: {state['fieldErrors']} {state['createError']!r}"
    names = [row["name"] for row in state["rows"]]
    assert names == [TOKEN_NAME, "browser-test"], f"the list after creating (newest first): {names}"
    created = state["rows"][0]
    expires = datetime.datetime.fromisoformat(created["expires"].replace("Z", "+00:00"))
    expected = before + datetime.timedelta(days=7)
    assert abs((expires - expected).total_seconds()) < 120, f"the token expires {expires}, expected about {expected}"
    assert re.search(r"\d", created["expiresText"]), f"the expiry cell says {created['expiresText']!r}"
    ctx.note(f"list says: {state['tokensStatus']!r}; new token expires {created['expiresText']!r}")

    # The token works outside the browser.
    answer = park.call("GET", "/api/v1/me", token)
    assert answer.status == 200, f"GET /api/v1/me with the new token answered {answer.status}: {answer.body[:200]!r}"
    assert answer.json()["user_id"] == manager.user_id, f"the new token is someone else's: {answer.json()}"

    browser.click("#copy-token")
    copy = wait_until(lambda: account_state(browser)["copyStatus"], 5, "#copy-status to report the copy")
    ctx.note(f"copy says: {copy!r}")
    full_page_screenshot(browser, ctx.screenshot_dir / f"{ctx.name}-en.png")

    # Revoke it in the page: confirm, the row goes, and the token is refused at once.
    revoke = f"#token-table tr[data-token-id='{created['id']}'] button.revoke"
    browser.click(revoke)
    accept_confirm(browser, TOKEN_NAME)
    state = wait_until(lambda: (lambda s: s if s["tokensState"] == "ok" and TOKEN_NAME not in [r["name"] for r in s["rows"]]
                                else None)(account_state(browser)), 10, "the revoked token to leave the list",
                       describe=lambda: account_state(browser))
    assert [row["name"] for row in state["rows"]] == ["browser-test"], f"the list after revoking: {state['rows']}"
    assert state["active"] == "BUTTON" and state["activeInTable"], \
        f"focus after revoking is on {state['active']}, expected the remaining row's revoke button"
    ctx.note(f"revoke says: {state['tokensStatus']!r}")
    answer = park.call("GET", "/api/v1/me", token)
    assert answer.status == 401, f"GET /api/v1/me with the revoked token answered {answer.status}, expected 401"

    # Hiding the shown token removes it from the page.
    browser.click("#dismiss-token")
    state = account_state(browser)
    assert not state["newTokenShown"] and state["newToken"] == "", f"the token is still on the page after hiding: {state}"

    # In Chinese: the labels, buttons and "never" in Chinese, and a token without expiry shown once.
    state = open_account(browser, park.base_url, "?lang=zh-CN")
    check_language(browser, "zh-CN", "/account?lang=zh-CN")
    for selector in ("#page-title", "#tokens-heading", "label[for=token-name]", "label[for=token-expiry]",
                     "label[for=token-email]", "label[for=token-password]", "#create-token", "#nav-account",
                     "#token-table thead th"):
        text = browser.text_of(selector) or ""
        assert CJK.search(text), f"zh-CN: {selector} says {text!r}"
    browser.type_into("#token-name", CHINESE_TOKEN_NAME)
    browser.type_into("#token-email", MANAGER)
    browser.type_into("#token-password", PASSWORD)
    browser.click("#create-token")
    state = wait_until(lambda: (lambda s: s if s["newTokenShown"] and s["newToken"] and s["busy"] == "false" else None)(
        account_state(browser)), 10, "#new-token to show the new token (zh-CN)", describe=lambda: account_state(browser))
    assert CJK.search(state["warning"] or ""), f"zh-CN: #new-token-warning says {state['warning']!r}"
    newest = state["rows"][0]
    assert newest["name"] == CHINESE_TOKEN_NAME and newest["expires"] is None and newest["expiresText"] == "永不过期", \
        f"zh-CN: the newest row is {newest}"
    ctx.note(f"zh-CN list says: {state['tokensStatus']!r}; warning: {state['warning']!r}")
    full_page_screenshot(browser, ctx.screenshot_dir / f"{ctx.name}-zh-CN.png")

    # Wrong passwords until the limiter answers 429: the page says so, with the wait from Retry-After.
    browser.type_into("#token-name", "never created")
    for _ in range(8):
        browser.type_into("#token-password", "not-the-password")
        browser.press(Keys.ENTER)
        state = wait_until(lambda: (lambda s: s if s["busy"] == "false" and (s["createError"] or s["fieldErrors"]["token-password"])
                                    else None)(account_state(browser)), 10, "the wrong password to be answered",
                           describe=lambda: account_state(browser))
        if state["createError"]:
            break
    assert CJK.search(state["createError"]) and re.search(r"\d", state["createError"]), \
        f"zh-CN: after too many attempts #create-error says {state['createError']!r}, expected the wait in Chinese"
    ctx.note(f"zh-CN too many attempts says: {state['createError']!r}")

    # Chromium logs every 4xx answer; the wrong passwords' 401 and 429 are the ones this test asked for.
    errors = [error for error in ctx.console_errors(browser)
              if not ("/api/v1/tokens" in error and ("status of 401" in error or "status of 429" in error))]
    assert not errors, f"console errors on the account page: {errors[:5]}"


# MARK: invitations

CLIENT_ADMIN = "admin@harbor.test"
CLIENT_ORGANIZATION = "Harbor Health Data"
CLIENT_PROJECT = "Harbor triage notes"
VENDOR_ADMIN = "admin@riverside.test"
VENDOR_ORGANIZATION = "Riverside Annotation Co."
INVITATION_SCHEMA = {"fields": [{"name": "text", "type": "text"}],
                     "questions": [{"name": "urgent", "type": "choice", "options": ["yes", "no"]}]}

INVITATIONS_STATE_SCRIPT = """
const q = (s) => document.querySelector(s);
const shown = (e) => !!e && !e.hidden && e.getClientRects().length > 0;
const status = q('#invitations-status');
return {
  sectionShown: shown(q('#invitations')),
  tableShown: shown(q('#invitation-table')),
  state: status ? status.getAttribute('data-state') : null,
  status: status ? status.innerText.trim() : null,
  homeLink: status && status.querySelector('a') ? status.querySelector('a').getAttribute('href') : null,
  heading: q('#invitations-heading') ? q('#invitations-heading').innerText.trim() : null,
  headers: Array.from(document.querySelectorAll('#invitation-table thead th')).map((th) => th.innerText.trim()),
  rows: Array.from(document.querySelectorAll('#invitation-table tbody tr[data-testid=invitation]')).map((row) => ({
    organizationId: row.getAttribute('data-organization-id'),
    organization: row.querySelector('.organization').innerText.trim(),
    kind: row.querySelector('.kind').innerText.trim(),
    role: row.querySelector('.role').innerText.trim(),
    invited: row.querySelector('.invited time') ? row.querySelector('.invited time').getAttribute('datetime') : null,
    invitedText: row.querySelector('.invited').innerText.trim(),
    accept: row.querySelector('button.accept') ? row.querySelector('button.accept').innerText.trim() : null,
    decline: row.querySelector('button.decline') ? row.querySelector('button.decline').innerText.trim() : null,
  })),
  tokensState: q('#tokens-status') ? q('#tokens-status').getAttribute('data-state') : null,
  active: document.activeElement ? (document.activeElement.tagName + (document.activeElement.id ? '#' + document.activeElement.id : '')) : null,
};
"""


def invitations_state(browser: Browser) -> dict:
    return browser.js(INVITATIONS_STATE_SCRIPT)


def wait_for_invitations(browser: Browser, count: int, what: str) -> dict:
    """Waits until the page has loaded its data and lists `count` invitations (the section shown)."""
    def loaded():
        state = invitations_state(browser)
        return state if (state["tokensState"] in ("ready", "ok", "warning") and state["sectionShown"]
                         and state["state"] in ("ready", "ok", "warning") and len(state["rows"]) == count) else None
    return wait_until(loaded, 10, what, describe=lambda: invitations_state(browser))


def create_admin_of_new_organization(park, email: str, name: str, organization: str, kind: str) -> None:
    """An admin of a second organization, made with the CLI as park.py makes the test's own accounts."""
    output = park._cli(["user", "create", "--data-dir", str(park.data_dir), "--email", email, "--password", PASSWORD,
                        "--role", "admin", "--org", organization, "--org-kind", kind, "--name", name,
                        "--bcrypt-cost", BCRYPT_COST])
    assert re.search(r"created user (\d+)", output), f"`user create` for {email} said {output!r}"


def api_token(park, email: str) -> str:
    answer = park.call("POST", "/api/v1/tokens", body={"email": email, "password": PASSWORD, "name": "browser-test"},
                       expect=(201,))
    return answer.json()["token"]


def organization_id_of(park, token: str, name: str) -> int:
    organizations = park.call("GET", "/api/v1/me", token, expect=(200,)).json()["organizations"]
    matching = [organization["id"] for organization in organizations if organization["name"] == name]
    assert matching, f"{name!r} is not among the caller's organizations: {organizations}"
    return int(matching[0])


def element_screenshot(browser: Browser, css: str, path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    element = browser.find(css)
    browser.js("arguments[0].scrollIntoView({block: 'start'})", element)
    element.screenshot(str(path))


def test_account_invitations(ctx: TestContext) -> None:
    """Two other organizations add the park's manager, who already works for the client organization: both
    answers look like any new member's (pending, no id), nothing is granted until the manager answers; on
    /account the manager declines one (confirmed, in Chinese) and accepts the other, whose projects and
    membership then reach the manager's token."""
    park = ctx.park
    create_admin_of_new_organization(park, CLIENT_ADMIN, "Hana Harbor", CLIENT_ORGANIZATION, "client")
    create_admin_of_new_organization(park, VENDOR_ADMIN, "Rafe Riverside", VENDOR_ORGANIZATION, "vendor")
    park.open([(MANAGER, "manager", "Mia Manager")])
    manager = park.account(MANAGER)
    client_admin = api_token(park, CLIENT_ADMIN)
    vendor_admin = api_token(park, VENDOR_ADMIN)
    client_id = organization_id_of(park, client_admin, CLIENT_ORGANIZATION)
    vendor_id = organization_id_of(park, vendor_admin, VENDOR_ORGANIZATION)
    project_id = park.create_project(client_admin, CLIENT_PROJECT, INVITATION_SCHEMA, organization_id=client_id)

    # The admins add the manager by email; the answer does not tell that the email already has an account.
    added = park.call("POST", f"/api/v1/organizations/{client_id}/members", client_admin, expect=(201,), body={
        "email": MANAGER, "name": "Mia (reviewing for Harbor)", "password": "invited-password-123", "role": "reviewer",
    }).json()
    assert added["status"] == "pending" and added["id"] is None and added["name"] == "Mia (reviewing for Harbor)", \
        f"the member the client admin added: {added}"
    park.call("POST", f"/api/v1/organizations/{vendor_id}/members", vendor_admin, expect=(201,), body={
        "email": MANAGER, "name": "Mia", "password": "invited-password-123", "role": "annotator",
    })
    again = park.call("POST", f"/api/v1/organizations/{client_id}/members", client_admin, body={
        "email": MANAGER, "name": "Mia", "password": "invited-password-123", "role": "reviewer",
    })
    assert again.status == 409 and again.json()["error"]["code"] == "duplicate_email", \
        f"adding the same email twice answered {again.status}: {again.body[:200]!r}"
    listed = park.call("GET", f"/api/v1/organizations/{client_id}/members", client_admin, expect=(200,)).json()["members"]
    pending = [member for member in listed if member["email"] == MANAGER]
    assert pending and pending[0]["status"] == "pending" and pending[0]["id"] is None, f"the client's member list: {listed}"

    # A pending membership grants nothing.
    me = park.call("GET", "/api/v1/me", manager.token, expect=(200,)).json()
    assert [organization["name"] for organization in me["organizations"]] == ["Browser Test Client"], \
        f"GET /api/v1/me before answering: {me}"
    answer = park.call("GET", f"/api/v1/projects/{project_id}", manager.token)
    assert answer.status == 404, f"the client's project answered {answer.status} to a pending member"
    invitations = park.call("GET", "/api/v1/invitations", manager.token, expect=(200,)).json()["invitations"]
    assert sorted(invitation["organization"] for invitation in invitations) == sorted([CLIENT_ORGANIZATION, VENDOR_ORGANIZATION]), \
        f"GET /api/v1/invitations: {invitations}"

    # The account page lists both, with kind, role and date, and an accept and a decline button each.
    browser = ctx.browser()
    sign_in(browser, park, MANAGER, next_path=ACCOUNT_PATH + "?lang=en")
    state = wait_for_invitations(browser, 2, "#invitations to list the two invitations")
    check_language(browser, "en", "/account")
    rows = {row["organization"]: row for row in state["rows"]}
    assert set(rows) == {CLIENT_ORGANIZATION, VENDOR_ORGANIZATION}, f"the invitations listed: {state['rows']}"
    assert (rows[CLIENT_ORGANIZATION]["kind"], rows[CLIENT_ORGANIZATION]["role"]) == ("Client", "Reviewer"), \
        f"the client's row: {rows[CLIENT_ORGANIZATION]}"
    assert (rows[VENDOR_ORGANIZATION]["kind"], rows[VENDOR_ORGANIZATION]["role"]) == ("Vendor", "Annotator"), \
        f"the vendor's row: {rows[VENDOR_ORGANIZATION]}"
    for row in state["rows"]:
        assert row["invited"] and re.search(r"\d", row["invitedText"]), f"no invitation date in {row}"
        assert (row["accept"], row["decline"]) == ("Accept", "Decline"), f"the buttons of {row}"
    ctx.note(f"en: {state['heading']!r} {state['headers'][:4]} status={state['status']!r}")
    element_screenshot(browser, "#invitations", ctx.screenshot_dir / f"{ctx.name}-en.png")

    # In Chinese: everything in the section in Chinese; decline the vendor there, after the confirmation.
    browser.open(park.base_url, ACCOUNT_PATH + "?lang=zh-CN")
    state = wait_for_invitations(browser, 2, "#invitations to list the two invitations (zh-CN)")
    check_language(browser, "zh-CN", "/account?lang=zh-CN")
    for text in [state["heading"], *state["headers"][:4], *(value for row in state["rows"]
                                                            for value in (row["kind"], row["role"], row["accept"], row["decline"]))]:
        assert CJK.search(text), f"zh-CN: the invitations section says {text!r}: {state}"
    element_screenshot(browser, "#invitations", ctx.screenshot_dir / f"{ctx.name}-zh-CN.png")
    browser.click(f"#invitation-table tr[data-organization-id='{vendor_id}'] button.decline")
    confirmation = accept_confirm(browser, VENDOR_ORGANIZATION)
    assert CJK.search(confirmation), f"zh-CN: the decline confirmation says {confirmation!r}"
    state = wait_for_invitations(browser, 1, "the declined invitation to leave the list (zh-CN)")
    assert state["rows"][0]["organization"] == CLIENT_ORGANIZATION and state["state"] == "ok" and CJK.search(state["status"]), \
        f"zh-CN: after declining: {state}"
    ctx.note(f"zh-CN decline: confirm={confirmation!r} status={state['status']!r}")
    assert not any(member["email"] == MANAGER for member in park.call(
        "GET", f"/api/v1/organizations/{vendor_id}/members", vendor_admin, expect=(200,)).json()["members"]), \
        "the declined membership is still in the vendor's member list"

    # In English again: accept the client's invitation; the page says where its projects now are.
    browser.open(park.base_url, ACCOUNT_PATH + "?lang=en")
    state = wait_for_invitations(browser, 1, "#invitations to list the one invitation left")
    browser.click(f"#invitation-table tr[data-organization-id='{client_id}'] button.accept")
    state = wait_until(lambda: (lambda s: s if s["state"] == "ok" and not s["rows"] else None)(invitations_state(browser)),
                       10, "the accepted invitation to leave the list", describe=lambda: invitations_state(browser))
    assert state["sectionShown"] and not state["tableShown"], f"after accepting the last invitation: {state}"
    assert CLIENT_ORGANIZATION in state["status"] and "home page" in state["status"] and state["homeLink"] == "/", \
        f"after accepting, #invitations-status says {state['status']!r} (link {state['homeLink']!r})"
    assert state["active"] == "H2#invitations-heading", f"focus after accepting is on {state['active']}"
    ctx.note(f"accept says: {state['status']!r}")
    element_screenshot(browser, "#invitations", ctx.screenshot_dir / f"{ctx.name}-accepted-en.png")

    # The manager's token now reaches the organization and its project.
    me = park.call("GET", "/api/v1/me", manager.token, expect=(200,)).json()
    roles = {organization["name"]: organization.get("role") for organization in me["organizations"]}
    assert roles.get(CLIENT_ORGANIZATION) == "reviewer" and VENDOR_ORGANIZATION not in roles, \
        f"GET /api/v1/me after accepting: {me}"
    park.call("GET", f"/api/v1/projects/{project_id}", manager.token, expect=(200,))
    assert park.call("GET", "/api/v1/invitations", manager.token, expect=(200,)).json()["invitations"] == [], \
        "invitations are left after answering both"
    members = park.call("GET", f"/api/v1/organizations/{client_id}/members", client_admin, expect=(200,)).json()["members"]
    joined = [member for member in members if member["email"] == MANAGER]
    assert joined and joined[0]["status"] == "active" and joined[0]["id"] == manager.user_id, \
        f"the client's member list after accepting: {members}"
    again = park.call("POST", f"/api/v1/invitations/{client_id}/accept", manager.token)
    assert again.status == 404, f"accepting a second time answered {again.status}"

    # The home page lists the project, and the account page no longer shows the section.
    browser.click("#invitations-status a")
    wait_until(lambda: CLIENT_PROJECT in browser.body_text(), 10, f"the home page to list {CLIENT_PROJECT!r}",
               describe=lambda: browser.body_text()[:400])
    open_account(browser, park.base_url, "?lang=en")
    state = invitations_state(browser)
    assert not state["sectionShown"], f"#invitations is shown without invitations: {state}"

    errors = ctx.console_errors(browser)
    assert not errors, f"console errors: {errors[:5]}"
