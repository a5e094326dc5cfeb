"""A report as data: one or more sheets, each a table with typed columns, total rows and
signature lines, rendered the same way on screen (templates/reports/_sheet.html), as a PDF
(templates/pdf/report.html through xhtml2pdf) and as an XLSX workbook. A report's builder
only computes a Sheet; how it is drawn, printed and exported is written once, here.

Column kinds: "text", "int", "num" (one decimal), "pct" (a percentage 0-100, written with
one decimal and kept as a real percentage in XLSX), "mark" (a mark or its label: 5, н/а),
"date", "bar" (a percentage drawn on screen as a small SVG bar beside its number; a
percentage in the PDF and XLSX). A cell of another kind than its column's is a Typed (the
percentages under a grid of marks).
"""
from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from typing import Any

from flask import render_template
from markupsafe import Markup, escape

from services import clock, pdf
from services import school as school_service

KINDS = ("text", "int", "num", "pct", "mark", "date", "bar")


@dataclass
class Column:
    key: str
    header: str
    kind: str = "text"
    width: int = 12  # characters, for XLSX; the PDF shares the width in proportion

    @property
    def numeric(self) -> bool:
        return self.kind in ("int", "num", "pct", "bar")


@dataclass
class Sheet:
    """One table of a report: rows are lists in the columns' order; a cell may hold a
    Link (shown as a link on screen, as its text elsewhere)."""

    title: str
    columns: list[Column]
    rows: list[list[Any]] = field(default_factory=list)
    totals: list[list[Any]] = field(default_factory=list)
    subtitle: str = ""
    notes: list[str] = field(default_factory=list)  # lists under the table: "reserve: …"
    empty: str = ""  # why there are no rows (shown instead of a blank table)
    signatures: list[tuple[str, str]] = field(default_factory=list)  # (role, name)
    landscape: bool = False


@dataclass
class Link:
    text: Any
    url: str

    def __str__(self) -> str:
        return str(self.text)


@dataclass
class Typed:
    """A cell written as `kind` whatever its column's kind."""
    value: Any
    kind: str

    def __str__(self) -> str:
        return shown(self.value, self.kind)


def plain(value: Any) -> Any:
    """A cell's value without its link (or its own kind)."""
    return value.text if isinstance(value, Link) else \
        value.value if isinstance(value, Typed) else value


def shown(value: Any, kind: str) -> str:
    """A cell as the screen and the PDF write it (decimal comma, as Russian and Kazakh do)."""
    if isinstance(value, Typed):
        value, kind = value.value, value.kind
    value = plain(value)
    if value is None or value == "":
        return ""
    if kind in ("num", "pct", "bar") and isinstance(value, int | float):
        return f"{value:.1f}".replace(".", ",")
    if kind == "date" and isinstance(value, dt.date):
        return value.strftime("%d.%m.%Y")
    return str(value)


def rows_html(rows: list[list[Any]], columns: list[Column]) -> Markup:
    """Table rows as HTML, built in Python: a whole school's summary sheets are tens of
    thousands of cells, and Jinja's per-cell machinery took most of the page's time (the
    journal grid learnt the same in issue 11)."""
    out: list[str] = []
    add = out.append
    for row in rows:
        add("<tr>")
        for value, column in zip(row, columns, strict=False):
            text = str(escape(shown(value, column.kind)))
            if isinstance(value, Link):
                text = f'<a href="{escape(value.url)}">{text}</a>'
            if column.kind == "bar":
                number = plain(value)
                if isinstance(number, int | float):
                    text = _bar(number) + " " + text
            add(f'<td class="num">{text}</td>' if column.kind != "text" else f"<td>{text}</td>")
        add("</tr>\n")
    return Markup("".join(out))


