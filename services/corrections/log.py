"""The change log sheet (таблица учета изменений, 001 4.3; DOMAIN.md 4 "Late corrections"):
every applied correction of one class in one study period, in the order it was entered.

change_log() gives the rows as plain values (texts in the current locale, dates as dates), so
the page, the PDF, the spreadsheet and the period's hard copy show the same sheet:
change_log_pdf_html() is the printable HTML (for services.pdf.render(), or for a report that
binds several documents), change_log_pdf() and change_log_xlsx() the files.
"""
from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from functools import cache

from flask import render_template
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm import contains_eager, joinedload

from extensions import db
from models import Correction, School, SchoolClass, StudyPeriod, SubjectPage, User, UserRole
from services import clock, pdf
from services import journal as rules
from services import school as school_service
from services.journal import CellValue, JournalError
from services.school import period_name


@cache
def _any_school() -> School:
    """Stored values were checked when written: read them back with every mark and word
    allowed (the school may since have stopped allowing 1 or pass/fail), asking nothing."""
    return School(allow_mark_one=True, allow_pass_fail=True, no_marks_grades="")


@dataclass(frozen=True)
class Row:
    """One line of the sheet: the columns of 001 4.3 as plain values."""

    number: int
    pupil: str
    class_name: str
    subject: str
    change: str
    entered_at: dt.datetime  # when the correction was applied, at the school (naive)
    entry_date: dt.date  # the date being changed
    initiator: str  # "Классная К. (class teacher)"
    teacher: str  # the page's subject teacher
    document: str  # "protocol № 7 of 20.11.2026"
    correction_id: int


def change_log(school_class: SchoolClass, period: StudyPeriod) -> list[Row]:
    """The applied corrections of the class whose changed date lies in the period, ordered by
    the time they were applied and numbered from 1. One query."""
    rows = db.session.scalars(
        select(Correction).join(Correction.page)
        .where(SubjectPage.class_id == school_class.id, Correction.status == "applied",
               Correction.entry_date >= period.start_date,
               Correction.entry_date <= period.end_date)
        .options(contains_eager(Correction.page).joinedload(SubjectPage.teacher),
                 joinedload(Correction.pupil),
                 # the requester's roles are not needed: their role here is stored
                 joinedload(Correction.requester).lazyload(User.roles))
        .order_by(Correction.applied_at, Correction.id)).unique().all()
    locale = str(get_locale())
    return [_row(n, c, school_class, locale) for n, c in enumerate(rows, start=1)]


def _row(number: int, c: Correction, school_class: SchoolClass, locale: str) -> Row:
    return Row(number=number, pupil=c.pupil.name, class_name=school_class.name,
               subject=c.page.subject.name(locale), change=change_text(c, locale),
               entered_at=local_time(c.applied_at), entry_date=c.entry_date,
               initiator=f"{c.requester.person.short_name} ({role_label(c.requested_role)})",
               teacher=c.page.teacher.name, document=document_text(c), correction_id=c.id)


def local_time(moment: dt.datetime) -> dt.datetime:
    """A stored instant (UTC; SQLite gives it back naive) as the school's wall-clock time."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    return aware.astimezone(clock.zone()).replace(tzinfo=None)


def role_label(role: str) -> str:
    """The role the requester acted in (audit.acting_role), as the sheet names it."""
    return {"teacher": _("subject teacher"), "substitute": _("substitute teacher"),
            "class_teacher": _("class teacher"), "admin": _("journal administrator"),
            "director": _("director"), "deputy": _("deputy director"),
            "secretary": _("secretary")}.get(role, role)


def reason_label(reason: str) -> str:
    """A correction's reason as the sheet names it."""
    return {"illness": _("illness"), "retake": _("retake"),
            "other": _("other documented cause")}.get(reason, reason)


def change_text(c: Correction, locale: str) -> str:
    """The nature of the change: "mark 3 → 4 (retake)", "absence н → present (illness)",
    "period mark н/а → 4 (other documented cause: ...)". Values are written in the locale's
    letters (ж and к in Kazakh); the note follows the reason."""
    if c.kind == "cell":
        text = _cell_change(c.old_value, c.new_value, locale)
    else:
        old, new = _final_text(c.old_value) or "—", _final_text(c.new_value) or "—"
        text = (_("period mark %(old)s → %(new)s", old=old, new=new) if c.kind == "period"
                else _("year mark %(old)s → %(new)s", old=old, new=new))
    why = reason_label(c.reason)
    note = c.note.strip()
    return f"{text} ({why}: {note})" if note else f"{text} ({why})"


