"""The criteria-based grid in a browser (issue 21), Russian on a desktop and Kazakh on a 375 px
touch phone: declare a SAU through the grid's form, enter points (keys "1","2" = 12 of 15; "7"
refused on a maximum of 5) and ФО 10, read them back after a reload, and give a period mark
other than the suggested one, answering the reason dialog."""
from __future__ import annotations

import datetime as dt

import pytest

from extensions import db
from models import (
    Enrolment,
    Lesson,
    Person,
    Pupil,
    SchoolClass,
    StudyPeriod,
    SubjectPage,
    SummativeWork,
    WorkPoints,
)
from tests.browser.journal_setup import press_layout_key, sign_in, wait_saved
from tests.browser.variants import variant_fixtures
from tests.conftest import TODAY

pytestmark = pytest.mark.browser
variant, page = variant_fixtures()
FRIDAY = dt.date(2026, 11, 20)


@pytest.fixture
def grid(browser_app, live_server, page, variant):
    """6 «Б» made criteria-based, maths6 with a lesson today and a SAT of 5 points (Борис
    has 5 of 5), and two more pupils; signed in as the teacher in the variant's language."""
    ids = browser_app.config["TINY_SCHOOL_IDS"]
    with browser_app.app_context():
        cls = db.session.get(SchoolClass, ids["c6"])
        cls.language, cls.journal_type = "kk", "criteria"
        maths6 = db.session.get(SubjectPage, ids["maths6"])
        for last in ("Петров", "Сидорова"):
            person = Person(last_name=last, first_name="Тест", sex="m")
            db.session.add(person)
            db.session.flush()
            pupil = Pupil(person_id=person.id, class_id=cls.id)
            db.session.add(pupil)
            db.session.flush()
            db.session.add(Enrolment(pupil_id=pupil.id, class_id=cls.id,
                                     start_date=dt.date(2026, 9, 1)))
        today = Lesson(page_id=maths6.id, date=TODAY)
        db.session.add(today)
        sat = SummativeWork(page_id=maths6.id, period_id=_period(ids), kind="soch",
                            name="ТЖБ 1", date=dt.date(2026, 11, 19), max_points=5)
        db.session.add(sat)
        db.session.flush()
        db.session.add(WorkPoints(work_id=sat.id, pupil_id=ids["boris"], points=5))
        db.session.commit()
        lesson_id, sat_id = today.id, sat.id
    lang, _viewport, touch = variant
    sign_in(page, live_server, "teacher", lang)
    url = f"{live_server}/journal/pages/{ids['maths6']}"
    page.goto(url)
    page.wait_for_selector("#jgrid[data-ready='1']")
    return {"page": page, "url": url, "lesson": lesson_id, "sat": sat_id, "lang": lang,
            "touch": touch, "app": browser_app}


def _period(ids) -> int:
    return next(p.id for p in db.session.query(StudyPeriod).all()
                if p.start_date <= TODAY <= p.end_date)


def col(pw, key: str) -> list[str]:
    """The texts of a column: "l<lesson id>", "k<work id>" or "period"."""
    return pw.evaluate("""(key) => { const t = document.getElementById('jgrid');
        const i = [...t.tHead.rows[0].cells].findIndex(c => ('l' + c.dataset.l) == key
          || ('k' + c.dataset.k) == key || c.dataset.f == key);
        return [...t.tBodies[0].rows].map(r => r.cells[i].textContent); }""", key)


def cell(pw, row: int, key: str):
    index = pw.evaluate("""(key) => [...document.getElementById('jgrid').tHead.rows[0].cells]
        .findIndex(c => ('l' + c.dataset.l) == key || ('k' + c.dataset.k) == key
          || c.dataset.f == key)""", key)
    return pw.locator("#jgrid tbody tr").nth(row).locator("td").nth(index - 1)


def declare_sau(pw, press, shot, lang) -> str:
    """Open the grid's form, declare SAU «Дроби» on FRIDAY out of 15; the new column's key."""
    press("#jwork-new")
    pw.locator("#jworkpanel #jwork-form").wait_for()
    pw.wait_for_function("() => document.activeElement.id == 'jwork-kind'")  # the form's focus
    pw.fill("#jwork-name", "Дроби")
    pw.fill("#jwork-date", FRIDAY.isoformat())
    pw.fill("#jwork-max", "15")
    # a second SAT in the period: refused by the form, the clash named, nothing saved
    pw.select_option("#jwork-kind", "soch")
    press("#jwork-save")
    pw.locator("#jworkpanel #jwork-error").wait_for()
    assert "ТЖБ 1" in pw.text_content("#jwork-error")
    assert pw.input_value("#jwork-name") == "Дроби"  # what was typed stays
    shot(pw, f"criteria-work-form-{lang}", full_page=False)
    pw.select_option("#jwork-kind", "sor")
    with pw.expect_navigation():
        press("#jwork-save")
    pw.wait_for_selector("#jgrid[data-ready='1']")
    head = pw.locator("#jgrid thead th[data-k][data-max='15']")
    assert head.get_attribute("data-kind") == "sor"
    return "k" + head.get_attribute("data-k")


def pick(pw, value: str) -> None:
    pw.locator(f"#jpick button[data-v='{value}']").wait_for()
    pw.locator(f"#jpick button[data-v='{value}']").tap()


