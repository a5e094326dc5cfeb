"""The diary of a criteria-based class (issue 21) in a browser: `mum` reads Борис's marks on
a 375 px phone in Kazakh and in Russian, and on a desktop: each work's points and percent,
the SAU and SAT percentages, the total (its exact value on a tap or a hover) and the
suggested mark; the week shows a work's points on its day; axe on every page."""
from __future__ import annotations

import datetime as dt
import re

import pytest

from extensions import db
from models import FinalMark, Lesson, Mark, SchoolClass, SummativeWork, WorkPoints, WorkType
from tests.browser.variants import DESKTOP, PHONE, variant_fixtures
from tests.conftest import TODAY
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser
VARIANTS = {"kk-phone": ("kk", PHONE, True), "ru-phone": ("ru", PHONE, True),
            "ru-desktop": ("ru", DESKTOP, False)}
variant, page = variant_fixtures(VARIANTS)


@pytest.fixture
def criteria_data(browser_app):
    """6 «Б» made criteria-based; Борис's maths in quarter 2: SAU 5/10 and 15/20, SAT 13/20,
    two FA marks, and the period mark 4 the teacher gave."""
    ids = browser_app.config["TINY_SCHOOL_IDS"]
    with browser_app.app_context():
        school_class = db.session.get(SchoolClass, ids["c6"])
        school_class.journal_type, school_class.language = "criteria", "kk"
        q2 = db.session.scalar(db.text("SELECT id FROM study_period WHERE start_date = "
                                       "'2026-11-05'"))
        for name, kind, day, most, got in (("Сандар", "sor", 10, 10, 5),
                                           ("Бөлшектер", "sor", 17, 20, 15),
                                           ("Тоқсандық", "soch", 20, 20, 13)):
            work = SummativeWork(page_id=ids["maths6"], period_id=q2, kind=kind, name=name,
                                 date=dt.date(2026, 11, day), max_points=most)
            db.session.add(work)
            db.session.flush()
            db.session.add(WorkPoints(work_id=work.id, pupil_id=ids["boris"], points=got))
        lesson_type = db.session.scalar(db.select(WorkType.id).where(WorkType.code == "lesson"))
        for day, value in ((11, 7), (17, 9)):
            lesson = Lesson(page_id=ids["maths6"], date=dt.date(2026, 11, day), lesson_number=1,
                            topic="Пропорция")
            db.session.add(lesson)
            db.session.flush()
            db.session.add(Mark(lesson_id=lesson.id, pupil_id=ids["boris"], value=value,
                                work_type_id=lesson_type))
        db.session.add(FinalMark(page_id=ids["maths6"], pupil_id=ids["boris"], kind="period",
                                 period_id=q2, value=4))
        db.session.commit()
    return ids


def _sign_in(page, live_server, lang: str) -> None:
    page.goto(f"{live_server}/login")
    page.fill("#username", "mum")
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    if lang == "kk":
        page.click(".lang-switch button")
        page.wait_for_load_state()
        assert page.evaluate("document.documentElement.lang") == "kk"


def _texts(page, selector: str) -> list[str]:
    return [t.strip() for t in page.locator(selector).all_inner_texts()]


def test_parent_reads_points_percentages_and_the_suggested_mark(
        page, variant, live_server, shot, axe_check, criteria_data):
    lang, viewport, touch = variant
    name = f"diary-criteria-{lang}-{'phone' if touch else 'desktop'}"
    boris = criteria_data["boris"]
    press = page.tap if touch else page.click
    _sign_in(page, live_server, lang)
    page.goto(f"{live_server}/diary/{boris}/marks")
    card = page.locator(f"#crit-{criteria_data['maths']}")
    assert _texts(card, ".work-points") == ["5/10", "15/20", "13/20"]
    assert _texts(card, ".work-percent") == ["50,0 %", "75,0 %", "65,0 %"]
    assert "«Сандар»" in card.inner_text()
    assert _texts(card, ".crit-sor-percent") == ["66,6 %"]
    assert _texts(card, ".crit-soch-percent") == ["65,0 %"]
    assert _texts(card, ".crit-total-percent") == ["65,8 %"]
    assert _texts(card, ".crit-suggested-mark") == ["4"]
    assert _texts(card, ".crit-given") == ["4"]
    assert page.locator(".subject-summary dt", has_text=re.compile("Predicted|Прогноз")).count() == 0
    # The exact value: a title for the mouse, a tap on the total for a phone.
    total = card.locator(".crit-total-percent")
    assert "65,8333" in total.get_attribute("title")
    assert card.locator(".crit-exact-value").is_hidden()
    press(f"#crit-{criteria_data['maths']} .crit-exact summary")
    assert "65,8333" in card.locator(".crit-exact-value").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    shot(page, f"{name}-marks")
    axe_check(page)

    # "I have seen the period marks": the button the page offers, then the note after reload.
    press(".period-seen button[type=submit]")
    page.wait_for_selector("#period-seen-note")
    page.reload()
    assert page.locator("#period-seen-note").is_visible()

    # Quarter 1 through its chip: nothing written there yet.
    press(".period-switch:not(.year-switch) li:first-child a")
    page.wait_for_url(re.compile(r"period=\d+"))
    assert page.locator(".work-points").count() == 0 and page.locator(".crit-card").count() >= 1
    shot(page, f"{name}-quarter-1")
    axe_check(page)

    # The week of 16 November: each work's points on its day.
    page.goto(f"{live_server}/diary/{boris}/week/2026-11-16")
    assert _texts(page, ".work-line .work-points") == ["15/20", "13/20"]
    assert "«Бөлшектер»" in page.inner_text("#week")
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    shot(page, f"{name}-week")
    axe_check(page)
    # Back a week through htmx (the week alone is swapped): the works come with it.
    press(".week-nav a[rel=prev]")
    page.wait_for_url(re.compile(r"/week/2026-11-09$"))
    page.wait_for_selector("text=«Сандар»")
    assert _texts(page, ".work-line .work-points") == ["5/10"]
    assert TODAY.isoformat() == "2026-11-23"
