"""The hard copy's PDF, laid out with reportlab's platypus (the engine under xhtml2pdf).

Why not xhtml2pdf here: a class's quarter is about 20 subject pages of 30 pupils × 45 lessons,
some 27,000 grid cells; xhtml2pdf turns each HTML cell into a paragraph in a frame and took
61 s for such a class (the budget is 8 s). Plain-string table cells drawn by platypus take
a few seconds for the same copy. The fonts are the same DejaVu files (services.pdf.FONT_DIR),
so Russian and Kazakh letters render as in every other PDF of Tabel.
"""
from __future__ import annotations

import functools
import io
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Frame,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from services import pdf
from services.corrections.log import headers
from services.reports.sheet import Sheet, shown

if TYPE_CHECKING:
    from services.reports.hardcopy import GridTable, HardCopy, PageCopy

COLUMNS = 25  # lesson columns per grid table: what fits A4 landscape at 7 pt
FONT, BOLD = "TabelDejaVu", "TabelDejaVu-Bold"
PAGE = landscape(A4)
MARGIN = 1.2 * cm
WIDTH = PAGE[0] - 2 * MARGIN
NUMBER_W, NAME_W, MARK_W = 0.7 * cm, 5.4 * cm, 1.3 * cm
LINE = "____________"


@functools.cache
def _fonts() -> None:
    """Register the DejaVu faces once per process, under names of our own."""
    pdfmetrics.registerFont(TTFont(FONT, str(pdf.FONT_DIR / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(BOLD, str(pdf.FONT_DIR / "DejaVuSans-Bold.ttf")))


@functools.cache
def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("text", fontName=FONT, fontSize=8, leading=10)
    return {
        "text": base,
        "cell": ParagraphStyle("cell", base, fontSize=7, leading=8.5),
        "head": ParagraphStyle("head", base, fontName=BOLD, fontSize=7, leading=8.5),
        "h1": ParagraphStyle("h1", base, fontName=BOLD, fontSize=16, leading=20,
                             alignment=TA_CENTER, spaceBefore=40, spaceAfter=10),
        "title": ParagraphStyle("title", base, fontSize=11, leading=15, alignment=TA_CENTER),
        "h2": ParagraphStyle("h2", base, fontName=BOLD, fontSize=11, leading=14,
                             spaceAfter=4),
        "h3": ParagraphStyle("h3", base, fontName=BOLD, fontSize=9, leading=12,
                             spaceBefore=6, spaceAfter=3),
        "sign": ParagraphStyle("sign", base, fontSize=10, leading=13, spaceBefore=14),
        "reason": ParagraphStyle("reason", base, fontSize=11, leading=14, spaceBefore=12),
    }


def _p(text: Any, style: str = "text") -> Paragraph:
    return Paragraph(escape(str(text)), _styles()[style])


def _table_style(numeric_from: int = 0) -> TableStyle:
    """Thin grid lines, a grey bold header row, small type; numbers centred."""
    return TableStyle([
        ("FONT", (0, 0), (-1, -1), FONT, 7), ("FONT", (0, 0), (-1, 0), BOLD, 7),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#555555")),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8e8e8")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("ALIGN", (numeric_from, 0), (-1, -1), "CENTER"),
        ("TOPPADDING", (0, 0), (-1, -1), 1), ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
        ("LEFTPADDING", (0, 0), (-1, -1), 2), ("RIGHTPADDING", (0, 0), (-1, -1), 2),
    ])


class _NumberedCanvas(canvas.Canvas):
    """A canvas that writes "<footer> · Page n / N" on every page once N is known."""

    def __init__(self, *args: Any, footer: str = "", **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._footer, self._saved = footer, []

    def showPage(self) -> None:  # noqa: N802 -- reportlab's name
        self._saved.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._saved)
        for number, state in enumerate(self._saved, start=1):
            self.__dict__.update(state)
            self.setFont(FONT, 7)
            self.drawRightString(PAGE[0] - MARGIN, 0.6 * cm, f"{self._footer} · " + _(
                "Page") + f" {number} / {total}")
            super().showPage()
        super().save()


def render(copy: HardCopy) -> bytes:
    """The copy as PDF bytes, in the current locale."""
    _fonts()
    out = io.BytesIO()
    doc = BaseDocTemplate(out, pagesize=PAGE, leftMargin=MARGIN, rightMargin=MARGIN,
                          topMargin=MARGIN, bottomMargin=1.3 * cm,
                          title=f"{copy.school_class.name} · {copy.period_name}")
    doc.addPageTemplates([PageTemplate("page", [Frame(
        MARGIN, 1.3 * cm, WIDTH, PAGE[1] - MARGIN - 1.3 * cm, id="body")])])
    story = [*_title_page(copy)]
    for page in copy.pages:
        story += [PageBreak(), *_subject_page(page)]
    for sheet in copy.summaries:
        story += [PageBreak(), *_sheet(sheet)]
    if copy.changes:
        story += [PageBreak(), *_change_log(copy)]
    story += [_p(f"{_('Deputy director')} {LINE} / {copy.deputy or LINE} / {_('Date')} {LINE}",
                 "sign"),
              _p(f"{_('Director')} {LINE} / {copy.director or LINE} / {_('Date')} {LINE}",
                 "sign")]
    footer = f"{copy.school_class.name} · {copy.period_name}"
    doc.build(story, canvasmaker=functools.partial(_NumberedCanvas, footer=footer))
    return out.getvalue()


def _title_page(x: HardCopy) -> list:
    """The title page the class teacher certifies, with the reasons nothing is printed."""
    lines = [_p(x.school_name, "title"), _p(_("Class journal"), "h1"),
             _p(f"{_('class %(cls)s', cls=x.school_class.name)} · {x.school_class.year.name}",
                "title"), _p(x.period_name, "title"),
             _p(f"{_('Class teacher')}: {x.class_teacher or '—'}", "title"),
             _p(_("Pupils: %(n)d", n=len(x.pupils)), "title")]
    if x.reason:
        lines.append(_p(x.reason, "reason"))
    if x.without_lessons and x.pupils:
        lines.append(_p(_("No lessons in this period: %(subjects)s.",
                          subjects=", ".join(x.without_lessons)), "reason"))
    if x.summary_notes:
        lines.append(_p(_("Could not be printed: %(sheets)s.",
                          sheets=", ".join(x.summary_notes)), "reason"))
    lines += [Spacer(1, 30), _p(f"{_('The journal has been checked. Class teacher')} {LINE} / "
                                f"{x.class_teacher or LINE} / {_('Date')} {LINE}", "sign"),
              _p(_("Printed on %(day)s", day=x.printed.strftime("%d.%m.%Y")), "sign")]
    return lines


def _subject_page(page: PageCopy) -> list:
    """A subject page: its grid tables, its lessons, the teacher's signature line."""
    group = f" ({page.group})" if page.group else ""
    out: list = [_p(f"{page.subject}{group} · {page.teacher}", "h2")]
    out += [flowable for t in page.tables for flowable in (_grid(t), Spacer(1, 6))]
    out.append(_p(_("Lessons"), "h3"))
    rows = [[_("№"), _("Date"), _("Topic"), _("Homework")]] + [
        [n, day, _p(topic, "cell"), _p(hw, "cell")] for n, day, topic, hw in page.lessons]
    rest = WIDTH - 3 * cm
    table = Table(rows, colWidths=[1 * cm, 2 * cm, rest * 0.55, rest * 0.45], repeatRows=1)
    table.setStyle(_table_style())
    out += [table, _p(f"{_('Subject teacher')} {LINE} / {page.teacher} / {_('Date')} {LINE}",
                      "sign")]
    return out


def _grid(t: GridTable) -> Table:
    """One grid table: №, pupil, a column per lesson date, the period mark in the last."""
    with_mark = bool(t.rows) and t.rows[0][3] is not None
    cell_w = (WIDTH - NUMBER_W - NAME_W - MARK_W) / COLUMNS
    head = [_("№"), _("Pupil"), *t.dates] + ([_p(_("Period mark"), "head")] if with_mark else [])
    rows = [head] + [[n, _p(name, "cell"), *cells] + ([final] if with_mark else [])
                     for n, name, cells, final in t.rows]
    widths = [NUMBER_W, NAME_W] + [cell_w] * len(t.dates) + ([MARK_W] if with_mark else [])
    table = Table(rows, colWidths=widths, repeatRows=1, hAlign="LEFT")
    style = _table_style(numeric_from=2)
    style.add("FONT", (2, 0), (-1, 0), BOLD, 6)
    table.setStyle(style)
    return table


def _sheet(sheet: Sheet) -> list:
    """A summary sheet as its report prints it: title, table (totals in bold), notes."""
    out: list = [_p(sheet.title, "h2")]
    if sheet.subtitle:
        out.append(_p(sheet.subtitle))
    if not (sheet.rows or sheet.totals):
        return [*out, _p(sheet.empty, "reason")]
    total = sum(c.width for c in sheet.columns) or 1
    rows = [[_p(c.header, "head") for c in sheet.columns]] + [
        [_p(shown(v, c.kind), "cell") if c.kind == "text" else shown(v, c.kind)
         for v, c in zip(row, sheet.columns, strict=False)]
        for row in [*sheet.rows, *sheet.totals]]
    table = Table(rows, colWidths=[WIDTH * c.width / total for c in sheet.columns],
                  repeatRows=1)
    style = _table_style()
    for n, c in enumerate(sheet.columns):
        if c.kind == "text":
            style.add("ALIGN", (n, 0), (n, -1), "LEFT")
    if sheet.totals:
        style.add("FONT", (0, len(sheet.rows) + 1), (-1, -1), BOLD, 7)
    table.setStyle(style)
    return [*out, table, *[_p(note) for note in sheet.notes]]


def _change_log(x: HardCopy) -> list:
    """The change log of late corrections (001 4.3), as services.corrections.log writes it."""
    shares = (4, 13, 9, 19, 8, 7, 13, 12, 15)
    rows = [[_p(h, "head") for h in headers()]] + [[_p(v, "cell") for v in (
        r.number, f"{r.pupil}, {r.class_name}", r.subject, r.change,
        r.entered_at.strftime("%d.%m.%Y %H:%M"), r.entry_date.strftime("%d.%m.%Y"),
        r.initiator, r.teacher, r.document)] for r in x.changes]
    table = Table(rows, colWidths=[WIDTH * s / 100 for s in shares], repeatRows=1)
    table.setStyle(_table_style())
    return [_p(_("Change log of %(cls)s", cls=x.school_class.name), "h2"), table]
