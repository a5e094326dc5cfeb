"""The pupil's extract and the class's hard copy in a browser (issue 18): a parent reads the
marks in the diary, opens the extract, and downloads it as a PDF; the class teacher
downloads the class's hard copy from the reports. On a desktop in Russian and on a 375 px
touch phone in Kazakh, with axe on the pages."""
from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from pypdf import PdfReader

from extensions import db
from models import FinalMark, Lesson, Mark, WorkType
from tests.browser.variants import variant_fixtures

pytestmark = pytest.mark.browser

variant, page = variant_fixtures(accept_downloads=True)


def _marks(app) -> None:
    """Two maths lessons of 5 «А» with Anna's marks and her period mark."""
    ids = app.config["TINY_SCHOOL_IDS"]
    with app.app_context():
        wt = db.session.scalar(db.select(WorkType.id).where(WorkType.code == "lesson"))
        for day, value in ((dt.date(2026, 11, 10), 5), (dt.date(2026, 11, 17), 4)):
            lesson = Lesson(page_id=ids["maths5"], date=day, topic="Дроби")
            db.session.add(lesson)
            db.session.flush()
            db.session.add(Mark(lesson_id=lesson.id, pupil_id=ids["anna"], value=value,
                                work_type_id=wt))
        q2 = db.session.scalar(db.text("SELECT id FROM study_period WHERE number = 2"))
        db.session.add(FinalMark(page_id=ids["maths5"], pupil_id=ids["anna"], period_id=q2,
                                 value=5))
        db.session.commit()


def _pdf_text(download) -> str:
    data = Path(download.path()).read_bytes()
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)


def _language(page, lang: str) -> None:
    if lang == "kk":
        page.click(".lang-switch button")
        page.wait_for_load_state()


def test_a_parent_opens_and_downloads_the_extract(page, live_server, browser_app, sign_in,
                                                   shot, axe_check, variant):
    ids = browser_app.config["TINY_SCHOOL_IDS"]
    lang, viewport, touch = variant
    _marks(browser_app)
    sign_in("mum")
    _language(page, lang)
    press = page.tap if touch else page.click
    page.goto(f"{live_server}/diary/{ids['anna']}/marks")
    link = page.locator(f"a[href^='/reports/extract/{ids['anna']}.pdf']")
    assert link.count() == 1
    page.goto(f"{live_server}/reports/extract/{ids['anna']}")
    table = page.locator("table.report-table").inner_text()
    assert "Математика" in table and "5" in table and "(10.11)" in table
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    shot(page, f"extract-{lang}")
    axe_check(page)
    with page.expect_download() as info:
        press(f"a.button[href^='/reports/extract/{ids['anna']}.pdf']")
    text = _pdf_text(info.value)
    assert "Антонова Анна" in text and "5 (10.11)" in text and "Васильева" not in text
    if lang == "kk":
        assert "Әдебиет" in text


def test_the_class_teacher_downloads_the_hard_copy(page, live_server, browser_app, sign_in,
                                                    shot, axe_check, variant):
    ids = browser_app.config["TINY_SCHOOL_IDS"]
    lang, viewport, touch = variant
    _marks(browser_app)
    sign_in("ct")
    _language(page, lang)
    press = page.tap if touch else page.click
    page.goto(f"{live_server}/reports/hardcopy")
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    shot(page, f"hardcopy-list-{lang}")
    axe_check(page)
    with page.expect_download() as info:
        press(f"a[href^='/reports/hardcopy/{ids['c5']}.pdf']")
    text = _pdf_text(info.value)
    assert "Антонова Анна" in text and "Дроби" in text and "Математика" in text
    if lang == "kk":
        assert "Әдебиет" in text
