"""The extract from the journal for one pupil (001 3.11): the current marks with dates and
the period marks of a period, the school's details and signature lines, on screen and as a
PDF; a parent downloads their own child's and learns nothing of another's."""
from __future__ import annotations

import datetime as dt

import pytest

from extensions import db
from models import AuditEvent, FinalMark, Mark, StudyPeriod
from tests.test_journal_http import ru
from tests.test_reports_hardcopy import text_of


@pytest.fixture
def marks(school):
    """Анна has two maths marks and a maths period mark in the second quarter, a literature
    mark in the first; Вера (another family) has a mark of her own."""
    s, b = school, school.builder
    s.q1, s.q2 = b.periods[0], b.periods[1]
    b.school.address = "г. Алматы, ул. Абая, 1"
    wt = b.work_types["lesson"].id
    m1 = b.lesson(s.maths5, dt.date(2026, 11, 10))
    m2 = b.lesson(s.maths5, dt.date(2026, 11, 17))
    lit = b.lesson(s.lit5, dt.date(2026, 10, 6))
    db.session.add_all([
        Mark(lesson_id=m1.id, pupil_id=s.anna.id, value=5, work_type_id=wt),
        Mark(lesson_id=m2.id, pupil_id=s.anna.id, value=3, work_type_id=wt),
        Mark(lesson_id=m2.id, pupil_id=s.vera.id, value=2, work_type_id=wt),
        Mark(lesson_id=lit.id, pupil_id=s.anna.id, value=4, work_type_id=wt),
        FinalMark(page_id=s.maths5.id, pupil_id=s.anna.id, period_id=s.q2.id, value=4),
        FinalMark(page_id=s.lit5.id, pupil_id=s.anna.id, period_id=s.q1.id, special="exempt"),
    ])
    db.session.commit()
    return s


