"""Issue 21, "Done when": in a Kazakh-language criteria-based class the teacher declares a SAU
(БЖБ) on the grid, enters a pupil's points by keyboard, and the parent reads the points, the
percentages and the suggested mark on a 375 px phone in Kazakh. Both are read back after a
reload, with axe."""
from __future__ import annotations

import datetime as dt

import pytest

from extensions import db
from models import Lesson, SchoolClass, StudyPeriod, SummativeWork, WorkPoints
from tests.browser.journal_setup import wait_saved
from tests.conftest import TODAY
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser
FRIDAY = dt.date(2026, 11, 20)
PHONE = {"viewport": {"width": 375, "height": 812}, "has_touch": True, "is_mobile": True,
         "locale": "kk-KZ"}


def _sign_in(pw, base: str, username: str, tap: bool = False) -> None:
    """Sign in, then switch to Kazakh unless the account already reads in it."""
    pw.goto(f"{base}/login")
    pw.fill("#username", username)
    pw.fill("#password", PASSWORD)
    with pw.expect_navigation():
        pw.press("#password", "Enter")
    if pw.get_attribute("html", "lang") != "kk":
        button = pw.locator("form[action$='/language/kk'] button").first
        with pw.expect_navigation():
            button.tap() if tap else button.click()
    assert pw.get_attribute("html", "lang") == "kk"


@pytest.fixture
def criteria_class(browser_app):
    """6 «Б» in Kazakh, criteria-based; maths has a lesson today and a SAT (ТЖБ) of 20
    points on 19 November where Борис got 13."""
    ids = browser_app.config["TINY_SCHOOL_IDS"]
    with browser_app.app_context():
        cls = db.session.get(SchoolClass, ids["c6"])
        cls.language, cls.journal_type = "kk", "criteria"
        period = next(p for p in db.session.query(StudyPeriod) if p.contains(TODAY))
        db.session.add(Lesson(page_id=ids["maths6"], date=TODAY))
        sat = SummativeWork(page_id=ids["maths6"], period_id=period.id, kind="soch",
                            name="ТЖБ 2-тоқсан", date=dt.date(2026, 11, 19), max_points=20)
        db.session.add(sat)
        db.session.flush()
        db.session.add(WorkPoints(work_id=sat.id, pupil_id=ids["boris"], points=13))
        db.session.commit()
    return ids


def _teacher_declares_and_types(pw, live_server, ids, shot, axe_check) -> None:
    pw.set_viewport_size({"width": 1280, "height": 800})
    _sign_in(pw, live_server, "teacher")
    pw.goto(f"{live_server}/journal/pages/{ids['maths6']}")
    pw.wait_for_selector("#jgrid[data-ready='1']")
    pw.click("#jwork-new")
    pw.locator("#jworkpanel #jwork-form").wait_for()
    pw.select_option("#jwork-kind", "sor")
    pw.fill("#jwork-name", "БЖБ 1. Бөлшектер")
    pw.fill("#jwork-date", FRIDAY.isoformat())
    pw.fill("#jwork-max", "15")
    with pw.expect_navigation():
        pw.click("#jwork-save")
    pw.wait_for_selector("#jgrid[data-ready='1']")
    head = pw.locator("#jgrid thead th[data-k][data-max='15']")
    assert head.get_attribute("data-kind") == "sor"
    index = head.evaluate("th => th.cellIndex")
    cell = pw.locator("#jgrid tbody tr").first.locator("td, th").nth(index)
    cell.click()
    pw.keyboard.press("1")
    pw.keyboard.press("2")  # 12 of 15: "1" waits, since 10-15 are points too
    wait_saved(pw)
    row = pw.locator("#jgrid tbody tr").first
    assert row.locator("td, th").nth(index).inner_text().strip() == "12/15"
    # SAU 80 %, SAT 65 %: (80 + 65) / 2 = 72.5 % suggests 4
    assert row.locator("td.sg").inner_text().strip() == "4"
    pw.reload()
    pw.wait_for_selector("#jgrid[data-ready='1']")
    row = pw.locator("#jgrid tbody tr").first
    assert row.locator("td, th").nth(index).inner_text().strip() == "12/15"
    assert row.locator("td.sg").inner_text().strip() == "4"
    shot(pw, "criteria-e2e-teacher-kk", full_page=False)
    axe_check(pw)


def test_teacher_enters_points_and_the_parent_reads_them_on_a_phone(
        page, browser, live_server, criteria_class, console_errors, shot, axe_check):
    ids = criteria_class
    _teacher_declares_and_types(page, live_server, ids, shot, axe_check)

    phone = browser.new_context(**PHONE)
    pw = phone.new_page()
    pw.on("console", lambda m: console_errors.append(f"console {m.type}: {m.text}")
          if m.type == "error" else None)
    pw.on("pageerror", lambda e: console_errors.append(f"page error: {e}"))
    try:
        _sign_in(pw, live_server, "mum", tap=True)
        pw.goto(f"{live_server}/diary/{ids['boris']}/marks")
        for _ in range(2):  # as first shown, and read back after a reload
            card = pw.locator(f"#crit-{ids['maths']}")
            points = card.locator(".work-points").all_inner_texts()
            assert [p.strip() for p in points] == ["13/20", "12/15"]
            assert card.locator(".crit-sor-percent").inner_text().strip() == "80,0 %"
            assert card.locator(".crit-soch-percent").inner_text().strip() == "65,0 %"
            assert card.locator(".crit-total-percent").inner_text().strip() == "72,5 %"
            assert card.locator(".crit-suggested-mark").inner_text().strip() == "4"
            pw.reload()
        card = pw.locator(f"#crit-{ids['maths']}")
        card.locator(".crit-exact summary").tap()
        assert "72,5000" in card.locator(".crit-exact-value").inner_text()
        assert pw.evaluate("document.documentElement.scrollWidth") <= 375
        shot(pw, "criteria-e2e-parent-kk-375")
        axe_check(pw)
    finally:
        phone.close()
