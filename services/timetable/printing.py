"""Printable timetables (PDF, A4 landscape) through services.pdf: Kazakh letters embedded."""
from __future__ import annotations

from flask import render_template
from flask_babel import gettext as _

from services import pdf
from services.timetable.sheets import Sheet, day_names


def sheet_pdf(sheet: Sheet, heading: str, subtitle: str, locale: str) -> bytes:
    """The PDF of a timetable sheet. Raises pdf.PdfError when xhtml2pdf fails."""
    html = render_template("pdf/timetable.html", sheet=sheet, heading=heading,
                           subtitle=subtitle, days=day_names(locale),
                           t_number=_("Lesson"), t_room=_("room"),
                           font_css=pdf.font_face_css())
    return pdf.render(html)
