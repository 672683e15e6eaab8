"""Browser tests of sign-in, the manager's pages (new project, import), hostile text and both languages."""

from __future__ import annotations

import json
import re
import time
import urllib.parse

from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.keys import Keys

from browser import Browser, wait_until
from context import TestContext
from pages import CJK, RAW_TRANSLATION_KEY, AnnotatePage, sign_in

MANAGER = "manager@browser.test"
ANNOTATOR = "annotator@browser.test"
SCRIPT_PAYLOAD = "<script>alert(1)</script>"
IMAGE_PAYLOAD = "<img src=x onerror=alert(2)>"


def test_sign_in_and_out(ctx: TestContext) -> None:
    park = ctx.park
    park.open([(MANAGER, "manager", "Mia Manager")])
    browser = ctx.browser()

    # A page asked for without a session sends the browser to sign in, remembering where it was going.
    browser.open(park.base_url, "/my-work")
    wait_until(lambda: browser.path().startswith("/login"), 10, "the redirect of /my-work to /login",
               describe=browser.path)
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(browser.path()).query)
    assert query.get("next") == ["/my-work"], f"/login should carry next=/my-work: {browser.path()}"

    browser.wait_for("#login-form")
    browser.type_into("#email", MANAGER)
    browser.type_into("#password", "not-the-password")
    browser.click("#sign-in")
    error = browser.wait_for("#login-error")
    assert error.text.strip(), "#login-error is shown but says nothing"
    assert browser.path().startswith("/login"), f"a wrong password left /login for {browser.path()}"
    assert browser.driver.get_cookie("lp_session") is None, "a wrong password set a session cookie"
    ctx.note(f"wrong password says: {error.text.strip()!r}")

    # The form shown with the error still knows where to go next.
    browser.type_into("#email", MANAGER)
    browser.type_into("#password", "browser-test-password")
    browser.click("#sign-in")
    wait_until(lambda: browser.path() == "/my-work", 10, "the sign-in to land on /my-work (the next= path)",
               describe=lambda: f"{browser.path()} error={browser.text_of('#login-error')!r}")
    cookie = browser.driver.get_cookie("lp_session")
    assert cookie is not None, "no lp_session cookie after signing in"
    assert cookie.get("httpOnly") is True, f"lp_session must be HttpOnly: {cookie}"
    assert cookie.get("sameSite") == "Lax", f"lp_session must be SameSite=Lax: {cookie}"
    assert browser.text_of("#user-name") == "Mia Manager", f"#user-name shows {browser.text_of('#user-name')!r}"

    browser.open(park.base_url, "/")
    browser.wait_for("#projects", visible=False)
    assert browser.path() == "/", f"signed in, / still redirected to {browser.path()}"

    browser.click("#sign-out button[type=submit]")
    wait_until(lambda: browser.path().startswith("/login"), 10, "sign-out to land on /login", describe=browser.path)
    browser.open(park.base_url, "/")
    wait_until(lambda: browser.path().startswith("/login"), 10, "/ to redirect to /login after signing out",
               describe=browser.path)
    status = browser.driver.execute_async_script(
        "const done = arguments[0]; fetch('/api/v1/session').then((r) => done(r.status), () => done(-1));")
    assert status == 401, f"after signing out GET /api/v1/session answered {status}, expected 401"


VALID_SCHEMA = {
    "fields": [{"name": "text", "type": "text"}],
    "questions": [
        {"name": "verdict", "type": "choice", "options": ["useful", "useless"]},
        {"name": "entities", "type": "spans", "field": "text", "labels": ["PER", "LOC"]},
    ],
}


