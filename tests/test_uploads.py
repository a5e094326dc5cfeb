"""services.uploads: a file is known by its first bytes, never by its name; refusals say
why; the store is owner-only under random names that no key can climb out of."""
from __future__ import annotations

import io
import os
import zipfile

import pytest
from werkzeug.datastructures import FileStorage

from services import uploads

PDF = b"%PDF-1.7\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 20


def office(member: str, mimetype: bytes | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        if mimetype is not None:
            archive.writestr("mimetype", mimetype)
        archive.writestr(member, "<x/>")
    return out.getvalue()


def upload(data: bytes, name: str) -> FileStorage:
    return FileStorage(io.BytesIO(data), filename=name)


@pytest.mark.parametrize(("data", "kind"), [
    (PDF, "pdf"), (PNG, "png"), (b"\xff\xd8\xff\xe0JFIF", "jpeg"), (b"GIF89a..", "gif"),
    (office("word/document.xml"), "docx"), (office("xl/workbook.xml"), "xlsx"),
    (office("content.xml", b"application/vnd.oasis.opendocument.text"), "odt"),
    (office("content.xml"), None),  # a ZIP that is no document
    (b"PK\x03\x04 broken", None), (b"MZ\x90\x00", None), (b"#!/bin/sh\nrm -rf /", None),
    (b"<html><script>", None)])
def test_kinds_are_sniffed_from_the_content(data, kind):
    found = uploads.sniff(data)
    assert (found[0] if found else None) == kind


def test_check_refuses_by_content_size_and_emptiness(app):
    assert uploads.check(None) is None and uploads.check(upload(b"", "")) is None
    got = uploads.check(upload(PDF, "C:\\Users\\x\\справка.pdf"))
    assert (got.name, got.mime, got.ext) == ("справка.pdf", "application/pdf", ".pdf")
    for data, name, reason in ((b"MZ\x90\x00", "virus.pdf", "kind"), (b"", "e.pdf", "empty"),
                               (PDF + b"0" * 100, "big.pdf", "size"),
                               (b"GIF89a", "a.gif", "kind")):  # GIF is not a scan
        with pytest.raises(uploads.UploadError) as refused:
            uploads.check(upload(data, name), uploads.SCANS, max_bytes=100)
        assert refused.value.reason == reason and refused.value.message


def test_store_is_owner_only_and_keys_cannot_leave_the_folder(app, tmp_path):
    key = uploads.store("things", uploads.Upload("a.pdf", "application/pdf", ".pdf", PDF))
    path = uploads.path_of("things", key)
    assert path.read_bytes() == PDF and oct(os.stat(path).st_mode & 0o777) == "0o600"
    assert oct(os.stat(path.parent).st_mode & 0o777) == "0o700"
    for bad in ("", "../things/" + key, "/etc/passwd", ".hidden", "a\\b"):
        assert uploads.path_of("things", bad) is None
    assert uploads.path_of("other", key) is None
    uploads.remove("things", key)
    assert uploads.path_of("things", key) is None
