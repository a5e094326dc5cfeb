"""The family's correction request, the class teacher's answer, the purge's confirmation.
The limits are checked by services.privacy.requests (one rule for every way in); the forms
only carry the text and show the limit (data-max)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField

from models.requests import DATA_REQUEST_MAX


class AskForm(FlaskForm):
    text = TextAreaField(_l("What is wrong"), render_kw={"data-max": DATA_REQUEST_MAX, "rows": 4},
                         description=_l("Say which data is wrong and what it should be. The "
                                        "class teacher answers here."))


class AnswerForm(FlaskForm):
    answer = TextAreaField(_l("Answer"), render_kw={"data-max": DATA_REQUEST_MAX, "rows": 3})


class PurgeForm(FlaskForm):
    confirm = StringField(_l("Confirmation word"))
