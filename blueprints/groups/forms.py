"""Forms of a class's subgroups page: a new group, pupils into a group, a move."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired

from blueprints.parse import DayField, IdField


def _required(message):
    return DataRequired(message=message)


class GroupForm(FlaskForm):
    name = StringField(_l("Name of the group (e.g. English 1, PE boys)"),
                       validators=[_required(_l("Enter the group's name."))])


class AddForm(FlaskForm):
    """The pupils come as checkboxes named `pupils` (read by the view)."""

    group = IdField(_l("Group"), validators=[_required(_l("Choose the group."))])
    day = DayField(_l("From"), validators=[_required(_l("Enter the date."))])


class MoveForm(FlaskForm):
    pupil = IdField(_l("Pupil"), validators=[_required(_l("Choose the pupil."))])
    source = IdField(_l("From the group"), validators=[_required(_l("Choose the group."))])
    target = IdField(_l("To the group"), validators=[_required(_l("Choose the group."))])
    day = DayField(_l("From"), validators=[_required(_l("Enter the date."))])
