"""The demo's criteria-based classes (issue 21): the Kazakh-language classes with marks keep
the journal Kazakh schools keep (приказ № 125; DOMAIN.md 8).

demo_journal gives their lessons formative marks ФО 1-10 (fo_mark). Here each page gets 2-4
СОР a quarter with maxima such as 10, 15 or 20 and one СОЧ (20-30 points) where its subject
has one, on days the rules allow (services.summative.schedule: at most 3 СОЧ a day in a
class, none on the last school day of the period, never a СОР and a СОЧ of one subject on
one day); the pupils' points follow their formative marks, a pupil absent on the day of a
СОР misses it; one-hour subjects have no СОЧ and are marked per half-year (SummativeRule
rows, as a school enters them). Period marks of the periods already ended are the computed
ones (services.summative.formula), a few are another mark with the teacher's reason. Works
are planned over whole periods, kept up to the last generated lesson day, and get points up
to the cut-off day.
Everything goes in bulk inserts with ids chosen here.
"""
from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select

from extensions import db
from models import (
    Attendance,
    FinalMark,
    Lesson,
    Mark,
    SummativeRule,
    SummativeWork,
    WorkPoints,
)
from services.demo_base import ClassInfo, Context, PageInfo, bulk_insert
from services.demo_school import lesson_days
from services.demo_topics import pick_text, text_language, topics_for
from services.summative import formula, settings
from services.summative.schedule import SOCH_PER_DAY

SOR_MAXIMA = (10, 10, 12, 15, 15, 20)
SOCH_MAXIMA = (20, 24, 25, 30)
SOCH_WEEKS = 3  # a СОЧ is written in the last weeks of the period
MISSED_SOR = 0.02  # besides absences: a pupil who did not hand the work in
OTHER_MARK_SHARE = 0.03  # period marks the teacher sets otherwise, with a reason
# Why a teacher gave another mark than the computed one: (Russian, Kazakh), up or down.
REASONS = {
    1: (("Учтены активная работа на уроках и участие в олимпиаде",
         "Сабақтағы белсенді жұмысы мен олимпиадаға қатысуы ескерілді"),
        ("Формативные оценки за четверть стабильно высокие",
         "Тоқсан бойғы қалыптастырушы бағалары тұрақты жоғары")),
    -1: (("Не выполнены задания по двум разделам, работа на уроках слабая",
          "Екі бөлім бойынша тапсырмалар орындалмады, сабақтағы жұмысы әлсіз"),
         ("СОЧ написан после пропусков без уважительной причины",
          "ТЖБ дәлелсіз себеппен қалдырылған сабақтардан кейін жазылды")),
}
NAMES = {"sor": ("СОР", "БЖБ"), "soch": ("СОЧ", "ТЖБ")}
PERIOD_WORDS = {"quarter": ("четверть", "тоқсан"), "half": ("полугодие", "жартыжылдық")}


def fo_mark(value: int, salt: int) -> int:
    """A formative mark out of 10 for a pupil whose classic mark would be `value` (2-5):
    5 gives 9 or 10, 4 gives 7 or 8, 3 gives 5 or 6, 2 gives 3 or 4 (no draw from the
    build's random stream: the classic classes stay as they were)."""
    return max(1, min(10, 2 * value - salt % 2))


@dataclass(frozen=True)
class _Period:
    """A study period as services.summative.settings reads it (scheme, order, dates)."""

    id: int
    number: int
    start_date: dt.date
    end_date: dt.date
    scheme: str

    def contains(self, day: dt.date) -> bool:
        return self.start_date <= day <= self.end_date


@dataclass
class _Work:
    row: dict
    page: PageInfo

    @property
    def kind(self) -> str:
        return self.row["kind"]


@dataclass
class _Facts:
    """What the journal already holds for the criteria pages, read in two queries."""

    fo: dict[tuple[int, int], list[tuple[dt.date, int]]] = field(
        default_factory=lambda: defaultdict(list))  # (page, pupil) -> (day, ФО)
    absent: set[tuple[int, dt.date, int]] = field(default_factory=set)  # page, day, pupil