def _cell_change(old_raw: str, new_raw: str, locale: str) -> str:
    """A lesson cell's change: of its marks, of its attendance, or of both."""
    letters = ("ж", "к") if locale == "kk" else ("н", "о")
    old, new = _cell(old_raw), _cell(new_raw)
    if old is None or new is None:
        return _("entry %(old)s → %(new)s", old=old_raw or "—", new=new_raw or "—")
    old_text, new_text = old.text(*letters), new.text(*letters)
    if old.status == new.status:
        return _("mark %(old)s → %(new)s", old=old_text or "—", new=new_text or "—")
    if old.marks == new.marks:
        absent = "absent" in (old.status, new.status)
        return (_("absence %(old)s → %(new)s", old=old_text or _("present"),
                  new=new_text or _("present")) if absent else
                _("lateness %(old)s → %(new)s", old=old_text or _("on time"),
                  new=new_text or _("on time")))
    return _("entry %(old)s → %(new)s", old=old_text or "—", new=new_text or "—")


def _cell(stored: str) -> CellValue | None:
    # Stored values were checked on entry: read them on the widest scale, a criteria-based
    # class's formative 1-10 (a class object only for its journal type).
    try:
        return rules.parse_cell(stored, _any_school(), SchoolClass(journal_type="criteria"))
    except JournalError:
        return None


def _final_text(stored: str) -> str:
    """A period or year mark stored in Russian (н/а, осв.) in the current locale."""
    if not stored:
        return ""
    try:
        mark = rules.parse_final(stored, _any_school())
    except JournalError:
        return stored
    return rules.final_label(*mark)


def document_text(c: Correction) -> str:
    """The document: its number and date; a retake's is the protocol (001 4.2.4)."""
    day = c.doc_date.strftime("%d.%m.%Y")
    if c.reason == "retake":
        return _("protocol № %(number)s of %(date)s", number=c.doc_number, date=day)
    return _("№ %(number)s of %(date)s", number=c.doc_number, date=day)


# -- the printable sheet and the spreadsheet ------------------------------------------------

def period_title(period: StudyPeriod) -> str:
    """"Quarter 2 (05.11.2026 – 28.12.2026)" in the current locale."""
    return (f"{period_name(period)} ({period.start_date.strftime('%d.%m.%Y')} – "
            f"{period.end_date.strftime('%d.%m.%Y')})")


def deputy_name(school_class: SchoolClass) -> str:
    """The deputy who signs the sheet: the one of the class's level, else one of every level;
    "" when the school has none (the line is left blank to be filled in by hand)."""
    user = db.session.scalar(
        select(User).join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == "deputy", User.active,
               or_(UserRole.scope == school_class.level, UserRole.scope.is_(None)))
        .order_by(UserRole.scope.is_(None), User.id).limit(1))
    return user.person.short_name if user is not None else ""


def change_log_pdf_html(school_class: SchoolClass, period: StudyPeriod,
                        rows: list[Row] | None = None) -> str:
    """The sheet as the HTML services.pdf.render() lays out (A4 landscape, page numbers, the
    deputy's signature line), in the current locale: wrap the call in
    flask_babel.force_locale() for another language. A report binding several documents
    (the period's hard copy) may render this on its own or take the rows from change_log()."""
    school = school_service.the_school()
    return render_template(
        "pdf/change_log.html", font_css=pdf.font_face_css(),
        rows=change_log(school_class, period) if rows is None else rows,
        school_name=school.name if school else "", school_class=school_class,
        period=period_title(period), printed=clock.today(), deputy=deputy_name(school_class))


def change_log_pdf(school_class: SchoolClass, period: StudyPeriod) -> bytes:
    """The sheet as a PDF in the current locale. Raises pdf.PdfError if xhtml2pdf fails."""
    return pdf.render(change_log_pdf_html(school_class, period))


def headers() -> list[str]:
    """The sheet's column heads (001 4.3), in the current locale."""
    return [_("№"), _("Pupil and class"), _("Subject"), _("Nature of the change"),
            _("Entered on"), _("Date changed"), _("Initiator"), _("Subject teacher"),
            _("Document")]


# Spreadsheet column widths, in characters, in the order of headers().
_WIDTHS = (5, 30, 20, 44, 17, 13, 30, 24, 28)


def change_log_xlsx(school_class: SchoolClass, period: StudyPeriod) -> bytes:
    """The sheet as an XLSX workbook: a frozen bold header, fixed widths, real dates."""
    from openpyxl import Workbook  # imported here: only this export needs it
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    sheet.title = _("Change log")[:31]
    sheet.append(headers())
    for r in change_log(school_class, period):
        sheet.append([r.number, f"{r.pupil}, {r.class_name}", r.subject, r.change,
                      r.entered_at, r.entry_date, r.initiator, r.teacher, r.document])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for column, width in enumerate(_WIDTHS, start=1):
        sheet.column_dimensions[sheet.cell(1, column).column_letter].width = width
    for row in sheet.iter_rows(min_row=2):
        row[4].number_format, row[5].number_format = "DD.MM.YYYY HH:MM", "DD.MM.YYYY"
        row[3].alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
