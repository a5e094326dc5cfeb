"""The academic year in the back office: years, study periods, holidays, the class's week and
period scheme (issue 16). Rules at their boundaries, the refusals, who may change them."""
from __future__ import annotations

import datetime as dt

import pytest
from flask_babel import force_locale
from markupsafe import escape

from extensions import db
from models import AcademicYear, Holiday, SchoolClass, StudyPeriod
from services.periods import rules
from tests.fragments import status


def _count(model, *where) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model).where(*where))


@pytest.mark.parametrize(("grade", "scheme"), [(0, "quarter"), (1, "quarter"), (9, "quarter"),
                                               (10, "half"), (11, "half")])
def test_default_scheme_follows_the_grade(grade, scheme):
    assert rules.default_scheme(grade) == scheme


CLASS = {"letter": "Д", "language": "ru", "period_scheme": "", "days_per_week": "5"}


@pytest.mark.parametrize(("grade", "chosen", "stored"), [
    ("9", "", "quarter"), ("10", "", "half"), ("11", "", "half"), ("5", "trimester", "trimester"),
    ("10", "quarter", "quarter")])
def test_a_new_class_takes_its_grades_scheme_unless_one_is_chosen(school, login, grade, chosen,
                                                                  stored):
    client = login("admin")
    response = client.post("/admin/classes/new",
                           data={**CLASS, "grade": grade, "period_scheme": chosen})
    assert response.status_code == 302
    new = db.session.scalar(db.select(SchoolClass).where(SchoolClass.letter == "Д"))
    assert new.period_scheme == stored


@pytest.mark.parametrize(("typed", "stored"), [("5", 5), ("6", 6), ("7", None), ("", None)])
def test_a_class_has_a_five_or_six_day_week(school, login, typed, stored):
    client = login("admin")
    response = client.post("/admin/classes/new",
                           data={**CLASS, "grade": "7", "days_per_week": typed})
    new = db.session.scalar(db.select(SchoolClass).where(SchoolClass.letter == "Д"))
    if stored is None:
        assert status(response) == 422 and new is None
    else:
        assert response.status_code == 302 and new.days_per_week == stored


# -- study periods ---------------------------------------------------------------------------

def _period(school, **change) -> dict:
    data = {"year_id": str(school.builder.year.id), "scheme": "half", "number": "1",
            "start_date": "2026-09-01", "end_date": "2026-12-28"}
    return {**data, **change}


def test_half_years_beside_the_quarters_are_accepted(school, login):
    client = login("admin")
    assert client.post("/admin/periods/new", data=_period(school)).status_code == 302
    second = _period(school, number="2", start_date="2027-01-12", end_date="2027-05-26")
    assert client.post("/admin/periods/new", data=second).status_code == 302
    assert _count(StudyPeriod, StudyPeriod.scheme == "half") == 2


@pytest.mark.parametrize(("start", "end", "why"), [
    ("2026-10-24", "2026-11-04", "overlaps period 1"),   # first day = Q1's last day
    ("2026-10-25", "2026-11-05", "overlaps period 2"),   # last day = Q2's first day
    ("2026-08-31", "2026-10-01", "inside the academic year"),
    ("2027-05-01", "2027-06-01", "inside the academic year"),
])
def test_a_period_overlapping_its_kind_or_outside_the_year_is_refused(school, login, start,
                                                                      end, why):
    client = login("admin")
    response = client.post("/admin/periods/new", data=_period(
        school, scheme="quarter", number="4", start_date=start, end_date=end))
    assert status(response) == 422
    with force_locale("ru"):  # the page says it in Russian: the rule's own words
        said = rules.check_period(StudyPeriod(
            year_id=school.builder.year.id, scheme="quarter", number=4,
            start_date=dt.date.fromisoformat(start), end_date=dt.date.fromisoformat(end)))
    assert str(escape(said)) in response.text
    with force_locale("en"):
        assert why in rules.check_period(StudyPeriod(
            year_id=school.builder.year.id, scheme="quarter", number=4,
            start_date=dt.date.fromisoformat(start), end_date=dt.date.fromisoformat(end)))
    assert _count(StudyPeriod) == 4


@pytest.mark.parametrize(("scheme", "number", "answer"), [
    ("half", "2", 302), ("half", "3", 422), ("trimester", "3", 302), ("trimester", "4", 422)])
def test_a_period_number_fits_its_kind(school, login, scheme, number, answer):
    response = login("admin").post("/admin/periods/new", data=_period(
        school, scheme=scheme, number=number, start_date="2027-03-01",
        end_date="2027-05-26"))
    assert status(response) == answer


