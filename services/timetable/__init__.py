"""The timetable (issue 16): the weekly timetable of a class per study period with its clash
rules (week), the journal's lessons generated from it (services.lesson_gen), one-day changes
(changes) and the printed timetables (printing).

Nothing here commits: the view (or command) that calls it commits once.
"""
from services.timetable.week import TimetableError, Week, load_week, set_cell

__all__ = ["TimetableError", "Week", "load_week", "set_cell"]
