"""The family's own data in a browser (issue 19): a parent opens "My data", downloads the
archive and reads its PDF, asks the class teacher for a correction; the class teacher answers
it; the parent reads the answer. On a desktop in Russian and on a 375 px touch phone in
Kazakh, with axe on every page."""
from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader

from extensions import db
from models import Attendance, FinalMark, Lesson, Mark, WorkType
from tests.browser.variants import sign_in_as, variant_fixtures

pytestmark = pytest.mark.browser

variant, page = variant_fixtures(accept_downloads=True)


def _journal(app) -> None:
    """A literature lesson of 5 «А» with Anna's mark and an absence for illness."""
    ids = app.config["TINY_SCHOOL_IDS"]
    with app.app_context():
        wt = db.session.scalar(db.select(WorkType.id).where(WorkType.code == "lesson"))
        lesson = Lesson(page_id=ids["lit5"], date=dt.date(2026, 11, 16), topic="Абай")
        missed = Lesson(page_id=ids["lit5"], date=dt.date(2026, 11, 17))
        db.session.add_all([lesson, missed])
        db.session.flush()
        db.session.add(Mark(lesson_id=lesson.id, pupil_id=ids["anna"], value=5,
                            work_type_id=wt))
        db.session.add(Attendance(lesson_id=missed.id, pupil_id=ids["anna"], reason="illness"))
        db.session.commit()


def _archive(download) -> tuple[str, dict]:
    """The archive's PDF text and its JSON."""
    files = zipfile.ZipFile(io.BytesIO(Path(download.path()).read_bytes()))
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(
        files.read("data.pdf"))).pages)
    return text, json.loads(files.read("data.json"))


def _fits(page, viewport) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]


def _parent_downloads_and_asks(page, live_server, sign_in, shot, axe_check, variant, ids):
    lang, viewport, _touch = variant
    press = sign_in_as(page, sign_in, "mum", variant)
    assert page.locator("a[href='/my-data/']").count() == 1
    page.goto(f"{live_server}/my-data/")
    with page.expect_navigation():
        press(f"a[href='/my-data/{ids['anna']}/']")
    _fits(page, viewport)
    shot(page, f"family-data-{lang}")
    axe_check(page)
    with page.expect_download() as info:
        press(f"a[href='/my-data/{ids['anna']}/archive.zip']")
    text, data = _archive(info.value)
    assert "Антонова Анна" in text and "Васильева" not in text
    assert "Әдебиет" in text if lang == "kk" else "Литература" in text
    assert data["marks"][0]["mark"] == 5 and data["attendance"][0]["reason"]
    page.fill("textarea[name=text]", "В карточке неверная дата рождения")
    with page.expect_navigation():
        press(f"form[action$='/my-data/{ids['anna']}/'] button[type=submit]")
    assert page.locator(".md-request").count() == 1
    assert "неверная дата рождения" in page.locator(".md-request").inner_text()
    return press


def test_a_parent_downloads_asks_and_reads_the_answer(page, live_server, browser_app, sign_in,
                                                       shot, axe_check, variant):
    ids = browser_app.config["TINY_SCHOOL_IDS"]
    lang, viewport, _touch = variant
    _journal(browser_app)
    _parent_downloads_and_asks(page, live_server, sign_in, shot, axe_check, variant, ids)
    page.context.clear_cookies()
    press = sign_in_as(page, sign_in, "ct", variant)
    assert page.locator("a[href='/my-data/requests/']").count() == 1
    page.goto(f"{live_server}/my-data/requests/")
    _fits(page, viewport)
    shot(page, f"family-requests-{lang}")
    axe_check(page)
    page.locator(".md-request textarea").fill("Исправила, проверьте карточку")
    with page.expect_navigation():
        press(".md-request button[type=submit]")
    assert page.locator(".md-request form").count() == 0
    assert "Исправила" in page.locator(".md-answer").inner_text()
    page.context.clear_cookies()
    sign_in("mum")  # her language is kept from her first visit
    page.goto(f"{live_server}/my-data/{ids['anna']}/")
    assert "Исправила, проверьте карточку" in page.locator(".md-answer").inner_text()
    shot(page, f"family-answered-{lang}")
    axe_check(page)


def test_another_family_gets_nothing(page, live_server, browser_app, sign_in):
    ids = browser_app.config["TINY_SCHOOL_IDS"]
    sign_in("dad2")
    for path in (f"/my-data/{ids['anna']}/", f"/my-data/{ids['anna']}/archive.zip"):
        response = page.request.get(f"{live_server}{path}")
        assert response.status == 404


def _old_year(app) -> None:
    """A closed year that ended more than 5 years ago, with a lesson, a mark and a year mark."""
    from models import AcademicYear, SchoolClass, SubjectPage
    ids = app.config["TINY_SCHOOL_IDS"]
    with app.app_context():
        year = AcademicYear(name="2019/2020", start_date=dt.date(2019, 9, 1),
                            end_date=dt.date(2020, 5, 31), closed=True)
        db.session.add(year)
        db.session.flush()
        cls = SchoolClass(year_id=year.id, grade=5, letter="А")
        db.session.add(cls)
        db.session.flush()
        page = SubjectPage(class_id=cls.id, subject_id=ids["maths"], teacher_id=ids["t_staff"])
        db.session.add(page)
        db.session.flush()
        lesson = Lesson(page_id=page.id, date=dt.date(2019, 9, 2))
        db.session.add(lesson)
        db.session.flush()
        wt = db.session.scalar(db.select(WorkType.id).where(WorkType.code == "lesson"))
        db.session.add_all([
            Mark(lesson_id=lesson.id, pupil_id=ids["anna"], value=4, work_type_id=wt),
            FinalMark(page_id=page.id, pupil_id=ids["anna"], kind="year", value=4)])
        db.session.commit()


def test_the_administrator_purges_after_typing_the_word(page, live_server, browser_app,
                                                         sign_in, shot, axe_check, variant):
    lang, viewport, _touch = variant
    _old_year(browser_app)
    press = sign_in_as(page, sign_in, "admin", variant)
    page.goto(f"{live_server}/retention/")
    assert "2019/2020" in page.locator("table").inner_text()
    _fits(page, viewport)
    shot(page, f"retention-{lang}")
    axe_check(page)
    page.fill("input[name=confirm]", "нет")
    with page.expect_navigation():
        press("main form button[type=submit]")
    assert page.locator("input[name=confirm][aria-invalid=true]").count() == 1
    axe_check(page)
    page.fill("input[name=confirm]", "purge")
    with page.expect_navigation():
        press("main form button[type=submit]")
    assert page.locator("main form button[type=submit]").count() == 0  # nothing left to purge
    with browser_app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Mark)) == 0
        assert db.session.scalar(db.select(db.func.count()).select_from(FinalMark)) == 1
