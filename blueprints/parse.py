"""Reading ids and numbers from URLs, query strings and forms: ASCII digits, database-sized.

`str.isdigit()` and Python's `int()` accept "²" or "٣", and a Python int has no upper bound
while the id columns stop at 2^31 - 1 on PostgreSQL (INTEGER; a bigger value raises "integer
out of range") and at 2^63 - 1 on SQLite (OverflowError in the driver). Every id the app
reads from a request goes through here: what is not an id is None (a 404 or a form error for
the caller), never a 500.
"""
from __future__ import annotations

import datetime as dt
import re

from flask import Request
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.routing import IntegerConverter
from wtforms import DateField, IntegerField
from wtforms.validators import ValidationError

MAX_ID = 2**31 - 1  # PostgreSQL's INTEGER, the id columns' type
_ID = re.compile(r"[0-9]{1,19}")


def to_id(raw: object) -> int | None:
    """A database id from text, or None for anything else ("", "-1", "²", "1e3", 10^20)."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw if 0 <= raw <= MAX_ID else None
    if not isinstance(raw, str) or not _ID.fullmatch(raw):
        return None
    value = int(raw)
    return value if value <= MAX_ID else None


def to_int(raw: object, low: int, high: int) -> int | None:
    """A whole number in [low, high] typed in ASCII digits (a leading minus allowed), or None."""
    if not isinstance(raw, str) or not re.fullmatch(r"-?[0-9]{1,10}", raw.strip()):
        return None
    value = int(raw.strip())
    return value if low <= value <= high else None


def arg_id(args, name: str) -> int | None:
    """An id from the query string (?period=3), None when absent or not an id."""
    return to_id(args.get(name))


class IdConverter(IntegerConverter):
    """The app's <int:...> URL part: ASCII digits up to the database's largest id.

    Anything longer or bigger does not match the rule, so the answer is a plain 404.
    """

    regex = r"[0-9]{1,19}"

    def __init__(self, map, *args, **kwargs):  # noqa: A002 (werkzeug's parameter name)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


class IdField(IntegerField):
    """A form field holding an id (or a small whole number): bad text is a field error."""

    def process_formdata(self, valuelist):
        if not valuelist or valuelist[0] in ("", None):
            self.data = None
            return
        self.data = to_id(valuelist[0].strip() if isinstance(valuelist[0], str) else None)
        if self.data is None:
            raise ValueError(_l("Choose a value from the list."))


class WholeField(IntegerField):
    """A whole number typed in ASCII digits (int() would take "٣"), small enough for the
    database; range rules stay with the form's NumberRange."""

    def process_formdata(self, valuelist):
        if not valuelist or valuelist[0] in ("", None):
            self.data = None
            return
        self.data = to_int(valuelist[0], -(10**9), 10**9)
        if self.data is None:
            raise ValueError(_l("Enter a whole number, such as 3."))


class MaxChars:
    """A length limit that refuses, and says by how much, instead of cutting.

    WTForms' Length puts maxlength on the input, and a browser then cuts a long paste
    without a word (issue 14). This one adds no attribute: the page shows the limit and a
    counter (data-max, static/js/app.js), and the server refuses with both numbers.
    """

    field_flags: dict = {}

    def __init__(self, limit: int, message):
        self.limit = limit
        self.message = message

    def __call__(self, form, field) -> None:
        size = len(field.data or "")
        if size > self.limit:
            raise ValidationError(str(self.message) % {"max": self.limit, "now": size})


# Dates people type on forms: births of the oldest staff to the furthest plans.
FIRST_YEAR, LAST_YEAR = 1900, 2100


class DayField(DateField):
    """A date (YYYY-MM-DD, as <input type=date> sends it) with a message in our words."""

    def process_formdata(self, valuelist):
        text = (valuelist[0] if valuelist else "") or ""
        if not text.strip():
            self.data = None
            return
        try:
            self.data = dt.date.fromisoformat(text.strip())
        except ValueError:
            self.data = None
            raise ValueError(_l("Enter a date such as 2026-11-23.")) from None
        if not FIRST_YEAR <= self.data.year <= LAST_YEAR:
            # 0001-01-01 parses, and a consent "given" then is a typing slip, not a date.
            self.data = None
            raise ValueError(_l("Enter a date between %(first)d and %(last)d.",
                                first=FIRST_YEAR, last=LAST_YEAR))


class _WithoutNul(ImmutableMultiDict):
    """Query string and form values with NUL characters dropped."""

    def __init__(self, mapping=None):
        if mapping is not None and not isinstance(mapping, dict | ImmutableMultiDict):
            mapping = [(key, value.replace("\x00", "") if isinstance(value, str) else value)
                       for key, value in mapping]
        super().__init__(mapping)


class NulFreeRequest(Request):
    """A request whose args and form hold no NUL character: PostgreSQL text cannot (psycopg
    refuses the query, a 500), and nobody types one; SQLite would store it. The app's
    request_class."""

    parameter_storage_class = _WithoutNul
