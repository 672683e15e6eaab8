"""Browser test of the annotate form's registries (js/questions/, js/fields/): every question kind of the demo
and test schemas renders through its module and is answered by keyboard on the annotate page, and a type the
page does not know degrades to a translated message instead of breaking the form."""

from __future__ import annotations

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys

from browser import wait_until
from context import TestContext
from pages import CJK, RAW_TRANSLATION_KEY, AnnotatePage, sign_in

MANAGER = "form.manager@browser.test"
ANNOTATOR = "form.annotator@browser.test"
SEVERITIES = ["minor", "major", "critical"]
CATEGORIES = ["delay", "damage", "loss"]
PLACE = "Lisbon"
# One question of each kind the demo park's schemas use (choice, spans, rating, multi_choice, text).
SCHEMA = {
    "fields": [{"name": "text", "type": "text", "label": "Report"}],
    "questions": [
        {"name": "severity", "type": "choice", "required": True, "options": SEVERITIES},
        {"name": "category", "type": "multi_choice", "min": 1, "options": CATEGORIES},
        {"name": "urgency", "type": "rating", "min": 1, "max": 5},
        {"name": "summary", "type": "text", "max_length": 280},
        {"name": "places", "type": "spans", "field": "text", "labels": ["PER", "LOC"]},
    ],
}
TASK_TEXT = f"{PLACE} depot: the parcel came two days late, box {{}}."
# What each kind draws in its fieldset: a selector and how many of it.
KIND_CONTROLS = {
    "choice": ("button[data-option]", len(SEVERITIES)),
    "multi_choice": ("button[data-option]", len(CATEGORIES)),
    "rating": ("button.lp-rating-value[data-option]", 5),
    "text": ("textarea.lp-textarea", 1),
    "spans": ('ul[data-spans="places"]', 1),
}
UNKNOWN_QUESTION = {"name": "outline", "type": "not_a_question_kind", "required": True, "label": "Outline"}
UNKNOWN_FIELD = {"name": "scan", "type": "not_a_field_kind", "label": "Scan"}

KINDS_SCRIPT = """
const [selectors] = arguments;
return Array.from(document.querySelectorAll('#questions fieldset[data-question]')).map((fieldset) => ({
  question: fieldset.getAttribute('data-question'),
  type: fieldset.getAttribute('data-type'),
  controls: selectors[fieldset.getAttribute('data-type')] ?
    fieldset.querySelectorAll(selectors[fieldset.getAttribute('data-type')]).length : null,
  unsupported: fieldset.querySelectorAll('.lp-muted').length,
}));
"""

REGISTRY_SCRIPT = """
const [types, done] = arguments;
Promise.all([import('/static/js/questions/registry.js'), import('/static/js/fields/registry.js')])
  .then(([questions, fields]) => done({
    kinds: types.map((type) => questions.questionKind(type).type),
    registered: questions.questionTypes(),
    unknownIsFallback: questions.questionKind('not_a_question_kind') === questions.unsupportedQuestion,
    textViewer: fields.fieldViewer('text').type,
    unknownViewerIsFallback: fields.fieldViewer('not_a_field_kind') === fields.unsupportedViewer,
  }), (error) => done({error: String(error)}));
"""

# The page's own form.js (and its loaded translations) given a schema the server would refuse.
FALLBACK_SCRIPT = """
const [schema, data, done] = arguments;
import('/static/js/form.js').then(({renderForm}) => {
  const box = document.createElement('div');
  box.id = 'fallback-form';
  document.getElementById('main').append(box);
  const form = renderForm(box, schema, data, {});
  const text = (selector) => { const e = box.querySelector(selector); return e ? e.textContent : null; };
  const before = form.firstProblem();
  form.setResult({severity: 'minor', category: ['delay'], outline: 'ignored'});
  const after = form.firstProblem();
  const seen = {
    questionMessage: text('fieldset[data-question="outline"] .lp-muted'),
    fieldMessage: text('[data-field="scan"] .lp-muted'),
    fieldText: text('[data-field="text"] [data-span-text="text"]'),
    types: Array.from(box.querySelectorAll('fieldset[data-question]')).map((f) => f.getAttribute('data-type')),
    numbers: Array.from(box.querySelectorAll('.lp-question-number')).map((n) => n.textContent),
    labelButtons: box.querySelectorAll('fieldset[data-question="places"] button[data-option]').length,
    firstProblemBefore: before && before.question,
    firstProblemAfter: after,
    result: form.getResult(),
    screenText: box.innerText,
  };
  form.destroy();
  box.remove();
  done(seen);
}).catch((error) => done({error: String(error)}));
"""


