"""The diary on a phone (375x812): a parent reads the week, moves back, switches child and
language, opens marks, absences and homework; axe on every page; nothing scrolls sideways."""
from __future__ import annotations

import datetime as dt
import re

import pytest

from extensions import db
from models import Attendance, Bell, FinalMark, Lesson, Mark, TimetableSlot, WorkType
from tests.conftest import TODAY
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser
LAST_MONDAY = TODAY - dt.timedelta(days=7)


@pytest.fixture
def diary_data(browser_app):
    """A fortnight of maths and literature for Anna, Vera and Boris."""
    ids = browser_app.config["TINY_SCHOOL_IDS"]
    with browser_app.app_context():
        for n in range(1, 7):
            db.session.add(Bell(number=n, starts=dt.time(7 + n, 30), ends=dt.time(8 + n, 15)))
        wt = {w.code: w.id for w in db.session.scalars(db.select(WorkType))}
        for page, weekday, number in (("maths5", 1, 1), ("maths5", 3, 2), ("lit5", 1, 2),
                                      ("lit5", 5, 3), ("maths6", 1, 1), ("maths6", 4, 2)):
            db.session.add(TimetableSlot(page_id=ids[page], weekday=weekday, lesson_number=number,
                                         valid_from=dt.date(2026, 9, 1),
                                         valid_to=dt.date(2027, 5, 31)))
        topics = {"maths5": "Сложение дробей с разными знаменателями",
                  "lit5": "А. С. Пушкин. «Сказка о мёртвой царевне»",
                  "maths6": "Пропорции"}
        for monday, tag in ((TODAY, ""), (LAST_MONDAY, " (повторение)")):
            for page, day, number, value, code in (
                    ("maths5", 0, 1, 5, "control"), ("maths5", 2, 2, 4, "lesson"),
                    ("lit5", 0, 2, 3, "essay"), ("maths6", 0, 1, 4, "lesson")):
                date = monday + dt.timedelta(days=day)
                lesson = Lesson(page_id=ids[page], date=date, lesson_number=number,
                                topic=topics[page] + tag, homework="Упр. 214, 215; выучить правило")
                db.session.add(lesson)
                db.session.flush()
                if date > TODAY:
                    continue
                pupil = ids["boris"] if page == "maths6" else ids["anna"]
                db.session.add(Mark(lesson_id=lesson.id, pupil_id=pupil, value=value,
                                    work_type_id=wt[code], comment="Аккуратно" if value == 5 else ""))
                if page == "maths5":
                    db.session.add(Mark(lesson_id=lesson.id, pupil_id=ids["vera"], value=2,
                                        work_type_id=wt[code], comment="ЧУЖАЯ ОЦЕНКА"))
        db.session.add(Lesson(page_id=ids["lit5"], date=TODAY + dt.timedelta(days=4),
                              lesson_number=3, homework="Выучить отрывок наизусть"))
        missed = Lesson(page_id=ids["lit5"], date=LAST_MONDAY + dt.timedelta(days=4),
                        lesson_number=3, topic="Устное народное творчество")
        db.session.add(missed)
        db.session.flush()
        db.session.add(Attendance(lesson_id=missed.id, pupil_id=ids["anna"], status="absent",
                                  reason="illness"))
        db.session.add(FinalMark(page_id=ids["maths5"], pupil_id=ids["anna"], kind="period",
                                 period_id=db.session.scalar(db.text(
                                     "SELECT id FROM study_period ORDER BY start_date LIMIT 1")),
                                 value=5))
        db.session.commit()
    return ids


