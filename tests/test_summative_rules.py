"""Criteria-based assessment in the database (issue 21): the schedule limits, works and
points by their rules, the suggestion from stored points (a half-year subject, the year's
weights) and the reason for another period mark."""
from __future__ import annotations

import datetime as dt
from fractions import Fraction as F

import pytest
from flask_babel import force_locale

from extensions import db
from models import FinalMark, Mark, SummativeRule, SummativeWork, User, WorkPoints
from services import entries
from services import journal as rules
from services import school as school_service
from services.journal import JournalError
from services.summative import points, results, schedule, settings, works
from tests.conftest import TODAY
from tests.factories import criteria_school

D = dt.date
FRIDAY = D(2026, 11, 20)


@pytest.fixture
def s(app):
    school = criteria_school(TODAY)
    with app.test_request_context(), force_locale("en"):
        yield school


def teacher(s) -> User:
    return db.session.get(User, s.teacher.id)


def data(kind="sor", day=FRIDAY, most=10, name="SAU 1") -> works.WorkData:
    return works.WorkData(kind, name, day, most)


def declare(s, **kw) -> SummativeWork:
    return works.declare(teacher(s), s.builder.school, s.maths6, data(**kw), TODAY)


def other_pages(s, n: int):
    b, pages = s.builder, []
    for i in range(n):
        subject = b.subject(f"subj{i}", f"Предмет {i}", f"Пән {i}")
        pages.append(b.page(s.c6, subject, s.t_staff))
    return pages


# -- the schedule -------------------------------------------------------------------------

def test_at_most_three_sats_a_day_in_a_class(s):
    day = D(2026, 12, 10)
    for page in other_pages(s, 3):
        s.builder.work(page, "soch", day, 20)
    with pytest.raises(JournalError) as refused:
        declare(s, kind="soch", day=day, most=20)
    assert "3 SATs" in refused.value.message and "Предмет 0" in refused.value.message
    assert declare(s, kind="soch", day=D(2026, 12, 11), most=20).period_id == s.builder.periods[1].id


def test_two_other_sats_leave_room_for_a_third(s):
    day = D(2026, 12, 10)
    for page in other_pages(s, 2):
        s.builder.work(page, "soch", day, 20)
    assert declare(s, kind="soch", day=day, most=20).id


def test_no_sat_on_the_last_school_day_of_the_period(s):
    periods = school_service.periods_of(s.c6)
    rule = settings.rule_of(s.maths6)
    with pytest.raises(JournalError, match="last school day"):
        schedule.check(s.maths6, "soch", D(2026, 12, 28), periods, rule)
    # Quarter 1 ends on a Saturday: its last school day (a five-day week) is the Friday.
    with pytest.raises(JournalError, match="last school day"):
        schedule.check(s.maths6, "soch", D(2026, 10, 23), periods, rule)
    assert schedule.check(s.maths6, "soch", D(2026, 10, 22), periods, rule).number == 1
    assert schedule.check(s.maths6, "sor", D(2026, 12, 28), periods, rule).number == 2


def test_never_a_sau_and_a_sat_of_one_subject_on_one_day(s):
    day = D(2026, 12, 15)
    declare(s, kind="sor", day=day)
    with pytest.raises(JournalError, match="same day"):
        declare(s, kind="soch", day=day, most=20)
    other = other_pages(s, 1)[0]
    s.builder.work(other, "soch", D(2026, 12, 16), 20)
    assert declare(s, kind="sor", day=D(2026, 12, 16), name="SAU 2").id  # another subject


def test_one_sat_per_period(s):
    declare(s, kind="soch", day=D(2026, 12, 15), most=20, name="SAT 2")
    with pytest.raises(JournalError, match="already has its SAT"):
        declare(s, kind="soch", day=D(2026, 12, 22), most=20)


def test_one_hour_subject_has_no_sat_unless_the_year_says_so(s):
    s.maths6.hours_per_week = 1
    with pytest.raises(JournalError, match="no SAT"):
        declare(s, kind="soch", day=D(2026, 12, 15), most=20)
    db.session.add(SummativeRule(year_id=s.builder.year.id, subject_id=s.maths.id, grade=6,
                                 has_soch=True, by_half_year=False))
    assert declare(s, kind="soch", day=D(2026, 12, 15), most=20).id


