"""Browser tests of the annotate page: keyboard-only work, NER spans by mouse, a server that goes away,
a session that ends, and the page's performance marks."""

from __future__ import annotations

import re
import time

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys

from browser import WaitTimeout, wait_until
from context import TestContext
from pages import AnnotatePage, percentile, sign_in
from park import PASSWORD

MANAGER = "manager@browser.test"
ANNOTATOR = "annotator@browser.test"
OPTIONS = ["alpha", "beta", "gamma"]
CHOICE_SCHEMA = {
    "fields": [{"name": "text", "type": "text"}],
    "questions": [{"name": "label", "type": "choice", "options": OPTIONS}],
}
TASK_TEXT = re.compile(r"Task (\d+):")
ENTER_TO_NEXT_TARGET_MS = 50.0
RENDER_TARGET_MS = 200.0


def choice_park(ctx: TestContext, task_count: int) -> tuple[int, object, object]:
    """A park with a manager, an annotator and a choice project of `task_count` tasks "Task N: …"."""
    park = ctx.park
    park.open([(MANAGER, "manager", "Mia Manager"), (ANNOTATOR, "annotator", "Ann Annotator")])
    manager = park.account(MANAGER)
    project_id = park.create_project(manager.token, "Keyboard work", CHOICE_SCHEMA, overlap=1, lease_seconds=600)
    park.import_tasks(manager.token, project_id,
                      [{"text": f"Task {i}: the 3rd report of shift {i % 7} on conveyor {i % 5}"} for i in range(task_count)])
    return project_id, manager, park.account(ANNOTATOR)


def digit_for(task_text: str) -> str:
    """The option key a test presses for a task: task N gets option N mod 3 (keys 1, 2, 3)."""
    return str(task_number(task_text) % len(OPTIONS) + 1)


def annotate_by_keyboard(page: AnnotatePage, count: int, previous: str | None = None,
                         timeout: float = 10.0) -> list[str]:
    """Answers `count` tasks with a digit and Enter each; the texts of the tasks answered, in order."""
    answered = []
    for _ in range(count):
        text = page.wait_for_task(previous, timeout)
        page.answer_by_keyboard(digit_for(text))
        answered.append(text)
        previous = text
    return answered


def task_number(text: str) -> int:
    match = TASK_TEXT.search(text)
    assert match, f"cannot read the task number from {text!r}"
    return int(match.group(1))


def check_stored_once(ctx: TestContext, project_id: int, manager, annotator, answered: list[str]) -> None:
    """The export holds exactly one annotation of the annotator per answered task, with the pressed option, and
    none for any other task. `answered` are the texts shown on screen (field heading included)."""
    pairs = ctx.park.annotations_by(manager.token, project_id, annotator.user_id)
    by_number: dict[int, list[dict]] = {}
    for task, annotation in pairs:
        by_number.setdefault(task_number(task["data"]["text"]), []).append(annotation)
    problems = []
    for text in answered:
        number = task_number(text)
        stored = by_number.pop(number, [])
        expected = OPTIONS[int(digit_for(text)) - 1]
        if len(stored) != 1:
            problems.append(f"task {number}: stored {len(stored)} times")
        elif stored[0]["result"] != {"label": expected}:
            problems.append(f"task {number}: stored {stored[0]['result']}, pressed {expected!r}")
    for number, stored in by_number.items():
        problems.append(f"task {number}: {len(stored)} annotation(s) for a task nobody answered in the test")
    assert not problems, f"export of {len(pairs)} annotations vs {len(answered)} answered: {problems[:8]}"
    missing_lead_time = [a["id"] for _, a in pairs if a.get("lead_time_ms") is None]
    if missing_lead_time:
        ctx.note(f"{len(missing_lead_time)} of {len(pairs)} annotations carry no lead_time_ms (the issue asks for active time)")


