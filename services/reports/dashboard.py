"""The deputy's control dashboard (001 3.1.5, 004 III.6): per teacher and subject page, how
the journal is kept in a period — lessons filled on the day, without a topic or homework,
pupils with no mark or one, marks per pupil, period marks missing after the deadline, and
the calendar-thematic plan covered — and this week's state by teacher. Every figure links
to the lessons or pupils behind it (blueprints/reports/control.py lists them); the figures
are computed in services/reports/control_data.py.
"""
from __future__ import annotations

import datetime as dt

from flask import url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from models import SubjectPage, User
from services import policy
from services.messages import reply_rule
from services.reports import filters as report_filters
from services.reports.control_data import (
    Figures,
    Scope,
    due_days,
    figures,
    lesson_counts,
    scope,
    unmarked_classes,
    week_of,
)
from services.reports.registry import Report, register
from services.reports.sheet import Column, Link, Sheet

# -- the sheet -----------------------------------------------------------------------------------

COLUMNS = (("teacher", _l("Teacher"), "text", 18), ("class", _l("Class"), "text", 7),
           ("subject", _l("Subject"), "text", 16), ("held", _l("Lessons held"), "int", 7),
           ("on_day", _l("Filled on the day, %"), "pct", 8),
           ("no_topic", _l("No topic"), "int", 7), ("no_homework", _l("No homework"), "int", 8),
           ("pupils", _l("Pupils"), "int", 8), ("no_marks", _l("No marks"), "int", 7),
           ("one_mark", _l("One mark"), "int", 7),
           ("per_pupil", _l("Marks per pupil"), "num", 7),
           ("missing", _l("Period marks missing"), "int", 8),
           ("plan", _l("Plan topics"), "int", 6), ("covered", _l("Plan topics covered"), "int", 7))


def _share(part: int, whole: int) -> float | None:
    return round(part * 100 / whole, 1) if whole else None


def _link(value, url_args: dict, page_id: int, kind: str):
    """A figure as a link to its lessons or pupils (nothing to list behind a zero)."""
    if not value:
        return value
    return Link(value, url_for("reports.control_gaps", page=page_id, kind=kind, **url_args))


def _row(fig: Figures, url_args: dict, locale: str) -> list:
    p = fig.page
    name = p.subject.name(locale) + (f" ({p.subgroup.name})" if p.subgroup else "")
    on_day = _share(fig.held - fig.late, fig.held)
    period = fig.span.period.id if fig.span.period else None
    return [p.teacher.name, Link(p.school_class.name, url_for("journal.page", page_id=p.id,
                                                              period=period)),
            name, fig.held,
            Link(on_day, url_for("reports.control_gaps", page=p.id, kind="late", **url_args))
            if fig.late else on_day,
            _link(fig.no_topic, url_args, p.id, "no_topic"),
            _link(fig.no_homework, url_args, p.id, "no_homework"), fig.pupils,
            _link(fig.no_marks, url_args, p.id, "no_marks"),
            _link(fig.one_mark, url_args, p.id, "one_mark"),
            Link(round(fig.marks / fig.pupils, 1), url_for(
                "reports.control_gaps", page=p.id, kind="marks", **url_args))
            if fig.pupils and fig.no_marks is not None else None,
            _link(fig.missing, url_args, p.id, "no_period_mark"), fig.plan,
            _link(fig.covered, url_args, p.id, "plan")]


def _totals(found: list[Figures]) -> list:
    def total(name: str) -> int:
        return sum(getattr(x, name) or 0 for x in found)
    held = total("held")
    marked = [x for x in found if x.no_marks is not None]  # pages where marks are asked
    pupils = sum(x.pupils for x in marked)
    return [_("Total"), "", "", held, _share(held - total("late"), held), total("no_topic"),
            total("no_homework"), None, total("no_marks"), total("one_mark"),
            round(sum(x.marks for x in marked) / pupils, 1) if pupils else None,
            total("missing") if any(x.missing is not None for x in found) else None,
            total("plan"), total("covered")]


def gap_args(f: report_filters.Filters) -> dict:
    """The URL arguments a figure's list needs: the year and the period."""
    return {"year": f.year.id if f.year else None, "period": f.period.id if f.period else "all"}


def _subtitle(f: report_filters.Filters, today: dt.date) -> str:
    days = due_days()
    due = (_("period marks are due %(n)d days after the end of the period", n=days)
           if days >= 0 else
           _("period marks are due %(n)d days before the end of the period", n=-days))
    return _("As of %(day)s; %(due)s", day=format_date(today, "short"), due=due)


