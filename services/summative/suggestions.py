"""The computed period and year marks of a criteria-based page as suggestions: the teacher
confirms one by giving the same mark, or gives another with a reason (issue 21)."""
from __future__ import annotations

from fractions import Fraction

from flask_babel import gettext as _
from sqlalchemy import select

from extensions import db
from models import FinalMark, StudyPeriod, SubjectPage
from services import school as school_service
from services.journal import JournalError
from services.summative import formula, results, settings


def period_suggestion(page: SubjectPage, pupil_id: int, period: StudyPeriod
                      ) -> formula.Outcome | None:
    """The pupil's computed result for the period (None: no mark is given at its end)."""
    periods = school_service.periods_of(page.school_class)
    return results.page_results(page, period, periods, [pupil_id]).result(pupil_id).outcome


def year_suggestion(page: SubjectPage, pupil_id: int) -> int | None:
    """The rounded mean of the pupil's numeric period marks on the page (DOMAIN.md 8)."""
    values = db.session.scalars(select(FinalMark.value).where(
        FinalMark.page_id == page.id, FinalMark.pupil_id == pupil_id,
        FinalMark.kind == "period", FinalMark.value.is_not(None)))
    return formula.year_mark(list(values))


def half_year_refusal(page: SubjectPage, period: StudyPeriod) -> str | None:
    """Why a half-year subject takes no mark in this period (its first quarter), or None."""
    periods = school_service.periods_of(page.school_class)
    if settings.span_of(period, periods, settings.rule_of(page)):
        return None
    following = periods[periods.index(period) + 1]
    return _("This subject is marked per half-year: its mark is given at the end of "
             "%(period)s.", period=school_service.period_name(following))


def check_reason(page: SubjectPage, pupil_id: int, kind: str, period: StudyPeriod,
                 value: int | None, special: str | None, reason: str | None,
                 kept: str, known: formula.Outcome | None = None) -> str:
    """The reason to store with the mark: "" when the mark is the computed one (or there is
    none to compare with; н/а against a computed mark needs one too). `kept` is the stored
    reason of the same mark, which stands when no new one is given; `known` is the pupil's
    outcome when the caller has it already (confirming a whole class). Raises NeedsReason (409) when another mark comes without a reason,
    JournalError for a period that gives no mark (a half-year subject's first quarter)."""
    from services.entries.finals import REASON_MAX, NeedsReason
    if kind == "period" and (value is not None or special is not None):
        refusal = half_year_refusal(page, period)
        if refusal:
            raise JournalError(refusal)
    if value is None and special != "na":  # cleared, or exempt: nothing to compare with
        return ""
    if kind == "period":
        result = known or period_suggestion(page, pupil_id, period)
        computed = result.mark if result is not None else None
        percent = result.percent if result is not None else None
    else:
        computed, percent = year_suggestion(page, pupil_id), None
    if computed is None or computed == value:
        return ""
    text = (reason or "").strip() or kept
    if len(text) > REASON_MAX:
        raise JournalError(_("The reason is at most %(n)d characters.", n=REASON_MAX))
    if not text:
        raise NeedsReason(_computed_text(computed, percent), 409)
    return text


def _computed_text(mark: int, percent: Fraction | None) -> str:
    if percent is None:
        return _("The computed mark is %(mark)d. Why another mark?", mark=mark)
    return _("The computed mark is %(mark)d (%(percent)s %%). Why another mark?", mark=mark,
             percent=formula.shown(percent))
