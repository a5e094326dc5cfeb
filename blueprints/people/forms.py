"""Forms of the people cards: a person, a staff card, enrolment, departure, a parent, consent."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from blueprints.parse import DayField, IdField, MaxChars
from services.people.common import PersonData


def _required(message):
    return DataRequired(message=message)


class PersonFields(FlaskForm):
    last_name = StringField(_l("Last name"), validators=[
        _required(_l("Enter the last name.")), Length(max=60, message=_l("At most %(max)d characters."))])
    first_name = StringField(_l("First name"), validators=[
        _required(_l("Enter the first name.")), Length(max=60, message=_l("At most %(max)d characters."))])
    patronymic = StringField(_l("Patronymic"), validators=[
        Optional(), Length(max=60, message=_l("At most %(max)d characters."))])
    # Choices as callables: WTForms 3.3 deprecates lists of tuples given to the field.
    sex = SelectField(_l("Sex"), choices=lambda: [("f", _l("female")), ("m", _l("male"))],
                      validate_choice=False)
    birth_date = DayField(_l("Birth date"), validators=[Optional()])
    phone = StringField(_l("Phone"), validators=[
        Optional(), Length(max=30, message=_l("At most %(max)d characters."))])
    email = StringField(_l("E-mail"), validators=[
        Optional(), Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
                           message=_l("Enter an e-mail address such as name@example.kz.")),
        Length(max=120, message=_l("At most %(max)d characters."))])
    address = StringField(_l("Address"), validators=[
        Optional(), Length(max=300, message=_l("At most %(max)d characters."))])

    def person_data(self) -> PersonData:
        return PersonData(self.last_name.data.strip(), self.first_name.data.strip(),
                          (self.patronymic.data or "").strip(), self.sex.data,
                          self.birth_date.data, (self.phone.data or "").strip(),
                          (self.email.data or "").strip(), (self.address.data or "").strip())


ROLE_CHOICES = [("teacher", _l("teacher")), ("admin", _l("journal administrator")),
                ("director", _l("director")), ("deputy", _l("deputy director")),
                ("secretary", _l("secretary"))]
LEVEL_CHOICES = [("", _l("all levels")), ("primary", _l("primary (1-4)")),
                 ("basic", _l("basic (5-9)")), ("secondary", _l("secondary (10-11)"))]

MEDICAL_CHOICES = [("", _l("not set")), ("main", _l("main")), ("preparatory", _l("preparatory")),
                   ("special", _l("special")), ("exempt", _l("exempt from PE"))]
REASON_CHOICES = [("transfer", _l("transfer to another school")), ("expulsion", _l("expulsion")),
                  ("graduation", _l("graduation")), ("other", _l("other"))]


class StaffForm(PersonFields):
    position = StringField(_l("Position"), validators=[
        Optional(), Length(max=80, message=_l("At most %(max)d characters."))])
    hired_on = DayField(_l("Started work"), validators=[Optional()])
    left_on = DayField(_l("Left (the account stops working on this day)"),
                       validators=[Optional()])
    roles = SelectMultipleField(_l("Roles"), choices=lambda: ROLE_CHOICES, validate_choice=False)
    # Checked by the service with a message of ours (WTForms' own is not in Kazakh).
    deputy_scope = SelectField(_l("A deputy sees"), choices=lambda: LEVEL_CHOICES,
                               validate_choice=False)
    subjects = SelectMultipleField(_l("Subjects"), coerce=str, validate_choice=False)


class EnrolForm(PersonFields):
    class_id = IdField(_l("Class"), validators=[_required(_l("Choose the class."))])
    on = DayField(_l("Arrives on"), validators=[_required(_l("Enter the date."))])
    order_no = StringField(_l("Order number"), validators=[
        _required(_l("Enter the number of the order.")), Length(max=40)])
    order_date = DayField(_l("Order date"), validators=[Optional()])


class PupilCardForm(PersonFields):
    notes = TextAreaField(_l("Notes"), render_kw={"data-max": 2000},
                          validators=[MaxChars(2000, _l("Too long: %(now)d characters, at most %(max)d."))])
    medical_group = SelectField(_l("PE medical group"), validate_choice=False,
                                choices=lambda: MEDICAL_CHOICES)
    medical_notes = TextAreaField(_l("Medical notes"), render_kw={"data-max": 2000},
                                  validators=[MaxChars(2000, _l("Too long: %(now)d characters, at most %(max)d."))])


class DepartForm(FlaskForm):
    on = DayField(_l("Leaves on"), validators=[_required(_l("Enter the date."))])
    reason = SelectField(_l("Why"), validate_choice=False, choices=lambda: REASON_CHOICES)
    order_no = StringField(_l("Order number"), validators=[
        _required(_l("Enter the number of the order.")), Length(max=40)])
    order_date = DayField(_l("Order date"), validators=[Optional()])


class MoveForm(FlaskForm):
    class_id = IdField(_l("New class"), validators=[_required(_l("Choose the class."))])
    on = DayField(_l("From"), validators=[_required(_l("Enter the date."))])
    order_no = StringField(_l("Order number"), validators=[Optional(), Length(max=40)])


RELATION_CHOICES = [("mother", _l("mother")), ("father", _l("father")),
                    ("guardian", _l("guardian")), ("parent", _l("parent"))]


class GuardianForm(PersonFields):
    relation = SelectField(_l("Who they are to the pupil"), choices=lambda: RELATION_CHOICES,
                           validate_choice=False)
    link_id = IdField(validators=[Optional()])  # an existing person chosen from the duplicates
    force = StringField(validators=[Optional()])  # "1": a new card although similar ones exist


class ConsentForm(FlaskForm):
    giver_id = IdField(_l("Given by"), validators=[_required(_l("Choose who gave the consent."))])
    text_id = IdField(_l("Consent text"), validators=[_required(_l("Choose the text."))])
    given_on = DayField(_l("Given on"), validators=[_required(_l("Enter the date."))])


class RevokeForm(FlaskForm):
    revoked_on = DayField(_l("Revoked on"), validators=[_required(_l("Enter the date."))])


class ConsentTextForm(FlaskForm):
    version = StringField(_l("Version"), validators=[_required(_l("Give the version.")),
                                                     Length(max=40)])
    text_ru = TextAreaField(_l("Text in Russian"), validators=[_required(_l("Enter the text."))])
    text_kk = TextAreaField(_l("Text in Kazakh"), validators=[_required(_l("Enter the text."))])
