"""Browser test of the quality page (issue #5): agreement, each annotator's record with their workplace, the
record per workplace, the bar chart, the gold confusion matrix (everyone and one annotator), the
gold-accuracy-per-day line chart and the aggregated answers, read from the page and compared with what
GET /api/v1/projects/{id}/quality answers."""

from __future__ import annotations

import json
import re
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from selenium.webdriver.common.keys import Keys

from browser import wait_until
from context import TestContext
from pages import CJK, RAW_TRANSLATION_KEY, sign_in
from park import PASSWORD, Account, Park

MANAGER = "quality.manager@browser.test"
# The organization's admin adds the workplace and the people who work through it (the CLI cannot).
ADMIN = "quality.admin@browser.test"
# (email, display name); the second name carries a CJK character so the chart's labels are checked with one.
ANNOTATORS = (("ann.one@browser.test", "Ann One"), ("bo.two@browser.test", "Bo Two 张"),
              ("cy.three@browser.test", "Cy Three"))
# Ann and Bo work through one workplace (added with the API); Cy, made with the CLI, through none.
WORKPLACE = {"name": "Zuoyun 左云", "county": "Zuoyun County"}
AT_WORKPLACE = {"ann.one@browser.test", "bo.two@browser.test"}
OPTIONS = ["pos", "neg", "neu"]
SCHEMA = {"fields": [{"name": "text", "type": "text"}],
          "questions": [{"name": "label", "type": "choice", "options": OPTIONS}]}
TASK_COUNT = 12
GOLD_TASKS = 3  # tasks 0, 1 and 2; their gold answer is the truth below
# Task n's true answer is OPTIONS[n % 3]. Each annotator answers the next option instead on these tasks.
WRONG_ON = {"ann.one@browser.test": set(), "bo.two@browser.test": {1, 5}, "cy.three@browser.test": {1, 2, 7, 9}}
# On task 10 the three split three ways (truth, truth + 1, truth + 2): majority vote has a tie there.
SPLIT_TASK = 10
# Gold accuracy by hand: Ann is right on gold tasks 0, 1, 2 → 3/3; Bo is wrong on 1 → 2/3; Cy is wrong on 1
# and 2 → 1/3. Shown as percentages with at most one decimal.
EXPECTED_GOLD = {"ann.one@browser.test": ("100%", 1.0), "bo.two@browser.test": ("66.7%", 2 / 3),
                 "cy.three@browser.test": ("33.3%", 1 / 3)}
# Gold answers pos (task 0), neg (1), neu (2); rows gold, columns the answer, in option order pos, neg, neu.
# Ann is right throughout; Bo answers neu for neg; Cy neu for neg and pos for neu.
EXPECTED_CONFUSION = [[3, 0, 0], [0, 1, 2], [1, 0, 2]]
# Per workplace, gold answers pooled: Zuoyun has Ann's 3 right of 3 and Bo's 2 of 3 → 5 of 6 = 83.3%, on 12 + 12
# answers by 2 annotators; the group without a workplace is Cy alone, 1 of 3 = 33.3% on 12 answers. Rows:
# (name on the page, county on the page, annotators, answers, gold scored, gold accuracy shown).
EXPECTED_WORKPLACES = [("Zuoyun 左云", "Zuoyun County", "2", "24", "6", "83.3%"),
                       ("No workplace", "—", "1", "12", "3", "33.3%")]
EXPECTED_CY_CONFUSION = [[1, 0, 0], [0, 0, 1], [1, 0, 0]]
AGREEMENT_KEYS = ("mean_pairwise_cohen_kappa", "fleiss_kappa", "krippendorff_alpha_nominal")
TRANSLATIONS = Path(__file__).resolve().parents[2] / "Sources" / "LabelParkHTTP" / "Public" / "i18n"
# pages.RAW_TRANSLATION_KEY does not know this page's group; a key of any group left on screen is a gap.
RAW_QUALITY_KEY = re.compile(r"\bquality\.[A-Za-z_][A-Za-z0-9_.]*\b")


