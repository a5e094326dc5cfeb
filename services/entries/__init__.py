"""Writing the journal grid: one cell, a whole column, the column's work type, period marks.

The caller has already authorised the user (policy.can_write_lesson / can_write_page); the
functions here apply the journal rules, refuse with JournalError, write with as few statements
as the change needs, record one AuditEvent per change (who, what, old, new), and never commit.
The same functions serve every entrance that changes the journal: the grid (htmx), the lesson
page's plain forms, the period-marks form.
"""
from services.entries.cells import (
    CellChange,
    CellResult,
    CellTarget,
    current_cell,
    load_cell,
    save_cell,
    save_cells,
)
from services.entries.columns import ColumnChange, fill_column, set_work_type, take_attendance
from services.entries.common import column_work_type
from services.entries.finals import NeedsNotice, NeedsReason, save_final, stored_final

__all__ = ["CellChange", "ColumnChange", "CellResult", "CellTarget", "NeedsNotice", "NeedsReason",
           "column_work_type",
           "current_cell", "fill_column", "load_cell", "save_cell", "save_cells", "save_final",
           "set_work_type", "stored_final", "take_attendance"]
