"""Final attestation (issue 16, 001 3.2.9): the school's exam list with its usual exams, the
deputy's results per pupil with their limits, and the diary showing them to the family of the
pupil only."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from extensions import db
from models import Exam, ExamResult, Subject
from services import exams, policy
from tests.conftest import TODAY
from tests.fragments import status


@pytest.fixture
def exam(school):
    """An exam of grade 5 (the tiny school's pupils are in 5, 6 and 10)."""
    row = Exam(kind="school", grade=5, subject_id=school.maths.id, name_ru="Экзамен 5",
               name_kk="Емтихан 5", max_points=20)
    db.session.add(row)
    db.session.commit()
    return row


def entry(points=None, mark=None, taken_on=None) -> exams.Entry:
    return exams.Entry(points, mark, taken_on)


def save(school, exam, pupil, e):
    return exams.save(school.deputy, exam, pupil, school.builder.year, e, school.builder.school,
                      TODAY)


def test_the_usual_exams_are_added_once(school):
    db.session.add(Subject(code="russian", name_ru="Русский язык", name_kk="Орыс тілі"))
    db.session.add(Subject(code="math", name_ru="Математика", name_kk="Математика"))
    db.session.flush()
    added = exams.add_usual(school.builder.school)
    assert {(e.kind, e.grade) for e in added} == {("OGE", 9), ("EGE", 11)}
    assert all(e.subject_id for e in added)
    assert exams.add_usual(school.builder.school) == []
    school.builder.school.default_locale = "kk"
    assert [e.kind for e in exams.add_usual(school.builder.school)] == ["ENT"]


@pytest.mark.parametrize("points,mark,ok", [
    (0, None, True), (20, None, True), (21, None, False), (-1, None, False),
    (None, 2, True), (None, 5, True), (None, 1, False), (None, 6, False), (15, 4, True)])
def test_points_and_mark_at_their_limits(school, exam, points, mark, ok):
    if ok:
        result = save(school, exam, school.anna, entry(points, mark))
        assert (result.points, result.mark) == (points, mark)
    else:
        with pytest.raises(exams.ExamError):
            save(school, exam, school.anna, entry(points, mark))


def test_mark_one_where_the_school_allows_it(school, exam):
    school.builder.school.allow_mark_one = True
    assert save(school, exam, school.anna, entry(mark=1)).mark == 1


def test_only_a_pupil_of_the_grade_this_year(school, exam):
    with pytest.raises(exams.ExamError):
        save(school, exam, school.boris, entry(mark=4))  # grade 6
    school.vera.left_on = TODAY
    with pytest.raises(exams.ExamError):
        save(school, exam, school.vera, entry(mark=4))


@pytest.mark.parametrize("day,ok", [(TODAY, True), (TODAY + dt.timedelta(days=1), False),
                                    (dt.date(2026, 9, 1), True), (dt.date(2026, 8, 31), False)])
def test_the_exam_date(school, exam, day, ok):
    if ok:
        assert save(school, exam, school.anna, entry(mark=4, taken_on=day)).taken_on == day
    else:
        with pytest.raises(exams.ExamError):
            save(school, exam, school.anna, entry(mark=4, taken_on=day))


def test_a_correction_replaces_and_empty_removes(school, exam):
    save(school, exam, school.anna, entry(10, 3))
    save(school, exam, school.anna, entry(12, 4))
    assert db.session.scalar(select(func.count()).select_from(ExamResult)) == 1
    assert save(school, exam, school.anna, entry()) is None
    assert db.session.scalar(select(func.count()).select_from(ExamResult)) == 0


# -- over HTTP --------------------------------------------------------------------------------

def test_the_deputy_enters_a_row_by_htmx_and_by_a_plain_form(school, exam, login):
    client = login("deputy")
    page = client.get(f"/exams/{exam.id}")
    assert page.status_code == 200 and "Антонова" in page.text and "Антонов Борис" not in page.text
    url = f"/exams/{exam.id}/pupils/{school.anna.id}"
    row = client.post(url, data={"points": "18", "mark": "5", "taken_on": "2026-11-20"},
                      headers={"HX-Request": "true"})
    assert row.status_code == 200 and row.text.lstrip().startswith(f'<tr id="pupil-{school.anna.id}"')
    assert 'value="18"' in row.text
    refused = client.post(url, data={"points": "21", "mark": "5"}, headers={"HX-Request": "true"})
    assert status(refused) == 422 and "field-error" in refused.text and 'value="21"' in refused.text
    for bad in ({"mark": "٣"}, {"mark": "7"}, {"taken_on": "23.11"}, {"points": "9" * 30}):
        answer = client.post(url, data=bad)
        assert status(answer) == 422 and "field-error" in answer.text, bad
    result = db.session.scalar(select(ExamResult))
    assert (result.points, result.mark, result.taken_on) == (18, 5, dt.date(2026, 11, 20))
    assert client.post(url, data={"points": "", "mark": "4"}).status_code == 303


def test_who_may_enter_results(school, exam, login):
    url = f"/exams/{exam.id}/pupils/{school.anna.id}"
    # a primary-level deputy does not know grade 5's exam; the director reads, never enters
    for who, code in (("teacher", 404), ("ct", 404), ("mum", 404), ("director", 403),
                      ("deputy1", 404)):
        assert login(who).post(url, data={"mark": "4"}).status_code == code, who
    assert login("admin").post(url, data={"mark": "4"}).status_code == 303
    other = login("deputy").post(f"/exams/{exam.id}/pupils/{school.boris.id}", data={"mark": "4"})
    assert status(other) == 422 and "Антонов Борис" in other.text  # he is in grade 6
    assert db.session.scalar(select(func.count()).select_from(ExamResult)) == 1


def test_usual_exams_button_and_the_grid(school, login):
    client = login("deputy")
    assert client.post("/exams/usual").status_code == 303
    assert login("teacher").post("/exams/usual").status_code == 403
    assert login("deputy").get("/admin/exams").status_code == 200
    assert "ЕГЭ" in login("deputy").get("/exams/").text


def test_the_diary_shows_results_to_the_family_of_the_pupil_only(school, exam, login):
    save(school, exam, school.anna, entry(17, 5, dt.date(2026, 11, 20)))
    db.session.commit()
    html = login("mum").get(f"/diary/{school.anna.id}/marks").text
    assert "Экзамен 5" in html and "17" in html
    assert login("dad2").get(f"/diary/{school.anna.id}/marks").status_code == 404
    assert "Экзамен 5" not in login("dad2").get(f"/diary/{school.vera.id}/marks").text
    assert "Экзамен 5" in login("anna").get(f"/diary/{school.anna.id}/marks").text


def test_the_exam_list_grid_keeps_its_limits(school, login):
    client = login("deputy")
    good = {"kind": "OGE", "grade": "9", "subject_id": str(school.maths.id),
            "name_ru": "ОГЭ. Математика", "name_kk": "НМЕ. Математика", "max_points": "31"}
    assert client.post("/admin/exams/new", data=good).status_code == 302
    for bad in ({"kind": "TOEFL"}, {"grade": "13"}, {"max_points": "0"},
                {"max_points": "1001"}, {"name_ru": ""}, {}):  # {}: the same exam twice
        assert status(client.post("/admin/exams/new", data={**good, **bad})) == 422, bad
    assert db.session.scalar(select(func.count()).select_from(Exam)) == 1
    assert login("teacher").get("/admin/exams").status_code == 404


@pytest.mark.parametrize("scope,grade,ok", [
    (None, 9, True), ("basic", 9, True), ("basic", 5, True), ("basic", 4, False),
    ("secondary", 9, False), ("secondary", 10, True), ("primary", 4, True)])
def test_a_deputy_limited_to_a_level_enters_that_levels_results(school, scope, grade, ok):
    _, deputy = school.builder.staff(f"dep{scope}", "deputy", scope=scope)
    assert policy.can_enter_exam_results(deputy, grade) is ok
    assert not policy.can_enter_exam_results(school.director, grade)
    assert policy.can_enter_exam_results(school.admin, grade)
