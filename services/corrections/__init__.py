"""Late corrections of the journal: the request, its approval and its application
(workflow), the attached document (files), what the grid and the diary mark as corrected
(marks) and the change log sheet (log)."""
from services.corrections.errors import CorrectionError
from services.corrections.workflow import (
    Request,
    Target,
    apply,
    cell_target,
    current_value,
    decide,
    final_target,
    request,
)

__all__ = ["CorrectionError", "Request", "Target", "apply", "cell_target", "current_value",
           "decide", "final_target", "request"]
