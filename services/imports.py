"""An import's plan: what each row of a file would do, kept between the preview and the
confirmation (an hour at most, in instance/imports, tied to the user who made it)."""
from __future__ import annotations

import json
import secrets
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from flask import current_app

PLAN_TTL = 3600


@dataclass
class PlannedRow:
    """One data row of a file: its number in the file, what importing it would do."""

    number: int
    status: str  # "create", "change", "same" or "refused"
    values: dict[str, Any] = field(default_factory=dict)
    reason: str = ""
    row_id: int | None = None
    changes: list[tuple[str, str, str]] = field(default_factory=list)


@dataclass
class Plan:
    table: str
    rows: list[PlannedRow]
    filename: str = ""

    def count(self, status: str) -> int:
        return sum(1 for r in self.rows if r.status == status)

    @property
    def refused(self) -> list[PlannedRow]:
        return [r for r in self.rows if r.status == "refused"]


def _folder() -> Path:
    path = Path(current_app.instance_path) / "imports"
    path.mkdir(exist_ok=True)
    for old in path.glob("*.json"):
        if time.time() - old.stat().st_mtime > PLAN_TTL:
            old.unlink(missing_ok=True)
    return path


def keep(plan: Plan, user_id: int) -> str:
    """Store a preview for its confirmation; returns its token."""
    token = secrets.token_urlsafe(16)
    data = {"user": user_id, "plan": asdict(plan)}
    (_folder() / f"{token}.json").write_text(json.dumps(data, ensure_ascii=False),
                                             encoding="utf-8")
    return token


def take(token: str, user_id: int, table_key: str) -> Plan | None:
    """The preview stored under a token, if it is this user's for this table (and drop it)."""
    if not token or len(token) > 40 or not token.replace("-", "").replace("_", "").isalnum():
        return None
    path = _folder() / f"{token}.json"
    if not path.exists():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("user") != user_id or data["plan"].get("table") != table_key:
        return None
    path.unlink(missing_ok=True)
    plan = data["plan"]
    return Plan(plan["table"], [PlannedRow(**r) for r in plan["rows"]], plan.get("filename", ""))