def open_park_with_workplace(park: Park) -> int:
    """Starts the park with the manager, the admin and Cy; the admin adds the workplace and Ann and Bo working
    through it. Returns the workplace's id."""
    unassigned = [(email, "annotator", name) for email, name in ANNOTATORS if email not in AT_WORKPLACE]
    park.open([(MANAGER, "manager", "Mia Manager"), (ADMIN, "admin", "Ada Admin"), *unassigned])
    admin = park.account(ADMIN)
    [organization] = park.call("GET", "/api/v1/me", admin.token, expect=(200,)).json()["organizations"]
    workplace = park.call("POST", f"/api/v1/organizations/{organization['id']}/workplaces", admin.token,
                          body=WORKPLACE, expect=(201,)).json()
    for email, name in ANNOTATORS:
        if email not in AT_WORKPLACE:
            continue
        member = park.call("POST", f"/api/v1/organizations/{organization['id']}/members", admin.token, expect=(201,),
                           body={"email": email, "password": PASSWORD, "role": "annotator", "name": name,
                                 "workplace_id": workplace["id"]}).json()
        assert member["workplace_id"] == workplace["id"], f"member {email}: {member}"
        token = park.call("POST", "/api/v1/tokens", body={"email": email, "password": PASSWORD, "name": "browser-test"},
                          expect=(201,)).json()
        park.accounts[email] = Account(email, name, "annotator", int(token["user_id"]), token["token"])
    return int(workplace["id"])


def pooled_accuracy(annotators: list[dict]) -> float:
    """A group's gold accuracy from its annotators' records: each one's accuracy is the mean score of their
    `scored` gold answers, so the pool's is the scored-weighted mean."""
    scored = sum(annotator["gold"]["scored"] for annotator in annotators)
    return sum(annotator["gold"]["accuracy"] * annotator["gold"]["scored"] for annotator in annotators) / scored


def task_number(task: dict) -> int:
    return int(re.fullmatch(r"task (\d+): .*", task["data"]["text"]).group(1))


def answer_for(email: str, number: int) -> str:
    truth = number % 3
    if number == SPLIT_TASK:
        shift = [address for address, _ in ANNOTATORS].index(email)
        return OPTIONS[(truth + shift) % 3]
    return OPTIONS[(truth + 1) % 3] if number in WRONG_ON[email] else OPTIONS[truth]


def shown_fixed(value: float) -> str:
    """What Intl.NumberFormat("en", two fraction digits) shows: ICU rounds the shortest decimal form of the
    double (repr), ties away from zero — 0.605 shows 0.61, although the double is a little below 0.605."""
    return str(Decimal(repr(value)).quantize(Decimal("0.01"), ROUND_HALF_UP))


def shown_percent(value: float) -> str:
    """What Intl.NumberFormat("en", percent, at most one fraction digit) shows, rounded the same way."""
    rounded = (Decimal(repr(value)) * 100).quantize(Decimal("0.1"), ROUND_HALF_UP)
    text = str(rounded)
    return (text[:-2] if text.endswith(".0") else text) + "%"


def kappa_band(value: float) -> str:
    """Landis & Koch's band of the kappa as shown (two decimals), named by the page's translation key."""
    shown = float(shown_fixed(value))
    if shown < 0:
        return "kappaPoor"
    for upper, band in ((0.2, "kappaSlight"), (0.4, "kappaFair"), (0.6, "kappaModerate"), (0.8, "kappaSubstantial")):
        if shown <= upper:
            return band
    return "kappaAlmostPerfect"


