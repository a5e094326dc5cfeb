"""The analysis of SAU and SAT in a browser (issue 21): the teacher of a Kazakh-language
criteria-based class opens it from the reports, switches the period, and downloads its PDF
and XLSX; on a desktop and on a 375 px phone, in Russian and in Kazakh, with axe."""
from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from extensions import db
from models import (
    Enrolment,
    Person,
    Pupil,
    SchoolClass,
    StudyPeriod,
    SubjectPage,
    SummativeWork,
    WorkPoints,
)
from tests.browser.variants import ALL_VARIANTS, sign_in_as, variant_fixtures

pytestmark = pytest.mark.browser

variant, page = variant_fixtures(ALL_VARIANTS, accept_downloads=True)


def _criteria_class(app) -> None:
    """6 «Б» criteria-based with two more pupils, two SAUs and a SAT in quarter 2."""
    ids = app.config["TINY_SCHOOL_IDS"]
    with app.app_context():
        cls = db.session.get(SchoolClass, ids["c6"])
        cls.language, cls.journal_type = "kk", "criteria"
        dana, zhan = (_pupil(cls, last, first) for last, first in (
            ("Нұрланова", "Дана"), ("Құрманова", "Жаһан")))
        boris = db.session.get(Pupil, ids["boris"])
        q2 = db.session.scalar(db.select(StudyPeriod).where(StudyPeriod.number == 2))
        page = db.session.get(SubjectPage, ids["maths6"])
        for day, kind, most, got in ((dt.date(2026, 11, 10), "sor", 20, (17, 20, 7)),
                                     (dt.date(2026, 11, 17), "sor", 13, (11, 13, 2)),
                                     (dt.date(2026, 11, 20), "soch", 30, (25, 28, 9))):
            work = SummativeWork(page_id=page.id, period_id=q2.id, kind=kind, date=day,
                                 name=f"Бөлім {day:%d.%m}", max_points=most)
            db.session.add(work)
            db.session.flush()
            db.session.add_all([WorkPoints(work_id=work.id, pupil_id=p.id, points=n)
                                for p, n in zip((boris, dana, zhan), got, strict=True)])
        db.session.commit()


def _pupil(cls: SchoolClass, last: str, first: str) -> Pupil:
    person = Person(last_name=last, first_name=first, patronymic="", sex="f")
    person.refresh_search_name()
    db.session.add(person)
    db.session.flush()
    pupil = Pupil(person_id=person.id, class_id=cls.id, enrolled_on=cls.year.start_date)
    db.session.add(pupil)
    db.session.flush()
    db.session.add(Enrolment(pupil_id=pupil.id, class_id=cls.id, start_date=cls.year.start_date))
    return pupil


def test_the_teacher_opens_the_analysis_and_its_files(page, live_server, browser_app, sign_in,
                                                       shot, axe_check, variant):
    ids = browser_app.config["TINY_SCHOOL_IDS"]
    lang, viewport, touch = variant
    _criteria_class(browser_app)
    press = sign_in_as(page, sign_in, "teacher", variant)
    page.goto(f"{live_server}/reports/")
    with page.expect_navigation():
        press("a[href='/reports/summative']")
    with page.expect_navigation():
        press(f"a[href^='/reports/summative/{ids['maths6']}?']")
    tables = page.locator("table.report-table")
    assert tables.count() == 3
    assert "Нұрланова Дана" in tables.nth(2).inner_text()
    assert "84,6" in tables.first.inner_text() or "84,6" in tables.nth(2).inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    shot(page, f"summative-analysis-{lang}-{viewport['width']}")
    axe_check(page)
    # the period switch: quarter 1 has no work
    with page.expect_navigation():
        press(".period-switch a >> nth=0")
    assert page.locator("table.report-table").count() < 3
    page.go_back()
    page.wait_for_load_state()
    with page.expect_download() as info:
        press(f"a.button[href^='/reports/summative/{ids['maths6']}.pdf']")
    data = Path(info.value.path()).read_bytes()
    assert data.startswith(b"%PDF")
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    assert "Құрманова Жаһан" in text and "Нұрланова Дана" in text
    with page.expect_download() as info:
        press(f"a.button[href^='/reports/summative/{ids['maths6']}.xlsx']")
    book = load_workbook(io.BytesIO(Path(info.value.path()).read_bytes()))
    assert len(book.worksheets) == 4
    # the content types, as the server sends them
    base = f"{live_server}/reports/summative/{ids['maths6']}"
    assert page.request.get(f"{base}.pdf").headers["content-type"] == "application/pdf"
    assert page.request.get(f"{base}.xlsx").headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    other = "ru" if lang == "kk" else "kk"
    link = page.locator(f"a[href*='.pdf'][href*='lang={other}']")
    assert link.count() == 1
