"""News, announcements and the calendar: "Школа" for everyone signed in, "Учительская" for
staff only, one item, and a month of the calendar (issue 20).

What a user reads is services.news.readable: an item outside it answers 404, as a staff-room
page does for a family. Publishing is the back office's "news" grid.
"""
from __future__ import annotations

from flask import Blueprint, abort, request
from flask_login import current_user

from blueprints.common import render
from blueprints.parse import to_id
from services import clock, news, policy

bp = Blueprint("news", __name__, url_prefix="/news")


def _list(staff_room: bool):
    page = to_id(request.args.get("page", "1")) or 1
    listing = news.news_page(current_user, staff_room, page)
    return render("news/index.html", block="listing", listing=listing, staff_room=staff_room,
                  section="staff" if staff_room else "school")


@bp.get("/")
def index():
    """The school's news ("Школа"): what concerns the reader, pinned announcements first."""
    return _list(staff_room=False)


@bp.get("/staff")
def staff_room():
    """The staff room ("Учительская"): items for staff only; no such page for families."""
    if not policy.is_staff(current_user):
        abort(404)
    return _list(staff_room=True)


@bp.get("/<int:news_id>")
def item(news_id: int):
    """One item, if the reader is in its audience (else 404: another class's news is not
    known to exist)."""
    found = news.item_for(current_user, news_id)
    if found is None:
        abort(404)
    return render("news/item.html", item=found, today=clock.today(),
                  section="staff" if found.audience == "staff" else "school")


@bp.get("/calendar")
@bp.get("/calendar/<month>")
def calendar(month: str | None = None):
    """A month of the calendar as a list of its days with items (YYYY-MM; else 404)."""
    first = news.parse_month(month) if month is not None else clock.today().replace(day=1)
    if first is None:
        abort(404)
    return render("news/calendar.html", block="month",
                  month=news.month_calendar(current_user, first), section="calendar")