def test_refused_outside_the_periods_and_in_a_classic_class(s):
    with pytest.raises(JournalError, match="outside"):
        declare(s, day=D(2026, 11, 2))  # the autumn vacation
    with pytest.raises(JournalError, match="classic"):
        works.declare(teacher(s), s.builder.school, s.maths5, data(), TODAY)


def test_a_work_past_its_window_cannot_be_declared(s):
    with pytest.raises(JournalError, match="past the window"):
        declare(s, day=D(2026, 11, 10))  # 9 school days ago; the control window is 7
    assert declare(s, day=D(2026, 11, 12)).id  # 7 school days ago


def test_moving_a_work_checks_the_limits_without_its_own_clash(s):
    work = declare(s, kind="soch", day=D(2026, 12, 15), most=20)
    moved = works.change(teacher(s), s.builder.school, s.maths6, work,
                         data("soch", D(2026, 12, 16), 25, "SAT"), TODAY)
    assert (moved.date, moved.max_points) == (D(2026, 12, 16), 25)
    with pytest.raises(JournalError, match="last school day"):
        works.change(teacher(s), s.builder.school, s.maths6, work,
                     data("soch", D(2026, 12, 28), 25, "SAT"), TODAY)


def test_the_maximum_cannot_drop_below_given_points_and_a_work_with_points_stays(s):
    work = s.builder.work(s.maths6, "sor", D(2026, 11, 20), 10, {s.boris: 8})
    with pytest.raises(JournalError, match="8 points"):
        works.change(teacher(s), s.builder.school, s.maths6, work,
                     data("sor", work.date, 7, "SAU"), TODAY)
    assert works.change(teacher(s), s.builder.school, s.maths6, work,
                        data("sor", work.date, 8, "SAU"), TODAY).max_points == 8
    with pytest.raises(JournalError, match="clear them first"):
        works.remove(teacher(s), s.builder.school, s.maths6, work, TODAY)


@pytest.mark.parametrize("form, message", [
    ({"kind": "x"}, "SAU or SAT"), ({"kind": "sor", "name": " "}, "name"),
    ({"kind": "sor", "name": "x" * 121}, "at most 120"),
    ({"kind": "sor", "name": "a", "date": "2026-13-01"}, "date"),
    ({"kind": "sor", "name": "a", "date": "2026-11-20", "max_points": "0"}, "1 to 100"),
    ({"kind": "sor", "name": "a", "date": "2026-11-20", "max_points": "101"}, "1 to 100"),
    ({"kind": "sor", "name": "a", "date": "2026-11-20", "max_points": "²"}, "1 to 100"),
])
def test_the_work_form_refuses_bad_input(s, form, message):
    with pytest.raises(JournalError, match=message):
        works.parse(form)


# -- points ---------------------------------------------------------------------------------

def save(s, work, text, old=None, pupil=None):
    return points.save_points(teacher(s), s.builder.school, s.maths6, work,
                              (pupil or s.boris).id, text, old, TODAY)


def test_points_from_zero_to_the_maximum(s):
    work = s.builder.work(s.maths6, "sor", D(2026, 11, 20), 15)
    assert save(s, work, "0").points == 0
    assert save(s, work, "15", old="0").points == 15
    for bad in ("16", "-1", "7.5", "abc", "１"):
        with pytest.raises(JournalError, match="0 to 15"):
            save(s, work, bad)
    assert db.session.get(WorkPoints, 1).points == 15
    assert save(s, work, "", old="15/15").points is None


def test_points_refused_when_stale_future_locked_or_off_the_page(s):
    work = s.builder.work(s.maths6, "sor", D(2026, 11, 20), 10, {s.boris: 4})
    with pytest.raises(JournalError) as stale:
        save(s, work, "5", old="6")
    assert stale.value.status == 409
    future = s.builder.work(s.maths6, "sor", D(2026, 11, 25), 10)
    with pytest.raises(JournalError, match="not taken place"):
        save(s, future, "5")
    old = s.builder.work(s.maths6, "sor", D(2026, 11, 11), 10)
    with pytest.raises(JournalError, match="7 school days"):
        save(s, old, "5")
    with pytest.raises(JournalError) as off:
        save(s, work, "5", pupil=s.anna)
    assert off.value.status == 404