def test_create_project_and_import(ctx: TestContext) -> None:
    park = ctx.park
    park.open([(MANAGER, "manager", "Mia Manager")])
    manager = park.account(MANAGER)
    browser = ctx.browser()
    sign_in(browser, park, MANAGER)

    browser.wait_for("#new-project").click()
    wait_until(lambda: browser.path() == "/projects/new", 10, "#new-project to open /projects/new", describe=browser.path)
    browser.wait_for("#schema-editor")
    project_name = "Reviews 评论 batch 1"
    browser.type_into("#project-name", project_name)

    # A typo in question 0's type: the editor must point at schema.questions[0].type.
    typo = json.loads(json.dumps(VALID_SCHEMA))
    typo["questions"][0]["type"] = "choise"
    browser.type_into("#schema-editor", json.dumps(typo))
    wait_until(lambda: "questions[0].type" in (browser.text_of("#schema-errors") or ""), 10,
               "#schema-errors to name questions[0].type",
               describe=lambda: f"#schema-errors={browser.text_of('#schema-errors')!r}")
    ctx.note(f"schema typo shows: {browser.text_of('#schema-errors')!r}")

    browser.type_into("#schema-editor", json.dumps(VALID_SCHEMA))
    wait_until(lambda: browser.js(
        "const e = document.getElementById('schema-errors');"
        "return e.querySelectorAll('li').length === 0 && e.innerText.trim() === '' &&"
        " !!document.querySelector('#schema-preview fieldset[data-question=\"verdict\"]') &&"
        " !!document.querySelector('#schema-preview fieldset[data-question=\"entities\"]');"),
        10, "#schema-errors to empty and #schema-preview to show the questions verdict and entities",
        describe=lambda: f"errors={browser.text_of('#schema-errors')!r} preview={(browser.text_of('#schema-preview') or '')[:200]!r}")
    options = browser.js("return Array.from(document.querySelectorAll("
                         "'#schema-preview fieldset[data-question=\"verdict\"] button[data-option]'))"
                         ".map((b) => b.getAttribute('data-option'))")
    assert options == ["useful", "useless"], f"the preview's verdict options are {options}"

    browser.click("#create-project")
    match = wait_until(lambda: re.fullmatch(r"/projects/(\d+)", browser.path()), 10,
                       "#create-project to navigate to /projects/N",
                       describe=lambda: f"{browser.path()} create-error={browser.text_of('#create-error')!r}")
    project_id = int(match.group(1))
    project = park.call("GET", f"/api/v1/projects/{project_id}", manager.token, expect=(200,)).json()
    assert project["name"] == project_name, f"stored name {project['name']!r}"
    assert holds(project["schema"], VALID_SCHEMA), f"stored schema {project['schema']} lacks parts of {VALID_SCHEMA}"

    browser.wait_for('#schema-view fieldset[data-question="verdict"]')

    good = ctx.directory / "tasks-good.jsonl"
    good.write_text("".join(json.dumps({"text": f"评论 {i}: the parcel from Lisbon came late"}, ensure_ascii=False) + "\n"
                            for i in range(25)), encoding="utf-8")
    import_file(browser, good)
    wait_until(lambda: "25" in (browser.text_of("#import-result") or ""), 15, "#import-result to report 25 created",
               describe=lambda: f"#import-result={browser.text_of('#import-result')!r}")
    assert_progress_full(browser)
    assert not browser.find_all("[data-testid=import-error]"), "a clean file listed import errors"
    tasks = park.call("GET", f"/api/v1/projects/{project_id}/progress", manager.token, expect=(200,)).json()["tasks"]
    assert tasks == 25, f"the project holds {tasks} tasks after importing 25"

    # Line 3 lacks the text field: the whole file is refused (partial is off) and the table names line 3.
    bad = ctx.directory / "tasks-bad.jsonl"
    bad.write_text('{"text": "fine one"}\n{"text": "fine two"}\n{"title": "no text field"}\n{"text": "fine four"}\n',
                   encoding="utf-8")
    import_file(browser, bad)
    wait_until(lambda: browser.js(
        "return Array.from(document.querySelectorAll('#import-errors [data-testid=import-error]'))"
        ".some((row) => row.querySelector('.line') && row.querySelector('.line').innerText.trim() === '3'"
        " && row.querySelector('.message') && row.querySelector('.message').innerText.trim() !== '')"),
        15, "an #import-errors row with .line 3 and a message",
        describe=lambda: f"#import-errors={browser.text_of('#import-errors')!r} #import-result={browser.text_of('#import-result')!r}")
    rows = browser.find_all("#import-errors [data-testid=import-error]")
    assert len(rows) == 1, f"one bad line, {len(rows)} error rows"
    assert browser.find("#import-errors").is_displayed(), "#import-errors holds the row but is not shown"
    assert_progress_full(browser)
    ctx.note(f"bad line shows: line {rows[0].find_element('css selector', '.line').text} — "
             f"{rows[0].find_element('css selector', '.message').text!r}; result {browser.text_of('#import-result')!r}")
    tasks = park.call("GET", f"/api/v1/projects/{project_id}/progress", manager.token, expect=(200,)).json()["tasks"]
    assert tasks == 25, f"a refused file still changed the task count to {tasks}"

    # Home shows the new project with its bars: nothing done, nothing in review, 25 left.
    browser.open(park.base_url, "/")
    card = f'[data-testid=project-card][data-project-id="{project_id}"]'
    browser.wait_for(card)
    name = browser.text_of(f"{card} .project-name")
    assert name == project_name, f"the card's .project-name is {name!r}"
    # The card comes first; its bars follow once the project's progress has been fetched (page-home.js
    # fillProgress appends them all at once), so wait for them before reading their values.
    read_card = """
const card = document.querySelector(arguments[0]);
const bar = (c) => { const p = card.querySelector('[data-testid=progress] progress.' + c); return p ? [p.value, p.max] : null; };
return {done: bar('done'), review: bar('in-review'), left: bar('left'),
        slot: card.querySelector('.progress-slot') && card.querySelector('.progress-slot').innerText,
        link: card.querySelector('a.project-link') && card.querySelector('a.project-link').getAttribute('href'),
        annotate: card.querySelector('a.annotate-link') && card.querySelector('a.annotate-link').getAttribute('href')};
"""
    bars = wait_until(lambda: (lambda state: state if all(state[key] is not None for key in ("done", "review", "left"))
                               else None)(browser.js(read_card, card)),
                      15, "the project card's progress bars",
                      describe=lambda: f"card state {browser.js(read_card, card)}")
    assert bars["done"] == [0, 25] and bars["review"] == [0, 25] and bars["left"] == [25, 25], \
        f"the card's bars (value, max) are {bars}; expected done 0/25, in review 0/25, left 25/25"
    assert bars["link"] == f"/projects/{project_id}", f"a.project-link goes to {bars['link']}"
    assert bars["annotate"] == f"/projects/{project_id}/annotate", f"a.annotate-link goes to {bars['annotate']}"


