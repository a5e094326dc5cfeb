"""The year close (000 4.1.4, DOMAIN.md 4): check the year marks, plan the promotion by the
director's order, apply it in one transaction, and undo it until the new year's first mark.

Plain functions, no HTTP, no commits: the caller commits once (or rolls back on an error).
"""
from services.yearclose.apply import apply
from services.yearclose.check import (
    Missing,
    check,
    last_day,
    record_excuse,
    remove_excuse,
)
from services.yearclose.common import YearCloseError
from services.yearclose.plan import EXCEPTIONS, ClassPlan, Plan, PupilPlan, dry_run
from services.yearclose.undo import undo, undo_refusal

__all__ = ["EXCEPTIONS", "ClassPlan", "Missing", "Plan", "PupilPlan", "YearCloseError", "apply",
           "check", "dry_run", "last_day", "record_excuse", "remove_excuse", "undo",
           "undo_refusal"]
