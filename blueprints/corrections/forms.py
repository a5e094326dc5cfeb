"""The correction request form and the deputy's decision form."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired

from blueprints.parse import DayField, MaxChars
from services.corrections.workflow import DOC_MAX, NOTE_MAX, Request

REASONS = [("illness", _l("illness or another valid reason for the absence")),
           ("retake", _l("retake of a missed or failed topic (protocol)")),
           ("other", _l("another documented cause"))]


class RequestForm(FlaskForm):
    new_value = StringField(_l("New value"), description=_l(
        "As in the journal: a mark (4, 5/4), н or о with a mark, or empty to clear; for a "
        "period mark also н/а, осв."))
    reason = SelectField(_l("Reason"), choices=lambda: REASONS, validate_choice=False)
    note = TextAreaField(_l("Explanation"), render_kw={"data-max": NOTE_MAX, "rows": 3},
                         validators=[MaxChars(NOTE_MAX, _l("At most %(max)d characters (now "
                                                            "%(now)d)."))])
    doc_number = StringField(_l("Document or protocol number"), render_kw={"data-max": DOC_MAX},
                             validators=[DataRequired(_l("Give the document's number.")),
                                         MaxChars(DOC_MAX, _l("At most %(max)d characters "
                                                              "(now %(now)d)."))])
    doc_date = DayField(_l("Document date"), validators=[
        DataRequired(_l("Give the date of the document."))])
    document = FileField(_l("Scan of the document (PDF, PNG or JPEG, up to 5 MB)"),
                         render_kw={"accept": ".pdf,.png,.jpg,.jpeg,application/pdf,image/png,"
                                              "image/jpeg"})

    def request_data(self) -> Request:
        return Request((self.new_value.data or "").strip(), self.reason.data or "",
                       self.note.data or "", self.doc_number.data or "", self.doc_date.data)


class DecisionForm(FlaskForm):
    note = TextAreaField(_l("Comment"), render_kw={"data-max": NOTE_MAX, "rows": 2},
                         description=_l("Required when you reject: the teacher reads it."),
                         validators=[MaxChars(NOTE_MAX, _l("At most %(max)d characters (now "
                                                            "%(now)d)."))])
