"""The hard copy of a class journal for a period (001 section 6): what it prints, read back
from the PDF; who may print it; an empty class, a period without lessons, a wide grid; and
a fixed number of queries whatever the class's size."""
from __future__ import annotations

import datetime as dt
import io

import pytest
from flask_babel import force_locale
from pypdf import PdfReader

from extensions import db
from models import Attendance, Enrolment, FinalMark, Mark
from services.reports import hardcopy
from tests.sql import count_queries
from tests.test_change_log import correction


def text_of(data: bytes) -> str:
    assert data.startswith(b"%PDF")
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@pytest.fixture
def journal(school):
    """5 «А» in the second quarter: maths with two lessons (marks, an absence, a late
    arrival with a mark), literature with one, period marks; a quarter with nothing."""
    s, b = school, school.builder
    s.q2, s.q3 = b.periods[1], b.periods[2]
    wt = b.work_types["lesson"].id
    m1 = b.lesson(s.maths5, dt.date(2026, 11, 10), topic="Дроби", homework="№ 12, 14")
    m2 = b.lesson(s.maths5, dt.date(2026, 11, 12), number=2, topic="Сложение дробей")
    lit = b.lesson(s.lit5, dt.date(2026, 11, 11), topic="Пушкин. Сказки",
                   substitute_id=s.other_staff.id)
    db.session.add_all([
        Mark(lesson_id=m1.id, pupil_id=s.anna.id, value=5, work_type_id=wt),
        Mark(lesson_id=m1.id, pupil_id=s.anna.id, value=4, position=2, work_type_id=wt),
        Mark(lesson_id=m2.id, pupil_id=s.vera.id, value=3, work_type_id=wt),
        Attendance(lesson_id=m2.id, pupil_id=s.anna.id, status="absent", reason="illness"),
        Attendance(lesson_id=lit.id, pupil_id=s.vera.id, status="late"),
        Mark(lesson_id=lit.id, pupil_id=s.vera.id, value=2, work_type_id=wt),
        FinalMark(page_id=s.maths5.id, pupil_id=s.anna.id, period_id=s.q2.id, value=4),
        FinalMark(page_id=s.maths5.id, pupil_id=s.vera.id, period_id=s.q2.id, special="na"),
    ])
    s.m1, s.lit_lesson = m1, lit
    db.session.commit()
    return s


def test_the_copy_prints_grids_lessons_and_every_signature(journal):
    s = journal
    with force_locale("en"):
        text = text_of(hardcopy.hard_copy_pdf(s.c5, s.q2, locale="en"))
    for expected in ("Школа № 1", "Class journal", "class 5 «А»", "Quarter 2", "Классная",
                     "The journal has been checked", "Антонова Анна", "Васильева Вера",
                     "Математика", "Литература", "Дроби", "№ 12, 14", "Сложение дробей",
                     "Пушкин. Сказки (substitute: Другая O.)", "5/4", "н", "о2", "n/a", "10.11", "12.11",
                     "Subject teacher", "Предметникова", "Deputy director", "Завучева",
                     "Director", "Директорова"):
        assert expected in text, expected
    assert "6 «Б»" not in text and "Антонов Борис" not in text  # another class's pupil


def test_in_kazakh_with_kazakh_letters_and_absence_letters(journal):
    s = journal
    html = hardcopy.hard_copy_html(s.c5, s.q2, locale="kk")
    assert ">ж</td>" in html and ">к2</td>" in html  # н and о become ж and к
    text = text_of(hardcopy.hard_copy_pdf(s.c5, s.q2, locale="kk"))
    assert "Әдебиет" in text and "Математика" in text and "к2" in text


def test_without_a_request_the_class_language_is_used(journal, app):
    s = journal
    s.c5.language = "kk"
    db.session.commit()
    with app.app_context():  # as the background worker calls it: no request, no user
        html = hardcopy.hard_copy_html(s.c5, s.q2)
    assert "Әдебиет" in html and ">ж</td>" in html


def test_a_pupil_who_left_is_named_with_the_date(journal):
    s = journal
    enrolment = db.session.scalar(db.select(Enrolment).where(Enrolment.pupil_id == s.vera.id))
    enrolment.end_date = dt.date(2026, 11, 20)
    db.session.commit()
    html = hardcopy.hard_copy_html(s.c5, s.q2, locale="en")
    assert "Васильева Вера (left on 20.11.2026)" in html