def add_criteria(ctx: Context) -> None:
    """Rules, works, points and period marks of the criteria-based classes."""
    classes = [c for c in ctx.classes if c.criteria]
    pages = [p for p in ctx.pages if p.school_class.criteria]
    if not pages:
        return
    rng = random.Random(ctx.rng.getrandbits(32))
    rules = _add_rules(ctx, pages)
    facts = _read_facts([p.id for p in pages])
    days = lesson_days(ctx.calendar, ctx.today, ctx.weeks)
    cutoff = max([ctx.today, *days[-1:]]) if ctx.weeks is not None else ctx.today
    works, points, finals = [], [], []
    for school_class in classes:
        periods = [_Period(pid, n, s, e, school_class.scheme) for n, (pid, s, e)
                   in enumerate(ctx.periods[school_class.scheme], start=1)]
        mine = [p for p in pages if p.school_class is school_class]
        class_works = _plan_works(ctx, rng, school_class, mine, periods, days, rules)
        works += class_works
        points += _points(ctx, rng, class_works, facts, cutoff)
        finals += _final_marks(ctx, rng, mine, periods, class_works, points, facts, rules,
                               cutoff)
    ctx.count("summative_work", bulk_insert(SummativeWork, [w.row for w in works]))
    ctx.count("work_points", bulk_insert(WorkPoints, points))
    ctx.count("final_mark", bulk_insert(FinalMark, finals))


def _add_rules(ctx: Context, pages: list[PageInfo]) -> dict[int, settings.Rule]:
    """The year's rule for each one-hour subject of a criteria grade (no СОЧ, marked per
    half-year), as the administrator enters it; each page's rule, by page id."""
    one_hour = sorted({(p.school_class.grade, p.subject) for p in pages if p.hours <= 1})
    bulk_insert(SummativeRule, [
        {"id": ctx.ids.take(SummativeRule), "year_id": ctx.year_id, "grade": grade,
         "subject_id": ctx.subjects[code], "has_soch": False, "by_half_year": True}
        for grade, code in one_hour])
    ctx.count("summative_rule", len(one_hour))
    return {p.id: settings.default_rule(p.hours) for p in pages}


def _read_facts(page_ids: list[int]) -> _Facts:
    facts = _Facts()
    for page_id, pupil_id, value, day in db.session.execute(
            select(Lesson.page_id, Mark.pupil_id, Mark.value, Lesson.date)
            .join(Lesson, Lesson.id == Mark.lesson_id).where(Lesson.page_id.in_(page_ids))):
        facts.fo[page_id, pupil_id].append((day, value))
    facts.absent = {tuple(r) for r in db.session.execute(
        select(Lesson.page_id, Lesson.date, Attendance.pupil_id)
        .join(Lesson, Lesson.id == Attendance.lesson_id)
        .where(Lesson.page_id.in_(page_ids), Attendance.status == "absent"))}
    return facts


class _Day:
    """What a class already has on each day, so each new work keeps schedule.check's rules."""

    def __init__(self) -> None:
        self.soch: dict[dt.date, set[str]] = defaultdict(set)  # day -> subjects with a СОЧ
        self.kinds: dict[tuple[dt.date, str], set[str]] = defaultdict(set)

    def allows(self, day: dt.date, subject: str, kind: str) -> bool:
        other = "soch" if kind == "sor" else "sor"
        if other in self.kinds[day, subject]:
            return False
        return kind == "sor" or len(self.soch[day] - {subject}) < SOCH_PER_DAY

    def take(self, day: dt.date, subject: str, kind: str) -> None:
        self.kinds[day, subject].add(kind)
        if kind == "soch":
            self.soch[day].add(subject)


