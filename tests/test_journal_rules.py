"""The journal's rules at their boundaries (DOMAIN.md 4, 8), without HTTP."""
from __future__ import annotations

import datetime as dt

import pytest
from flask_babel import force_locale

from extensions import db
from models import Lesson, TimetableSlot
from services import journal as rules
from services import lesson_gen
from services.journal import CellValue, JournalError
from tests.conftest import TODAY

DAY = dt.timedelta(days=1)


@pytest.fixture
def ctx(app, school):
    # The messages are checked in their English source form: whatever the catalogs say.
    with app.test_request_context(), force_locale("en"):
        yield school


def school_days_before(day: dt.date, n: int) -> dt.date:
    """The weekday n school days before day in a five-day week without holidays (n < 0:
    that many days after it)."""
    if n < 0:
        return day - n * DAY
    while n > 0:
        day -= DAY
        n -= day.isoweekday() <= 5
    return day


def lock(ctx, page, days_ago: int, code: str = "lesson", marks: bool = True) -> rules.Lock:
    # Windows count school days since issue 16 (a weekend or a vacation does not eat them):
    # days_ago is in school days, so "2 days ago" on a Monday is the Thursday before.
    b = ctx.builder
    lesson = Lesson(page_id=page.id, date=school_days_before(TODAY, days_ago))
    return rules.lesson_lock(b.school, page, lesson, b.work_types[code], TODAY, marks=marks)


@pytest.mark.parametrize(("days", "open_"), [(0, True), (1, True), (2, True), (3, False)])
def test_current_marks_and_absences_lock_after_two_days(ctx, days, open_):
    assert lock(ctx, ctx.maths5, days).open is open_
    assert lock(ctx, ctx.maths5, days, marks=False).open is open_


def test_locked_reason_says_why_and_who_corrects(ctx):
    reason = lock(ctx, ctx.maths5, 3).reason
    assert "2 school days" in reason and "change log" in reason


@pytest.mark.parametrize(("days", "open_"), [(7, True), (8, False)])
def test_control_work_window_is_seven_days(ctx, days, open_):
    assert lock(ctx, ctx.maths5, days, "control").open is open_


def test_control_work_absences_still_lock_after_two_days(ctx):
    assert not lock(ctx, ctx.maths5, 3, "control", marks=False).open


@pytest.mark.parametrize(("days", "open_"), [(14, True), (15, False)])
def test_essay_window_is_fourteen_days_in_literature_grade_ten(ctx, days, open_):
    assert lock(ctx, ctx.lit10, days, "essay").open is open_


def test_essay_window_does_not_apply_below_grade_ten(ctx):
    assert lock(ctx, ctx.lit5, 2, "essay").open
    assert not lock(ctx, ctx.lit5, 3, "essay").open


def test_essay_window_does_not_apply_to_maths(ctx):
    page = ctx.builder.page(ctx.c10, ctx.maths, ctx.t_staff)
    assert not lock(ctx, page, 3, "essay").open


def test_russian_language_counts_as_essay_subject(ctx):
    russian = ctx.builder.subject("russian", "Русский язык", "Орыс тілі")
    assert rules.is_essay_subject(russian, 11)
    assert not rules.is_essay_subject(russian, 9)


def test_windows_come_from_school_settings(ctx):
    ctx.builder.school.lock_days_current = 5
    assert lock(ctx, ctx.maths5, 5).open
    assert not lock(ctx, ctx.maths5, 6).open


def test_future_lesson_is_not_open(ctx):
    assert not lock(ctx, ctx.maths5, -1).open


def test_year_closed_page_is_read_only(ctx):
    ctx.maths5.year_closed_on = TODAY
    result = lock(ctx, ctx.maths5, 0)
    assert not result.open and "Year marks" in result.reason
    assert not rules.final_lock(ctx.builder.school, ctx.maths5, TODAY, TODAY).open


@pytest.mark.parametrize(("days_after", "open_"), [(0, True), (7, True), (8, False)])
def test_final_marks_lock_seven_days_after_period_end(ctx, days_after, open_):
    end = TODAY - days_after * DAY
    assert rules.final_lock(ctx.builder.school, ctx.maths5, end, TODAY).open is open_


def test_no_marks_grades_from_setting(ctx):
    school = ctx.builder.school
    assert rules.is_no_marks_grade(school, 1)
    assert not rules.is_no_marks_grade(school, 2)
    school.no_marks_grades = "1, 2"
    assert rules.is_no_marks_grade(school, 2)


