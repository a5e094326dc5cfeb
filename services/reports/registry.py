"""The reports Tabel offers, each declared in a few lines (the low-code way the back-office
tables are): a key, a title, who may open it, which filters its page shows, and a builder
that turns (user, filters) into sheets. The report pages, PDFs and XLSX files are one
generic view (blueprints/reports) over this registry."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from models import User
from services.reports.filters import Filters
from services.reports.sheet import Sheet


@dataclass(frozen=True)
class Report:
    key: str
    title: Callable[[], str]  # a lazy string: the user's language at request time
    may: Callable[[User], bool]
    build: Callable[[User, Filters], list[Sheet]]
    filters: tuple[str, ...] = ("year", "period", "class")
    about: Callable[[], str] | None = None
    order: int = 50


REPORTS: dict[str, Report] = {}


def register(report: Report) -> Report:
    REPORTS[report.key] = report
    return report


def available(user: User) -> list[Report]:
    """The reports this user may open, in the order a school reads them."""
    load_all()
    return sorted((r for r in REPORTS.values() if r.may(user)), key=lambda r: (r.order, r.key))


def load_all() -> None:
    """Import every report module once (each registers itself)."""
    import services.reports.catalog  # noqa: F401
