"""Notices to parents in a browser (issue 20): a teacher marks Анна absent in the journal,
her mother opens her notices, sees the absence, marks it seen, reloads and it stays seen; the
class teacher's report shows who has not seen the period marks. On a desktop in Russian and
on a 375 px touch phone in Kazakh, with axe on every page."""
from __future__ import annotations

import datetime as dt

import pytest

from extensions import db
from models import FinalMark, Lesson, Notice, User
from services import entries
from services import school as school_service
from tests.browser.variants import sign_in_as, variant_fixtures
from tests.conftest import TODAY

pytestmark = pytest.mark.browser

variant, page = variant_fixtures()


def _lesson(app) -> int:
    ids = app.config["TINY_SCHOOL_IDS"]
    with app.app_context():
        lesson = Lesson(page_id=ids["maths5"], date=TODAY, topic="Дроби")
        db.session.add(lesson)
        # Вера's period mark of the last quarter: her father has not seen it.
        db.session.add(FinalMark(page_id=ids["maths5"], pupil_id=ids["vera"], kind="period",
                                 period_id=_quarter(ids), value=5))
        db.session.commit()
        return lesson.id


def _quarter(ids) -> int:
    from models import SchoolClass
    return school_service.period_on(db.session.get(SchoolClass, ids["c5"]), TODAY).id


def _absent_in_the_grid(page, live_server, ids, lesson_id) -> None:
    """The teacher's first cell of today's column is Анна's (A-Z): "n" marks her absent."""
    page.goto(f"{live_server}/journal/pages/{ids['maths5']}")
    page.wait_for_selector("#jgrid[data-ready='1']")
    page.keyboard.press("n")
    page.wait_for_function("() => !document.querySelector('#jgrid td.sv')")
    page.wait_for_selector("#jgrid td.ok")


def _absent_by_the_service(app, ids, lesson_id) -> None:
    """On the touch phone the grid takes a picker (its own tests): the same service."""
    with app.app_context(), app.test_request_context():
        from models import School, SubjectPage
        teacher = db.session.get(User, ids["teacher"])
        entries.take_attendance(teacher, db.session.scalar(db.select(School)),
                                db.session.get(SubjectPage, ids["maths5"]),
                                db.session.get(Lesson, lesson_id), [ids["anna"]], TODAY)
        db.session.commit()


def _fits(page, viewport) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]


def test_absence_notice_seen_and_the_class_teachers_report(page, live_server, browser_app,
                                                          sign_in, shot, axe_check, variant, t):
    ids = browser_app.config["TINY_SCHOOL_IDS"]
    lang, viewport, touch = variant
    lesson_id = _lesson(browser_app)
    if touch:
        _absent_by_the_service(browser_app, ids, lesson_id)
    else:
        sign_in_as(page, sign_in, "teacher", variant)
        _absent_in_the_grid(page, live_server, ids, lesson_id)
        page.context.clear_cookies()
    press = sign_in_as(page, sign_in, "mum", variant)
    page.goto(f"{live_server}/notices/")
    _fits(page, viewport)
    items = page.locator("li.notice-item")
    assert items.count() == 1
    assert "is-new" in items.first.get_attribute("class")
    text = items.first.inner_text()
    assert "Анна" in text and ("Математика" in text)
    assert page.locator(f"a[href='/diary/{ids['anna']}/week/{TODAY.isoformat()}']").count() == 1
    shot(page, f"notices-inbox-{lang}")
    axe_check(page)
    press("li.notice-item form button")
    page.wait_for_selector("li.notice-item:not(.is-new)")
    assert page.locator("li.notice-item form").count() == 0
    page.reload()
    assert page.locator("li.notice-item.is-new").count() == 0
    assert page.locator(".notice-seen").count() == 1
    shot(page, f"notices-seen-{lang}")
    with browser_app.app_context():
        assert db.session.scalar(db.select(Notice.seen_at)) is not None
    page.context.clear_cookies()
    sign_in_as(page, sign_in, "ct", variant)
    page.goto(f"{live_server}/notices/class/{ids['c5']}")
    _fits(page, viewport)
    missing = page.locator("tr.is-missing")
    assert missing.count() == 1 and "Dad2" in missing.inner_text()
    shot(page, f"notices-report-{lang}")
    axe_check(page)


def test_the_parent_marks_period_marks_seen_in_the_diary(page, live_server, browser_app,
                                                        sign_in, shot, axe_check, variant):
    ids = browser_app.config["TINY_SCHOOL_IDS"]
    lang, viewport, _touch = variant
    _lesson(browser_app)
    press = sign_in_as(page, sign_in, "dad2", variant)
    page.goto(f"{live_server}/diary/{ids['vera']}/marks")
    with page.expect_navigation():
        press("form[action$='/notices/period-seen'] button")
    assert page.locator("#period-seen-note").count() == 1
    _fits(page, viewport)
    shot(page, f"notices-period-seen-{lang}")
    axe_check(page)
    page.reload()
    assert page.locator("#period-seen-note").count() == 1
    assert page.locator("form[action$='/notices/period-seen']").count() == 0


def test_another_family_gets_404(page, live_server, browser_app, sign_in):
    ids = browser_app.config["TINY_SCHOOL_IDS"]
    _absent_by_the_service(browser_app, ids, _lesson(browser_app))
    with browser_app.app_context():
        notice_id = db.session.scalar(db.select(Notice.id))
    sign_in("dad2")
    answer = page.request.post(f"{live_server}/notices/{notice_id}/seen")
    assert answer.status in (400, 404)  # no CSRF token, or not hers: never done
    assert page.request.get(f"{live_server}/notices/?pupil_id={ids['anna']}").status == 404
    assert "Анна" not in page.request.get(f"{live_server}/notices/").text()


_ = dt