def holds(actual, expected) -> bool:
    """Whether `actual` has everything `expected` has (the server may add defaults, such as a spans overlap rule)."""
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(key in actual and holds(actual[key], value) for key, value in expected.items())
    if isinstance(expected, list):
        return isinstance(actual, list) and len(actual) == len(expected) and all(map(holds, actual, expected))
    return actual == expected


def import_file(browser: Browser, path) -> None:
    """Chooses the file in #import-file and presses #import-button."""
    field = browser.find("#import-file")
    try:
        field.clear()
    except WebDriverException:
        pass
    field.send_keys(str(path))
    browser.click("#import-button")


def assert_progress_full(browser: Browser) -> None:
    wait_until(lambda: browser.js("const p = document.getElementById('import-progress');"
                                  "return p.hasAttribute('value') && p.max > 0 && p.value === p.max;"),
               15, "#import-progress to reach its max",
               describe=lambda: browser.js("const p = document.getElementById('import-progress');"
                                           "return `value=${p.getAttribute('value')} max=${p.max}`;"))


def test_hostile_text_is_shown_not_run(ctx: TestContext) -> None:
    park = ctx.park
    annotator_name = f"{IMAGE_PAYLOAD} Ann"
    manager_name = f"{SCRIPT_PAYLOAD} Mia"
    park.open([(MANAGER, "manager", manager_name), (ANNOTATOR, "annotator", annotator_name)])
    manager, annotator = park.account(MANAGER), park.account(ANNOTATOR)
    project_name = f"{SCRIPT_PAYLOAD} {IMAGE_PAYLOAD} project"
    schema = {
        "fields": [{"name": "text", "type": "text", "label": f"{IMAGE_PAYLOAD} field"}],
        "questions": [
            {"name": "label", "type": "choice", "label": f"{SCRIPT_PAYLOAD} question",
             "options": [SCRIPT_PAYLOAD, IMAGE_PAYLOAD, "plain"]},
            {"name": "marks", "type": "spans", "field": "text", "labels": [IMAGE_PAYLOAD, "PER"]},
        ],
    }
    project_id = park.create_project(manager.token, project_name, schema, description=f"{IMAGE_PAYLOAD} about")
    task_text = f"{SCRIPT_PAYLOAD} and {IMAGE_PAYLOAD} in a task"
    park.import_tasks(manager.token, project_id, [{"text": f"{task_text} {i}"} for i in range(3)])

    for path in ("/login", "/"):
        policy = park.call("GET", path).headers.get("content-security-policy", "")
        assert "default-src 'self'" in policy, f"GET {path}: Content-Security-Policy is {policy!r}"

    manager_browser = ctx.browser()
    sign_in(manager_browser, park, MANAGER)
    manager_browser.wait_for(f'[data-testid=project-card][data-project-id="{project_id}"] .project-name')
    check_hostile_page(ctx, manager_browser, "home (manager)", [project_name, manager_name])
    manager_browser.open(park.base_url, f"/projects/{project_id}")
    wait_until(lambda: manager_browser.text_of("#project-heading") == project_name, 10,
               "#project-heading to show the project's name", describe=lambda: manager_browser.text_of("#project-heading"))
    manager_browser.wait_for('#schema-view fieldset[data-question="label"]')
    check_hostile_page(ctx, manager_browser, "project", [project_name, SCRIPT_PAYLOAD, IMAGE_PAYLOAD])

    browser = ctx.browser()
    sign_in(browser, park, ANNOTATOR)
    browser.wait_for(f'[data-testid=project-card][data-project-id="{project_id}"] .project-name')
    check_hostile_page(ctx, browser, "home (annotator)", [project_name, annotator_name])
    page = AnnotatePage(browser)
    page.open(park, project_id)
    shown = page.wait_for_task()
    assert task_text in shown, f"the task shows {shown!r}, expected it to hold {task_text!r}"
    options = browser.js("return Array.from(document.querySelectorAll('fieldset[data-question=\"label\"] button[data-option]'))"
                         ".map((b) => b.getAttribute('data-option'))")
    assert options == [SCRIPT_PAYLOAD, IMAGE_PAYLOAD, "plain"], f"the option buttons carry {options}"
    check_hostile_page(ctx, browser, "annotate", [task_text, SCRIPT_PAYLOAD, IMAGE_PAYLOAD, annotator_name])

    page.answer_by_keyboard("2")
    page.wait_for_task(previous=shown)
    page.wait_for_pending(0)
    stored = park.annotations_by(manager.token, project_id, annotator.user_id)
    assert [a["result"].get("label") for _, a in stored] == [IMAGE_PAYLOAD], \
        f"the stored answer is {[a['result'] for _, a in stored]}, expected label {IMAGE_PAYLOAD!r}"

    browser.open(park.base_url, "/my-work")
    browser.wait_for("[data-testid=my-annotation]")
    time.sleep(0.3)
    check_hostile_page(ctx, browser, "my-work", [annotator_name])