def test_declare_enter_points_and_marks_then_the_reason(grid, shot, axe_check):
    pw, touch = grid["page"], grid["touch"]
    press = pw.tap if touch else pw.click
    sau = declare_sau(pw, press, shot, grid["lang"])
    sat, lesson = f"k{grid['sat']}", f"l{grid['lesson']}"
    if touch:
        cell(pw, 0, sau).tap()
        pick(pw, "12")                       # saved; the next pupil's picker opens
        pick(pw, "15")
        pw.locator("#jpick button[data-act='close']").tap()
        cell(pw, 0, lesson).tap()
        pick(pw, "10")
        pw.locator("#jpick button[data-act='close']").tap()
        cell(pw, 1, sat).tap()
        pw.locator("#jpick button[data-v='5']").wait_for()
        assert pw.locator("#jpick button[data-v='7']").count() == 0  # 0..5 only
        pick(pw, "4")
        pw.locator("#jpick button[data-act='close']").tap()
    else:
        cell(pw, 0, sau).click()
        pw.keyboard.press("1")
        pw.keyboard.press("2")               # 12 of 15: saved, moves down
        pw.keyboard.press("1")
        pw.keyboard.press("Enter")           # a lone 1 once the teacher moves on
        wait_saved(pw)
        cell(pw, 1, sat).click()
        pw.keyboard.press("7")               # more than 5: refused, nothing saved
        assert "jerr" in (pw.get_attribute("#jstatus-text", "class") or "")
        pw.keyboard.press("4")
        cell(pw, 0, lesson).click()
        pw.keyboard.press("1")
        pw.keyboard.press("0")               # ФО 10
    wait_saved(pw)
    points = ["12/15", "15/15" if touch else "1/15"]
    assert col(pw, sau)[:2] == points
    assert col(pw, sat)[:2] == ["5/5", "4/5"]
    assert col(pw, lesson)[0] == "10"
    # Борис: SAU 80 %, SAT 100 %: 90 % suggests 5
    assert pw.locator("#jgrid tbody tr").first.locator("td.sg").text_content() == "5"
    pw.reload()
    pw.wait_for_selector("#jgrid[data-ready='1']")
    assert col(pw, sau)[:2] == points and col(pw, lesson)[0] == "10"
    assert col(pw, sat)[:2] == ["5/5", "4/5"]
    # another period mark than the suggested 5: the reason dialog
    target = cell(pw, 0, "period")
    target.scroll_into_view_if_needed()
    if touch:
        target.tap()
        pick(pw, "4")
    else:
        target.click()
        pw.keyboard.press("4")
    dialog = pw.locator("#jreason")
    dialog.wait_for(state="visible")
    pw.fill("#jreason-input", "Болел на СОЧ")
    shot(pw, f"criteria-reason-{grid['lang']}", full_page=False)
    press("#jreason-ok")
    if touch:
        pw.locator("#jpick button[data-act='close']").tap()
    wait_saved(pw)
    pw.wait_for_function("() => document.querySelector('#jgrid tbody tr td.fp').title")
    assert cell(pw, 0, "period").get_attribute("title") == "Болел на СОЧ"
    pw.reload()
    pw.wait_for_selector("#jgrid[data-ready='1']")
    assert col(pw, "period")[0] == "4"
    assert cell(pw, 0, "period").get_attribute("title") == "Болел на СОЧ"
    shot(pw, f"criteria-grid-{grid['lang']}", full_page=False)
    axe_check(pw)
    # the work's own page: every pupil's points as a plain form
    with pw.expect_navigation():
        press(f"#jgrid thead th[data-k='{sau[1:]}'] a")
    assert pw.locator("input[name^='points-']").first.input_value() == "12"
    shot(pw, f"criteria-work-{grid['lang']}")
    axe_check(pw)


def test_waiting_digits_are_never_lost_nor_saved_over_what_follows(grid, shot):
    """A digit that may take a second one (a work out of 12, ФО out of 10) waits, shown as
    waiting; Delete, a letter or Escape replaces it, F2 edits it, and leaving the grid (a
    button outside it) saves it. Each outcome is read back after a reload."""
    pw = grid["page"]
    if grid["touch"]:
        pytest.skip("keyboard entry: the desktop variants")
    with grid["app"].app_context():
        sau = SummativeWork(page_id=db.session.get(Lesson, grid["lesson"]).page_id,
                            period_id=_period(grid["app"].config["TINY_SCHOOL_IDS"]),
                            kind="sor", name="Ондық", date=FRIDAY, max_points=12)
        db.session.add(sau)
        db.session.commit()
        key = f"k{sau.id}"
    pw.reload()
    pw.wait_for_selector("#jgrid[data-ready='1']")
    lesson = f"l{grid['lesson']}"
    cell(pw, 0, key).click()
    pw.keyboard.press("1")
    assert "pd" in cell(pw, 0, key).get_attribute("class")  # waiting, and shown so
    assert "1" in pw.text_content("#jstatus-text")
    pw.keyboard.press("Delete")                              # replaces the waiting 1
    pw.keyboard.press("ArrowDown")
    pw.keyboard.press("1")
    pw.keyboard.press("Escape")                              # the waiting 1 goes
    pw.keyboard.press("ArrowDown")
    pw.keyboard.press("1")
    pw.keyboard.press("F2")                                  # the editor starts from "1"
    assert pw.input_value("#jgrid input.jinput") == "1"
    pw.fill("#jgrid input.jinput", "5")
    pw.keyboard.press("Enter")
    wait_saved(pw)
    cell(pw, 0, lesson).click()
    pw.keyboard.press("1")
    press_layout_key(pw, "н" if grid["lang"] == "ru" else "ж")  # absent, not a mark of 1
    wait_saved(pw)
    cell(pw, 1, lesson).click()
    pw.keyboard.press("1")
    pw.click("#jwork-new")                                   # leaving the grid saves the 1
    wait_saved(pw)
    pw.reload()
    pw.wait_for_selector("#jgrid[data-ready='1']")
    assert col(pw, key)[:3] == ["", "", "5/12"]
    absent = "н" if grid["lang"] == "ru" else "ж"
    assert col(pw, lesson)[:2] == [absent, "1"]