def _plan_works(ctx: Context, rng: random.Random, school_class: ClassInfo,
                pages: list[PageInfo], periods: list[_Period], days: list[dt.date],
                rules: dict[int, settings.Rule]) -> list[_Work]:
    """Each page's СОЧ (where its subject has one) and СОР, planned over the whole period
    and kept up to the last generated lesson day: the period under way has the works
    written so far and those of the next days, not a whole quarter's crammed in."""
    if not days:
        return []
    taken, works = _Day(), []
    school_days = ctx.calendar.school_days()
    for page in pages:
        weekdays = {weekday for weekday, cells in ctx.slots[school_class.id].items()
                    for cell_page, _n in cells if cell_page is page}
        page_days = [d for d in school_days if d.isoweekday() in weekdays]
        for period in periods:
            mine = [d for d in page_days if period.contains(d)]
            if len(mine) < 2 or period.start_date > days[-1]:
                continue
            last = max(d for d in school_days if period.contains(d))
            if rules[page.id].has_soch:
                works += _soch(ctx, rng, page, period, mine, last, taken)
            works += _sors(ctx, rng, page, period, mine, taken)
    return [w for w in works if w.row["date"] <= days[-1]]


def _soch(ctx: Context, rng: random.Random, page: PageInfo, period: _Period,
          days: list[dt.date], last: dt.date, taken: _Day) -> list[_Work]:
    window = period.end_date - dt.timedelta(weeks=SOCH_WEEKS)
    options = [d for d in days if window <= d < last and taken.allows(d, page.subject, "soch")]
    if not options:
        return []
    day = rng.choice(options)
    taken.take(day, page.subject, "soch")
    ru, kk = PERIOD_WORDS[period.scheme]
    name = (f"ТЖБ, {period.number}-{kk}" if _language(page) == "kk"
            else f"СОЧ за {period.number} {ru}")
    return [_work(ctx, page, period, "soch", day, rng.choice(SOCH_MAXIMA), name, days)]