PAGE_STATE_SCRIPT = """
const question = document.querySelector('[data-question="label"]');
if (!question) return null;
const text = (root, selector) => { const e = root.querySelector(selector); return e ? e.textContent.trim() : null; };
const metrics = {};
question.querySelectorAll('[data-metric]').forEach((item) => {
  metrics[item.getAttribute('data-metric')] = {value: text(item, '.value'), reading: text(item, '.reading')};
});
const annotators = Array.from(question.querySelectorAll('[data-testid=annotator-quality]')).map((row) => ({
  userID: Number(row.getAttribute('data-user-id')), name: text(row, '.name'), answers: text(row, '.answers'),
  workplace: text(row, '.workplace-name'), county: text(row, '.workplace .county'),
  goldScored: text(row, '.gold-scored'), goldAccuracy: text(row, '.gold-accuracy'),
  consensus: text(row, '.consensus'), dawidSkene: text(row, '.dawid-skene'),
}));
const chart = question.querySelector('svg[data-testid=accuracy-chart]');
const bars = chart ? Array.from(chart.querySelectorAll('[data-testid=chart-bar]')) : [];
const aggregated = Array.from(question.querySelectorAll('[data-testid=aggregated-row]'))
  .filter((row) => !row.hidden && row.getClientRects().length > 0)
  .map((row) => ({
    taskID: Number(row.getAttribute('data-task-id')), differs: row.getAttribute('data-differs') === 'true',
    majority: text(row, '.majority'), majorityConfidence: text(row, '.majority-confidence'),
    dawidSkene: text(row, '.dawid-skene'), dawidSkeneConfidence: text(row, '.dawid-skene-confidence'),
    badge: !!row.querySelector('.differs-badge'),
  }));
const workplaces = Array.from(question.querySelectorAll('[data-testid=workplace-quality]')).map((row) => ({
  id: row.getAttribute('data-workplace-id'), name: text(row, '.workplace-name'), county: text(row, '.county'),
  annotators: text(row, '.annotators'), answers: text(row, '.answers'), goldScored: text(row, '.gold-scored'),
  goldAccuracy: text(row, '.gold-accuracy'),
}));
const picker = question.querySelector('[data-testid=confusion-annotator]');
return {
  metrics, annotators, aggregated, workplaces,
  pickerOptions: picker ? Array.from(picker.options).map((option) => [option.value, option.textContent]) : [],
  chart: chart && {
    namespace: chart.namespaceURI, role: chart.getAttribute('role'), label: chart.getAttribute('aria-label'),
    title: chart.querySelector(':scope > title') ? chart.querySelector(':scope > title').textContent : null,
    metric: chart.getAttribute('data-metric'),
    bars: bars.map((bar) => ({
      svg: bar instanceof SVGRectElement, userID: Number(bar.closest('[data-user-id]').getAttribute('data-user-id')),
      value: Number(bar.getAttribute('data-value')), width: bar.getBBox().width,
    })),
  },
};
"""


