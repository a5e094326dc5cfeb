"""News, announcements and the calendar: "Школа" for the whole school and "Учительская" for
staff only (000 2.2; issue 20).

Who reads an item is one SQL filter (readable), built from policy.news_audience, so the news
list, the calendar and a single item by URL agree. An item is "past" once its last day
(its end date, or its start date when it has none) is before the school's today; a pinned
announcement stays at the top of the news until then.
"""
from __future__ import annotations

import calendar
import datetime as dt
import math
import re
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import and_, case, false, func, or_, select, true
from sqlalchemy.orm import selectinload

from extensions import db
from models import SchoolClass, User
from models.notices import NEWS_BODY_MAX, TITLE_MAX, NewsItem
from services import clock, policy

PAGE_SIZE = 20
# Months the calendar opens: a typed 0001-01 or 9999-12 is not a month anyone plans.
FIRST_YEAR, LAST_YEAR = 2000, 2100


def last_day():
    """The SQL expression of an item's last day: its end date, else its start date."""
    return func.coalesce(NewsItem.ends_on, NewsItem.starts_on)


def readable(user: User):
    """The SQL condition for the items this user may read: staff read every item (the staff
    room's too); a family reads the whole school's and their children's parallels' and
    classes' items, never the staff room's nor another class's."""
    staff, grades, class_ids = policy.news_audience(user)
    if staff:
        return true()
    return or_(NewsItem.audience == "all",
               and_(NewsItem.audience == "grade", NewsItem.grade.in_(sorted(grades)))
               if grades else false(),
               and_(NewsItem.audience == "class", NewsItem.class_id.in_(sorted(class_ids)))
               if class_ids else false())


def item_for(user: User, news_id: int) -> NewsItem | None:
    """The item, if this user may read it (else None: the view answers 404)."""
    return db.session.scalar(select(NewsItem).where(NewsItem.id == news_id, readable(user))
                             .options(selectinload(NewsItem.school_class)))


@dataclass
class NewsPage:
    items: list[NewsItem]
    page: int
    pages: int
    total: int
    today: dt.date

    def is_past(self, item: NewsItem) -> bool:
        return (item.ends_on or item.starts_on) < self.today

    def is_pinned(self, item: NewsItem) -> bool:
        return item.pinned and not self.is_past(item)


def news_page(user: User, staff_room: bool, page: int = 1) -> NewsPage:
    """One page of the news this user reads: the school's ("Школа") or the staff room's
    ("Учительская"). Pinned announcements not yet past first, then by date, newest first;
    past items stay listed. Two queries whatever the page's size (count and rows)."""
    today = clock.today()
    where = [readable(user), (NewsItem.audience == "staff") if staff_room
             else (NewsItem.audience != "staff")]
    total = db.session.scalar(select(func.count(NewsItem.id)).where(*where)) or 0
    pages = max(1, math.ceil(total / PAGE_SIZE))
    page = min(max(1, page), pages)
    pinned_now = case((and_(NewsItem.pinned, last_day() >= today), 0), else_=1)
    items = list(db.session.scalars(
        select(NewsItem).where(*where)
        .order_by(pinned_now, NewsItem.starts_on.desc(), NewsItem.id.desc())
        .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
        .options(selectinload(NewsItem.school_class))))
    return NewsPage(items, page, pages, total, today)


@dataclass
class Month:
    first: dt.date
    days: list[tuple[dt.date, list[NewsItem]]]  # only the days with items, in order
    today: dt.date

    @property
    def previous(self) -> str | None:
        before = self.first - dt.timedelta(days=1)
        return f"{before:%Y-%m}" if before.year >= FIRST_YEAR else None

    @property
    def next(self) -> str | None:
        after = self.first + dt.timedelta(days=32)
        return f"{after:%Y-%m}" if after.year <= LAST_YEAR else None


def parse_month(text: str | None) -> dt.date | None:
    """The first day of a month written YYYY-MM (2000-2100), else None."""
    match = re.fullmatch(r"([0-9]{4})-([0-9]{2})", text or "")
    if not match:
        return None
    year, month = int(match[1]), int(match[2])
    if not (FIRST_YEAR <= year <= LAST_YEAR and 1 <= month <= 12):
        return None
    return dt.date(year, month, 1)


def month_calendar(user: User, first: dt.date) -> Month:
    """The month's calendar as a list of its days that have items, each with the items this
    user reads (a multi-day item on each of its days in the month). One query."""
    end = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    items = list(db.session.scalars(
        select(NewsItem).where(readable(user), NewsItem.starts_on <= end, last_day() >= first)
        .order_by(NewsItem.starts_on, NewsItem.id)
        .options(selectinload(NewsItem.school_class))))
    by_day: dict[dt.date, list[NewsItem]] = {}
    for item in items:
        day = max(item.starts_on, first)
        while day <= min(item.ends_on or item.starts_on, end):
            by_day.setdefault(day, []).append(item)
            day += dt.timedelta(days=1)
    return Month(first, sorted(by_day.items()), clock.today())


def check_item(item: NewsItem, user: User) -> str | None:
    """Why this item may not be saved by this user, translated; None when it may. The
    audience needs its grade or class (and only that), the end is not before the start, the
    text fits, and a deputy of one level publishes only for that level's grades."""
    if not (item.title or "").strip():
        return _("Enter a title.")
    if len(item.title) > TITLE_MAX or len(item.body or "") > NEWS_BODY_MAX:
        return _("The title takes at most %(title)d characters and the text at most "
                 "%(body)d.", title=TITLE_MAX, body=NEWS_BODY_MAX)
    if item.ends_on is not None and item.starts_on is not None \
            and item.ends_on < item.starts_on:
        return _("The end date is before the start date.")
    refused = _audience_refusal(item)
    if refused:
        return refused
    grade = item.grade if item.audience == "grade" else _class_grade(item.class_id)
    if not policy.can_publish_news_for(user, item.audience, grade):
        low, high = policy.news_grade_limit(user) or (0, 12)
        return _("You publish for grades %(low)d-%(high)d only (or for the whole school and "
                 "the staff room).", low=max(low, 1), high=min(high, 11))
    return None


def _audience_refusal(item: NewsItem) -> str | None:
    if item.audience == "grade" and item.grade is None:
        return _("Choose the grade (parallel) the item is for.")
    if item.audience == "class" and item.class_id is None:
        return _("Choose the class the item is for.")
    if item.grade is not None and item.audience != "grade":
        return _("A grade is chosen only for a parallel's item: leave it empty.")
    if item.class_id is not None and item.audience != "class":
        return _("A class is chosen only for a class's item: leave it empty.")
    return None


def _class_grade(class_id: int | None) -> int | None:
    if class_id is None:
        return None
    return db.session.scalar(select(SchoolClass.grade).where(SchoolClass.id == class_id))


def rows_in_reach(user: User):
    """The items a publisher sees in the back office: a deputy of one level their level's
    parallels and classes and every whole-school and staff-room item; None: every item."""
    limit = policy.news_grade_limit(user)
    if limit is None:
        return None
    low, high = limit
    level_classes = select(SchoolClass.id).where(SchoolClass.grade.between(low, high))
    return or_(NewsItem.audience.in_(("all", "staff")),
               and_(NewsItem.audience == "grade", NewsItem.grade.between(low, high)),
               and_(NewsItem.audience == "class", NewsItem.class_id.in_(level_classes)))
