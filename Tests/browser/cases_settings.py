"""Browser test of the project's settings: rename, edit the schema with the as-you-type check and the preview,
save with PATCH, and the schema turning read-only once the project has annotations."""

from __future__ import annotations

import json

from browser import Browser, wait_until
from context import TestContext
from pages import sign_in

MANAGER = "manager@browser.test"
ANNOTATOR = "annotator@browser.test"

SCHEMA = {
    "fields": [{"name": "text", "type": "text"}],
    "questions": [{"name": "verdict", "type": "choice", "options": ["useful", "useless"]}],
}
WIDER_SCHEMA = {
    "fields": [{"name": "text", "type": "text"}],
    "questions": [{"name": "verdict", "type": "choice", "options": ["useful", "useless", "unsure"]}],
}

SETTINGS_STATE_SCRIPT = """
const editor = document.getElementById('settings-schema');
const locked = document.getElementById('settings-schema-locked');
return {
  shown: !document.getElementById('settings').hidden,
  ready: document.getElementById('settings-form').getAttribute('aria-busy') === 'false'
         && !document.getElementById('settings-save').disabled,
  name: document.getElementById('settings-name').value,
  schema: editor.value,
  readOnly: editor.readOnly,
  lockedShown: !!locked && !locked.hidden && locked.getClientRects().length > 0,
  lockedText: locked ? locked.innerText.trim() : null,
  errors: document.getElementById('settings-schema-errors').innerText.trim(),
  result: document.getElementById('settings-result').innerText.trim(),
  resultState: document.getElementById('settings-result').getAttribute('data-state'),
};
"""


def settings_state(browser: Browser) -> dict:
    return browser.js(SETTINGS_STATE_SCRIPT)


def open_settings(browser: Browser, base_url: str, project_id: int) -> dict:
    """Opens the project page and waits until #settings is filled in and knows whether the schema is locked."""
    browser.open(base_url, f"/projects/{project_id}")
    return wait_until(lambda: (lambda s: s if s["shown"] and s["ready"] else None)(settings_state(browser)), 10,
                      "#settings to be shown and ready", describe=lambda: settings_state(browser))


def save_and_wait(browser: Browser) -> str:
    browser.click("#settings-save")
    state = wait_until(lambda: (lambda s: s if s["resultState"] in ("ok", "error") else None)(settings_state(browser)),
                       10, "#settings-result to report the save", describe=lambda: settings_state(browser))
    assert state["resultState"] == "ok" and "saved" in state["result"].lower(), \
        f"#settings-result says {state['result']!r} (state {state['resultState']!r}), expected it saved"
    return state["result"]


def test_project_settings(ctx: TestContext) -> None:
    park = ctx.park
    park.open([(MANAGER, "manager", "Mia Manager"), (ANNOTATOR, "annotator", "Ann Annotator")])
    manager, annotator = park.account(MANAGER), park.account(ANNOTATOR)
    project_id = park.create_project(manager.token, "Reviews", SCHEMA)
    park.import_tasks(manager.token, project_id, [{"text": f"review {i}"} for i in range(2)])
    browser = ctx.browser()
    sign_in(browser, park, MANAGER)

    # A fresh project: the textarea holds the stored schema, pretty-printed, and may be edited.
    state = open_settings(browser, park.base_url, project_id)
    stored = park.call("GET", f"/api/v1/projects/{project_id}", manager.token, expect=(200,)).json()
    assert state["name"] == "Reviews", f"#settings-name holds {state['name']!r}"
    assert state["schema"] == json.dumps(stored["schema"], indent=2, ensure_ascii=False), \
        f"#settings-schema holds {state['schema']!r}, expected the stored schema pretty-printed"
    assert not state["readOnly"] and not state["lockedShown"], f"a project without annotations has a locked schema: {state}"

    new_name = "Reviews 评论, renamed"
    browser.type_into("#settings-name", new_name)

    # A typo in question 0's type: the error names its path.
    typo = json.loads(json.dumps(WIDER_SCHEMA))
    typo["questions"][0]["type"] = "choise"
    browser.type_into("#settings-schema", json.dumps(typo))
    wait_until(lambda: "questions[0].type" in settings_state(browser)["errors"], 10,
               "#settings-schema-errors to name questions[0].type", describe=lambda: settings_state(browser))
    ctx.note(f"schema typo shows: {settings_state(browser)['errors']!r}")

    browser.type_into("#settings-schema", json.dumps(WIDER_SCHEMA))
    wait_until(lambda: settings_state(browser)["errors"] == "" and browser.js(
        "return Array.from(document.querySelectorAll("
        "'#settings-schema-preview fieldset[data-question=\"verdict\"] button[data-option]'))"
        ".map((b) => b.getAttribute('data-option')).join('|')") == "useful|useless|unsure",
        10, "the errors to clear and #settings-schema-preview to offer useful, useless and unsure",
        describe=lambda: f"{settings_state(browser)} preview={browser.text_of('#settings-schema-preview')!r}")

    ctx.note(f"save says: {save_and_wait(browser)!r}")
    project = park.call("GET", f"/api/v1/projects/{project_id}", manager.token, expect=(200,)).json()
    assert project["name"] == new_name, f"the stored name is {project['name']!r}, expected {new_name!r}"
    assert project["schema"]["questions"][0]["options"] == ["useful", "useless", "unsure"], \
        f"the stored verdict options are {project['schema']['questions'][0]['options']}"
    assert browser.text_of("#project-heading") == new_name, f"#project-heading shows {browser.text_of('#project-heading')!r}"

    # One annotation exists: the schema is read-only, with the reason shown, and renaming still works.
    claim = park.call("POST", f"/api/v1/projects/{project_id}/next", annotator.token, expect=(200,)).json()
    park.call("POST", f"/api/v1/tasks/{claim['task']['id']}/annotations", annotator.token,
              body={"lease_token": claim["lease"]["token"], "result": {"verdict": "unsure"}}, expect=(201,))
    state = open_settings(browser, park.base_url, project_id)
    assert state["readOnly"], "#settings-schema can still be edited after an annotation exists"
    assert state["lockedShown"] and state["lockedText"], f"no explanation why the schema is locked: {state}"
    ctx.note(f"locked schema says: {state['lockedText']!r}")
    before = state["schema"]
    browser.find("#settings-schema").send_keys("typed into a read-only schema")
    assert settings_state(browser)["schema"] == before, "typing changed the read-only #settings-schema"

    # Even a schema changed behind the read-only textarea's back is not sent: PATCH omits it, so no 409.
    browser.js("const e = document.getElementById('settings-schema');"
               "e.value = arguments[0]; e.dispatchEvent(new Event('input', {bubbles: true}));", json.dumps(SCHEMA))
    second_name = "Reviews, renamed after annotating"
    browser.type_into("#settings-name", second_name)
    save_and_wait(browser)
    project = park.call("GET", f"/api/v1/projects/{project_id}", manager.token, expect=(200,)).json()
    assert project["name"] == second_name, f"the stored name is {project['name']!r}, expected {second_name!r}"
    assert project["schema"]["questions"][0]["options"] == ["useful", "useless", "unsure"], \
        f"the locked schema changed to {project['schema']}"

    # Chromium logs every 4xx answer; the typo's 422 from the schema check is the one this test asked for.
    errors = [error for error in ctx.console_errors(browser)
              if not ("/api/v1/schemas/validate" in error and "status of 422" in error)]
    assert not errors, f"console errors on the project page: {errors[:5]}"
