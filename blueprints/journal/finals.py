"""The period and year marks of a page as one plain form (no JavaScript needed).

The grid saves a period mark cell by cell through htmx; this form does the same for a whole
class at once, for a slow laptop or a screen reader. Every typed mark goes through the same
rule (entries.save_final), all or nothing: one refused row saves none and says why, next to
the row, keeping what was typed.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from blueprints.journal.forms import FormError, notice_of, reason_of
from models import StudyPeriod, User
from services import entries
from services import journal as rules
from services.grid import Grid
from services.summative import formula


@dataclass
class FinalRow:
    """One pupil's line of the form: what is stored, what was typed, what went wrong."""

    pupil_id: int
    name: str
    average: float | None
    predicted: int | str | None
    period: str
    year: str
    typed: dict[str, str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    ask_notice: bool = False
    suggested: str = ""  # criteria-based: "4 (64,5 %)", or why there is none
    reason: str = ""  # criteria-based: the stored reason for another mark


def suggestion_text(result) -> str:
    """The computed mark with its percentage (cut to one decimal), or why there is none."""
    from blueprints.journal.cells import half_year_text, missing_text
    out = result.outcome
    if out is None:
        return half_year_text()
    if out.mark is None:
        return missing_text(out.missing or "sor")
    return f"{out.mark} ({formula.shown(out.percent)} %)"


def rows_of(grid: Grid) -> list[FinalRow]:
    """The form's lines from the grid of the period."""
    res = grid.results
    return [FinalRow(r.pupil.id, r.pupil.person.short_name, r.average, r.predicted,
                     rules.final_label(*r.period_mark) if r.period_mark else "",
                     rules.final_label(*r.year_mark) if r.year_mark else "",
                     suggested=suggestion_text(res.result(r.pupil.id)) if res else "",
                     reason=r.period_reason)
            for r in grid.rows]


def save_all(user: User, grid: Grid, form: MultiDict, today) -> tuple[list[FinalRow], int]:
    """Save every mark the form changed; returns the rows (with their errors) and how many
    marks were saved. The caller commits only when no row has an error."""
    rows = rows_of(grid)
    last: StudyPeriod = grid.periods[-1]
    kinds = ("period", "year") if grid.is_last_period else ("period",)
    saved = 0
    for row in rows:
        for kind in kinds:
            typed = form.get(f"{kind}-{row.pupil_id}", "")
            row.typed[kind] = typed
            stored = row.period if kind == "period" else row.year
            try:
                # The period's and the year's reasons are fields of their own; a new reason
                # for a period mark left as it is is saved too.
                reason = reason_of(form, f"{row.pupil_id}-reason" if kind == "period"
                                   else f"{row.pupil_id}-year-reason")
                if typed.strip() == stored.strip() and (
                        kind == "year" or reason is None or reason == row.reason):
                    continue
                notice = notice_of(form, f"{row.pupil_id}-") if kind == "period" else None
                entries.save_final(user, grid.school, grid.page, row.pupil_id, kind,
                                   grid.period, last, typed, stored, today, notice,
                                   reason=reason)
                saved += 1
            except (entries.NeedsNotice, entries.NeedsReason) as error:
                row.errors.append(error.message + " " + _("Answer in the row and save again."))
                row.ask_notice = True
            except (FormError, rules.JournalError) as error:
                row.errors.append(error.message)
    return rows, saved