def test_question_kinds(ctx: TestContext) -> None:
    park = ctx.park
    park.open([(MANAGER, "manager", "Mia Manager"), (ANNOTATOR, "annotator", "Ann Annotator")])
    manager, annotator = park.account(MANAGER), park.account(ANNOTATOR)
    project_id = park.create_project(manager.token, "Every kind", SCHEMA)
    park.import_tasks(manager.token, project_id, [{"text": TASK_TEXT.format(i)} for i in range(8)])

    browser = ctx.browser()
    sign_in(browser, park, ANNOTATOR, next_path=f"/projects/{project_id}/annotate")
    page = AnnotatePage(browser)
    shown = page.wait_for_task()

    # Every kind is found in the registry and drew its own controls, none the unsupported message.
    types = [question["type"] for question in SCHEMA["questions"]]
    registry = browser.driver.execute_async_script(REGISTRY_SCRIPT, types)
    assert "error" not in registry, f"loading the registries failed: {registry}"
    assert registry["kinds"] == types, f"questionKind() answered {registry['kinds']} for {types}"
    assert set(types) <= set(registry["registered"]), f"registered kinds {registry['registered']} lack some of {types}"
    assert registry["unknownIsFallback"] and registry["unknownViewerIsFallback"], f"unknown types: {registry}"
    assert registry["textViewer"] == "text", f"fieldViewer('text') is {registry['textViewer']!r}"
    selectors = {kind: selector for kind, (selector, _) in KIND_CONTROLS.items()}
    drawn = browser.js(KINDS_SCRIPT, selectors)
    expected = [{"question": q["name"], "type": q["type"], "controls": KIND_CONTROLS[q["type"]][1], "unsupported": 0}
                for q in SCHEMA["questions"]]
    assert drawn == expected, f"the annotate page drew {drawn}, expected {expected}"

    # Answer every kind from the keyboard: digits and arrows, typing, and marking with the caret.
    browser.press("2")
    browser.press(Keys.ARROW_DOWN)
    browser.press("1")
    browser.press("3")
    browser.press(Keys.ARROW_DOWN)
    browser.press("4")
    summary = "Late parcel 📦 from Lisbon"
    browser.type_into('fieldset[data-question="summary"] textarea', summary)
    browser.press(Keys.ESCAPE)
    browser.click('fieldset[data-question="places"] button[data-option="LOC"]')
    wait_until(lambda: browser.js("return document.activeElement.getAttribute('data-span-text')") == "text", 5,
               "the LOC label button to put the focus on the text to mark")
    browser.press(Keys.ARROW_RIGHT)
    extend = ActionChains(browser.driver).key_down(Keys.SHIFT)
    for _ in range(len(PLACE) - 1):
        extend.send_keys(Keys.ARROW_RIGHT)
    extend.key_up(Keys.SHIFT).perform()
    browser.press("l")
    wait_until(lambda: len(browser.find_all('[data-spans="places"] li')) == 1, 5, "the marked span to be listed",
               describe=lambda: browser.text_of('fieldset[data-question="places"]'))
    browser.press(Keys.ENTER)
    page.wait_for_task(previous=shown)
    page.wait_for_pending(0)

    stored = park.annotations_by(manager.token, project_id, annotator.user_id)
    assert len(stored) == 1, f"{len(stored)} annotations stored, expected 1"
    result = stored[0][1]["result"]
    spans = [{key: span[key] for key in ("start", "end", "label")} for span in result.pop("places", [])]
    assert result == {"severity": SEVERITIES[1], "category": [CATEGORIES[0], CATEGORIES[2]], "urgency": 4,
                      "summary": summary}, f"stored {result}"
    assert spans == [{"start": 0, "end": len(PLACE), "label": "LOC"}], f"stored spans {spans}"

    # An unknown question or field type, which the server refuses in a project, renders as a message.
    unknown = {"fields": SCHEMA["fields"] + [UNKNOWN_FIELD],
               "questions": SCHEMA["questions"][:2] + [UNKNOWN_QUESTION] + SCHEMA["questions"][2:]}
    refused = park.call("POST", "/api/v1/schemas/validate", manager.token, body={"schema": unknown})
    assert refused.status in (400, 422), f"the server accepted unknown types ({refused.status}); test them on a project"
    for language in ("en", "zh-CN"):
        page.open(park, project_id, f"?lang={language}")
        page.wait_for_task()
        strings = park.call("GET", f"/i18n/{language}.json", expect=(200,)).json()["form"]
        seen = browser.driver.execute_async_script(FALLBACK_SCRIPT, unknown, {"text": "Lisbon depot", "scan": "asset:1"})
        assert "error" not in seen, f"{language}: rendering a schema with unknown types threw: {seen['error']}"
        question_message = strings["unknownType"].replace("{type}", UNKNOWN_QUESTION["type"])
        field_message = strings["unknownFieldType"].replace("{type}", UNKNOWN_FIELD["type"])
        assert seen["questionMessage"] == question_message, \
            f"{language}: the unknown question says {seen['questionMessage']!r}, expected {question_message!r}"
        assert seen["fieldMessage"] == field_message, \
            f"{language}: the unknown field says {seen['fieldMessage']!r}, expected {field_message!r}"
        assert not RAW_TRANSLATION_KEY.findall(seen["screenText"]), f"{language}: raw keys in {seen['screenText']!r}"
        if language == "zh-CN":
            assert CJK.search(seen["questionMessage"]), f"zh-CN: {seen['questionMessage']!r} is not Chinese"
        # The rest of the form is untouched: every known kind after it still renders and is numbered on.
        assert seen["types"] == [q["type"] for q in unknown["questions"]], f"{language}: questions {seen['types']}"
        assert seen["numbers"] == [str(n) for n in range(1, 7)], f"{language}: numbers {seen['numbers']}"
        assert seen["fieldText"] == "Lisbon depot" and seen["labelButtons"] == 2, f"{language}: {seen}"
        # It cannot be answered here, so it neither holds back the form nor enters the result.
        assert seen["firstProblemBefore"] == "severity", f"{language}: first problem {seen['firstProblemBefore']!r}"
        assert seen["firstProblemAfter"] is None, f"{language}: the unknown question blocks: {seen['firstProblemAfter']}"
        assert seen["result"] == {"severity": "minor", "category": ["delay"], "places": []}, \
            f"{language}: result {seen['result']}"
    errors = ctx.console_errors(browser)
    assert not errors, f"console errors: {errors[:5]}"