# -- results and suggestions --------------------------------------------------------------

def outcome_of(s, pupil, period_number=2):
    periods = school_service.periods_of(s.c6)
    page = results.page_results(s.maths6, periods[period_number - 1], periods, [pupil.id])
    return page.result(pupil.id).outcome


def test_suggestion_from_stored_points_and_the_years_weights(s):
    b = s.builder
    b.work(s.maths6, "sor", D(2026, 11, 9), 10, {s.boris: 5})
    b.work(s.maths6, "sor", D(2026, 11, 16), 20, {s.boris: 15})
    b.work(s.maths6, "soch", D(2026, 11, 20), 20, {s.boris: 13})
    b.work(s.maths6, "sor", D(2026, 10, 1), 10, {s.boris: 0})  # quarter 1: not counted
    result = outcome_of(s, s.boris)
    assert (result.sor, result.soch, result.percent, result.mark) == (F(200, 3), 65, F(395, 6), 4)
    lesson = b.lesson(s.maths6, D(2026, 11, 18))
    db.session.add(Mark(lesson_id=lesson.id, pupil_id=s.boris.id, value=4,
                        work_type_id=b.work_types["lesson"].id))
    year = s.builder.year
    year.fo_weight, year.sor_weight, year.soch_weight = 25, 25, 50
    db.session.flush()
    result = outcome_of(s, s.boris)
    # 0.25*40 + 0.25*66.67 + 0.5*65 = 59.17 → 3
    assert result.fo == 40 and result.percent == F(355, 6) and result.mark == 3


def test_a_half_year_subject_is_marked_over_two_quarters(s):
    s.maths6.hours_per_week = 1
    b = s.builder
    b.work(s.maths6, "sor", D(2026, 10, 1), 10, {s.boris: 10})
    b.work(s.maths6, "sor", D(2026, 11, 16), 10, {s.boris: 7})
    assert outcome_of(s, s.boris, 1) is None
    result = outcome_of(s, s.boris, 2)
    assert result.sor == 85 and result.percent == 85 and result.mark == 5


def final(s, text, period_number=2, reason=None):
    periods = school_service.periods_of(s.c6)
    return entries.save_final(teacher(s), s.builder.school, s.maths6, s.boris.id, "period",
                              periods[period_number - 1], periods[-1], text, None, TODAY,
                              reason=reason)


def test_another_mark_than_the_computed_one_needs_a_reason(s):
    b = s.builder
    b.work(s.maths6, "sor", D(2026, 11, 16), 20, {s.boris: 17})
    b.work(s.maths6, "soch", D(2026, 11, 20), 20, {s.boris: 12})  # 42.5 + 30 = 72.5 → 4
    with pytest.raises(entries.NeedsReason, match="computed mark is 4"):
        final(s, "5")
    assert db.session.query(FinalMark).count() == 0
    assert final(s, "5", reason="Олимпиада жеңімпазы") == "5"
    assert db.session.query(FinalMark).one().reason == "Олимпиада жеңімпазы"
    assert final(s, "4") == "4"  # the computed mark: the reason goes
    assert db.session.query(FinalMark).one().reason == ""
    with pytest.raises(JournalError, match="at most 300"):
        final(s, "3", reason="x" * 301)


def test_a_half_year_subject_takes_no_mark_in_its_first_quarter(s):
    s.maths6.hours_per_week = 1
    with pytest.raises(JournalError, match="per half-year"):
        final(s, "4", period_number=3)  # quarters 1 and 3 give none


def test_formative_marks_run_from_1_to_10_only_in_a_criteria_class(s):
    school = s.builder.school
    assert rules.parse_cell("10", school, s.c6).marks == [10]
    assert rules.parse_cell("к10", school, s.c6).status == "late"
    with pytest.raises(JournalError, match="1 to 10"):
        rules.parse_cell("11", school, s.c6)
    with pytest.raises(JournalError, match="2 to 5"):
        rules.parse_cell("10", school, s.c5)
