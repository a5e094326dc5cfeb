"""The rules of the class journal (DOMAIN.md 4, 8): plain functions, no HTTP, no commits.

Edit-lock windows, the mark scale, no-marks grades, weighted averages and the predicted mark,
the parent-notice rule for period marks, and parsing what a teacher types into a cell.
"""
from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from flask_babel import format_date, ngettext
from flask_babel import gettext as _

from models import Lesson, School, SchoolClass, StudyPeriod, Subject, SubjectPage, WorkType
from services.calendar import SchoolCalendar, calendar_for_id

# Essays keep the long window only in Russian language and literature, grades 10-11 (001 5.5).
ESSAY_SUBJECT_CODES = frozenset({"russian", "rus", "russian_lang", "literature", "lit",
                                 "russian_lit", "rus_lit"})
ESSAY_SUBJECT_NAMES = frozenset({"русский язык", "литература", "русская литература"})
ESSAY_GRADES = frozenset({10, 11})

# What a teacher may type for an absence or a late arrival, on any keyboard layout.
ABSENT_KEYS = frozenset("нНжЖnN")
LATE_KEYS = frozenset("оОкКlLoO")
FINAL_WORDS = {
    "na": ("н/а", "на", "n/a", "na", "н", "n"),
    "exempt": ("осв", "осв.", "освобожден", "освобождён", "ex", "exempt", "б", "бос"),
    "pass": ("зач", "зач.", "зачёт", "зачет", "pass", "p", "с"),
    "fail": ("незач", "незач.", "незачёт", "незачет", "fail", "f"),
}


_DIGITS = re.compile(r"[0-9]{1,2}")


class JournalError(Exception):
    """A journal rule refused an entry; the message is translated and shown in the cell."""

    def __init__(self, message: str, status: int = 422):
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(frozen=True)
class Lock:
    """Whether a cell may still be changed by its teacher, and if not, why; `until` is the
    window's last day when it was worked out (a lesson of the last few days is open without
    reading the calendar)."""

    open: bool
    reason: str = ""
    until: dt.date | None = None


@dataclass(slots=True)
class CellValue:
    """A journal cell: attendance (None, 'absent' or 'late') and up to two marks."""

    status: str | None = None
    marks: list[int] = field(default_factory=list)

    def text(self, absent: str = "н", late: str = "о") -> str:
        """The cell as the grid shows it: н, 5, 5/4, о5."""
        prefix = {"absent": absent, "late": late}.get(self.status or "", "")
        return prefix + "/".join(str(m) for m in self.marks)


# -- settings-based rules ---------------------------------------------------------------

def is_no_marks_grade(school: School, grade: int) -> bool:
    """Grades listed in the school's setting keep attendance only (002 1.3)."""
    return grade in school.no_marks_grade_set()


def mark_values(school: School, school_class: SchoolClass | None = None) -> range:
    """The marks a lesson cell takes: the 5-point scale (2-5, and 1 where the school allows
    it), or formative marks 1-10 in a criteria-based class (DOMAIN.md 8). Period and year
    marks are always on the 5-point scale (call without the class)."""
    if school_class is not None and school_class.is_criteria:
        return range(1, 11)
    return range(1 if school.allow_mark_one else 2, 6)


def is_essay_subject(subject: Subject, grade: int) -> bool:
    """Russian language or literature in grades 10-11: essays keep a 14-day window."""
    if grade not in ESSAY_GRADES:
        return False
    return subject.code.lower() in ESSAY_SUBJECT_CODES or \
        subject.name_ru.strip().lower() in ESSAY_SUBJECT_NAMES


def lock_rule_of(work_type: WorkType | None, subject: Subject, grade: int) -> str:
    """Which window applies: 'current', 'control' or 'essay' (essays only where allowed)."""
    rule = work_type.lock_rule if work_type is not None else "current"
    if rule == "essay" and not is_essay_subject(subject, grade):
        return "current"
    return rule


def window_days(school: School, rule: str) -> int:
    """The number of school days after the lesson during which its entries may change."""
    return {"control": school.lock_days_control, "essay": school.lock_days_essay}.get(
        rule, school.lock_days_current)


def page_closed(page: SubjectPage, today: dt.date) -> bool:
    """Year marks are set: the subject teacher can no longer edit the page (001 3.7)."""
    return page.year_closed_on is not None and today >= page.year_closed_on


def _corrections() -> str:
    return _("Corrections go through the deputy director's change log.")


def window_end(calendar: SchoolCalendar, page: SubjectPage, day: dt.date, days: int) -> dt.date:
    """The last day the entries of a lesson on `day` may change: `days` school days later
    in the class's grade and week (a vacation inside the window moves its end later)."""
    cls = page.school_class
    return calendar.add_school_days(day, days, cls.grade, cls.days_per_week)


