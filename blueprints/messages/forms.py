"""The message forms. The limits and who may be written to are checked by services.messages
(one rule for every way in); the forms carry the values and show the limits (data-max)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import MultipleFileField, SelectField, StringField, TextAreaField

from models.messages import BODY_MAX, SUBJECT_MAX
from services.messages.conversations import MAX_FILES

ACCEPT = ".pdf,.png,.jpg,.jpeg,.gif,.docx,.xlsx,.odt"


def _files() -> MultipleFileField:
    return MultipleFileField(
        _l("Files"), render_kw={"accept": ACCEPT},
        description=_l("Up to %(n)d files of at most 5 MB each: PDF, PNG, JPEG, GIF, DOCX, "
                       "XLSX or ODT.", n=MAX_FILES))


def _body(rows: int) -> TextAreaField:
    return TextAreaField(_l("Message"), render_kw={"data-max": BODY_MAX, "rows": rows})


class NewMessageForm(FlaskForm):
    # Choices are the user's contacts (services.messages.contacts); a value that is not
    # among them is still refused by policy.can_message, not by the form.
    to = SelectField(_l("Recipient"), validate_choice=False)
    subject = StringField(_l("Message subject"), render_kw={"data-max": SUBJECT_MAX})
    body = _body(6)
    files = _files()


class ReplyForm(FlaskForm):
    body = _body(3)
    files = _files()


class BroadcastForm(FlaskForm):
    target = SelectField(_l("To the parents of"), validate_choice=False)
    subject = StringField(_l("Message subject"), render_kw={"data-max": SUBJECT_MAX})
    body = _body(6)
