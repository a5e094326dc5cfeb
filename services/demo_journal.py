"""The demo journal: lessons from the timetable, marks, absences, period and year marks.

Work goes class by class: the class's lessons, then its marks and absences, each in one bulk
insert. Lessons up to the cut-off day (today, or the last generated day with --weeks) carry
topics, homework, marks and attendance; later ones (next week) only some homework.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict

from models import Attendance, FinalMark, Lesson, Mark
from services.demo_base import ClassInfo, Context, PageInfo, bulk_insert
from services.demo_criteria import fo_mark
from services.demo_school import SPECIAL_WORKS, ability_bag, lesson_days, monday
from services.demo_topics import (
    HOMEWORK_SHARE,
    comment,
    homework,
    pick_text,
    text_language,
    topics_for,
)
from services.journal import predicted_mark

ABSENT_SHARE = 0.007  # single missed lessons, besides whole days of illness
LATE_SHARE = 0.004
SECOND_MARK_SHARE = 0.05
COMMENT_SHARE = 0.03
# Reasons of single absences, as class teachers record them.
REASONS = ("family", "family", "event", "excused", "unexcused", "unexcused")
# Each pupil's ability, 0 weak .. 1 excellent: (share of pupils, lowest, highest ability).
# About one in twelve is a straight-5 pupil, one in six gets 2s.
_ABILITY = ((0.08, 0.95, 1.0), (0.27, 0.6, 0.95), (0.48, 0.3, 0.6), (0.17, 0.05, 0.3))

Acc = dict[tuple[int, int, int], list[int]]  # (page, pupil, period index) -> [sum v*w, sum w]


def add_journal(ctx: Context) -> None:
    """Lessons for every timetable slot on every lesson day, with their marks and absences."""
    days = lesson_days(ctx.calendar, ctx.today, ctx.weeks)
    cutoff = max([ctx.today, *days[-1:]]) if ctx.weeks is not None else ctx.today
    bags = {p: ability_bag(_ability(ctx)) for c in ctx.classes for p in c.pupils}
    acc: Acc = {}
    for school_class in ctx.classes:
        _class_journal(ctx, school_class, days, cutoff, bags, acc)
    by_class: dict[int, list[PageInfo]] = defaultdict(list)
    for page in ctx.pages:
        by_class[page.school_class.id].append(page)
    # A criteria-based class's period marks come from its works (services.demo_criteria).
    rows = [row for c in ctx.classes if c.grade not in ctx.no_marks_grades and not c.criteria
            for row in _final_marks(ctx, c, by_class[c.id], cutoff, acc)]
    ctx.count("final_mark", bulk_insert(FinalMark, rows))


def _ability(ctx: Context) -> float:
    r = ctx.rng.random()
    for share, low, high in _ABILITY:
        if r < share:
            return low + (high - low) * ctx.rng.random()
        r -= share
    return 0.5


def _class_journal(ctx: Context, school_class: ClassInfo, days: list[dt.date],
                   cutoff: dt.date, bags: dict[int, list[int]], acc: Acc) -> None:
    past = [d for d in days if d <= cutoff]
    ill = _illness(ctx, school_class.pupils, past)
    periods = _period_index(ctx, school_class)
    lessons, marks, absences = [], [], []
    counter: dict[int, int] = defaultdict(int)
    for day in days:
        for page, number in ctx.slots[school_class.id].get(day.isoweekday(), ()):
            lesson = _lesson(ctx, page, day, number, counter, cutoff)
            lessons.append(lesson)
            if day > cutoff:
                continue
            absent = _attendance(ctx, page, lesson, ill.get(day, set()), monday(cutoff),
                                 absences)
            if school_class.grade not in ctx.no_marks_grades:
                _marks(ctx, page, lesson, absent, bags, marks, acc, periods[day])
    ctx.count("lesson", bulk_insert(Lesson, lessons))
    ctx.count("mark", bulk_insert(Mark, marks))
    ctx.count("attendance", bulk_insert(Attendance, absences))


def _illness(ctx: Context, pupils: list[int], days: list[dt.date]) -> dict[dt.date, set[int]]:
    """Whole school days each pupil is ill: episodes of one to five days, some pupils more often."""
    rng, out = ctx.rng, defaultdict(set)
    for pupil in pupils:
        rate, i = rng.choice((0.005, 0.014, 0.014, 0.014, 0.028)), 0
        while i < len(days):
            if rng.random() < rate:
                length = rng.choice((1, 2, 3, 3, 4, 5))
                for day in days[i:i + length]:
                    out[day].add(pupil)
                i += length + 1
            else:
                i += 1
    return out


def _period_index(ctx: Context, school_class: ClassInfo) -> dict[dt.date, int]:
    """Which period (0-based) of the class's scheme each school day falls into."""
    out = {}
    for n, (_pid, start, end) in enumerate(ctx.periods[school_class.scheme]):
        day = start
        while day <= end:
            out[day] = n
            day += dt.timedelta(days=1)
    return out


def _lesson(ctx: Context, page: PageInfo, day: dt.date, number: int, counter: dict[int, int],
            cutoff: dt.date) -> dict:
    rng, school_class = ctx.rng, page.school_class
    k = counter[page.id]
    counter[page.id] += 1
    done = day <= cutoff
    journal_only = school_class.grade in ctx.no_marks_grades
    language = text_language(page.subject, school_class.language)
    work, topic = None, ""
    if done:
        options = topics_for(page.subject, school_class.grade)
        topic = pick_text(options[k % len(options)], language)
        work = None if journal_only else _special_work(page, k)
        if work is not None:
            topic = f"{pick_text(ctx.work_type_names[work], language)}. {topic}"
    share = HOMEWORK_SHARE.get(page.subject, 0.85) * (1 if done else 0.25)
    task = "" if journal_only or rng.random() >= share else homework(page.subject, k, language, rng)
    return {"id": ctx.ids.take(Lesson), "page_id": page.id, "date": day, "lesson_number": number,
            "topic": topic, "homework": task,
            "work_type_id": ctx.work_types[work][0] if work else None,
            "substitute_id": None, "plan_item_id": None, "ict_used": done and rng.random() < 0.25,
            "is_extra": False, "updated_at": ctx.stamp(day if done else ctx.today, 15)}


