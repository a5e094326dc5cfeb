"""The criteria-based settings in the back office (issue 21): a class's journal type, the
year's shares of ФО, СОР and СОЧ, and the rules per subject and grade."""
from __future__ import annotations

import datetime as dt

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from extensions import db
from models import AcademicYear, Mark, SchoolClass, SummativeRule
from services.summative import admin_rules
from tests.conftest import TODAY
from tests.factories import criteria_school
from tests.fragments import status

EN = {"Accept-Language": "en"}


def ru(msgid: str, **params) -> str:
    """The text a page in Russian (the school's default) shows for a message."""
    from flask_babel import gettext
    with force_locale("ru"):
        return gettext(msgid, **params)


def page(response) -> str:
    from html import unescape
    return unescape(response.get_data(as_text=True))


@pytest.fixture
def crit(app):
    return criteria_school(TODAY)


def _class_form(cls: SchoolClass, **change) -> dict:
    form = {"grade": cls.grade, "letter": cls.letter, "language": cls.language,
            "period_scheme": cls.period_scheme, "days_per_week": cls.days_per_week,
            "class_teacher_id": cls.class_teacher_id or "", "journal_type": cls.journal_type}
    return {**form, **change}


def _year_form(year: AcademicYear, **change) -> dict:
    form = {"name": year.name, "start_date": year.start_date.isoformat(),
            "end_date": year.end_date.isoformat(), "is_current": "y",
            "fo_weight": year.fo_weight, "sor_weight": year.sor_weight,
            "soch_weight": year.soch_weight}
    return {**form, **change}


def _fresh(model, row_id):
    db.session.expire_all()
    return db.session.get(model, row_id)


# -- the journal type of a class ------------------------------------------------------------

def test_an_empty_class_switches_its_journal_both_ways(crit, login):
    client, c5 = login("admin"), crit.c5
    assert client.post(f"/admin/classes/{c5.id}", data=_class_form(
        c5, journal_type="criteria")).status_code == 302
    assert _fresh(SchoolClass, c5.id).journal_type == "criteria"
    listed = client.get("/admin/classes?f_journal_type=criteria").get_data(as_text=True)
    assert f"/admin/classes/{c5.id}/" in listed and f"/admin/classes/{crit.c6.id}/" in listed
    listed = client.get("/admin/classes?f_journal_type=classic").get_data(as_text=True)
    assert f"/admin/classes/{c5.id}/" not in listed
    assert client.post(f"/admin/classes/{c5.id}", data=_class_form(
        _fresh(SchoolClass, c5.id), journal_type="classic")).status_code == 302
    assert _fresh(SchoolClass, c5.id).journal_type == "classic"


@pytest.mark.parametrize("htmx", [False, True])
def test_a_class_with_lesson_marks_keeps_its_journal_type(crit, login, htmx):
    lesson = crit.builder.lesson(crit.maths5, TODAY - dt.timedelta(days=3))
    db.session.add(Mark(lesson_id=lesson.id, pupil_id=crit.anna.id, position=1, value=4,
                        work_type_id=next(iter(crit.builder.work_types.values())).id))
    db.session.commit()
    headers = {**EN, "HX-Request": "true"} if htmx else EN
    response = login("admin").post(f"/admin/classes/{crit.c5.id}", headers=headers,
                                   data=_class_form(crit.c5, journal_type="criteria"))
    assert status(response) == 422
    assert ru("The journal of %(cls)s already has lesson marks.", cls="5 «А»") in page(response)
    assert _fresh(SchoolClass, crit.c5.id).journal_type == "classic"


def test_a_criteria_class_with_a_work_stays_criteria(crit, login):
    crit.builder.work(crit.maths6, "sor", TODAY - dt.timedelta(days=7), 10)
    db.session.commit()
    response = login("admin").post(f"/admin/classes/{crit.c6.id}", headers=EN,
                                   data=_class_form(crit.c6, journal_type="classic"))
    assert status(response) == 422
    assert ru("The journal of %(cls)s already has summative works.", cls="6 «Б»") \
        in page(response)
    assert _fresh(SchoolClass, crit.c6.id).journal_type == "criteria"
    # the other fields of a class with marks still change
    assert login("admin").post(f"/admin/classes/{crit.c6.id}", data=_class_form(
        crit.c6, letter="В")).status_code == 302
    assert _fresh(SchoolClass, crit.c6.id).letter == "В"


def test_an_unknown_journal_type_is_refused(crit, login):
    response = login("admin").post(f"/admin/classes/{crit.c5.id}",
                                   data=_class_form(crit.c5, journal_type="points"))
    assert status(response) == 422
    assert _fresh(SchoolClass, crit.c5.id).journal_type == "classic"


# -- the year's shares ------------------------------------------------------------------------

def test_the_administrator_sets_the_shares(crit, login):
    year = crit.builder.year
    response = login("admin").post(f"/admin/years/{year.id}", data=_year_form(
        year, fo_weight=25, sor_weight=25, soch_weight=50))
    assert response.status_code == 302
    year = _fresh(AcademicYear, year.id)
    assert (year.fo_weight, year.sor_weight, year.soch_weight) == (25, 25, 50)
    listed = login("admin").get("/admin/years", headers=EN).get_data(as_text=True)
    assert ru("Share of SAT, %") in listed


@pytest.mark.parametrize(("fo", "sor", "soch"), [
    (60, 50, 0), (0, 50, 49), (0, 101, 0), (-10, 60, 50), ("x", 50, 50), ("", 60, 50)])
