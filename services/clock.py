"""Today's date for every rule; one place so tests can move time."""
from __future__ import annotations

import datetime as dt


def today() -> dt.date:
    """The school's date. The server runs at the school, so its local date is the school's."""
    return dt.date.today()


def now() -> dt.datetime:
    return dt.datetime.now()
