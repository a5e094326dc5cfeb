"""Report 6 of issue 18: activity in a month (003 9.1, 004 VIII) and the families' diary
visits (001 3.2.8).

- Sign-ins and journal entries per staff member (the leadership only). A sign-in is a
  successful LoginAttempt row (written by services.accounts.signin for every sign-in with a
  password; rows are keyed by the name typed, casefolded, so an account renamed later loses
  its earlier rows); an entry is an audit row whose action starts with "journal." written by
  that user (a cell, an attendance column, a fill, a work type, a period or year mark).
- Per class and week of the month: how many families (a pupil, or a parent of theirs)
  opened the pupil's diary, and the list of pupils whose diary nobody of the family has ever
  opened, for the class teacher of the class and the leadership of its level.

The month is ?month=YYYY-MM (read here from the request's query string: the shared filters
know periods, not months), the school's current month by default. Instants are stored in
UTC and counted in the school's time zone. A fixed number of queries whatever the size.
"""
from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict

from flask import has_request_context, request
from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import or_, select

from extensions import db
from models import (
    AuditEvent,
    DiaryVisit,
    Enrolment,
    LoginAttempt,
    Person,
    Pupil,
    SchoolClass,
    User,
    UserRole,
)
from models.users import STAFF_ROLES
from services import clock, policy
from services.reports import filters as report_filters
from services.reports.filters import Filters
from services.reports.registry import Report, register
from services.reports.sheet import Column, Sheet

MONTH = re.compile(r"^([0-9]{4})-([0-9]{2})$")
ONE_DAY = dt.timedelta(days=1)


def month_asked() -> dt.date:
    """The first day of the month the request asks for (?month=YYYY-MM), else of the
    school's current month; a malformed or impossible month falls back to the current one."""
    today = clock.today()
    text = request.args.get("month", "") if has_request_context() else ""
    found = MONTH.match(text)
    if found and 2000 <= int(found[1]) <= 2100 and 1 <= int(found[2]) <= 12:
        return dt.date(int(found[1]), int(found[2]), 1)
    return today.replace(day=1)