def oldest_open(page: SubjectPage, today: dt.date, days: int) -> dt.date:
    """The earliest lesson date whose entries may still change today under a window of
    `days` school days (the grid works it out once per kind of window, not per column)."""
    cls = page.school_class
    return calendar_for_id(cls.year_id).window_start(today, days, cls.grade, cls.days_per_week)


def lesson_lock(school: School, page: SubjectPage, lesson: Lesson, work_type: WorkType | None,
                today: dt.date, *, marks: bool = True, with_date: bool = True,
                calendar: SchoolCalendar | None = None) -> Lock:
    """May the lesson's marks (or, with marks=False, its attendance) still be changed?

    Counted in school days from the lesson date (DOMAIN.md 4): on school day N of an N-day
    window the cell is still open. The calendar is read (once per request) only when the
    window is in doubt: N school days never end before N calendar days, so a lesson of the
    last N days is open without asking. with_date=False leaves the lesson's date out of the
    reason (the grid shows it already).
    """
    if page_closed(page, today):
        return Lock(False, _("Year marks are set: this page is read-only.") + " " + _corrections())
    if lesson.date > today:
        return Lock(False, _("This lesson has not taken place yet."))
    rule = lock_rule_of(work_type, page.subject, page.school_class.grade) if marks else "current"
    days = window_days(school, rule)
    if today <= lesson.date + dt.timedelta(days=days):
        return Lock(True)
    calendar = calendar or calendar_for_id(page.school_class.year_id)
    until = window_end(calendar, page, lesson.date, days)
    if today <= until:
        return Lock(True, until=until)
    texts = {
        "current": ngettext("Marks and absences can be changed for %(num)d school day after "
                            "the lesson.", "Marks and absences can be changed for %(num)d "
                            "school days after the lesson.", days),
        "control": ngettext("Control work marks can be changed for %(num)d school day after "
                            "the lesson.", "Control work marks can be changed for %(num)d "
                            "school days after the lesson.", days),
        "essay": ngettext("Essay marks can be changed for %(num)d school day after the "
                          "lesson.", "Essay marks can be changed for %(num)d school days "
                          "after the lesson.", days),
    }
    when = " " + _("This lesson was on %(date)s.", date=format_date(lesson.date, "d MMMM")) \
        if with_date else ""
    return Lock(False, texts[rule] + when + " " + _corrections(), until)


def final_lock(school: School, page: SubjectPage, period_end: dt.date, today: dt.date) -> Lock:
    """Period and year marks may change until lock_days_final days after the period ends.

    Calendar days, not school days: a period ends at the holidays, and the period close runs
    inside them (001 6.2-6.5: copies printed on the 2nd day, certified on the 4th), so a
    window counted in school days would stay open over the very days the copies are signed.
    """
    if page_closed(page, today):
        return Lock(False, _("Year marks are set: this page is read-only.") + " " + _corrections())
    until = period_end + dt.timedelta(days=school.lock_days_final)
    if today <= until:
        return Lock(True, until=until)
    return Lock(False, _("Period and year marks can be changed for %(days)d days after the "
                         "period ends (until %(date)s).", days=school.lock_days_final,
                         date=format_date(until, "d MMM")) + " " + _corrections(), until)


# -- averages -----------------------------------------------------------------------------

def weighted_average(marks: Iterable[tuple[int, int]]) -> float | None:
    """sum(mark * weight) / sum(weight) over (value, weight) pairs; None without marks."""
    total = weights = 0
    for value, weight in marks:
        total += value * weight
        weights += weight
    return total / weights if weights else None


def predicted_mark(average: float | None, round_up_from: float = 0.5) -> int | None:
    """The expected period mark: the average (as shown, two decimals) rounded by the school's rule.

    With the default 0.5, 4.49 -> 4 and 4.50 -> 5; with 0.6, 4.59 -> 4 and 4.60 -> 5.
    """
    if average is None:
        return None
    shown = round(average + 1e-9, 2)
    whole = math.floor(shown)
    return whole + 1 if shown - whole >= round_up_from - 1e-9 else whole


def prediction(average: float | None, n_marks: int, school: School) -> int | str | None:
    """The predicted period mark: a number, "na" (н/а: fewer marks than the school's minimum,
    DOMAIN.md 8) or None (no minimum is set and there are no marks)."""
    if n_marks < (school.min_marks_for_period or 0):
        return "na"
    return predicted_mark(average, school.round_up_from)


def prediction_label(predicted: int | str | None) -> str:
    """How the predicted mark is shown: "4", "н/а" or ""."""
    if predicted == "na":
        return final_label(None, "na")
    return "" if predicted is None else str(predicted)


def needs_parent_notice(value: int | None, predicted: int | str | None) -> bool:
    """A numeric period mark below the predicted one: parents must have been told (001 3.2.4)."""
    return value is not None and isinstance(predicted, int) and value < predicted