def _sors(ctx: Context, rng: random.Random, page: PageInfo, period: _Period,
          days: list[dt.date], taken: _Day) -> list[_Work]:
    """2-4 СОР a quarter (fewer for fewer hours), each near the end of its section."""
    low, high = (3, 4) if page.hours >= 3 else (2, 3) if page.hours == 2 else (2, 2)
    count = rng.randint(low, high) * (2 if period.scheme == "half" else 1)
    free = [d for d in days if taken.allows(d, page.subject, "sor")]
    count = min(count, len(free))
    works = []
    for n in range(count):
        section = free[len(free) * n // count:len(free) * (n + 1) // count]
        day = rng.choice(section[len(section) // 2:])
        taken.take(day, page.subject, "sor")
        name = f"{NAMES['sor'][_language(page) == 'kk']} {n + 1}"
        works.append(_work(ctx, page, period, "sor", day, rng.choice(SOR_MAXIMA), name, days))
    return works


def _language(page: PageInfo) -> str:
    return text_language(page.subject, page.school_class.language)


def _work(ctx: Context, page: PageInfo, period: _Period, kind: str, day: dt.date,
          max_points: int, name: str, days: list[dt.date]) -> _Work:
    topics = topics_for(page.subject, page.school_class.grade)
    index = sum(1 for d in days if d <= day)  # roughly the lesson's place in the plan
    section = pick_text(topics[index % len(topics)], _language(page))
    return _Work({"id": ctx.ids.take(SummativeWork), "page_id": page.id, "period_id": period.id,
                  "kind": kind, "name": name, "date": day, "max_points": max_points,
                  "plan_item_id": None, "section": section[:200],
                  "created_by": page.teacher.user_id,
                  "updated_at": ctx.stamp(day - dt.timedelta(days=14), 17)}, page)


def _points(ctx: Context, rng: random.Random, works: list[_Work], facts: _Facts,
            cutoff: dt.date) -> list[dict]:
    """Points of the works written by the cut-off day, following each pupil's ФО: a pupil
    absent on a СОР's day misses it, unless it was the only СОР of the period written."""
    rows, by_period = [], defaultdict(list)
    for work in works:
        if work.row["date"] <= cutoff:
            by_period[work.page.id, work.row["period_id"]].append(work)
    for group in by_period.values():
        page = group[0].page
        last_sor = max((w for w in group if w.kind == "sor"), key=lambda w: w.row["date"],
                       default=None)
        for pupil in page.members:
            level = _level(facts.fo.get((page.id, pupil), []))
            written = [w for w in group if w.kind == "soch" or not _missed(
                rng, facts, page, w, pupil)]
            if last_sor is not None and not any(w.kind == "sor" for w in written):
                written.append(last_sor)  # wrote it after coming back
            rows += [_point(ctx, rng, w, pupil, level) for w in written]
    return rows


def _missed(rng: random.Random, facts: _Facts, page: PageInfo, work: _Work, pupil: int) -> bool:
    return (page.id, work.row["date"], pupil) in facts.absent or rng.random() < MISSED_SOR


def _level(fo: list[tuple[dt.date, int]]) -> float:
    """The share of the maximum a pupil usually gets: their formative marks' mean."""
    return sum(v for _d, v in fo) / (10 * len(fo)) if fo else 0.7


def _point(ctx: Context, rng: random.Random, work: _Work, pupil: int, level: float) -> dict:
    most = work.row["max_points"]
    share = min(1.0, max(0.1, rng.gauss(level - 0.02, 0.11)))
    return {"id": ctx.ids.take(WorkPoints), "work_id": work.row["id"], "pupil_id": pupil,
            "points": round(most * share), "author_id": work.page.teacher.user_id,
            "updated_at": ctx.stamp(work.row["date"] + dt.timedelta(days=2), 16)}


def _final_marks(ctx: Context, rng: random.Random, pages: list[PageInfo],
                 periods: list[_Period], works: list[_Work], points: list[dict],
                 facts: _Facts, rules: dict[int, settings.Rule], cutoff: dt.date) -> list[dict]:
    """Period marks of the periods ended (due two days before the end, as in demo_journal)
    as computed, a few otherwise with a reason; the year mark once every period is due."""
    got = {(r["work_id"], r["pupil_id"]): r["points"] for r in points}
    due = [p for p in periods if p.end_date - dt.timedelta(days=2) <= cutoff]
    rows = []
    for page in pages:
        rule = rules[page.id]
        for pupil in page.members:
            values = []
            for period in due:
                span = settings.span_of(period, periods, rule)
                if not span:
                    continue  # a half-year subject's first quarter gives no mark
                outcome = _outcome(page, pupil, span, works, got, facts, rule)
                value, reason = _decided(rng, page, outcome.mark)
                values.append(value)
                rows.append(_final(ctx, page, pupil, "period", period.id, value, reason,
                                   period.end_date))
            if due and len(due) == len(periods):
                rows.append(_final(ctx, page, pupil, "year", None,
                                   formula.year_mark([v for v in values if v]), "",
                                   periods[-1].end_date))
    return rows


def _outcome(page: PageInfo, pupil: int, span: list[_Period], works: list[_Work],
             got: dict, facts: _Facts, rule: settings.Rule) -> formula.Outcome:
    def inside(day: dt.date) -> bool:
        return any(p.contains(day) for p in span)

    def pairs(kind: str) -> list[tuple[int, int]]:
        return [(got[w.row["id"], pupil], w.row["max_points"]) for w in works
                if w.page is page and w.kind == kind and inside(w.row["date"])
                and (w.row["id"], pupil) in got]
    fo = [v for d, v in facts.fo.get((page.id, pupil), []) if inside(d)]
    return formula.outcome(fo, pairs("sor"), pairs("soch"), formula.Weights(), rule.has_soch,
                           page.school_class.grade)


def _decided(rng: random.Random, page: PageInfo, computed: int | None) -> tuple[int | None, str]:
    """The mark the teacher gives: the computed one, now and then one step away with a
    reason in the page's language."""
    if computed is None or rng.random() >= OTHER_MARK_SHARE:
        return computed, ""
    step = 1 if computed == 2 or (computed < 5 and rng.random() < 0.6) else -1
    return computed + step, pick_text(rng.choice(REASONS[step]), _language(page))


def _final(ctx: Context, page: PageInfo, pupil: int, kind: str, period_id: int | None,
           value: int | None, reason: str, end: dt.date) -> dict:
    return {"id": ctx.ids.take(FinalMark), "page_id": page.id, "pupil_id": pupil, "kind": kind,
            "period_id": period_id, "value": value, "special": None if value else "na",
            "reason": reason, "author_id": page.teacher.user_id,
            "updated_at": ctx.stamp(end - dt.timedelta(days=2), 16)}
