"""The document attached to a correction request: a scan as PDF, PNG or JPEG, recognised by
its first bytes (never by its name or the browser's word), at most MAX_BYTES, kept under the
instance folder with owner-only permissions and a random name."""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage

from services.corrections.errors import CorrectionError

MAX_BYTES = 5 * 1024 * 1024
# Magic numbers of the types a school scans a certificate or a protocol into.
SIGNATURES = (
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
)


@dataclass
class Attachment:
    """A checked upload, not yet written anywhere."""

    name: str
    mime: str
    ext: str
    data: bytes


def check(upload: FileStorage | None) -> Attachment | None:
    """The upload checked by size and content, or None when no file was chosen."""
    if upload is None or not upload.filename:
        return None
    data = upload.stream.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise CorrectionError(_("The file is larger than %(mb)d MB: attach a smaller scan.",
                                mb=MAX_BYTES // (1024 * 1024)))
    if not data:
        raise CorrectionError(_("The file is empty."))
    for magic, mime, ext in SIGNATURES:
        if data.startswith(magic):
            name = Path(upload.filename).name[:120] or f"document{ext}"
            return Attachment(name, mime, ext, data)
    raise CorrectionError(_("Attach the document as a PDF, PNG or JPEG file."))


def folder() -> Path:
    """Where attachments live: UPLOAD_FOLDER, by default instance/uploads, owner-only."""
    base = Path(current_app.config.get("UPLOAD_FOLDER")
                or Path(current_app.instance_path) / "uploads") / "corrections"
    base.mkdir(parents=True, exist_ok=True, mode=0o700)
    return base


def store(attachment: Attachment) -> str:
    """Write the file under a random name readable by the server's user only; its key."""
    key = secrets.token_hex(16) + attachment.ext
    path = folder() / key
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(attachment.data)
    return key


def path_of(key: str) -> Path | None:
    """The stored file of a key, or None (a key is never a path: no ../ can reach out)."""
    if not key or "/" in key or "\\" in key or key.startswith("."):
        return None
    path = folder() / key
    return path if path.is_file() else None


def remove(key: str | None) -> None:
    """Drop a stored file whose request was not saved after all."""
    path = path_of(key) if key else None
    if path is not None:
        path.unlink(missing_ok=True)
