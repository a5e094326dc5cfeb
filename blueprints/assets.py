"""Static files under versioned names, so browsers may keep them for a year."""
from __future__ import annotations

import hashlib
import re
from functools import cache
from pathlib import Path

from flask import Blueprint, abort, current_app, send_from_directory, url_for

bp = Blueprint("assets", __name__)
_VERSIONED = re.compile(r"^(?P<stem>.+)\.(?P<digest>[0-9a-f]{10})(?P<ext>\.[a-z0-9]+)$")


@cache
def _digest(static_folder: str, filename: str) -> str:
    return hashlib.sha256((Path(static_folder) / filename).read_bytes()).hexdigest()[:10]


def asset_url(filename: str) -> str:
    """URL of a file in static/ with its content hash in the name (css/style.1a2b3c4d5e.css)."""
    stem, dot, ext = filename.rpartition(".")
    digest = _digest(current_app.static_folder, filename)
    return url_for("assets.file", filename=f"{stem}.{digest}{dot}{ext}")


@bp.get("/a/<path:filename>")
def file(filename: str):
    match = _VERSIONED.match(filename)
    if not match:
        abort(404)
    real = f"{match['stem']}{match['ext']}"
    response = send_from_directory(current_app.static_folder, real, max_age=365 * 24 * 3600)
    response.cache_control.immutable = True
    response.cache_control.public = True
    return response