def _bar(percent: float) -> str:
    """A small bar for a percentage: attributes only, no style (the CSP allows no inline
    styles)."""
    width = max(0.0, min(100.0, float(percent)))
    return ('<svg class="report-bar" width="60" height="10" viewBox="0 0 100 10" '
            'preserveAspectRatio="none" aria-hidden="true"><rect width="100" height="10" '
            f'fill="#e5e7eb"/><rect width="{width:.1f}" height="10" fill="currentColor"/></svg>')


def sort_rows(sheet: Sheet, key: str | None) -> str | None:
    """Sort the sheet's rows by a column key ("-key" descending); the key applied or None."""
    if not key:
        return None
    desc = key.startswith("-")
    name = key.lstrip("-")
    index = next((i for i, c in enumerate(sheet.columns) if c.key == name), None)
    if index is None:
        return None
    numeric = sheet.columns[index].numeric

    def order(row: list[Any]) -> tuple:
        value = plain(row[index])
        if numeric:
            return (value is None, value if isinstance(value, int | float) else 0)
        return (value in (None, ""), str(value or "").casefold())
    sheet.rows.sort(key=order, reverse=desc)
    return key


def to_pdf(sheets: list[Sheet], title: str) -> bytes:
    """The report as one PDF: each sheet from a new page, A4 portrait or landscape as the
    first sheet asks, the school's name, the date printed, page numbers, signature lines."""
    school = school_service.the_school()
    html = render_template("pdf/report.html", font_css=pdf.font_face_css(), sheets=sheets,
                           title=title, school_name=school.name if school else "",
                           printed=clock.today(), shown=shown,
                           landscape=bool(sheets) and sheets[0].landscape)
    return pdf.render(html)


def to_xlsx(sheets: list[Sheet]) -> bytes:
    """The report as a workbook, a worksheet per sheet: a bold frozen header, widths, real
    numbers, percentages as percentages, dates as dates."""
    from openpyxl import Workbook  # imported here: only the exports need it
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    used: set[str] = set()
    for sheet in sheets or [Sheet("—", [])]:
        ws = book.create_sheet(_sheet_name(sheet.title, used))
        ws.append([c.header for c in sheet.columns])
        own = []  # Typed cells keep their own number format
        for row in [*sheet.rows, *sheet.totals]:
            ws.append([_xlsx_value(v, c) for v, c in zip(row, sheet.columns, strict=False)])
            own += [(cell, _FORMATS[v.kind]) for cell, v in zip(ws[ws.max_row], row, strict=False)
                    if isinstance(v, Typed) and v.kind in _FORMATS]
        bold = Font(bold=True)
        for cell in ws[1]:
            cell.font = bold
        for n, column in enumerate(sheet.columns, start=1):
            ws.column_dimensions[ws.cell(1, n).column_letter].width = column.width
            fmt = _FORMATS.get(column.kind)
            if fmt:
                for (cell,) in ws.iter_rows(min_row=2, min_col=n, max_col=n):
                    cell.number_format = fmt
        for cell, fmt in own:
            cell.number_format = fmt
        first_total = len(sheet.rows) + 2
        for row in ws.iter_rows(min_row=first_total):
            for cell in row:
                cell.font = bold
        ws.freeze_panes = "B2" if len(sheet.columns) > 3 else "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


_FORMATS = {"pct": "0.0%", "bar": "0.0%", "num": "0.0", "date": "DD.MM.YYYY"}


def _xlsx_value(value: Any, column: Column) -> Any:
    kind = value.kind if isinstance(value, Typed) else column.kind
    value = plain(value)
    if kind in ("pct", "bar") and isinstance(value, int | float):
        return value / 100
    if kind == "mark" and isinstance(value, str) and value.isdigit():
        return int(value)
    return value


def _sheet_name(title: str, used: set[str]) -> str:
    """A worksheet name: at most 31 characters, none of []:*?/\\ and unique."""
    base = "".join(ch for ch in title if ch not in "[]:*?/\\")[:28] or "Sheet"
    name, n = base, 2
    while name in used:
        name, n = f"{base[:26]} {n}", n + 1
    used.add(name)
    return name
