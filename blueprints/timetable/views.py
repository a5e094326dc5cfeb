"""What the timetable's routes render: the grid page, one cell, the kept lessons, PDFs."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import Response, abort, get_template_attribute, make_response, request
from flask_babel import format_date, get_locale
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import escape

from blueprints.common import render
from blueprints.timetable import cells
from models import SchoolClass, Staff, StudyPeriod
from services import clock, lesson_gen, policy
from services import school as school_service
from services.lesson_gen import KeptLesson
from services.school import period_name
from services.timetable import Week, load_week
from services.timetable.printing import sheet_pdf
from services.timetable.sheets import class_sheet, day_names, teacher_sheet
from services.timetable.week import page_label


def _locale() -> str:
    """The user's language code ("ru" or "kk")."""
    return str(get_locale())


def pick_period(cls: SchoolClass, period_id: int | None) -> tuple[list, StudyPeriod]:
    """The class's periods and the one asked for (404 if not the class's), else the
    current one, or the coming one in the holidays (404: the class has none). One query."""
    periods = school_service.periods_of(cls)
    if period_id is not None:
        period = next((p for p in periods if p.id == period_id), None)
    else:
        today = clock.today()
        period = next((p for p in periods if p.end_date >= today), None) or (
            periods[-1] if periods else None)
    if period is None:
        abort(404)
    return periods, period


def period_or_404(cls: SchoolClass, period_id: int | None) -> StudyPeriod:
    """One of the class's periods by id; 404 for any other (or none)."""
    period = next((p for p in school_service.periods_of(cls) if p.id == period_id), None)
    if period is None:
        abort(404)
    return period


def week_of(cls: SchoolClass, period: StudyPeriod) -> Week:
    """The class's timetable in the period (three queries)."""
    return load_week(cls, period)


@dataclass
class Option:
    """One choice of a cell's select: page ids ("12" or "12,13") and what it shows."""

    value: str
    label: str


def options(week: Week) -> list[Option]:
    """A cell's choices: nothing, each page, and each subject's subgroups together."""
    loc = _locale()
    out = [Option("", "—")]
    groups: dict[int, list] = {}
    for page in week.pages:
        out.append(Option(str(page.id), page_label(page)))  # unique in a class
        if page.subgroup_id is not None:
            groups.setdefault(page.subject_id, []).append(page)
    for pages in groups.values():
        if len(pages) > 1:
            names = " + ".join(p.subgroup.name for p in pages)
            out.append(Option(",".join(str(p.id) for p in pages),
                              f"{pages[0].subject.name(loc)} ({names})"))
    return out


def cell_value(week: Week, weekday: int, number: int) -> tuple[str, str]:
    """The select's value and the room text of a stored cell."""
    slots = sorted(week.cell(weekday, number), key=lambda s: s.page_id)
    return (",".join(str(s.page_id) for s in slots),
            " / ".join(s.room for s in slots) if any(s.room for s in slots) else "")


def cell_html(week: Week, weekday: int, number: int, error: str = "",
              shared: cells.CellKit | None = None) -> str:
    """One editable cell as stored (with the refusal beside it, if any)."""
    shared = shared or cells.kit(week, options(week), day_names(_locale()))
    value, room = cell_value(week, weekday, number)
    extra = None
    if value and value not in {v for v, _label in shared.options}:
        labels = [page_label(s.page) for s in week.cell(weekday, number)]
        extra = (value, str(escape(" + ".join(labels))))
    return cells.cell(shared, weekday, number, value, room, error, extra)


def kept_html(week: Week, kept: list[KeptLesson], oob: bool = False) -> str:
    """The lessons the timetable no longer has, with their keep and move actions."""
    macro = get_template_attribute("timetable/_cell.html", "kept_list")
    pages = {p.id: p for p in week.pages}
    rows = [(k, page_label(pages[k.page_id])) for k in kept if k.page_id in pages]
    return str(macro(week, rows, oob))


def load_html(week: Week) -> str:
    """The load section, out of band: a save changes a page's lessons a week."""
    return str(get_template_attribute("timetable/_cell.html", "load_list")(week, True))


def grid_page(cls: SchoolClass, period: StudyPeriod, errors: dict | None = None,
              change_form=None, change_error: str = "", status: int = 200,
              periods: list | None = None) -> Response:
    """The grid page (editable for the administrator, read-only otherwise)."""
    week = week_of(cls, period)
    editable = policy.can_edit_timetable(current_user)
    errors = errors or {}
    grid = {}
    if editable:
        shared = cells.kit(week, options(week), day_names(_locale()))
        grid = {(d, n): cell_html(week, d, n, errors.get((d, n), ""), shared)
                for d in week.weekdays for n in week.numbers}
    kept = lesson_gen.kept_lessons(cls, period, lesson_gen.Known.of_week(week)) \
        if editable else []
    prefill = change_form.raw if change_form else {
        k: request.args.get(k, "") for k in ("day", "number", "to_day", "to_number")}
    return render("timetable/grid.html", status=status, week=week, cls=cls, period=period,
                  periods=periods if periods is not None else school_service.periods_of(cls),
                  editable=editable, cells=grid,
                  kept=kept_html(week, kept), days=day_names(_locale()),
                  period_name=period_name, change_error=change_error, prefill=prefill,
                  prefill_page=(change_form.page_id if change_form else
                                request.args.get("page", type=int)),
                  prefill_action=change_form.action if change_form else "move",
                  stray=[m for key, m in errors.items() if key not in grid],
                  sheet=None if editable else class_sheet(week, _locale()))


def _day(raw: str | None) -> dt.date:
    """?day= as a date (404 when malformed), else today."""
    try:
        return dt.date.fromisoformat(raw) if raw else clock.today()
    except ValueError:
        abort(404)


def teacher_page(staff: Staff, day_raw: str | None) -> Response:
    """A teacher's week, read-only."""
    day = _day(day_raw)
    sheet = teacher_sheet(staff, day, _locale())
    return render("timetable/teacher.html", staff=staff, sheet=sheet, day=day,
                  days=day_names(_locale()))


def pdf_response(data: bytes, filename: str) -> Response:
    """A PDF shown in the browser (inline), with a file name for saving it."""
    response = make_response(data)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def class_pdf(cls: SchoolClass, period: StudyPeriod) -> bytes:
    """The class's timetable of the period as a PDF."""
    sheet = class_sheet(week_of(cls, period), _locale())
    subtitle = (f"{period_name(period)}, {format_date(period.start_date, 'short')} – "
                f"{format_date(period.end_date, 'short')}")
    return sheet_pdf(sheet, _("Timetable of %(cls)s", cls=cls.name), subtitle, _locale())


def teacher_pdf(staff: Staff, day_raw: str | None) -> bytes:
    """A teacher's timetable valid on the day as a PDF."""
    day = _day(day_raw)
    sheet = teacher_sheet(staff, day, _locale())
    return sheet_pdf(sheet, _("Timetable of %(name)s", name=staff.person.full_name),
                     _("Valid on %(day)s", day=format_date(day, "long")), _locale())
