"""The family's archive: one ZIP with a PDF to read (DejaVu fonts, so Kazakh and Russian
letters print) and the same data to process — data.json (stable English keys) and one CSV
per table (headers in the reader's language, UTF-8 with a BOM so spreadsheets open it)."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zipfile
from collections import defaultdict
from typing import Any

from flask import render_template
from flask_babel import gettext as _

from services import pdf
from services.privacy.holdings import Holdings, Table


def shown(value: Any) -> str:
    """A value as the PDF and the page print it (dates as the journal writes them)."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%d.%m.%Y %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%d.%m.%Y")
    return str(value)


def plain(value: Any) -> Any:
    """A value as the machine-readable files keep it (dates in ISO 8601)."""
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value


def compact_marks(table: Table) -> Table:
    """The marks for reading: one line per year and subject, "5 (01.09), 4 (03.09)"; the
    CSV and JSON keep one row per mark."""
    lines: dict[tuple[str, str], list[str]] = defaultdict(list)
    for year, day, subject, mark, _work, _comment in table.rows:
        lines[(year, subject)].append(f"{mark} ({day.strftime('%d.%m')})")
    return Table(table.name, table.title, [("year", _("School year")),
                                           ("subject", _("Subject")), ("marks", _("Marks"))],
                 [[y, s, ", ".join(m)] for (y, s), m in lines.items()])


def make_pdf(holdings: Holdings) -> bytes:
    """The holdings as an A4 PDF. Raises pdf.PdfError if xhtml2pdf fails."""
    tables = [compact_marks(t) if t.name == "marks" else t for t in holdings.tables]
    return pdf.render(render_template("privacy/archive_pdf.html", font_css=pdf.font_face_css(),
                                      h=holdings, tables=tables, shown=shown))


def _csv(table: Table) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([label for _key, label in table.columns])
    writer.writerows([[plain(v) for v in row] for row in table.rows])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _json(holdings: Holdings) -> bytes:
    data = {"pupil": holdings.pupil.person.full_name, "school": holdings.school_name,
            "made_on": holdings.made_on.isoformat(),
            **{t.name: [{k: plain(v) for k, v in r.items()} for r in t.records()]
               for t in holdings.tables}}
    return json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")


def make_zip(holdings: Holdings) -> bytes:
    """The archive: the PDF, data.json and a CSV per table, in one ZIP."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.pdf", make_pdf(holdings))
        archive.writestr("data.json", _json(holdings))
        for table in holdings.tables:
            archive.writestr(f"csv/{table.name}.csv", _csv(table))
    return out.getvalue()


def file_name(holdings: Holdings) -> str:
    """The archive's name: the pupil's id and the day (ASCII, no personal name in it)."""
    return f"my-data-{holdings.pupil.id}-{holdings.made_on.isoformat()}.zip"