def _sign_in(page, live_server, username: str) -> None:
    # The shared sign_in fixture clicks the first submit button, which is the language switch.
    page.goto(f"{live_server}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state()


def _no_sideways_scroll(page) -> None:
    page.set_viewport_size({"width": 360, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.set_viewport_size({"width": 375, "height": 812})


def _check(page, shot, axe_check, name: str) -> None:
    shot(page, name)
    axe_check(page)
    _no_sideways_scroll(page)
    small = page.evaluate("""() => [...document.querySelectorAll(
        '.diary a, .diary button, .site-header a, .site-header button, .site-header summary')]
        .filter(e => e.offsetParent !== null)
        .map(e => [e.textContent.trim(), e.getBoundingClientRect().height])
        .filter(([, h]) => h < 44)""")
    assert not small, small


def test_parent_reads_the_diary_on_a_phone(page, live_server, shot, axe_check,
                                           diary_data):
    anna, boris = diary_data["anna"], diary_data["boris"]
    _sign_in(page, live_server, "mum")
    assert page.url.endswith(f"/diary/{anna}/week")
    text = page.inner_text("main")
    assert "понедельник, 23 ноября" in text and "Сложение дробей" in text
    assert "Аккуратно" in text and "Контрольная работа" in text and "ЧУЖАЯ" not in text
    _check(page, shot, axe_check, "diary-01-week")

    # A week back, through htmx: the page is not reloaded, the URL is real.
    page.evaluate("window.__stayed = true")
    page.click(".week-nav a[rel=prev]")
    page.wait_for_url(re.compile(r"/week/2026-11-16$"))
    page.wait_for_selector("text=(повторение)")
    assert page.evaluate("window.__stayed === true")
    assert "понедельник, 16 ноября" in page.inner_text("#week")
    _check(page, shot, axe_check, "diary-02-previous-week")
    page.go_back()
    page.wait_for_url(re.compile(rf"/diary/{anna}/week(/2026-11-23)?$"))
    page.wait_for_selector("text=понедельник, 23 ноября")

    # The other child, one tap.
    page.click(f".child-switch a[href^='/diary/{boris}/']")
    page.wait_for_url(re.compile(rf"/diary/{boris}/week"))
    assert "Пропорции" in page.inner_text("main") and "Сложение" not in page.inner_text("main")
    _check(page, shot, axe_check, "diary-03-other-child")

    # Kazakh: weekdays and subject names change.
    page.click(".lang-switch button")
    page.wait_for_selector("text=дүйсенбі")
    assert page.evaluate("document.documentElement.lang") == "kk"
    _check(page, shot, axe_check, "diary-04-kazakh")
    page.click(".lang-switch button")
    page.wait_for_selector("text=понедельник")

    page.click(f".child-switch a[href^='/diary/{anna}/']")
    page.wait_for_url(re.compile(rf"/diary/{anna}/week"))
    for section, expect in (("marks", "Математика"), ("attendance", "Литература"),
                            ("homework", "Выучить отрывок наизусть")):
        page.click(f".diary-tabs a[href='/diary/{anna}/{section}']")
        page.wait_for_url(re.compile(rf"/diary/{anna}/{section}"))
        assert expect in page.inner_text("main")
        _check(page, shot, axe_check, f"diary-05-{section}")
    page.click(f".diary-tabs a[href='/diary/{anna}/marks']")
    assert page.locator(".subject-card svg.spark").count() >= 1


def test_offline_week_and_forgetting_at_sign_out(page, live_server, shot, diary_data):
    anna = diary_data["anna"]
    _sign_in(page, live_server, "mum")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.goto(f"{live_server}/diary/{anna}/week/2026-11-23")
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    page.goto(f"{live_server}/diary/{anna}/week/2026-11-23")  # now through the worker
    page.wait_for_function("caches.open('tabel-week-v1').then(c => c.keys())"
                           ".then(k => k.length === 1)")
    page.context.set_offline(True)
    page.reload()
    banner = page.locator("#offline-banner")
    banner.wait_for(state="visible")
    assert "Сложение дробей" in page.inner_text("main")
    shot(page, "diary-06-offline")
    page.context.set_offline(False)
    page.goto(f"{live_server}/diary/{anna}/week/2026-11-23")
    assert page.locator("#offline-banner").is_hidden()
    page.click(".account-menu summary")
    page.click(".account-menu-body button[type=submit]")
    page.wait_for_url(re.compile(r"/login"))
    assert page.evaluate("caches.keys().then(k => k.length)") == 0