def test_quality_dashboard(ctx: TestContext) -> None:
    park = ctx.park
    workplace_id = open_park_with_workplace(park)
    manager = park.account(MANAGER)
    # Gold tasks have no slots of their own: with gold_at_start each annotator gets all three first.
    project_id = park.create_project(manager.token, "Quality 质量", SCHEMA, overlap=3,
                                     quality={"gold_rate": 0, "gold_at_start": GOLD_TASKS})
    tasks = []
    for number in range(TASK_COUNT):
        task = {"data": {"text": f"task {number}: the bus to Yungang was late again"}}
        if number < GOLD_TASKS:
            task["gold"] = {"label": OPTIONS[number % 3]}
        tasks.append(task)
    park.import_tasks(manager.token, project_id, tasks)

    # Every annotator takes tasks until the queue is empty for them: overlap 3 with 3 people → all 12 each.
    for email, _ in ANNOTATORS:
        token = park.account(email).token
        answered = 0
        while True:
            claim = park.call("POST", f"/api/v1/projects/{project_id}/next", token, expect=(200, 204))
            if claim.status == 204:
                break
            body = claim.json()
            park.call("POST", f"/api/v1/tasks/{body['task']['id']}/annotations", token, expect=(201,),
                      body={"lease_token": body["lease"]["token"],
                            "result": {"label": answer_for(email, task_number(body["task"]))}})
            answered += 1
            assert answered <= TASK_COUNT, f"{email} was offered more than {TASK_COUNT} tasks"
        assert answered == TASK_COUNT, f"{email} answered {answered} tasks, expected {TASK_COUNT}"

    report = park.call("GET", f"/api/v1/projects/{project_id}/quality", manager.token, expect=(200,)).json()
    [question] = [q for q in report["questions"] if q["name"] == "label"]
    user_email = {park.account(email).user_id: email for email, _ in ANNOTATORS}
    for annotator in question["annotators"]:
        expected = EXPECTED_GOLD[user_email[annotator["user_id"]]][1]
        assert annotator["gold"]["scored"] == GOLD_TASKS and abs(annotator["gold"]["accuracy"] - expected) < 1e-12, \
            f"the API's gold record of {user_email[annotator['user_id']]} is {annotator['gold']}, expected 3 scored, {expected}"
    assert question["gold_confusion"] == EXPECTED_CONFUSION, f"API gold_confusion {question['gold_confusion']}"
    differing = {a["task_id"] for a in question["aggregated"] if a["majority_vote"] != a["dawid_skene"]}
    people = {person["user_id"]: person for person in report["annotators"]}
    assert set(people) == set(user_email), f"the report's annotators {report['annotators']}, expected {user_email}"
    for user_id, person in people.items():
        at_workplace = user_email[user_id] in AT_WORKPLACE
        assert person["name"] == park.account(user_email[user_id]).name, f"report annotator {person}"
        assert (person["workplace_id"], person["workplace"], person["county"]) == (
            (workplace_id, WORKPLACE["name"], WORKPLACE["county"]) if at_workplace else (None, None, None)), \
            f"report annotator {person}"
    # The workplaces' pooled accuracy, computed from the annotators' records the API gives.
    members_of = {key: [a for a in question["annotators"] if people[a["user_id"]]["workplace_id"] == key]
                  for key in (workplace_id, None)}
    api_workplaces = question["workplaces"]
    assert [w["workplace_id"] for w in api_workplaces] == [workplace_id, None], f"API workplaces {api_workplaces}"
    for api_workplace in api_workplaces:
        expected = pooled_accuracy(members_of[api_workplace["workplace_id"]])
        assert abs(api_workplace["gold"]["accuracy"] - expected) < 1e-12, \
            f"API workplace {api_workplace}: accuracy expected {expected} from its annotators"
    ctx.note(f"API agreement {question['agreement']}; majority vote and Dawid-Skene differ on {len(differing)} task(s)")

    # The manager reaches the page from the project page by keyboard: the link is focused and Enter follows it.
    browser = ctx.browser()
    sign_in(browser, park, MANAGER, next_path=f"/projects/{project_id}")
    link = browser.wait_for("#quality-link")
    browser.js("arguments[0].focus()", link)
    browser.press(Keys.ENTER)
    wait_until(lambda: browser.path() == f"/projects/{project_id}/quality", 10, "#quality-link to open the quality page",
               describe=browser.path)
    state = wait_until(lambda: (lambda s: s if s and len(s["annotators"]) == len(ANNOTATORS) and s["aggregated"] else None)(
        browser.js(PAGE_STATE_SCRIPT)), 15, "the quality page to show the annotators and aggregated answers",
        describe=lambda: f"status={browser.text_of('#quality-status')!r}")

    en = json.loads((TRANSLATIONS / "en" / "quality.json").read_text(encoding="utf-8"))["quality"]
    for key in AGREEMENT_KEYS:
        value = question["agreement"][key]
        assert value is not None, f"the API has no {key} for 3 annotators on 12 shared tasks"
        shown = state["metrics"].get(key)
        assert shown and shown["value"] == shown_fixed(value), f"{key}: the page shows {shown}, the API says {value}"
        assert shown["reading"], f"{key} has no plain-language reading"
        if "kappa" in key:
            expected_reading = en[kappa_band(value)]
            assert shown["reading"] == expected_reading, f"{key} {value}: reading {shown['reading']!r}, expected {expected_reading!r}"

    by_user = {annotator["user_id"]: annotator for annotator in question["annotators"]}
    assert sorted(row["userID"] for row in state["annotators"]) == sorted(by_user), \
        f"annotator rows {[row['userID'] for row in state['annotators']]}, API annotators {sorted(by_user)}"
    for row in state["annotators"]:
        email = user_email[row["userID"]]
        api_row = by_user[row["userID"]]
        assert row["name"] == park.account(email).name, f"row of {email} names {row['name']!r}"
        expected_place = (WORKPLACE["name"], WORKPLACE["county"]) if email in AT_WORKPLACE else ("No workplace", None)
        assert (row["workplace"], row["county"]) == expected_place, f"row of {email}: workplace {row}"
        assert row["answers"] == str(TASK_COUNT) and row["goldScored"] == str(GOLD_TASKS), f"row of {email}: {row}"
        assert row["goldAccuracy"] == EXPECTED_GOLD[email][0], \
            f"{email}: gold accuracy shown {row['goldAccuracy']!r}, expected {EXPECTED_GOLD[email][0]!r}"
        assert row["consensus"] == shown_percent(api_row["consensus_agreement"]), f"{email}: {row} vs {api_row}"
        assert row["dawidSkene"] == shown_percent(api_row["dawid_skene_accuracy"]), f"{email}: {row} vs {api_row}"

    # By workplace: the named workplace first, the unassigned group last; each accuracy cell is the pooled
    # accuracy computed above from the API's per-annotator records, and equals the hand-computed value.
    shown_rows = [(row["name"], row["county"], row["annotators"], row["answers"], row["goldScored"], row["goldAccuracy"])
                  for row in state["workplaces"]]
    assert shown_rows == EXPECTED_WORKPLACES, f"workplace rows {shown_rows}, expected {EXPECTED_WORKPLACES}"
    assert [row["id"] for row in state["workplaces"]] == [str(workplace_id), "none"], f"{state['workplaces']}"
    for row, api_workplace in zip(state["workplaces"], api_workplaces):
        computed = pooled_accuracy(members_of[api_workplace["workplace_id"]])
        assert row["goldAccuracy"] == shown_percent(computed), f"workplace row {row}: expected {shown_percent(computed)}"

    # Beside each name in the confusion picker, and in the charts' labels, the workplace.
    def label_of(email: str) -> str:
        name = park.account(email).name
        return f"{name} ({WORKPLACE['name']})" if email in AT_WORKPLACE else name
    picker_labels = {int(value): text for value, text in state["pickerOptions"] if value}
    assert picker_labels == {park.account(email).user_id: label_of(email) for email, _ in ANNOTATORS}, \
        f"confusion picker options {state['pickerOptions']}"

    chart = state["chart"]
    assert chart, "no svg[data-testid=accuracy-chart] on the page"
    assert chart["namespace"] == "http://www.w3.org/2000/svg" and chart["role"] == "img", f"chart: {chart}"
    assert chart["title"] and chart["label"] and chart["metric"] == "gold_accuracy", f"chart: {chart}"
    for email, _ in ANNOTATORS:
        assert label_of(email) in chart["label"], f"the chart's aria-label {chart['label']!r} does not name {label_of(email)}"
    bars = {bar["userID"]: bar for bar in chart["bars"]}
    assert len(chart["bars"]) == len(ANNOTATORS) and set(bars) == set(by_user), f"chart bars: {chart['bars']}"
    full = bars[park.account(ANNOTATORS[0][0]).user_id]["width"]
    for user_id, bar in bars.items():
        expected = EXPECTED_GOLD[user_email[user_id]][1]
        assert bar["svg"] and abs(bar["value"] - expected) < 1e-9, f"bar of {user_email[user_id]}: {bar}"
        # Ann's 100% bar is the full width; the others are 2/3 and 1/3 of it.
        assert abs(bar["width"] - full * expected) < 1.0, f"bar of {user_email[user_id]} is {bar['width']} wide, full {full}"

    # The confusion matrix: everyone's counts first, then Cy's alone, picked from the list.
    def confusion_on_page() -> list[list[int]]:
        counts = browser.js("""
const cells = document.querySelectorAll('[data-question="label"] [data-testid=confusion-cell]');
return Array.from(cells).map((c) => [c.getAttribute('data-gold'), c.getAttribute('data-answer'), Number(c.textContent)]);""")
        matrix = [[None] * len(OPTIONS) for _ in OPTIONS]
        for gold, answer, count in counts:
            matrix[OPTIONS.index(gold)][OPTIONS.index(answer)] = count
        return matrix
    assert confusion_on_page() == EXPECTED_CONFUSION, f"confusion matrix on the page: {confusion_on_page()}"
    cy = park.account(ANNOTATORS[2][0])
    picker = browser.find('[data-question="label"] [data-testid=confusion-annotator]')
    browser.js("arguments[0].focus()", picker)
    browser.js("arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('change'))", picker,
               str(cy.user_id))
    wait_until(lambda: confusion_on_page() == EXPECTED_CY_CONFUSION, 5, "Cy's confusion matrix",
               describe=lambda: str(confusion_on_page()))
    cell = browser.text_of('[data-question="label"] [data-testid=confusion-cell][data-gold="neu"][data-answer="pos"]')
    assert cell == "1", f"Cy's cell gold neu, answered pos shows {cell!r}"

    # Gold accuracy per day: a line (or a point, when all answers fell on one day) per annotator, each point
    # the API's accuracy of that day.
    day_chart = browser.js("""
const chart = document.querySelector('[data-question="label"] svg[data-testid=accuracy-by-day-chart]');
if (!chart) return null;
return {namespace: chart.namespaceURI, label: chart.getAttribute('aria-label'),
  series: Array.from(chart.querySelectorAll('[data-testid=day-series]')).map((g) => ({
    userID: Number(g.getAttribute('data-user-id')),
    points: Array.from(g.querySelectorAll('[data-testid=day-point]')).map((p) => [p.getAttribute('data-day'), Number(p.getAttribute('data-value'))]),
  })),
  legend: Array.from(document.querySelectorAll('[data-question="label"] .chart-legend li')).map((li) => li.textContent)};""")
    assert day_chart and day_chart["namespace"] == "http://www.w3.org/2000/svg", f"day chart: {day_chart}"
    assert {line["userID"] for line in day_chart["series"]} == set(by_user), f"day chart series: {day_chart['series']}"
    for line in day_chart["series"]:
        expected_points = [[day["day"], day["accuracy"]] for day in by_user[line["userID"]]["gold_by_day"]]
        assert len(line["points"]) == len(expected_points) and all(
            a[0] == b[0] and abs(a[1] - b[1]) < 1e-9 for a, b in zip(line["points"], expected_points)), \
            f"day points of {user_email[line['userID']]}: {line['points']} vs API {expected_points}"
    assert sorted(day_chart["legend"]) == sorted(label_of(email) for email, _ in ANNOTATORS), f"legend {day_chart['legend']}"
    # The whole page, kept beside the failure evidence, so a reviewer can look at the dashboard without running it.
    size = browser.driver.get_window_size()
    page_height = browser.js("return document.documentElement.scrollHeight")
    browser.driver.set_window_size(size["width"], min(page_height + 160, 8000))
    browser.screenshot(ctx.screenshot_dir / "quality-dashboard.png")
    browser.driver.set_window_size(size["width"], size["height"])

    aggregated = {answer["task_id"]: answer for answer in question["aggregated"]}
    rows = state["aggregated"]
    assert len(rows) == min(100, TASK_COUNT) and {row["taskID"] for row in rows} == set(aggregated), \
        f"aggregated rows for tasks {[row['taskID'] for row in rows]}, API has {sorted(aggregated)}"
    for row in rows:
        answer = aggregated[row["taskID"]]
        assert (row["majority"], row["dawidSkene"]) == (answer["majority_vote"], answer["dawid_skene"]), f"{row} vs {answer}"
        assert row["majorityConfidence"] == shown_percent(answer["majority_confidence"]), f"{row} vs {answer}"
        assert row["dawidSkeneConfidence"] == shown_percent(answer["dawid_skene_confidence"]), f"{row} vs {answer}"
        assert row["differs"] == row["badge"] == (row["taskID"] in differing), f"flag of task {row['taskID']}: {row}"

    if differing:
        # The filter is a checkbox: Space toggles it, and only the flagged rows stay.
        checkbox = browser.find('[data-question="label"] .aggregated-filter input[type=checkbox]')
        browser.js("arguments[0].focus()", checkbox)
        browser.press(Keys.SPACE)
        wait_until(lambda: {row["taskID"] for row in browser.js(PAGE_STATE_SCRIPT)["aggregated"]} == differing, 5,
                   f"the filter to leave only tasks {sorted(differing)}")

    errors = ctx.console_errors(browser)
    assert not errors, f"console errors on the quality page: {errors}"
    body = browser.body_text()
    for pattern in (RAW_TRANSLATION_KEY, RAW_QUALITY_KEY):
        assert not pattern.search(body), f"untranslated keys on the page: {pattern.findall(body)[:5]}"

    browser.open(park.base_url, f"/projects/{project_id}/quality?lang=zh-CN")
    wait_until(lambda: len(browser.find_all("[data-testid=annotator-quality]")) == len(ANNOTATORS), 15,
               "the zh-CN page to show the annotators")
    assert browser.js("return document.documentElement.lang") == "zh-CN"
    # Everything a person or a screen reader meets: the text, and the chart's and tables' labels and tooltips.
    seen = browser.js("""
const labels = Array.from(document.querySelectorAll('[aria-label], [title]'))
  .map((e) => (e.getAttribute('aria-label') || '') + ' ' + (e.getAttribute('title') || ''));
return [document.body.innerText, document.title].concat(labels).join('\\n');""")
    for pattern in (RAW_TRANSLATION_KEY, RAW_QUALITY_KEY):
        assert not pattern.search(seen), f"zh-CN: untranslated keys: {pattern.findall(seen)[:5]}"
    for selector in ("#quality-heading", "[data-question=label] h2", "[data-question=label] thead",
                     "[data-question=label] figcaption", "[data-question=label] .workplace-quality thead"):
        assert CJK.search(browser.text_of(selector) or ""), f"zh-CN: {selector} says {browser.text_of(selector)!r}"
    unassigned = browser.text_of('[data-testid=workplace-quality][data-workplace-id="none"] .workplace-name')
    assert unassigned == "未分配工作点", f"zh-CN: the group without a workplace is called {unassigned!r}"
    browser.js("document.querySelector('[data-testid=workplace-section]').scrollIntoView()")
    browser.screenshot(ctx.screenshot_dir / "quality-workplaces-zh.png")
    chart_label = browser.js("return document.querySelector('svg[data-testid=accuracy-chart]').getAttribute('aria-label')")
    assert CJK.search(chart_label or ""), f"zh-CN: the chart's aria-label is {chart_label!r}"
    errors = ctx.console_errors(browser)
    assert not errors, f"console errors on the zh-CN quality page: {errors}"
