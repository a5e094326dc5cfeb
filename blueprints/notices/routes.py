"""The parent's notice inbox, "seen", and the class teacher's report of who has not seen
(issue 20). Every form works without JavaScript (303 back); htmx gets the changed block.

Endpoints: notices.inbox (GET /notices/), notices.seen_one (POST /notices/<notice_id>/seen),
notices.seen_all (POST /notices/seen), notices.period_seen (POST /notices/period-seen),
notices.class_report (GET /notices/class/<class_id>).
"""
from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user

from blueprints.common import is_htmx, load_or_404, render, require, safe_next
from blueprints.parse import to_id, to_int
from extensions import db
from models import Pupil, SchoolClass, StudyPeriod
from services import clock, policy
from services import school as school_service
from services.notices import inbox, seen

bp = Blueprint("notices", __name__, url_prefix="/notices")


def _children() -> list[Pupil]:
    """The children whose notices the user reads; 403 for anyone but a parent."""
    kids = [k for k in policy.children_of(current_user)
            if policy.can_read_notices(current_user, k)]
    require(bool(kids))
    return kids


def _child(kids: list[Pupil], raw: str | None) -> Pupil | None:
    """The child named in the request (None: all); 404 for a pupil not among them."""
    if raw in (None, ""):
        return None
    pupil_id = to_id(raw)
    child = next((k for k in kids if k.id == pupil_id), None)
    if child is None:
        abort(404)
    return child


@bp.get("/")
def inbox_page():
    """The parent's notices, newest first, all children or one (?pupil_id=)."""
    kids = _children()
    child = _child(kids, request.args.get("pupil_id"))
    page = to_int(request.args.get("page", "1"), 1, 10_000) or 1
    health = all(policy.can_see_absence_reason(current_user, k) for k in kids)
    data = inbox.page_of(current_user, child.id if child else None, page, health=health)
    return render("notices/inbox.html", block="notice_list", kids=kids, child=child, data=data,
                  unseen=inbox.unseen_by_child(current_user.id), today=clock.today())


def _back(child: Pupil | None):
    target = safe_next(request.form.get("next")) or url_for(
        "notices.inbox_page", pupil_id=child.id if child else None)
    return redirect(target, 303)


@bp.post("/<int:notice_id>/seen")
def seen_one(notice_id: int):
    """Mark one notice seen (only its recipient: 404 for anyone else)."""
    notice = inbox.own_notice(current_user, notice_id)
    if notice is None:
        abort(404)
    inbox.mark_seen(current_user, [notice.id])
    db.session.commit()
    db.session.refresh(notice)  # the update went to the table, not to the loaded row
    if is_htmx():
        item = inbox.describe([notice], health=policy.can_see_absence_reason(
            current_user, notice.pupil))[0]
        response = render("notices/inbox.html", block="notice_item", item=item,
                          today=clock.today())
        # The menu's count follows at once, not at the header's next poll.
        response.set_data(response.get_data(as_text=True) + render_template(
            "notices/_count.html", notices=inbox.unseen_count(current_user.id)))
        return response
    return _back(None)


@bp.post("/seen")
def seen_all():
    """Mark all the parent's notices seen, or one child's (pupil_id in the form)."""
    kids = _children()
    child = _child(kids, request.form.get("pupil_id"))
    inbox.mark_seen(current_user, pupil_id=child.id if child else None)
    db.session.commit()
    return _back(child)


@bp.post("/period-seen")
def period_seen():
    """The parent saw a child's period marks of a period (the diary's marks page)."""
    kids = _children()
    child = _child(kids, request.form.get("pupil_id") or "-")
    period = db.session.get(StudyPeriod, to_id(request.form.get("period_id", "")) or 0)
    if child is None or period is None or child.school_class is None or \
            period not in school_service.periods_of(child.school_class):
        abort(404)
    seen.mark_period_seen(current_user, child.id, period.id)
    db.session.commit()
    return redirect(safe_next(request.form.get("next")) or url_for(
        "diary.marks", pupil_id=child.id, period=period.id), 303)


@bp.get("/class/<int:class_id>")
def class_report(class_id: int):
    """Which parents of the class have not seen the period marks, and their unseen notices:
    the class teacher and the leadership (anyone else: 404)."""
    school_class = load_or_404(SchoolClass, class_id, may=policy.can_read_seen_report)
    periods = school_service.periods_of(school_class)
    wanted = to_id(request.args.get("period_id", ""))
    period = next((p for p in periods if p.id == wanted), None) if wanted else \
        school_service.period_on(school_class, clock.today())
    if period is None and (wanted or periods):
        abort(404)
    rows = seen.report(school_class, period) if period else []
    return render("notices/class_report.html", school_class=school_class, periods=periods,
                  period=period, rows=rows)


@bp.app_context_processor
def _seen_in_templates() -> dict:
    """The diary's marks page asks whether the parent saw a period's marks."""
    return {"period_marks_seen": lambda pupil_id, period_id: seen.period_seen_at(
        current_user.id, pupil_id, period_id)}


# The parent's delivery settings and the push subscription live in their own module.
from blueprints.notices import settings  # noqa: E402,F401