def test_keyboard_twenty_tasks(ctx: TestContext) -> None:
    project_id, manager, annotator = choice_park(ctx, 25)
    browser = ctx.browser()
    # Signing in by keyboard too (Enter in the password field): no click anywhere in this test.
    sign_in(browser, ctx.park, ANNOTATOR, next_path=f"/projects/{project_id}/annotate", by_keyboard=True)
    page = AnnotatePage(browser)
    answered = annotate_by_keyboard(page, 20)
    page.wait_for_task(previous=answered[-1])
    page.wait_for_pending(0, 15)
    done = page.state()["done"]
    assert done is not None and re.search(r"\b20\b", done), f"#done-count says {done!r} after 20 submissions"
    check_stored_once(ctx, project_id, manager, annotator, answered)
    record_enter_to_next(ctx, page)
    errors = ctx.console_errors(browser)
    assert not errors, f"console errors while annotating: {errors[:5]}"


SHORTCUT_SCHEMA = {
    "fields": [{"name": "text", "type": "text"}],
    "questions": [{"name": "label", "type": "choice", "options": OPTIONS},
                  {"name": "tags", "type": "multi_choice", "options": ["red", "green", "blue"]}],
}


def test_keyboard_shortcuts(ctx: TestContext) -> None:
    park = ctx.park
    park.open([(MANAGER, "manager", "Mia Manager"), (ANNOTATOR, "annotator", "Ann Annotator")])
    manager, annotator = park.account(MANAGER), park.account(ANNOTATOR)
    project_id = park.create_project(manager.token, "Shortcuts", SHORTCUT_SCHEMA)
    park.import_tasks(manager.token, project_id, [{"text": f"Task {i}: shortcut practice"} for i in range(5)])
    browser = ctx.browser()
    sign_in(browser, park, ANNOTATOR, next_path=f"/projects/{project_id}/annotate", by_keyboard=True)
    page = AnnotatePage(browser)
    assert browser.wait_for("#shortcuts").is_displayed(), "#shortcuts is not visible"

    def pressed(question: str) -> list[str]:
        return browser.js("return Array.from(document.querySelectorAll("
                          "'fieldset[data-question=\"' + arguments[0] + '\"] button[aria-pressed=\"true\"]'))"
                          ".map((b) => b.getAttribute('data-option'))", question)

    # First task: 2 picks beta; ArrowDown moves to the tags; 1 and 3 tick red and blue; Ctrl+Z takes blue back.
    first = page.wait_for_task()
    browser.press("2")
    assert pressed("label") == ["beta"], f"after 2 the label question has {pressed('label')} pressed"
    browser.press(Keys.ARROW_DOWN)
    browser.press("1")
    browser.press("3")
    assert pressed("tags") == ["red", "blue"], f"after ArrowDown 1 3 the tags are {pressed('tags')}"
    ActionChains(browser.driver).key_down(Keys.CONTROL).send_keys("z").key_up(Keys.CONTROL).perform()
    assert pressed("tags") == ["red"], f"after Ctrl+Z the tags are {pressed('tags')}"
    assert pressed("label") == ["beta"], f"Ctrl+Z changed the label question too: {pressed('label')}"
    browser.press(Keys.ENTER)

    # Second task: S skips it; the third gets 1 and Enter.
    second = page.wait_for_task(previous=first)
    browser.press("s")
    third = page.wait_for_task(previous=second)
    browser.press("1")
    browser.press(Keys.ENTER)
    page.wait_for_task(previous=third)
    page.wait_for_pending(0)

    stored = {task_number(task["data"]["text"]): annotation["result"]
              for task, annotation in park.annotations_by(manager.token, project_id, annotator.user_id)}
    expected = {task_number(first): {"label": "beta", "tags": ["red"]}, task_number(third): {"label": "alpha"}}
    assert stored == expected, f"stored {stored}, expected {expected} (task {task_number(second)} was skipped)"


