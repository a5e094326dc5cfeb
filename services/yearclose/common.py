"""What the parts of the year close share: the error and small date helpers."""
from __future__ import annotations

import datetime as dt


class YearCloseError(Exception):
    """A rule of the year close refused; the message is translated and shown as it is.
    `field` names the form field at fault, if any."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


def next_year_date(day: dt.date) -> dt.date:
    """The same day a year later; 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


def iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day is not None else None


def from_iso(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None
