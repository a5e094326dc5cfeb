"""The document attached to a correction request: a scan as PDF, PNG or JPEG, recognised by
its first bytes, at most MAX_BYTES, kept by services.uploads under instance/.../corrections
with owner-only permissions and a random name. The refusals keep the corrections' wording."""
from __future__ import annotations

from pathlib import Path

from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage

from services import uploads
from services.corrections.errors import CorrectionError

AREA = "corrections"
MAX_BYTES = 5 * uploads.MB
Attachment = uploads.Upload


def check(upload: FileStorage | None) -> Attachment | None:
    """The upload checked by size and content, or None when no file was chosen."""
    try:
        return uploads.check(upload, uploads.SCANS, MAX_BYTES)
    except uploads.UploadError as error:
        raise CorrectionError({
            "size": _("The file is larger than %(mb)d MB: attach a smaller scan.",
                      mb=max(1, MAX_BYTES // uploads.MB)),
            "empty": _("The file is empty."),
        }.get(error.reason, _("Attach the document as a PDF, PNG or JPEG file."))) from None


def store(attachment: Attachment) -> str:
    """Write the file under a random name readable by the server's user only; its key."""
    return uploads.store(AREA, attachment)


def path_of(key: str) -> Path | None:
    """The stored file of a key, or None (a key is never a path)."""
    return uploads.path_of(AREA, key)


def remove(key: str | None) -> None:
    """Drop a stored file whose request was not saved after all."""
    uploads.remove(AREA, key)