def record_enter_to_next(ctx: TestContext, page: AnnotatePage) -> None:
    durations = page.enter_to_next_durations()
    assert len(durations) >= 19, f"{len(durations)} lp-enter-to-next measures after 20 submissions"
    ctx.measurements["enter_to_next"] = durations
    p95 = percentile(durations, 0.95)
    ctx.note(f"enter-to-next over {len(durations)} tasks: p50={percentile(durations, 0.5):.1f} p95={p95:.1f} "
             f"max={max(durations):.1f} ms (target p95 ≤ {ENTER_TO_NEXT_TARGET_MS:.0f} ms: "
             f"{'met' if p95 <= ENTER_TO_NEXT_TARGET_MS else 'NOT met'})")


NER_TEXT = "报告😀🇨🇳：张三在北京工作，𠀀 Alice 也去了上海。"
NER_MARKS = [("北京", "LOC"), ("Alice", "PER")]


def test_ner_spans_by_mouse(ctx: TestContext) -> None:
    park = ctx.park
    park.open([(MANAGER, "manager", "Mia Manager"), (ANNOTATOR, "annotator", "Ann Annotator")])
    manager, annotator = park.account(MANAGER), park.account(ANNOTATOR)
    schema = {"fields": [{"name": "text", "type": "text"}],
              "questions": [{"name": "entities", "type": "spans", "field": "text", "labels": ["PER", "LOC"]}]}
    project_id = park.create_project(manager.token, "NER", schema)
    park.import_tasks(manager.token, project_id, [{"text": NER_TEXT}, {"text": "second task"}])

    browser = ctx.browser()
    sign_in(browser, park, ANNOTATOR)
    page = AnnotatePage(browser)
    page.open(park, project_id)
    browser.wait_for('[data-span-text="text"]')
    # Python strings index code points: these are the offsets the API stores.
    expected = sorted(({"start": NER_TEXT.index(word), "end": NER_TEXT.index(word) + len(word), "label": label}
                       for word, label in NER_MARKS), key=lambda span: span["start"])
    shown = page.wait_for_task()
    assert NER_TEXT in shown, f"the first task shown is {shown!r}, expected the NER text"
    for index, (word, label) in enumerate(NER_MARKS):
        # The page marks a mouse selection with the label chosen beforehand (the first one by default).
        pick_label(browser, label)
        points = browser.js(LOCATE_SCRIPT, browser.find('[data-span-text="text"]'), word)
        assert points, f"{word!r} is not in [data-span-text=text]: {browser.text_of('[data-span-text=text]')!r}"
        browser.mouse_drag((points["x1"], points["y1"]), (points["x2"], points["y2"]))
        wait_until(lambda: len(browser.find_all('[data-spans="entities"] li')) == index + 1
                   and word in (browser.text_of('[data-spans="entities"]') or ""), 5,
                   f"[data-spans=entities] to list {index + 1} span(s) after dragging over {word!r} with {label} chosen",
                   describe=lambda: f"{browser.text_of('[data-spans=entities]')!r} selection={browser.js('return String(window.getSelection())')!r}")
    listed = browser.text_of('[data-spans="entities"]') or ""
    for word, label in NER_MARKS:
        assert word in listed and label in listed, f"[data-spans=entities] should name {word!r} and {label}: {listed!r}"
    browser.click("#submit")
    page.wait_for_task(previous=shown)
    page.wait_for_pending(0)
    stored = park.annotations_by(manager.token, project_id, annotator.user_id)
    assert len(stored) == 1, f"{len(stored)} annotations stored, expected 1"
    stored_spans = sorted(stored[0][1]["result"].get("entities", []), key=lambda span: span["start"])
    spans = [{key: span[key] for key in ("start", "end", "label") if key in span} for span in stored_spans]
    assert spans == expected, f"stored spans {stored_spans}, expected the code-point offsets {expected}"
    # A span may quote its text; the quote must be the marked code points.
    quotes = [(span["text"], NER_TEXT[span["start"]:span["end"]]) for span in stored_spans if "text" in span]
    assert all(quote == marked for quote, marked in quotes), f"span quotes differ from the marked text: {quotes}"
    ctx.note(f"stored spans {stored_spans} (UTF-16 offsets would start at "
             f"{[utf16_offset(NER_TEXT, span['start']) for span in spans]})")


