"""The deputy's log of every change (the audit trail), filtered and exported."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("audit", __name__, url_prefix="/audit")