WEEK_COLUMNS = (("teacher", _l("Teacher"), "text", 24), ("held", _l("Lessons held"), "int", 8),
                ("on_day", _l("Filled on the day, %"), "pct", 10),
                ("no_topic", _l("No topic"), "int", 8), ("no_homework", _l("No homework"), "int", 8))


def week_sheet(sc: Scope, f: report_filters.Filters) -> Sheet | None:
    """Per teacher, the lessons of this week (one query); None when the period asked is
    not the one under way."""
    if (f.period is not None and not f.period.contains(sc.today)) or not sc.pages:
        return None
    week = week_of(sc.today)
    sheet = Sheet(_("This week, by teacher"), [Column(k, str(h), kind, w)
                                               for k, h, kind, w in WEEK_COLUMNS],
                  subtitle=f'{format_date(week.start, "short")} – '
                           f'{format_date(week.upto, "short")}', landscape=True,
                  empty=_("No lessons were held this week yet."))
    teachers = {p.teacher_id: p.teacher for p in sc.pages}
    args = dict(gap_args(f), week=week.start.isoformat())

    def link(value, teacher_id: int, kind: str):
        return Link(value, url_for("reports.control_gaps", teacher=teacher_id, kind=kind,
                                   **args)) if value else value
    rows = lesson_counts([p.id for p in sc.pages], {c: week for c in sc.spans}, sc.today,
                         SubjectPage.teacher_id, unmarked_classes(sc.pages))
    for teacher_id, held, late, no_topic, no_homework in rows:
        sheet.rows.append([teachers[teacher_id].name, held,
                           link(_share(held - late, held), teacher_id, "late") if late
                           else _share(held, held), link(no_topic, teacher_id, "no_topic"),
                           link(no_homework, teacher_id, "no_homework")])
    sheet.rows.sort(key=lambda r: r[0])
    return sheet


REPLY_COLUMNS = (("teacher", _l("Teacher"), "text", 24),
                 ("overdue", _l("Parents' messages unanswered beyond the limit"), "int", 14))


def replies_sheet(sc: Scope) -> Sheet:
    """Per teacher of these pages, parents' messages waiting for an answer longer than the
    school's reply limit (001 3.2.5), as of today (one query)."""
    teachers = {p.teacher_id: p.teacher for p in sc.pages}
    sheet = Sheet(_("Answers to parents, by teacher"),
                  [Column(k, str(h), kind, w) for k, h, kind, w in REPLY_COLUMNS],
                  subtitle=_("Messages of parents waiting longer than the school's limit of "
                             "school days, as of %(day)s", day=format_date(sc.today, "short")),
                  empty=_("No parent waits for an answer beyond the limit."))
    late = reply_rule.overdue_by_staff(list(teachers))
    sheet.rows = sorted([teachers[t].name, n] for t, n in late.items() if n)
    return sheet


def build(user: User, f: report_filters.Filters) -> list[Sheet]:
    """The dashboard: one row per subject page of the classes the user oversees."""
    from flask_babel import get_locale
    sheet = Sheet(_("Journal control"), [Column(k, str(h), kind, w) for k, h, kind, w in COLUMNS],
                  landscape=True, notes=[_(
                      "Filled on the day: the topic was entered by the end of the lesson's "
                      "day (the audit trail; for a lesson without it, its last change). "
                      "Plan topics covered: from the start of the year. Each figure opens "
                      "the lessons or pupils behind it.")])
    sc = scope(user, f)
    if sc is None or not sc.spans:
        sheet.empty = _("No classes for these filters.")
        return [sheet]
    sheet.subtitle = _subtitle(f, sc.today)
    found = figures(sc)
    if not found:
        sheet.empty = _("These classes have no subject pages.")
    elif not any(x.held for x in found):
        sheet.empty = _("No lessons were held in this period yet.")
    else:
        locale, args = str(get_locale()), gap_args(f)
        sheet.rows = [_row(x, args, locale) for x in found]
        sheet.totals = [_totals(found)]
    week = week_sheet(sc, f)
    return [sheet, week, replies_sheet(sc)] if week else [sheet, replies_sheet(sc)]


register(Report(
    "control", title=lambda: _("Journal control (the deputy's dashboard)"),
    may=policy.can_read_control, build=build,
    filters=("year", "period", "level", "grade", "class", "subject", "teacher"),
    about=lambda: _("Per teacher and subject page: lessons filled on the day, gaps in "
                    "topics, homework and marks, period marks missing, the plan covered."),
    order=40))
