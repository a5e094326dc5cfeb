"""What the journal's saves answer: HTML fragments for htmx, a redirect for a plain form.

An htmx save is answered with the saved (or refused) cell itself, which htmx puts in place of
the cell the teacher typed in, and out-of-band pieces: the row's average and predicted mark,
the status line. A refusal carries the header X-Journal-Refused (with the status it stands
for: 403 locked, 404 not on the page, 409 changed meanwhile, 422 not a mark): the cell shows
what the server holds and why it refused.
Without htmx (a plain form on the lesson page, a screen reader, no JavaScript) the same save
answers with a redirect back and a flashed message.
"""
from __future__ import annotations

import json

from flask import Response, flash, make_response, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from blueprints.common import is_htmx, safe_next
from blueprints.journal import cells
from extensions import db
from models import Lesson, School, StudyPeriod, SubjectPage, WorkPoints
from services import cell_history, clock, entries, policy
from services import grid as grid_service
from services import journal as rules
from services import school as school_service
from services.summative import results as summative_results

REFUSED = "X-Journal-Refused"


def _fragment(body: str, status: int = 200, refused: bool = False) -> Response:
    """An htmx answer. A refusal is still a 200 (a browser logs every 4xx request as a
    console error, and a locked cell is not an error of the page): its status is in the
    X-Journal-Refused header, which journal.js reads."""
    response = make_response(body, 200)
    response.vary.add("HX-Request")
    if refused:
        response.headers[REFUSED] = str(status)
    return response


def back(default: str, message: str, category: str = "success") -> Response:
    """A plain form's answer: flash the message and go back where the form said."""
    flash(message, category)
    return redirect(safe_next(request.form.get("next")) or default, 303)


def lesson_url(lesson: Lesson) -> str:
    return url_for("lessons.lesson", lesson_id=lesson.id)


def lesson_url_prefix() -> str:
    """The lesson page's URL without the id: column heads link to prefix + id."""
    return url_for("lessons.lesson", lesson_id=0)[:-1]


def sees_reasons(page: SubjectPage):
    """The per-pupil question the grid asks before it shows an absence reason: answered once
    per pupil (the page asks it for the columns drawn first and again for the rest), for the
    signed-in user itself rather than through the request-local proxy, 2,000 times a page."""
    user, known = current_user._get_current_object(), {}

    def sees(row) -> bool:
        pid = row.pupil.id
        if pid not in known:
            known[pid] = policy.can_see_absence_reason_on_page(user, page, row.pupil)
        return known[pid]
    return sees


# -- one cell -------------------------------------------------------------------------------

def cell_saved(result: entries.CellResult, pupil_id: int, lesson: Lesson) -> Response:
    """The saved cell, the row's new average and prediction, "Saved: 5"."""
    absent, late = cells.letters()
    text = result.cell.text(absent=absent, late=late)
    if not is_htmx():
        return back(lesson_url(lesson), _("Saved") + ": " + (text or "—"))
    page = lesson.page
    summary = (summaries(page, lesson.date, [pupil_id]) if page.school_class.is_criteria
               else cells.average_cells(pupil_id, result.average, result.predicted, oob=True))
    body = (cells.lesson_cell(text, result.comment, state="ok") + summary
            + cells.status_line(_("Saved") + ": " + (text or "—")))
    return _fragment(body)


def summaries(page: SubjectPage, day, pupil_ids: list[int]) -> str:
    """A criteria-based page (issue 21): the pupils' parts, total and suggested mark in the
    period of `day`, out of band (four queries whatever the number of pupils)."""
    periods = school_service.periods_of(page.school_class)
    period = rules.period_of_date(periods, day)
    if period is None or not pupil_ids:
        return ""
    results = summative_results.page_results(page, period, periods, pupil_ids)
    return "".join(cells.summary_cells(pid, results.result(pid), results, oob=True)
                   for pid in pupil_ids)


def cell_refused(error: Exception, lesson_id: int, pupil_id: int | None) -> Response:
    """The cell as the server holds it, marked refused with the reason; nothing changed."""
    db.session.rollback()
    message = getattr(error, "message", str(error))
    status = getattr(error, "status", 422)
    if not is_htmx():
        lesson = db.session.get(Lesson, lesson_id)
        return back(lesson_url(lesson) if lesson else url_for("journal.index"), message, "error")
    text = comment = ""
    fixed = None
    if pupil_id is not None:
        current, marks, _att = entries.current_cell(lesson_id, pupil_id)
        absent, late = cells.letters()
        text = current.text(absent=absent, late=late)
        comment = marks[0].comment if marks else ""
        fixed = cell_history.corrected_at(lesson_id, pupil_id)
    body = (cells.lesson_cell(text, comment, state="er", title=message, corrected=fixed)
            + cells.status_line(message, error=True))
    return _fragment(body, status, refused=True)


def refused(error: Exception) -> Response:
    """A refusal that concerns no one cell (a whole column, the work type): the status line."""
    db.session.rollback()
    message = getattr(error, "message", str(error))
    if not is_htmx():
        return back(url_for("journal.index"), message, "error")
    return _fragment(cells.status_line(message, error=True), getattr(error, "status", 422),
                     refused=True)


# -- a whole column -------------------------------------------------------------------------