def utf16_offset(text: str, code_points: int) -> int:
    return len(text[:code_points].encode("utf-16-le")) // 2


def pick_label(browser, label: str) -> None:
    """Clicks the label's button in the spans question (a label picked by mouse, like the selection)."""
    for selector in (f'fieldset[data-question="entities"] button[data-option="{label}"]',
                     f'fieldset[data-question="entities"] button[data-label="{label}"]'):
        if browser.find_all(selector):
            browser.click(selector)
            return
    raise AssertionError(f"no button for the label {label} in fieldset[data-question=entities]: "
                         f"{browser.text_of('fieldset[data-question=entities]')!r}")


# Viewport points just inside the first and last character of `needle` within `root`'s text nodes.
LOCATE_SCRIPT = """
const [root, needle] = arguments;
root.scrollIntoView({block: 'center'});
const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
const nodes = [];
let text = '';
for (let node = walker.nextNode(); node; node = walker.nextNode()) { nodes.push([node, text.length]); text += node.data; }
const at = text.indexOf(needle);
if (at < 0) return null;
const locate = (offset, atEnd) => {
  for (const [node, start] of nodes) {
    const end = start + node.data.length;
    if (offset < end || (atEnd && offset === end)) return [node, offset - start];
  }
  return null;
};
const [startNode, startOffset] = locate(at, false);
const [endNode, endOffset] = locate(at + needle.length, true);
const range = document.createRange();
range.setStart(startNode, startOffset);
range.setEnd(endNode, endOffset);
const rects = Array.from(range.getClientRects()).filter((r) => r.width > 0);
if (rects.length === 0) return null;
const first = rects[0], last = rects[rects.length - 1];
return {x1: first.left + 1, y1: first.top + first.height / 2, x2: last.right - 1, y2: last.top + last.height / 2};
"""


def test_offline_then_back(ctx: TestContext) -> None:
    project_id, manager, annotator = choice_park(ctx, 30)
    park = ctx.park
    browser = ctx.browser()
    sign_in(browser, park, ANNOTATOR, next_path=f"/projects/{project_id}/annotate", by_keyboard=True)
    page = AnnotatePage(browser)
    answered = annotate_by_keyboard(page, 20)
    current = page.wait_for_task(previous=answered[-1])
    page.wait_for_pending(0, 15)
    # The page claims the next task ahead; the server's lease count shows when it holds it.
    try:
        wait_until(lambda: leased_slots(park, manager, project_id) >= 3, 5, "two prefetched leases")
    except WaitTimeout:
        pass
    ctx.note(f"before stopping the server the page holds {leased_slots(park, manager, project_id)} lease(s) "
             f"(current + prefetched)")

    exit_code = park.stop()
    if exit_code != 0:
        ctx.note(f"the server's SIGTERM exit code was {exit_code}, expected 0")

    offline = []
    previous = answered[-1]
    for attempt in range(3):
        try:
            text = page.wait_for_task(previous, timeout=5 if attempt else 1)
        except AssertionError:
            break
        page.answer_by_keyboard(digit_for(text))
        offline.append(text)
        previous = text
    assert offline and offline[0] == current, f"the task on screen when the server stopped could not be answered: {page.describe()}"
    # The two prefetched tasks are what make the next ones appear at once, connection or not: the issue's
    # "annotate 3 more" with the server stopped.
    assert len(offline) == 3, f"only {len(offline)} of 3 tasks could be answered with the server down: {page.describe()}"
    page.wait_for_pending(len(offline), 10)
    page.wait_for_status(("offline",), 20)
    message = page.state()["message"]
    assert message, "#status is offline but says nothing"
    outbox = page.outbox_count()
    assert outbox in (None, len(offline)), f"IndexedDB outbox holds {outbox} answers, #pending-count {len(offline)}"
    ctx.note(f"answered {len(offline)} task(s) with the server down; #status offline says {message!r}; "
             f"IndexedDB outbox holds {outbox}")

    park.start()
    # Both the outbox and the task claims retry with backoff (1, 2, 4, … 30 s): allow for the longest wait.
    page.wait_for_pending(0, 45)
    page.wait_for_status(("online",), 35)
    check_stored_once(ctx, project_id, manager, annotator, answered + offline)
    ctx.note(f"stored exactly once: {len(answered)} before + {len(offline)} during = {len(answered) + len(offline)}")


