"""The change log sheet (таблица учета изменений, 001 4.3) per class and period."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("changelog", __name__, url_prefix="/change-log")