def test_the_gap_between_quarters_takes_a_period_and_a_period_keeps_its_own_dates(school,
                                                                                    login):
    client = login("admin")
    q2 = school.builder.periods[1]
    moved = _period(school, scheme="quarter", number="2", start_date="2026-10-25",
                    end_date="2026-12-28")  # touches Q1's last day but does not overlap
    assert client.post(f"/admin/periods/{q2.id}", data=moved).status_code == 302
    assert db.session.get(StudyPeriod, q2.id).start_date == dt.date(2026, 10, 25)


# -- holidays --------------------------------------------------------------------------------

def _holiday(school, **change) -> dict:
    data = {"year_id": str(school.builder.year.id), "kind": "vacation",
            "name": "Дополнительные каникулы", "start_date": "2027-02-15",
            "end_date": "2027-02-21", "grades": "1"}
    return {**data, **change}


def test_a_first_grade_vacation_is_stored_with_its_grades(school, login):
    client = login("admin")
    assert client.post("/admin/holidays/new", data=_holiday(school, grades=" 1 ")).status_code \
        == 302
    holiday = db.session.scalar(db.select(Holiday))
    assert (holiday.grades, holiday.kind) == ("1", "vacation")


@pytest.mark.parametrize("change", [
    {"start_date": "2026-08-20", "end_date": "2026-09-02"},
    {"start_date": "2027-05-30", "end_date": "2027-06-03"},
    {"end_date": "2027-02-14"},  # ends before it starts
    {"grades": "первый"},
    {"kind": "party"},
])
def test_a_holiday_outside_the_year_or_with_bad_values_is_refused(school, login, change):
    client = login("admin")
    response = client.post("/admin/holidays/new", data=_holiday(school, **change))
    assert status(response) == 422
    assert _count(Holiday) == 0


def test_a_holiday_on_the_years_first_and_last_day_is_accepted(school, login):
    client = login("admin")
    edges = _holiday(school, start_date="2026-09-01", end_date="2026-09-01", grades="")
    assert client.post("/admin/holidays/new", data=edges).status_code == 302
    last = _holiday(school, start_date="2027-05-31", end_date="2027-05-31", grades="")
    assert client.post("/admin/holidays/new", data=last).status_code == 302


# -- years -----------------------------------------------------------------------------------

YEAR = {"name": "2027/2028", "start_date": "2027-09-01", "end_date": "2028-05-31"}


def test_only_one_year_is_current(school, login):
    client = login("admin")
    old = school.builder.year.id
    assert client.post("/admin/years/new", data={**YEAR, "is_current": "y"}).status_code == 302
    current = list(db.session.scalars(db.select(AcademicYear).where(AcademicYear.is_current)))
    assert [y.name for y in current] == ["2027/2028"]
    assert not db.session.get(AcademicYear, old).is_current
    again = client.post(f"/admin/years/{old}", data={"name": "2026/2027",
                                                     "start_date": "2026-09-01",
                                                     "end_date": "2027-05-31",
                                                     "is_current": "y"})
    assert again.status_code == 302
    current = list(db.session.scalars(db.select(AcademicYear).where(AcademicYear.is_current)))
    assert [y.id for y in current] == [old]


def test_a_refused_year_leaves_the_current_one_alone(school, login):
    client = login("admin")
    bad = client.post("/admin/years/new", data={**YEAR, "end_date": "2027-08-01",
                                                "is_current": "y"})
    assert status(bad) == 422
    assert db.session.get(AcademicYear, school.builder.year.id).is_current
    assert _count(AcademicYear) == 1


def test_a_year_cannot_shrink_away_from_its_periods(school, login):
    client = login("admin")
    year = school.builder.year
    response = client.post(f"/admin/years/{year.id}", data={
        "name": year.name, "start_date": "2026-09-01", "end_date": "2027-05-20",
        "is_current": "y"})
    assert status(response) == 422
    shrunk = db.session.get(AcademicYear, year.id)
    shrunk.end_date = dt.date(2027, 5, 20)
    with force_locale("en"):
        assert "must cover them" in rules.check_year(shrunk)
    with force_locale("ru"):
        assert str(escape(rules.check_year(shrunk))) in response.text
    db.session.rollback()
    assert db.session.get(AcademicYear, year.id).end_date == dt.date(2027, 5, 31)


@pytest.mark.parametrize("key", ["years", "periods", "holidays"])
@pytest.mark.parametrize(("username", "reads"), [
    ("admin", 200), ("director", 200), ("deputy", 200), ("secretary", 404), ("teacher", 404),
    ("ct", 404), ("mum", 404), ("anna", 404)])
def test_the_administrator_edits_and_leadership_reads(school, login, key, username, reads):
    client = login(username)
    assert client.get(f"/admin/{key}").status_code == reads
    post = client.post(f"/admin/{key}/new", data=YEAR)
    assert status(post) == (302 if username == "admin" and key == "years" else
                                403 if reads == 200 and username != "admin" else
                                422 if username == "admin" else 404)
    assert _count(AcademicYear) == (2 if username == "admin" and key == "years" else 1)
