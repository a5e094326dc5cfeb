"""Late corrections: the request form, the list, one request with its decision and its
application, the attached document."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("corrections", __name__, url_prefix="/corrections")