def _special_work(page: PageInfo, k: int) -> str | None:
    """Every few lessons a control work, dictation, test... where the whole class is marked
    (not in a criteria-based class: its СОР and СОЧ take their place)."""
    kinds = None if page.school_class.criteria else SPECIAL_WORKS.get(page.subject)
    cadence = 8 if page.hours >= 3 else 6
    if not kinds or (k + page.id) % cadence != cadence - 1:
        return None
    return kinds[(k // cadence) % len(kinds)]


def _attendance(ctx: Context, page: PageInfo, lesson: dict, ill: set[int],
                reasons_from: dt.date, rows: list[dict]) -> set[int]:
    """Absences and late arrivals of a lesson; returns who was absent.

    Reasons are set for past weeks; this week's are left for the class teacher.
    """
    rng, absent = ctx.rng, set()
    with_reason = lesson["date"] < reasons_from
    leader = page.school_class.leader
    for pupil in page.members:
        if pupil in ill:
            status, reason = "absent", "illness"
        else:
            r = rng.random()
            if r >= ABSENT_SHARE + LATE_SHARE:
                continue
            status = "absent" if r < ABSENT_SHARE else "late"
            reason = rng.choice(REASONS) if status == "absent" else None
        if status == "absent":
            absent.add(pupil)
        reason = reason if with_reason else None
        rows.append({"id": ctx.ids.take(Attendance), "lesson_id": lesson["id"], "pupil_id": pupil,
                     "status": status, "reason": reason,
                     "reason_set_by": leader.user_id if reason and leader else None,
                     "updated_at": lesson["updated_at"]})
    return absent


def _marks(ctx: Context, page: PageInfo, lesson: dict, absent: set[int],
           bags: dict[int, list[int]], rows: list[dict], acc: Acc, period: int) -> None:
    """Marks of a lesson: everyone present in a control work, about a third otherwise."""
    rng = ctx.rng
    special = ctx.work_type_codes.get(lesson["work_type_id"])
    share = 0.95 if special else 0.2 + 0.25 / max(page.hours, 1)
    language = page.school_class.language
    for pupil in page.members:
        if pupil in absent or rng.random() >= share:
            continue
        value = bags[pupil][int(rng.random() * 20)]
        if special == "control" and value > 2 and rng.random() < 0.15:
            value -= 1
        work = special or rng.choice(("lesson", "lesson", "lesson", "lesson", "oral", "homework"))
        _mark(ctx, rows, lesson, page, pupil, 1, value, work, language, acc, period)
        if not special and rng.random() < SECOND_MARK_SHARE:
            second = bags[pupil][int(rng.random() * 20)]
            _mark(ctx, rows, lesson, page, pupil, 2, second, "homework", language, acc, period)


def _mark(ctx: Context, rows: list[dict], lesson: dict, page: PageInfo, pupil: int, position: int,
          value: int, work: str, language: str, acc: Acc, period: int) -> None:
    work_id, weight = ctx.work_types[work]
    note = comment(value, language, ctx.rng) if ctx.rng.random() < COMMENT_SHARE else ""
    stored = fo_mark(value, lesson["id"] + pupil) if page.school_class.criteria else value
    rows.append({"id": ctx.ids.take(Mark), "lesson_id": lesson["id"], "pupil_id": pupil,
                 "position": position, "value": stored, "work_type_id": work_id, "comment": note,
                 "author_id": page.teacher.user_id, "updated_at": lesson["updated_at"]})
    total = acc.setdefault((page.id, pupil, period), [0, 0])
    total[0] += value * weight
    total[1] += weight


def _final_marks(ctx: Context, school_class: ClassInfo, pages: list[PageInfo], cutoff: dt.date,
                 acc: Acc) -> list[dict]:
    """Period marks (due two days before a period ends) from weighted averages; year marks."""
    periods = ctx.periods[school_class.scheme]
    due = [(n, pid, end) for n, (pid, _s, end) in enumerate(periods)
           if end - dt.timedelta(days=2) <= cutoff]
    rows = []
    for page in pages:
        for pupil in page.members:
            values = []
            for n, pid, end in due:
                total = acc.get((page.id, pupil, n))
                value = predicted_mark(total[0] / total[1]) if total else None
                values.append(value)
                rows.append(_final(ctx, page, pupil, "period", pid, value, end))
            if due and len(due) == len(periods):
                numbers = [v for v in values if v is not None]
                year = predicted_mark(sum(numbers) / len(numbers)) if numbers else None
                rows.append(_final(ctx, page, pupil, "year", None, year, periods[-1][2]))
    return rows


def _final(ctx: Context, page: PageInfo, pupil: int, kind: str, period_id: int | None,
           value: int | None, end: dt.date) -> dict:
    return {"id": ctx.ids.take(FinalMark), "page_id": page.id, "pupil_id": pupil, "kind": kind,
            "period_id": period_id, "value": value, "special": None if value else "na",
            "author_id": page.teacher.user_id,
            "updated_at": ctx.stamp(end - dt.timedelta(days=2), 16)}