def test_a_parent_downloads_their_childs_extract(marks, login):
    s = marks
    client = login("mum")
    client.post("/language/ru")
    response = client.get(f"/reports/extract/{s.anna.id}.pdf?period={s.q2.id}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = text_of(response.data)
    for expected in ("Школа № 1", "г. Алматы, ул. Абая, 1", "Антонова Анна", "5 «А»",
                     "Математика", "5 (10.11)", "3 (17.11)", "Литература", "Классная",
                     "Директорова"):
        assert expected in text, expected
    assert "2 (17.11)" not in text  # Вера's mark on the same lesson
    assert "4 (06.10)" not in text  # another quarter's mark


def test_the_first_quarter_and_its_special_period_mark(marks, login):
    s = marks
    text = text_of(login("ct").get(f"/reports/extract/{s.anna.id}.pdf?period={s.q1.id}").data)
    assert "4 (06.10)" in text and "5 (10.11)" not in text
    assert "осв." in text  # the exempt period mark, in Russian


def test_kazakh_letters_in_kazakh(marks, login):
    s = marks
    client = login("mum")
    client.post("/language/kk")
    text = text_of(client.get(f"/reports/extract/{s.anna.id}.pdf?period={s.q2.id}").data)
    assert "Әдебиет" in text and "Антонова Анна" in text
    page = client.get(f"/reports/extract/{s.anna.id}?period={s.q2.id}")
    assert page.status_code == 200 and "Әдебиет" in page.text


def test_the_extract_names_the_signatures(marks, app):
    from flask_babel import force_locale

    from services.reports import extract
    s = marks
    with app.test_request_context("/"), force_locale("en"):
        school_class, periods, period = extract.choose(s.anna, s.q2.id)
        x = extract.build(s.anna, school_class, period, periods)
        text = text_of(extract.extract_pdf(x))
    for expected in ("Extract from the class journal", "Class teacher", "Director",
                     "Place for the stamp", "Printed on 23.11.2026", "Period mark"):
        assert expected in text, expected
    assert x.period_mark(next(m for m in x.subjects if m.name == "Математика")) == "4"


@pytest.mark.parametrize("user", ["mum", "anna", "ct", "deputy", "director", "admin",
                                  "secretary"])
def test_who_reads_annas_extract(marks, login, user):
    s = marks
    client = login(user)
    assert client.get(f"/reports/extract/{s.anna.id}").status_code == 200, user
    assert client.get(f"/reports/extract/{s.anna.id}.pdf").status_code == 200, user


@pytest.mark.parametrize("user", ["dad2", "vera", "teacher", "other", "deputy1"])
def test_others_get_404_for_annas_extract(marks, login, user):
    s = marks
    client = login(user)
    assert client.get(f"/reports/extract/{s.anna.id}").status_code == 404, user
    assert client.get(f"/reports/extract/{s.anna.id}.pdf").status_code == 404, user


def test_a_parent_asking_for_another_child_gets_404_as_for_nobody(marks, login):
    s = marks
    client = login("mum")
    other = client.get(f"/reports/extract/{s.vera.id}.pdf")
    nobody = client.get("/reports/extract/999999.pdf")
    assert other.status_code == nobody.status_code == 404
    assert "Васильева" not in other.text
    assert client.get(f"/reports/extract/{s.boris.id}.pdf").status_code == 200  # her son


def test_bad_or_foreign_periods_are_404(marks, login):
    s = marks
    client = login("mum")
    for query in ("period=x", "period=999999", "period=-1", "period=99999999999999999999"):
        assert client.get(f"/reports/extract/{s.anna.id}.pdf?{query}").status_code == 404


def test_staff_reads_are_audited_family_reads_are_not(marks, login):
    s = marks

    def reads() -> int:
        return db.session.scalar(db.select(db.func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "pupil.extract_read"))
    login("mum").get(f"/reports/extract/{s.anna.id}")
    assert reads() == 0
    login("secretary").get(f"/reports/extract/{s.anna.id}")
    assert reads() == 1


def test_links_from_the_diary_and_the_pupil_card(marks, login):
    s = marks
    diary = login("mum").get(f"/diary/{s.anna.id}/marks?period={s.q2.id}").text
    assert f"/reports/extract/{s.anna.id}.pdf?period={s.q2.id}" in diary
    card = login("secretary").get(f"/people/pupils/{s.anna.id}")
    assert f'href="/reports/extract/{s.anna.id}"' in card.text


def test_the_secretary_lists_pupils_with_their_extracts(marks, login):
    s = marks
    page = login("secretary").get(f"/reports/extract?period={s.q2.id}")
    assert page.status_code == 200
    assert f"/reports/extract/{s.anna.id}.pdf?period={s.q2.id}" in page.text
    assert f"/reports/extract/{s.senior.id}" in page.text
    ct_page = login("ct").get("/reports/extract").text
    assert f"/reports/extract/{s.anna.id}" in ct_page
    assert f"/reports/extract/{s.boris.id}" not in ct_page
    for user in ("teacher", "mum", "anna"):
        assert login(user).get("/reports/extract").status_code == 403, user


def test_a_pupil_without_subjects_says_so(school, login):
    s = school
    empty = s.builder.school_class(7, "В")
    pupil = s.builder.pupil(empty, "Новикова", "Нина")
    db.session.commit()
    client = login("secretary")
    client.post("/language/en")
    page = client.get(f"/reports/extract/{pupil.id}")
    assert page.status_code == 200 and ru("The pupil has no subjects in this period.") in page.text
    text = text_of(client.get(f"/reports/extract/{pupil.id}.pdf").data)
    assert ru("The pupil has no subjects in this period.") in text


def test_a_quarter_asked_of_a_half_year_class_gives_its_half_year(school, login):
    s = school
    b = s.builder
    half = b._add(StudyPeriod(year_id=b.year.id, scheme="half", number=1,
                              start_date=dt.date(2026, 9, 1), end_date=dt.date(2026, 12, 28)))
    db.session.commit()
    page = login("deputy").get(f"/reports/extract/{s.senior.id}?period={b.periods[1].id}")
    assert page.status_code == 200
    assert f"/reports/extract/{s.senior.id}.pdf?period={half.id}" in page.text