def leased_slots(park, manager, project_id: int) -> int:
    progress = park.call("GET", f"/api/v1/projects/{project_id}/progress", manager.token, expect=(200,)).json()
    return int(progress["slots"]["leased"])


def test_session_expiry_keeps_work(ctx: TestContext) -> None:
    project_id, manager, annotator = choice_park(ctx, 5)
    park = ctx.park
    browser = ctx.browser()
    sign_in(browser, park, ANNOTATOR, next_path=f"/projects/{project_id}/annotate")
    page = AnnotatePage(browser)
    text = page.wait_for_task()

    browser.driver.delete_cookie("lp_session")
    page.answer_by_keyboard(digit_for(text))
    page.wait_for_status(("signed-out",), 15)
    page.wait_for_pending(1)
    ctx.note(f"signed out, #status says {page.state()['message']!r}")

    # Sign in again in another tab: through the banner's link when it offers one, else by opening /login.
    annotate_tab = browser.driver.current_window_handle
    link = browser.find_all("#status a[href^='/login']")
    if link:
        handles = set(browser.driver.window_handles)
        browser.click("#status a[href^='/login']")
        opened = wait_until(lambda: set(browser.driver.window_handles) - handles, 5, "the sign-in link to open a tab")
        browser.driver.switch_to.window(opened.pop())
        browser.wait_for("#login-form")
        browser.type_into("#email", ANNOTATOR)
        browser.type_into("#password", PASSWORD)
        browser.click("#sign-in")
        wait_until(lambda: not browser.path().startswith("/login"), 10, "the second sign-in to leave /login",
                   describe=lambda: f"{browser.path()} error={browser.text_of('#login-error')!r}")
        ctx.note(f"signed in again through the banner's link; that tab landed on {browser.path()}")
    else:
        ctx.note("the signed-out banner has no sign-in link; opened /login in a new tab")
        browser.driver.switch_to.new_window("tab")
        sign_in(browser, park, ANNOTATOR)
    browser.driver.switch_to.window(annotate_tab)
    started = time.monotonic()
    page.wait_for_pending(0, 45)
    ctx.note(f"the pending answer went out {time.monotonic() - started:.1f} s after returning to the tab")
    check_stored_once(ctx, project_id, manager, annotator, [text])


