"""Forms of the teaching load: assign a page, hand a page over, hand all pages over."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.validators import InputRequired, NumberRange, Optional, ValidationError

from blueprints.lessons.forms import optional_id
from blueprints.parse import DayField, WholeField


class Choice(SelectField):
    """A select of ids whose choices the view sets; a value not offered is a field error."""

    def __init__(self, label=None, required: bool = True, **kwargs):
        super().__init__(label, coerce=optional_id, validate_choice=False, **kwargs)
        self.required = required

    def pre_validate(self, form) -> None:
        if self.data is None and not self.required:
            return
        if self.data not in {k for k, _v in (self.choices or [])}:
            raise ValidationError(_l("Choose a value from the list."))


def _day(label):
    return DayField(label, validators=[InputRequired(message=_l("Enter the date."))])


class AssignForm(FlaskForm):
    class_id = Choice(_l("Class"))
    subgroup_id = Choice(_l("Subgroup"), required=False,
                         description=_l("Empty: the whole class."))
    subject_id = Choice(_l("Subject"))
    teacher_id = Choice(_l("Teacher"))
    start = _day(_l("From"))
    hours = WholeField(_l("Hours a week"), validators=[
        Optional(), NumberRange(0, 12, message=_l("Weekly hours go from 0 to 12."))],
        description=_l("Empty: as the curriculum of the grade says."))


class HandOverForm(FlaskForm):
    teacher_id = Choice(_l("New teacher"))
    start = _day(_l("From"))


class HandOverAllForm(FlaskForm):
    old = Choice(_l("Every page of"))
    new = Choice(_l("goes to"))
    start = _day(_l("From"))