def test_shares_that_do_not_add_up_are_refused(crit, login, fo, sor, soch):
    year = crit.builder.year
    response = login("admin").post(f"/admin/years/{year.id}", headers=EN, data=_year_form(
        year, fo_weight=fo, sor_weight=sor, soch_weight=soch))
    assert status(response) == 422
    year = _fresh(AcademicYear, year.id)
    assert (year.fo_weight, year.sor_weight, year.soch_weight) == (0, 50, 50)


def test_the_message_names_the_sum(crit, app):
    year = crit.builder.year
    year.fo_weight, year.sor_weight, year.soch_weight = 60, 50, 0
    with app.test_request_context(), force_locale("en"):
        message = admin_rules.weights_refusal(year)
    assert "60 + 50 + 0 = 110 %" in message
    db.session.rollback()


def test_a_closed_years_shares_stay(crit, login):
    year = crit.builder.year
    year.closed = True
    db.session.commit()
    response = login("admin").post(f"/admin/years/{year.id}", data=_year_form(
        year, fo_weight=25, sor_weight=25, soch_weight=50))
    assert status(response) == 422
    year = _fresh(AcademicYear, year.id)
    assert (year.fo_weight, year.sor_weight, year.soch_weight) == (0, 50, 50)


@pytest.mark.parametrize("username", ["deputy", "director", "teacher", "mum"])
def test_only_the_administrator_changes_the_shares(crit, login, username):
    year = crit.builder.year
    response = login(username).post(f"/admin/years/{year.id}", data=_year_form(
        year, fo_weight=25, sor_weight=25, soch_weight=50))
    assert response.status_code in (403, 404)
    assert _fresh(AcademicYear, year.id).fo_weight == 0


# -- the rules per subject and grade ----------------------------------------------------------

def _rule_form(crit, **change) -> dict:
    form = {"year_id": crit.builder.year.id, "subject_id": crit.maths.id, "grade": 6,
            "has_soch": "", "by_half_year": "y"}
    return {k: v for k, v in {**form, **change}.items() if v != ""}


def _rules() -> list[tuple]:
    return db.session.execute(select(SummativeRule.grade, SummativeRule.has_soch,
                                     SummativeRule.by_half_year)).all()


def test_the_administrator_adds_a_rule_once(crit, login):
    client = login("admin")
    assert client.post("/admin/summative-rules/new", data=_rule_form(crit)).status_code == 302
    assert _rules() == [(6, False, True)]
    again = client.post("/admin/summative-rules/new", headers=EN,
                        data=_rule_form(crit, has_soch="y"))
    assert status(again) == 422
    assert ru("%(subject)s in grade %(grade)d already has a rule for %(year)s: change that "
              "row instead.", subject="Математика", grade=6,
              year=crit.builder.year.name) in page(again)
    assert _rules() == [(6, False, True)]
    other = client.post("/admin/summative-rules/new", data=_rule_form(crit, grade=7))
    assert other.status_code == 302 and len(_rules()) == 2


def test_a_rule_cannot_be_moved_onto_another(crit, login):
    client = login("admin")
    client.post("/admin/summative-rules/new", data=_rule_form(crit))
    client.post("/admin/summative-rules/new", data=_rule_form(crit, grade=7))
    seven = db.session.scalar(select(SummativeRule).where(SummativeRule.grade == 7))
    response = client.post(f"/admin/summative-rules/{seven.id}", data=_rule_form(crit))
    assert status(response) == 422
    assert _fresh(SummativeRule, seven.id).grade == 7


@pytest.mark.parametrize("bad", [{"grade": 13}, {"grade": "шесть"}, {"subject_id": 99999},
                                 {"year_id": 99999}])
def test_a_bad_rule_is_refused(crit, login, bad):
    response = login("admin").post("/admin/summative-rules/new", data=_rule_form(crit, **bad))
    assert status(response) == 422
    assert _rules() == []


def test_a_closed_years_rules_stay(crit, login):
    crit.builder.year.closed = True
    db.session.commit()
    response = login("admin").post("/admin/summative-rules/new", data=_rule_form(crit))
    assert status(response) == 422 and _rules() == []


@pytest.mark.parametrize("username", ["deputy", "director"])
def test_the_leadership_reads_the_rules_but_does_not_edit(crit, login, username):
    login("admin").post("/admin/summative-rules/new", data=_rule_form(crit))
    client = login(username)
    assert client.get("/admin/summative-rules").status_code == 200
    assert client.post("/admin/summative-rules/new",
                       data=_rule_form(crit, grade=7)).status_code in (403, 404)
    rule = db.session.scalar(select(SummativeRule))
    assert client.post(f"/admin/summative-rules/{rule.id}",
                       data=_rule_form(crit, has_soch="y")).status_code in (403, 404)
    assert _rules() == [(6, False, True)]


@pytest.mark.parametrize("username", ["teacher", "mum"])
def test_teachers_and_parents_do_not_see_the_rules(crit, login, username):
    client = login(username)
    assert client.get("/admin/summative-rules").status_code in (403, 404)
    assert client.post("/admin/summative-rules/new",
                       data=_rule_form(crit)).status_code in (403, 404)
    assert db.session.scalar(select(func.count()).select_from(SummativeRule)) == 0


def test_the_rule_changes_the_pages_rule(crit, login, app):
    from services.summative.settings import rule_of
    login("admin").post("/admin/summative-rules/new", data=_rule_form(crit))
    db.session.expire_all()
    rule = rule_of(crit.maths6)
    assert (rule.has_soch, rule.by_half_year) == (False, True)


def test_the_school_year_page_leads_to_the_rules(crit, login):
    body = login("admin").get("/school-year").get_data(as_text=True)
    assert "/admin/summative-rules" in body