def month_end(first: dt.date) -> dt.date:
    """The last day of the month that starts on `first`."""
    return (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - ONE_DAY


def utc_bounds(first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) in naive UTC (as instants are stored) of the school's days first..last."""
    zone = clock.zone()

    def at(day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(), zone).astimezone(dt.UTC).replace(tzinfo=None)
    return at(first), at(last + ONE_DAY)


def school_day(at: dt.datetime) -> dt.date:
    """The school's date of a stored instant (naive means UTC)."""
    aware = at if at.tzinfo else at.replace(tzinfo=dt.UTC)
    return aware.astimezone(clock.zone()).date()


def month_label(first: dt.date) -> str:
    """«November 2026» in the user's language."""
    return format_date(first, "LLLL yyyy")


# -- sign-ins and entries per staff member ------------------------------------------------------

def _staff_users() -> list[User]:
    return list(db.session.scalars(
        select(User).join(Person, Person.id == User.person_id)
        .where(User.id.in_(select(UserRole.user_id).where(UserRole.role.in_(STAFF_ROLES))))
        .order_by(Person.last_name, Person.first_name, Person.patronymic, User.id)))


def staff_sheet(first: dt.date) -> Sheet:
    """Sign-ins and journal entries of every staff account in the month (three queries)."""
    start, end = utc_bounds(first, month_end(first))
    users = _staff_users()
    sign_ins = dict(db.session.execute(
        select(LoginAttempt.username, db.func.count())
        .where(LoginAttempt.ok.is_(True), LoginAttempt.at >= start, LoginAttempt.at < end)
        .group_by(LoginAttempt.username)).all())
    # A range on the action index instead of LIKE, which SQLite does not run on an index.
    entries = dict(db.session.execute(
        select(AuditEvent.user_id, db.func.count())
        .where(AuditEvent.action >= "journal.", AuditEvent.action < "journal/",
               AuditEvent.at >= start, AuditEvent.at < end)
        .group_by(AuditEvent.user_id)).all())
    rows = [[u.person.short_name, u.username, sign_ins.get(u.username.strip().casefold(), 0),
             entries.get(u.id, 0), school_day(u.last_login_at) if u.last_login_at else None]
            for u in users]
    columns = [Column("name", _("Staff member"), "text", 28),
               Column("login", _("Login"), "text", 16),
               Column("sign_ins", _("Sign-ins"), "int", 10),
               Column("entries", _("Journal entries"), "int", 12),
               Column("last", _("Last sign-in"), "date", 12)]
    totals = [[_("Total"), "", sum(r[2] for r in rows), sum(r[3] for r in rows), None]]
    return Sheet(_("User activity: %(month)s", month=month_label(first)), columns, rows,
                 totals=totals if rows else [], empty=_("There are no staff accounts."),
                 notes=[_("A sign-in is counted when a password was accepted; a journal entry "
                          "is a saved mark, absence or period mark.")])


# -- families' diary visits per class and week ----------------------------------------------------

def _enrolled(class_ids: list[int], first: dt.date, last: dt.date) -> list[tuple]:
    """(class, pupil, start, end, short name) of everyone in the classes during the dates."""
    return [(c, p, s, e, Person.short_of(ln, fn, mn)) for c, p, s, e, ln, fn, mn in
            db.session.execute(
                select(Enrolment.class_id, Enrolment.pupil_id, Enrolment.start_date,
                       Enrolment.end_date, Person.last_name, Person.first_name,
                       Person.patronymic)
                .join(Pupil, Pupil.id == Enrolment.pupil_id)
                .join(Person, Person.id == Pupil.person_id)
                .where(Enrolment.class_id.in_(class_ids), Enrolment.start_date <= last,
                       or_(Enrolment.end_date.is_(None), Enrolment.end_date >= first))
                .order_by(Person.last_name, Person.first_name, Person.patronymic))]


def _weeks(first: dt.date, last: dt.date) -> list[tuple[dt.date, dt.date]]:
    """The month's weeks, Monday to Sunday, clipped to the month."""
    monday = first - dt.timedelta(days=first.weekday())
    out = []
    while monday <= last:
        out.append((max(monday, first), min(monday + 6 * ONE_DAY, last)))
        monday += 7 * ONE_DAY
    return out


def _visits(class_ids: list[int], first: dt.date, last: dt.date
            ) -> tuple[list[tuple[int, dt.date]], set[int]]:
    """The month's visits (pupil, school day) and the pupils visited at all before its end."""
    start, end = utc_bounds(first, last)
    pupils = select(Enrolment.pupil_id).where(Enrolment.class_id.in_(class_ids))
    month = [(p, school_day(at)) for p, at in db.session.execute(
        select(DiaryVisit.pupil_id, DiaryVisit.at)
        .where(DiaryVisit.at >= start, DiaryVisit.at < end, DiaryVisit.pupil_id.in_(pupils)))]
    ever = set(db.session.scalars(select(DiaryVisit.pupil_id).distinct().where(
        DiaryVisit.at < end, DiaryVisit.pupil_id.in_(pupils))))
    return month, ever


def visit_sheets(classes: list[SchoolClass], first: dt.date) -> list[Sheet]:
    """Families who opened the diary per class and week, and who never has (three queries)."""
    last = month_end(first)
    weeks = _weeks(first, last)
    ids = [c.id for c in classes]
    enrolled = _enrolled(ids, first, last)
    month, ever = _visits(ids, first, last)
    spans = defaultdict(list)
    for c, p, s, e, _name in enrolled:
        spans[p].append((c, s, e))
    seen: dict[tuple[int, int], set[int]] = defaultdict(set)  # (class, week) -> pupils
    for pupil_id, day in month:
        week = next(n for n, (a, b) in enumerate(weeks) if a <= day <= b)
        for c, s, e in spans.get(pupil_id, []):
            if s <= day and (e is None or e >= day):
                seen[(c, week)].add(pupil_id)
                seen[(c, -1)].add(pupil_id)
    on = min(last, clock.today())
    never = [(c, name) for c, p, s, e, name in enrolled
             if p not in ever and s <= on and (e is None or e >= on)]
    return [_weekly_sheet(classes, weeks, enrolled, seen, never, first),
            _never_sheet(classes, never, first)]


def _weekly_sheet(classes, weeks, enrolled, seen, never, first: dt.date) -> Sheet:
    pupils: dict[int, set[int]] = defaultdict(set)
    for c, p, *_rest in enrolled:
        pupils[c].add(p)
    columns = [Column("class", _("Class"), "text", 9), Column("pupils", _("Pupils"), "int", 13),
               *[Column(f"w{n}", f"{a:%d.%m}–{b:%d.%m}", "int", 12)
                 for n, (a, b) in enumerate(weeks)],
               Column("month", _("In the month"), "int", 10),
               Column("never", _("Never visited"), "int", 10)]
    rows = [[c.name, len(pupils[c.id]),
             *[len(seen[(c.id, n)]) for n in range(len(weeks))], len(seen[(c.id, -1)]),
             sum(1 for cls_id, _name in never if cls_id == c.id)] for c in classes]
    totals = [[_("Total"), *[sum(r[i] for r in rows) for i in range(1, len(columns))]]]
    return Sheet(_("Diary visits by week: %(month)s", month=month_label(first)), columns, rows,
                 totals=totals if rows else [], landscape=True,
                 subtitle=_("Families (a pupil or a parent) who opened the pupil's diary."),
                 empty=_("No class you may read matches these filters."))


def _never_sheet(classes, never: list[tuple[int, str]], first: dt.date) -> Sheet:
    names = {c.id: c.name for c in classes}
    columns = [Column("no", "№", "int", 4), Column("class", _("Class"), "text", 10),
               Column("pupil", _("Pupil"), "text", 30)]
    rows = [[n, names[c], name] for n, (c, name) in enumerate(never, start=1)]
    return Sheet(_("Never visited the diary"), columns, rows,
                 subtitle=_("Pupils whose diary neither they nor their parents have opened "
                            "by the end of %(month)s.", month=month_label(first)),
                 empty=_("Every family of these classes has opened the diary."))


def build(user: User, f: Filters) -> list[Sheet]:
    """Staff activity for the leadership; the diary visits of the classes the user may read."""
    first = month_asked()
    sheets = [staff_sheet(first)] if policy.can_read_staff_activity(user) else []
    classes = [c for c in report_filters.classes(user, f)
               if policy.can_read_diary_visits(user, c)]
    return sheets + visit_sheets(classes, first)


register(Report(
    "activity", title=lambda: _("Activity and diary visits"),
    may=policy.can_read_activity_report, build=build,
    filters=("year", "level", "grade", "class", "month"),  # month: see month_asked()
    about=lambda: _("Sign-ins and journal entries per staff member in a month; families' "
                    "diary visits per class and week, and who has never opened the diary."),
    order=60))
