"""Forms of the lesson panel, extra lessons, the thematic plan and absence reasons."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from blueprints.parse import DayField, IdField, MaxChars, WholeField, to_id
from services.lessons import HOMEWORK_MAX, TOPIC_MAX
from services.plan import HOURS_MAX, MAX_ROWS


def optional_id(value: object) -> int | None:
    """"" means none; anything that is not an id becomes -1, which no row has."""
    if value in (None, "", "None"):
        return None
    found = to_id(value)
    return -1 if found is None else found


class LessonForm(FlaskForm):
    topic = StringField(_l("Topic"), render_kw={"data-max": TOPIC_MAX}, validators=[MaxChars(
        TOPIC_MAX, _l("The topic is too long: %(now)d characters, at most %(max)d."))])
    plan_item_id = SelectField(_l("Topic from the plan"), coerce=optional_id,
                               validate_choice=False)
    homework = TextAreaField(_l("Homework"), render_kw={"data-max": HOMEWORK_MAX},
                             validators=[MaxChars(HOMEWORK_MAX, _l(
                                 "The homework is too long: %(now)d characters, at most "
                                 "%(max)d."))])
    homework_due = DayField(_l("Homework is due on"), validators=[Optional()],
                            description=_l("Empty: the next lesson of this subject."))
    work_type_id = SelectField(_l("Work type of the marks"), coerce=optional_id,
                               validate_choice=False)
    substitute_id = SelectField(_l("Substitute teacher"), coerce=optional_id,
                                validate_choice=False)
    ict_used = BooleanField(_l("ICT used in the lesson"))


class ExtraLessonForm(FlaskForm):
    day = DateField(_l("Date"), validators=[InputRequired(message=_l("Enter the date."))])
    number = WholeField(_l("Lesson number"), default=1, validators=[
        InputRequired(message=_l("Enter the lesson number.")),
        NumberRange(0, 12, message=_l("The lesson number must be from 0 to 12."))])


class PlanItemForm(FlaskForm):
    number = WholeField(_l("No."), validators=[
        InputRequired(message=_l("Enter the number.")),
        NumberRange(1, MAX_ROWS, message=_l("The number must be from 1 to %(max)d."))])
    topic = StringField(_l("Topic"), validators=[
        DataRequired(message=_l("Enter the topic.")),
        MaxChars(TOPIC_MAX, _l("The topic is too long: %(now)d characters, at most %(max)d."))],
        render_kw={"data-max": TOPIC_MAX})
    hours = WholeField(_l("Hours"), default=1, validators=[
        InputRequired(message=_l("Enter the hours.")),
        NumberRange(1, HOURS_MAX, message=_l("Hours must be from 1 to %(max)d."))])


class PlanImportForm(FlaskForm):
    file = FileField(_l("CSV or XLSX file"), render_kw={"accept": ".csv,.xlsx,text/csv"}, validators=[
        FileRequired(message=_l("Choose a file."))])


class ReasonForm(FlaskForm):
    """One absence, or all absences of a pupil on a day, get a reason ("" clears it)."""

    reason = StringField(validators=[Optional(), Length(max=12)])
    pupil_id = IdField(validators=[Optional()])
    day = DateField(validators=[Optional()])
