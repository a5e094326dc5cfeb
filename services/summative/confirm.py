"""Confirming the computed period marks of a criteria-based page at once (issue 21): every
pupil without a period mark gets the suggested one, through the same rule as a mark typed
in the grid (entries.save_final: the edit window, the pupil on the page, one audit row each).
Nothing is refused silently: the caller is told who got a mark, who has no suggestion and
whose mark was refused, and why. Never commits."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from models import School, StudyPeriod, SubjectPage, User
from services.journal import JournalError
from services.summative import results


@dataclass
class Confirmed:
    saved: list[int] = field(default_factory=list)  # pupil ids given their suggested mark
    without: list[int] = field(default_factory=list)  # no suggestion (a part is missing)
    refused: dict[int, str] = field(default_factory=dict)  # pupil id -> why


def confirm_all(user: User, school: School, page: SubjectPage, period: StudyPeriod,
                periods: list[StudyPeriod], pupil_ids: list[int], marked: set[int],
                today: dt.date) -> Confirmed:
    """Give each pupil of `pupil_ids` not in `marked` (those with a period mark already)
    the computed mark. The caller has checked policy.can_write_page."""
    from services.entries.finals import save_final
    done = Confirmed()
    todo = [pid for pid in pupil_ids if pid not in marked]
    found = results.page_results(page, period, periods, todo)
    for pid in todo:
        outcome = found.result(pid).outcome
        if outcome is None or outcome.mark is None:
            done.without.append(pid)
            continue
        try:
            save_final(user, school, page, pid, "period", period, periods[-1],
                       str(outcome.mark), "", today, known=outcome)
        except JournalError as error:
            done.refused[pid] = error.message
        else:
            done.saved.append(pid)
    return done