def notice_deadline(lesson_dates: list[dt.date], period: StudyPeriod,
                    lessons_before: int) -> dt.date:
    """The last day parents may be told of a lower period mark: the day of the page's
    N-th lesson from the end of the period (001 3.2.4: "не позднее, чем за 3 урока")."""
    dates = sorted(d for d in lesson_dates if period.contains(d))
    if lessons_before <= 0:
        return period.end_date
    if len(dates) >= lessons_before:
        return dates[-lessons_before]
    return dates[0] if dates else period.start_date


def check_notice_date(told_on: dt.date, period: StudyPeriod, deadline: dt.date,
                      today: dt.date, lessons_before: int) -> None:
    """Refuse a "parents were told on" date in the future, outside the period or too late."""
    if told_on > today:
        raise JournalError(_("The date the parents were told cannot be in the future."))
    if not period.start_date <= told_on <= period.end_date:
        raise JournalError(_("The date the parents were told must be inside the period "
                             "(%(start)s – %(end)s).", start=format_date(period.start_date, "d MMM"),
                             end=format_date(period.end_date, "d MMM")))
    if told_on > deadline:
        raise JournalError(ngettext(
            "Parents must be told at least %(num)d lesson before the end of the period, that "
            "is by %(date)s. If they were told later, answer “No, they were not told”.",
            "Parents must be told at least %(num)d lessons before the end of the period, that "
            "is by %(date)s. If they were told later, answer “No, they were not told”.",
            lessons_before, date=format_date(deadline, "d MMMM")))


# -- what a teacher types -----------------------------------------------------------------

def parse_cell(text: str, school: School, school_class: SchoolClass | None = None) -> CellValue:
    """Parse a cell's text: '', 'н', '5', '5/4', 'о5' (the class's scale: mark_values).
    Raises JournalError with a hint."""
    raw = (text or "").strip().replace(" ", "")
    cell = CellValue()
    if not raw:
        return cell
    if raw[0] in ABSENT_KEYS:
        cell.status, raw = "absent", raw[1:]
    elif raw[0] in LATE_KEYS:
        cell.status, raw = "late", raw[1:]
    parts = [p for p in raw.replace(",", "/").split("/") if p] if raw else []
    allowed = mark_values(school, school_class)
    if len(parts) > 2:
        raise JournalError(_("A pupil can have at most two marks in one lesson."))
    for part in parts:
        if not _DIGITS.fullmatch(part):  # "²".isdigit() is true, and int("²") fails
            raise JournalError(hint(school, school_class))
        value = int(part)
        if value not in allowed:
            raise JournalError(_("%(value)s is not a mark: use %(low)d to %(high)d.",
                                 value=part, low=allowed.start, high=allowed.stop - 1))
        cell.marks.append(value)
    if cell.status == "absent" and cell.marks:
        raise JournalError(_("An absent pupil cannot get a mark in this lesson; "
                             "mark them late (о) instead."))
    return cell


def hint(school: School, school_class: SchoolClass | None = None) -> str:
    """The one-line legend of the keys a cell accepts."""
    allowed = mark_values(school, school_class)
    return _("Type a mark %(low)d-%(high)d, н for absent, о for late, / for a second mark, "
             "* for a comment, Delete to clear.", low=allowed.start, high=allowed.stop - 1)


def parse_final(text: str, school: School) -> tuple[int | None, str | None]:
    """Parse a period or year mark: a number, н/а, осв., зачёт, незачёт. ('', '') clears."""
    raw = (text or "").strip().lower()
    if not raw:
        return None, None
    if _DIGITS.fullmatch(raw):
        value = int(raw)
        if value not in mark_values(school):
            allowed = mark_values(school)
            raise JournalError(_("%(value)s is not a mark: use %(low)d to %(high)d.",
                                 value=raw, low=allowed.start, high=allowed.stop - 1))
        return value, None
    for special, words in FINAL_WORDS.items():
        # What the page shows (a translated label) must read back as the same mark.
        if raw in words or raw == final_label(None, special).lower():
            if special in ("pass", "fail") and not school.allow_pass_fail:
                raise JournalError(_("This school does not use pass/fail marks."))
            return None, special
    raise JournalError(_("Type a mark, н/а (not attested), осв. (exempt) or зач./незач. "
                         "(pass/fail)."))


def final_label(value: int | None, special: str | None) -> str:
    """How a period or year mark is shown."""
    if value is not None:
        return str(value)
    return {"na": _("n/a"), "exempt": _("exempt"), "pass": _("pass"),
            "fail": _("fail")}.get(special or "", "")


def period_of_date(periods: Iterable[StudyPeriod], day: dt.date) -> StudyPeriod | None:
    """The period containing a day, or None (a date outside every period)."""
    return next((p for p in periods if p.contains(day)), None)


def read_only_reason() -> str:
    """Why a reader (class teacher, deputy...) cannot type on someone else's page."""
    return _("You can read this page; only its subject teacher writes on it.")