def check_hostile_page(ctx: TestContext, browser: Browser, page: str, literal_texts: list[str]) -> None:
    """No alert, no script or image made from data, no console error, and the payloads shown as text."""
    # onerror fires after the image request fails; give it the time it would take.
    time.sleep(0.5)
    alert = browser.alert_text()
    if alert is not None:
        browser.driver.switch_to.alert.dismiss()
        raise AssertionError(f"{page}: an alert opened saying {alert!r}: a payload ran")
    injected = browser.js("""
return {
  scripts: Array.from(document.scripts).filter((s) => s.type !== 'module' || !s.src.includes('/static/js/')).map((s) => s.outerHTML.slice(0, 120)),
  images: Array.from(document.querySelectorAll('img')).filter((i) => i.getAttribute('src') === 'x' || i.hasAttribute('onerror')).length,
  handlers: Array.from(document.querySelectorAll('*')).filter((e) => Array.from(e.attributes).some((a) => a.name.startsWith('on'))).length,
};""")
    assert not injected["scripts"], f"{page}: script elements that are not the page's modules: {injected['scripts']}"
    assert injected["images"] == 0, f"{page}: {injected['images']} <img> elements made from a payload"
    assert injected["handlers"] == 0, f"{page}: {injected['handlers']} elements carry inline on* handlers"
    errors = ctx.console_errors(browser)
    assert not errors, f"{page}: console errors: {errors[:5]}"
    text = browser.body_text()
    missing = [literal for literal in literal_texts if literal not in text]
    assert not missing, f"{page}: the visible text lacks {missing}"