def lesson_grid(page: SubjectPage, lesson: Lesson) -> grid_service.Grid:
    """The grid of the period the lesson is in, as the page shows it."""
    periods = school_service.periods_of(page.school_class)
    period = rules.period_of_date(periods, lesson.date) or periods[-1]
    return grid_service.load_grid(page, period, periods, school_service.the_school())


def column_saved(page: SubjectPage, lesson: Lesson, column: int, message: str,
                 change: entries.ColumnChange, school: School) -> Response:
    """Every pupil's cell of the lesson (at child `column` of each row), the new averages and
    predictions of the pupils who got a mark, and the status line. A handful of queries:
    attendance changes no average, so the period's marks are read only for `marked`."""
    if not is_htmx():
        return back(lesson_url(lesson), message)
    body = ""
    if column > 1:
        rows = grid_service.lesson_rows(page, lesson, school, change.pupils)
        criteria = page.school_class.is_criteria
        averages = {} if criteria else grid_service.period_averages(page, lesson, change.given,
                                                                     school)
        body = cells.column_cells(rows, lesson.id, column, sees_reasons(page), averages)
        if criteria:
            body += summaries(page, lesson.date, change.given)
    return _fragment(body + cells.status_line(message))


def work_type_saved(page: SubjectPage, lesson: Lesson, message: str) -> Response:
    """The lesson's column head (its work type and window) and every row's average."""
    if not is_htmx():
        return back(lesson_url(lesson), message)
    grid = lesson_grid(page, lesson)
    cols, _reasons, _today = grid_service.columns(
        grid, policy.can_write_page(current_user, page),
        lambda x: policy.can_write_lesson(current_user, x), clock.today())
    col = next(c for c in cols if c.lesson.id == lesson.id)
    body = cells.head_cell(col, lesson_url_prefix())
    body += "".join(cells.row_summary(grid, r, oob=True) for r in grid.rows)
    return _fragment(body + cells.status_line(message))


# -- period and year marks ------------------------------------------------------------------

def final_saved(kind: str, mark: tuple[int | None, str | None] | None, notice: bool | None,
                page: SubjectPage, period: StudyPeriod, reason: str = "") -> Response:
    """The saved period or year mark (its title: the reason for another mark than the
    computed one, in a criteria-based class)."""
    label = rules.final_label(*mark) if mark else ""
    if not is_htmx():
        return back(url_for("journal.page", page_id=page.id, period=period.id),
                    _("Saved") + ": " + (label or "—"))
    return _fragment(cells.final_cell(kind, mark, notice, state="ok", title=reason)
                     + cells.status_line(_("Saved") + ": " + (label or "—")))


def final_refused(error: Exception, kind: str, page: SubjectPage, pupil_id: int | None,
                  period: StudyPeriod | None) -> Response:
    """The mark as stored, marked refused; a mark below the predicted one asks the question
    "were the parents told?" (the dialog of the grid opens on the journal:notice event)."""
    db.session.rollback()
    message = getattr(error, "message", str(error))
    if not is_htmx():
        return back(url_for("journal.page", page_id=page.id), message, "error")
    mark = notice = fixed = None
    if pupil_id is not None and period is not None:
        mark, notice = entries.stored_final(page, pupil_id, kind, period)
        fixed = cell_history.corrected_at(None, pupil_id, page_id=page.id, kind=kind,
                                          period_id=period.id)
    # A mark below the predicted one asks about the parents' notice; in a criteria-based
    # class, another mark than the computed one asks for the reason (issue 21).
    event = ("journal:notice" if isinstance(error, entries.NeedsNotice) else
             "journal:reason" if isinstance(error, entries.NeedsReason) else None)
    ask = event is not None
    body = cells.final_cell(kind, mark, notice, state="" if ask else "er",
                            title="" if ask else message, corrected=fixed)
    body += cells.status_line(message, error=not ask)
    response = _fragment(body, getattr(error, "status", 422), refused=True)
    if ask:
        response.headers["HX-Trigger"] = json.dumps({event: {"text": message}})
    return response


# -- a summative work's points (issue 21) ----------------------------------------------------

def points_saved(page: SubjectPage, work, pupil_id: int, points: int | None) -> Response:
    """The saved points, the pupil's new parts, total and suggested mark, "Saved: 7/10"."""
    text = "" if points is None else f"{points}/{work.max_points}"
    message = _("Saved") + ": " + (text or "—")
    if not is_htmx():
        return back(url_for("journal.work", work_id=work.id), message)
    return _fragment(cells.work_cell(points, work.max_points, state="ok")
                     + summaries(page, work.date, [pupil_id]) + cells.status_line(message))


def points_refused(error: Exception, work, pupil_id: int | None) -> Response:
    """The points as stored, marked refused with the reason; nothing changed."""
    db.session.rollback()
    message = getattr(error, "message", str(error))
    if not is_htmx():
        return back(url_for("journal.work", work_id=work.id), message, "error")
    stored = None
    if pupil_id is not None:
        stored = db.session.scalar(select(WorkPoints.points).where(
            WorkPoints.work_id == work.id, WorkPoints.pupil_id == pupil_id))
    body = (cells.work_cell(stored, work.max_points, state="er", title=message)
            + cells.status_line(message, error=True))
    return _fragment(body, getattr(error, "status", 422), refused=True)

