"""Tables in files: reading CSV (UTF-8 or Windows-1251, comma or semicolon) and XLSX into
rows of cells, and writing rows out as XLSX or CSV for a spreadsheet."""
from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile

from flask_babel import gettext as _

MAX_FILE_BYTES = 8 * 1024 * 1024


class TableFileError(ValueError):
    """A file that is not a table we can read; the message says why."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def read_table(filename: str, data: bytes, max_cols: int | None = None) -> list[list[object]]:
    """The rows of the first sheet of an XLSX file, or of a CSV file. Raises TableFileError."""
    if not data:
        raise TableFileError(_("The file is empty."))
    if len(data) > MAX_FILE_BYTES:
        raise TableFileError(_("The file is too large: at most %(mb)d MB.",
                               mb=MAX_FILE_BYTES // 2**20))
    if data[:4] == b"PK\x03\x04" or filename.lower().endswith(".xlsx"):
        return _xlsx_rows(data, max_cols)
    return _csv_rows(data)


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1251"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise TableFileError(_("The file is neither UTF-8 nor Windows-1251 text."))


def _csv_rows(data: bytes) -> list[list[object]]:
    text = _decode(data)
    if "\x00" in text:
        raise TableFileError(_("The file is not a CSV or XLSX table."))
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = ";" if first.count(";") >= first.count(",") and ";" in first else ","
    try:
        return [list(r) for r in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
    except csv.Error as error:
        raise TableFileError(_("The CSV file cannot be read: %(error)s",
                               error=str(error))) from error


def _xlsx_rows(data: bytes, max_cols: int | None) -> list[list[object]]:
    from openpyxl import load_workbook  # imported here: only imports need it

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise TableFileError(_("The file is not a readable XLSX workbook.")) from error
    try:
        sheet = book.worksheets[0]
        return [list(r) for r in sheet.iter_rows(max_col=max_cols, values_only=True)]
    finally:
        book.close()


def cell_text(value: object) -> str:
    """A cell as text: dates as ISO, whole floats without ".0", None as ""."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def write_xlsx(title: str, headers: list[str], rows: list[list[object]]) -> bytes:
    """One sheet with a bold header row; column widths fitted to the text."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = title[:31] or "Sheet"
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(row)
    for i, header in enumerate(headers, start=1):
        width = max([len(str(header))] + [len(str(r[i - 1] or "")) for r in rows[:500]])
        sheet.column_dimensions[sheet.cell(1, i).column_letter].width = min(60, width + 2)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def write_csv(headers: list[str], rows: list[list[object]]) -> bytes:
    """UTF-8 with a byte-order mark and semicolons: what Excel in Russia and Kazakhstan opens."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(headers)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