def test_performance(ctx: TestContext) -> None:
    park = ctx.park
    park.open([(MANAGER, "manager", "Mia Manager"), (ANNOTATOR, "annotator", "Ann Annotator")])
    manager, annotator = park.account(MANAGER), park.account(ANNOTATOR)
    browser = ctx.browser()
    sign_in(browser, park, ANNOTATOR)

    if "enter_to_next" not in ctx.measurements:
        project_id = park.create_project(manager.token, "Speed", CHOICE_SCHEMA)
        park.import_tasks(manager.token, project_id, [{"text": f"Task {i}: speed run"} for i in range(22)])
        page = AnnotatePage(browser)
        page.open(park, project_id)
        answered = annotate_by_keyboard(page, 20)
        page.wait_for_task(previous=answered[-1])
        record_enter_to_next(ctx, page)

    # 100 KB of text; 2,000 spans of 5 characters every 50 (the last ends at 99,955).
    sentence = "Alice met Bob in Paris at the ACME office today. "
    document = (sentence * (100_000 // len(sentence) + 1))[:100_000]
    labels = ["PER", "LOC", "ORG"]
    spans = [{"start": i * 50, "end": i * 50 + 5, "label": labels[i % 3]} for i in range(2000)]
    schema = {"fields": [{"name": "text", "type": "text"}],
              "questions": [{"name": "entities", "type": "spans", "field": "text", "labels": labels}]}
    project_id = park.create_project(manager.token, "Long documents", schema)
    park.import_tasks(manager.token, project_id, [{"text": "A" + document[1:]}, {"text": "B" + document[1:]}])
    claim = park.call("POST", f"/api/v1/projects/{project_id}/next", annotator.token, expect=(200,)).json()
    annotation = park.call("POST", f"/api/v1/tasks/{claim['task']['id']}/annotations", annotator.token,
                           body={"lease_token": claim["lease"]["token"], "result": {"entities": spans}},
                           expect=(201,)).json()

    # The annotate page renders the other 100 KB task (no spans yet).
    page = AnnotatePage(browser)
    page.open(park, project_id)
    browser.wait_for('[data-span-text="text"]', timeout=15)
    annotate_render = wait_until(lambda: page.render_durations(), 10, "an lp-render measure on the annotate page")
    ctx.measurements["render_100kb"] = annotate_render[-1]
    ctx.note(f"annotate page lp-render of a 100 KB task without spans: {annotate_render[-1]:.1f} ms")

    # The same renderer with the stored 2,000 spans, timed like lp-render (render + layout), on this page.
    runs = [browser.driver.execute_async_script(RENDER_SCRIPT, schema, document_of(claim), spans) for _ in range(3)]
    failed = [run for run in runs if "error" in run or run["listed"] != 2000]
    assert not failed, f"rendering 2,000 spans with form.js: {failed[0]}"
    rendered = sorted(run["rendered"] for run in runs)
    painted = sorted(run["painted"] for run in runs)
    ctx.measurements["render_100kb_2000_spans"] = rendered[1]
    verdict = "met" if rendered[1] <= RENDER_TARGET_MS else "NOT met"
    ctx.note(f"form.js render + layout of 100 KB with 2,000 spans, 3 runs: {milliseconds(rendered)} "
             f"(to the next frame {milliseconds(painted)}; {runs[0]['marks']} <mark> elements); "
             f"median vs target ≤ {RENDER_TARGET_MS:.0f} ms: {verdict}")

    # My work: the stored annotation opened in the editor, from the click to the frame showing all spans.
    browser.open(park.base_url, "/my-work")
    row = f'[data-testid=my-annotation][data-annotation-id="{annotation["id"]}"]'
    browser.wait_for(f"{row} .edit", timeout=15)
    measured = browser.driver.execute_async_script(EDITOR_SCRIPT, f"{row} .edit")
    assert measured["untilPainted"] is not None, \
        f"the my-work editor listed {measured['listed']} of 2,000 spans within 20 s"
    ctx.note(f"my-work editor, click to all 2,000 spans painted (fetching the task included): "
             f"{measured['untilPainted']:.1f} ms")


def milliseconds(values: list[float]) -> str:
    return ", ".join(f"{value:.1f}" for value in values) + " ms"


def document_of(claim: dict) -> str:
    return claim["task"]["data"]["text"]


RENDER_SCRIPT = """
const [schema, text, spans, done] = arguments;
import('/static/js/form.js').then(({renderForm}) => {
  const box = document.createElement('div');
  document.getElementById('main').append(box);
  const started = performance.now();
  const form = renderForm(box, schema, {text}, {result: {entities: spans}});
  void box.offsetHeight;
  const rendered = performance.now() - started;
  requestAnimationFrame(() => {
    const painted = performance.now() - started;
    const listed = box.querySelectorAll('[data-spans="entities"] li').length;
    const marks = box.querySelectorAll('mark').length;
    form.destroy();
    box.remove();
    done({rendered, painted, listed, marks});
  });
}).catch((error) => done({error: String(error)}));
"""

EDITOR_SCRIPT = """
const [selector, done] = [arguments[0], arguments[arguments.length - 1]];
const started = performance.now();
document.querySelector(selector).click();
const check = () => {
  const listed = document.querySelectorAll('#editor [data-spans="entities"] li').length;
  if (listed >= 2000) done({untilPainted: performance.now() - started, listed});
  else if (performance.now() - started > 20000) done({untilPainted: null, listed});
  else requestAnimationFrame(check);
};
requestAnimationFrame(check);
"""
