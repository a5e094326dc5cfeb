"""Files people send: recognised by their first bytes (never by the name or the browser's
word), size-limited, kept under the instance folder with a random name readable by the
server's user only. Corrections' scans and messages' attachments both use this.

A feature names its own folder (a subfolder of UPLOAD_FOLDER, by default instance/uploads)
and the kinds it accepts; a refusal raises UploadError with a message in the user's language.
"""
from __future__ import annotations

import io
import os
import secrets
import zipfile
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage

MB = 1024 * 1024
NAME_MAX = 120

# Magic numbers: (kind, first bytes, content type, extension).
SIGNATURES = (
    ("pdf", b"%PDF-", "application/pdf", ".pdf"),
    ("png", b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    ("jpeg", b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    ("gif", b"GIF87a", "image/gif", ".gif"),
    ("gif", b"GIF89a", "image/gif", ".gif"),
)
# Office documents are ZIP files; the member that says which one it is.
OFFICE = (
    ("docx", "word/document.xml",
     "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx"),
    ("xlsx", "xl/workbook.xml",
     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx"),
)
ODT_MIME = "application/vnd.oasis.opendocument.text"
SCANS = frozenset({"pdf", "png", "jpeg"})
DOCUMENTS = SCANS | {"gif", "docx", "xlsx", "odt"}


class UploadError(Exception):
    """A file refused, with the reason for the user."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.message = message
        self.reason = reason  # "size", "empty" or "kind": a feature may word it its own way


@dataclass
class Upload:
    """A checked upload, not yet written anywhere."""

    name: str
    mime: str
    ext: str
    data: bytes


def _zip_kind(data: bytes) -> tuple[str, str, str] | None:
    """DOCX, XLSX or ODT by their inner members; only the names are read (no extraction,
    so a ZIP bomb costs nothing)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "mimetype" in names and archive.read("mimetype")[:64] == ODT_MIME.encode():
                return "odt", ODT_MIME, ".odt"
    except (zipfile.BadZipFile, OSError, ValueError, KeyError, RuntimeError):
        return None
    return next(((kind, mime, ext) for kind, member, mime, ext in OFFICE if member in names),
                None)


def sniff(data: bytes) -> tuple[str, str, str] | None:
    """(kind, content type, extension) of the bytes, or None for an unknown kind."""
    for kind, magic, mime, ext in SIGNATURES:
        if data.startswith(magic):
            return kind, mime, ext
    if data.startswith(b"PK\x03\x04"):
        return _zip_kind(data)
    return None


def kinds_text(kinds: frozenset[str]) -> str:
    order = ("pdf", "png", "jpeg", "gif", "docx", "xlsx", "odt")
    return ", ".join(k.upper() for k in order if k in kinds)


def check(upload: FileStorage | None, kinds: frozenset[str] = SCANS,
          max_bytes: int = 5 * MB) -> Upload | None:
    """The upload checked by size and content, or None when no file was chosen.

    Raises UploadError when it is empty, too large or not one of the kinds."""
    if upload is None or not upload.filename:
        return None
    data = upload.stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise UploadError(_("The file %(name)s is larger than %(mb)d MB.",
                            name=_short(upload.filename), mb=max(1, max_bytes // MB)), "size")
    if not data:
        raise UploadError(_("The file %(name)s is empty.", name=_short(upload.filename)), "empty")
    found = sniff(data)
    if found is None or found[0] not in kinds:
        raise UploadError(_("The file %(name)s is not one of: %(kinds)s.",
                            name=_short(upload.filename), kinds=kinds_text(kinds)), "kind")
    _kind, mime, ext = found
    return Upload(_short(upload.filename) or f"document{ext}", mime, ext, data)


def _short(filename: str) -> str:
    return Path(filename.replace("\\", "/")).name[:NAME_MAX]


def folder(area: str) -> Path:
    """Where an area's files live: UPLOAD_FOLDER (by default instance/uploads)/area."""
    base = Path(current_app.config.get("UPLOAD_FOLDER")
                or Path(current_app.instance_path) / "uploads") / area
    base.mkdir(parents=True, exist_ok=True, mode=0o700)
    return base


def store(area: str, upload: Upload) -> str:
    """Write the file under a random name readable by the server's user only; its key."""
    key = secrets.token_hex(16) + upload.ext
    fd = os.open(folder(area) / key, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(upload.data)
    return key


def path_of(area: str, key: str) -> Path | None:
    """The stored file of a key, or None (a key is never a path: no ../ can reach out)."""
    if not key or "/" in key or "\\" in key or key.startswith("."):
        return None
    path = folder(area) / key
    return path if path.is_file() else None


def remove(area: str, key: str | None) -> None:
    """Drop a stored file whose row was not saved after all (or is deleted)."""
    path = path_of(area, key) if key else None
    if path is not None:
        path.unlink(missing_ok=True)