def test_weighted_average():
    assert rules.weighted_average([(5, 3), (4, 1)]) == pytest.approx(4.75)
    assert rules.weighted_average([(5, 5), (2, 1), (3, 1)]) == pytest.approx(30 / 7)
    assert rules.weighted_average([]) is None


@pytest.mark.parametrize(("average", "threshold", "expected"), [
    (4.49, 0.5, 4), (4.5, 0.5, 5), (4.4999, 0.5, 5), (3.5, 0.5, 4), (2.0, 0.5, 2),
    (4.59, 0.6, 4), (4.6, 0.6, 5), (4.64, 0.65, 4), (4.65, 0.65, 5), (None, 0.5, None),
])
def test_predicted_mark_rounding(average, threshold, expected):
    # 4.4999 is shown as 4.50, so it rounds as 4.50 does: what the teacher sees decides.
    assert rules.predicted_mark(average, threshold) == expected


def test_parent_notice_needed_only_below_predicted():
    assert rules.needs_parent_notice(3, 4)
    assert not rules.needs_parent_notice(4, 4)
    assert not rules.needs_parent_notice(5, 4)
    assert not rules.needs_parent_notice(None, 4)
    assert not rules.needs_parent_notice(3, None)


@pytest.mark.parametrize(("text", "status", "marks"), [
    ("", None, []), ("5", None, [5]), ("5/4", None, [5, 4]), ("н", "absent", []),
    ("n", "absent", []), ("ж", "absent", []), ("о5", "late", [5]), ("о", "late", []),
    (" 4 / 3 ", None, [4, 3]),
])
def test_parse_cell(ctx, text, status, marks):
    assert rules.parse_cell(text, ctx.builder.school) == CellValue(status, marks)


@pytest.mark.parametrize(("text", "words"), [
    ("6", "not a mark"), ("1", "not a mark"), ("0", "not a mark"), ("x", "Type a mark"),
    ("5/4/3", "at most two"), ("н5", "absent pupil"),
])
def test_parse_cell_refuses_with_a_clear_message(ctx, text, words):
    with pytest.raises(JournalError, match=words):
        rules.parse_cell(text, ctx.builder.school)


def test_mark_one_only_where_the_school_allows_it(ctx):
    school = ctx.builder.school
    assert list(rules.mark_values(school)) == [2, 3, 4, 5]
    school.allow_mark_one = True
    assert rules.parse_cell("1", school).marks == [1]


def test_parse_final(ctx):
    school = ctx.builder.school
    assert rules.parse_final("5", school) == (5, None)
    assert rules.parse_final("н/а", school) == (None, "na")
    assert rules.parse_final("осв.", school) == (None, "exempt")
    assert rules.parse_final("зачёт", school) == (None, "pass")
    assert rules.parse_final("", school) == (None, None)
    with pytest.raises(JournalError):
        rules.parse_final("7", school)
    school.allow_pass_fail = False
    with pytest.raises(JournalError, match="pass/fail"):
        rules.parse_final("зач", school)


def test_final_labels_read_back(ctx):
    school = ctx.builder.school
    for special in ("na", "exempt", "pass", "fail"):
        assert rules.parse_final(rules.final_label(None, special), school) == (None, special)


def test_timetable_dates_weekdays_inside_period():
    start, end = dt.date(2026, 11, 5), dt.date(2026, 11, 30)  # Thursday .. Monday
    dates = lesson_gen.timetable_dates([(1, 2, start, end), (4, 1, dt.date(2026, 11, 20), end)],
                                       start, end)
    assert sorted(dates) == [(dt.date(2026, 11, 9), 2), (dt.date(2026, 11, 16), 2),
                             (dt.date(2026, 11, 23), 2), (dt.date(2026, 11, 26), 1),
                             (dt.date(2026, 11, 30), 2)]


def test_regenerate_adds_only_missing(ctx):
    period = ctx.builder.periods[1]
    db.session.add(TimetableSlot(page_id=ctx.maths5.id, weekday=1, lesson_number=2,
                                 valid_from=period.start_date, valid_to=period.end_date))
    ctx.builder.lesson(ctx.maths5, dt.date(2026, 11, 9), 2, topic="kept")
    added = lesson_gen.regenerate_period(ctx.maths5.school_class, period).added
    assert added == 7  # Mondays 9 Nov .. 28 Dec minus the existing one
    assert lesson_gen.regenerate_period(ctx.maths5.school_class, period).added == 0
    assert db.session.scalar(db.select(Lesson.topic).where(
        Lesson.date == dt.date(2026, 11, 9))) == "kept"