def test_the_change_log_is_bound_when_it_has_rows(journal):
    s = journal
    assert "Nature of the change" not in hardcopy.hard_copy_html(s.c5, s.q2, locale="en")
    correction(s, s.maths5, s.anna, lesson=s.m1, old="н", new="", reason="illness")
    db.session.commit()
    with force_locale("en"):
        text = text_of(hardcopy.hard_copy_pdf(s.c5, s.q2, locale="en"))
    assert "Nature of the change" in text and "Change log of 5 «А»" in text


def test_an_empty_class_and_a_period_without_lessons_say_why(journal):
    s = journal
    empty = s.builder.school_class(7, "В")
    db.session.commit()
    with force_locale("en"):
        no_pupils = text_of(hardcopy.hard_copy_pdf(empty, s.q2, locale="en"))
        no_lessons = text_of(hardcopy.hard_copy_pdf(s.c5, s.q3, locale="en"))
    assert "The class has no pupils in this period." in no_pupils
    assert "The class has no lessons in this period." in no_lessons
    assert "Director" in no_pupils and "Director" in no_lessons


def test_a_wide_grid_is_split_into_tables_of_25_lessons(journal):
    s = journal
    start = dt.date(2026, 11, 13)
    for n in range(30):  # 32 maths lessons in all: a table of 25 and one of 7
        s.builder.lesson(s.maths5, start + dt.timedelta(days=n // 3), number=3 + n % 3)
    db.session.commit()
    copy = hardcopy.load(s.c5, s.q2)
    maths = next(p for p in copy.pages if p.subject == "Математика")
    assert [len(t.dates) for t in maths.tables] == [25, 7]
    assert maths.tables[0].rows[0][3] is None and maths.tables[1].rows[0][3] == "4"
    text = text_of(hardcopy.hard_copy_pdf(s.c5, s.q2, locale="ru"))
    assert "22.11" in text and text.count("Антонова Анна") >= 3  # two maths tables, lit


def test_queries_do_not_grow_with_the_class(journal):
    s = journal

    def queries() -> int:
        db.session.expire_all()
        with count_queries() as counted:
            hardcopy.load(s.c5, s.q2)
        return len(counted)
    before = queries()
    for n in range(5):
        pupil = s.builder.pupil(s.c5, "Новикова", f"Ученица{n}")
        lesson = s.builder.lesson(s.lit5, dt.date(2026, 11, 16 + n))
        db.session.add(Mark(lesson_id=lesson.id, pupil_id=pupil.id, value=4,
                            work_type_id=s.builder.work_types["lesson"].id))
    db.session.commit()
    assert queries() == before


@pytest.mark.parametrize(("user", "status"), [
    ("ct", 200), ("deputy", 200), ("director", 200), ("admin", 200),
    ("teacher", 403),  # teaches maths in 5 «А»: sees the class, may not print it
    ("deputy1", 404), ("secretary", 403), ("mum", 404), ("anna", 404),
])
def test_who_may_print_the_hard_copy(journal, login, user, status):
    s = journal
    response = login(user).get(f"/reports/hardcopy/{s.c5.id}.pdf?period={s.q2.id}")
    assert response.status_code == status, user
    if status == 200:
        assert response.mimetype == "application/pdf"


def test_bad_periods_are_404_and_the_default_is_today(journal, login):
    s = journal
    client = login("deputy")
    for query in ("period=x", "period=999999", "period=-1"):
        assert client.get(f"/reports/hardcopy/{s.c5.id}.pdf?{query}").status_code == 404
    assert client.get(f"/reports/hardcopy/{s.c5.id}.pdf").status_code == 200
    assert client.get("/reports/hardcopy/999999.pdf").status_code == 404


def test_the_report_lists_the_classes_one_may_print(journal, login):
    s = journal
    page = login("deputy").get(f"/reports/hardcopy?period={s.q2.id}")
    assert page.status_code == 200
    assert f'href="/reports/hardcopy/{s.c5.id}.pdf?period={s.q2.id}"' in page.text
    ct_page = login("ct").get("/reports/hardcopy").text
    assert f"/reports/hardcopy/{s.c5.id}.pdf" in ct_page
    assert f"/reports/hardcopy/{s.c6.id}.pdf" not in ct_page
    assert login("teacher").get("/reports/hardcopy").status_code == 403
    assert login("mum").get("/reports/hardcopy").status_code == 403