def test_both_languages(ctx: TestContext) -> None:
    park = ctx.park
    park.open([(MANAGER, "manager", "Mia Manager"), (ANNOTATOR, "annotator", "Ann Annotator")])
    manager = park.account(MANAGER)
    project_id = park.create_project(manager.token, "Languages", {
        "fields": [{"name": "text", "type": "text"}],
        "questions": [{"name": "label", "type": "choice", "options": ["a", "b"]},
                      {"name": "entities", "type": "spans", "field": "text", "labels": ["PER"]}]})
    park.import_tasks(manager.token, project_id, [{"text": f"plain English task {i}"} for i in range(3)])

    browser = ctx.browser()
    browser.open(park.base_url, "/login?lang=zh-CN")
    browser.wait_for("#login-form")
    check_language(browser, "zh-CN", "/login?lang=zh-CN")
    assert browser.find("#sign-in").text.strip() == "登录", f"#sign-in says {browser.find('#sign-in').text!r}, expected 登录"
    # The choice is remembered without the parameter.
    browser.open(park.base_url, "/login")
    browser.wait_for("#login-form")
    check_language(browser, "zh-CN", "/login after choosing zh-CN")
    browser.open(park.base_url, "/login?lang=en")
    browser.wait_for("#login-form")
    check_language(browser, "en", "/login?lang=en")
    assert browser.find("#sign-in").text.strip() == "Sign in", f"#sign-in says {browser.find('#sign-in').text!r}"

    sign_in(browser, park, ANNOTATOR)
    page = AnnotatePage(browser)
    for language in ("zh-CN", "en"):
        page.open(park, project_id, f"?lang={language}")
        page.wait_for_task()
        browser.wait_for("#submit")
        # Strings filled in by the page's script appear once it has loaded its translations.
        wait_until(lambda: browser.text_of("#status") not in (None, ""), 10, "#status to say something")
        check_language(browser, language, f"annotate?lang={language}", exclude="#task")
        submit = browser.find("#submit").text
        if language == "zh-CN":
            assert CJK.search(submit), f"zh-CN: #submit says {submit!r}"
            assert CJK.search(browser.text_of("#shortcuts") or ""), f"zh-CN: #shortcuts says {browser.text_of('#shortcuts')!r}"
        else:
            assert submit.strip() and not CJK.search(submit), f"en: #submit says {submit!r}"

    # A browser that asks for Chinese gets Chinese without choosing.
    chinese = ctx.browser(accept_language="zh-CN,zh")
    chinese.open(park.base_url, "/login")
    chinese.wait_for("#login-form")
    check_language(chinese, "zh-CN", "/login with Accept-Language zh-CN")


def check_language(browser: Browser, language: str, where: str, exclude: str | None = None) -> None:
    """`<html lang>` is the language, no raw translation key is on screen, and the text is in that language."""
    html_lang = browser.js("return document.documentElement.lang")
    assert html_lang == language, f"{where}: <html lang={html_lang!r}>, expected {language!r}"
    # The language switch names each language in itself, by design; task data is in whatever language it is.
    text = browser.js("""
let text = document.body.innerText;
const skipped = ['#lang-en', '#lang-zh'].concat(arguments[0] ? [arguments[0]] : []);
for (const selector of skipped) {
  document.querySelectorAll(selector).forEach((e) => { if (e.innerText) text = text.split(e.innerText).join(' '); });
}
return text;""", exclude)
    keys = RAW_TRANSLATION_KEY.findall(text)
    assert not keys, f"{where}: untranslated keys on screen: {sorted(set(keys))[:10]}"
    if language == "zh-CN":
        assert CJK.search(text), f"{where}: no Chinese text on a zh-CN page: {text[:200]!r}"
    else:
        chinese = sorted(set(CJK.findall(text)))
        assert not chinese, f"{where}: Chinese characters on an English page: {''.join(chinese)[:40]!r} in {text[:300]!r}"
