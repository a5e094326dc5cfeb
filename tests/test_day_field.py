"""Dates typed on forms: a date outside 1900-2100 (0001-01-01 parses) is refused with a
message, not stored; an empty field is no date."""
from __future__ import annotations

import datetime as dt

import pytest
from flask_babel import force_locale
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict

from blueprints.parse import DayField


class _Form(FlaskForm):
    day = DayField("day")


@pytest.mark.parametrize(("typed", "day"), [
    ("2026-11-23", dt.date(2026, 11, 23)), ("1900-01-01", dt.date(1900, 1, 1)),
    ("2100-12-31", dt.date(2100, 12, 31)), ("", None)])
def test_dates_in_range_are_taken(app, typed, day):
    with app.test_request_context():
        form = _Form(formdata=MultiDict({"day": typed}), meta={"csrf": False})
        form.validate()
        assert form.day.data == day and not form.day.errors


@pytest.mark.parametrize("typed", ["0001-01-01", "1899-12-31", "2101-01-01", "9999-12-31",
                                   "23.11.2026"])
def test_dates_out_of_range_or_shape_are_refused(app, typed):
    with app.test_request_context(), force_locale("en"):
        form = _Form(formdata=MultiDict({"day": typed}), meta={"csrf": False})
        assert not form.validate()
        assert form.day.data is None
        assert form.day.errors[0].startswith("Enter a date")
