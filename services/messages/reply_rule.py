"""The reply rule (001 3.2.5): a parent's message is answered within School.reply_days school
days. Conversation.awaiting_reply_since is set when a parent writes and cleared when a member
of staff answers (services.messages.conversations.post).

A conversation is overdue when the school's date is later than add_school_days(the date the
parent wrote, in the school's zone, reply_days), counting school days of a five-day week
(weekends and holidays do not count). Since that date moves on with the day written, the rule
is one instant: every conversation awaiting since before `overdue_before()` is overdue, and
each count below is a single indexed query.
"""
from __future__ import annotations

import datetime as dt

from flask import g, has_request_context
from sqlalchemy import and_, func, select

from extensions import db
from models import AcademicYear, School, Staff, User
from models.messages import Conversation, ConversationMember
from services import clock
from services.calendar import SchoolCalendar, calendar_for_id
from services.school import current_year

DAYS_PER_WEEK = 5


def deadline(written_on: dt.date, days: int, calendar: SchoolCalendar | None) -> dt.date:
    """The last day a parent's message written on that date may be answered (without a
    school year: calendar days)."""
    if calendar is None:
        return written_on + dt.timedelta(days=days)
    return calendar.add_school_days(written_on, days, days_per_week=DAYS_PER_WEEK)


def first_day_in_time(today: dt.date, days: int, calendar: SchoolCalendar | None) -> dt.date:
    """The earliest date a message may have been written on and still not be overdue today:
    the calendar's edit-window walk (its deadline is add_school_days, as here); without a
    school year, calendar days."""
    if calendar is None:
        return today - dt.timedelta(days=days)
    return calendar.window_start(today, days, days_per_week=DAYS_PER_WEEK)


def _settings(today: dt.date) -> tuple[int, SchoolCalendar | None]:
    """The school's limit and this year's calendar: two queries (the limit with the current
    year's id, then the year's dates with its holidays)."""
    row = db.session.execute(
        select(School.reply_days, AcademicYear.id).select_from(School)
        .outerjoin(AcademicYear, AcademicYear.is_current.is_(True)).order_by(School.id).limit(1)).first()
    days, year_id = (row[0] or 2, row[1]) if row else (2, None)
    if year_id is None:
        year = current_year(today)
        year_id = year.id if year is not None else None
    return days, calendar_for_id(year_id) if year_id is not None else None


def overdue_before() -> dt.datetime:
    """The stored (naive UTC) instant before which a waiting conversation is overdue today:
    the start, at the school, of the first date still in time. Once per request."""
    if has_request_context() and "reply_overdue_before" in g:
        return g.reply_overdue_before
    today = clock.today()
    first = first_day_in_time(today, *_settings(today))
    start = dt.datetime.combine(first, dt.time(), tzinfo=clock.zone())
    instant = start.astimezone(dt.UTC).replace(tzinfo=None)
    if has_request_context():
        g.reply_overdue_before = instant
    return instant


def is_overdue(conversation_awaiting: dt.datetime | None) -> bool:
    """Whether a conversation waiting since that instant is overdue today."""
    return conversation_awaiting is not None and conversation_awaiting < overdue_before()


def overdue_count(user_id: int) -> int:
    """How many of the user's conversations wait beyond the limit for their answer."""
    return db.session.scalar(
        select(func.count()).select_from(ConversationMember)
        .join(Conversation, Conversation.id == ConversationMember.conversation_id)
        .where(ConversationMember.user_id == user_id,
               Conversation.awaiting_reply_since < overdue_before())) or 0


def overdue_by_staff(staff_ids: list[int]) -> dict[int, int]:
    """Per staff record: parents' conversations awaiting their reply beyond the limit (one
    query), for the deputy's control report."""
    if not staff_ids:
        return {}
    rows = db.session.execute(
        select(Staff.id, func.count())
        .join(User, User.person_id == Staff.person_id)
        .join(ConversationMember, ConversationMember.user_id == User.id)
        .join(Conversation, and_(Conversation.id == ConversationMember.conversation_id,
                                 Conversation.awaiting_reply_since < overdue_before()))
        .where(Staff.id.in_(staff_ids)).group_by(Staff.id))
    return dict(rows.all())
