"""Curriculum and teaching load (DOMAIN.md 2, the administrator's work): who teaches which
class or subgroup in which subject from which day, and each teacher's weekly hours against
the curriculum. assign.py changes the load; totals.py reads it in a fixed number of queries.
"""
from services.load.assign import (
    LoadError,
    active_teacher,
    assign,
    curriculum_hours,
    hand_over,
    hand_over_all,
    spans_of,
)
from services.load.totals import TeacherLoad, curriculum_of, teacher_loads, year_pages

__all__ = ["LoadError", "TeacherLoad", "active_teacher", "assign", "curriculum_hours",
           "curriculum_of", "hand_over", "hand_over_all", "spans_of", "teacher_loads",
           "year_pages"]
