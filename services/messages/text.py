"""A message's text: plain text only, checked against its limits, never truncated.

It is shown through the `rich_text` filter (blueprints/web.py): escaped, line breaks kept,
http(s) links made clickable with rel="noopener noreferrer nofollow", nothing else markup.
"""
from __future__ import annotations

from flask_babel import gettext as _

from models.messages import BODY_MAX, SUBJECT_MAX
from services.messages import MessageError


def clean_subject(subject: str | None) -> str:
    """The subject trimmed; refused when empty or longer than SUBJECT_MAX."""
    text = " ".join((subject or "").split())
    if not text:
        raise MessageError(_("Write a subject."), "subject")
    if len(text) > SUBJECT_MAX:
        raise MessageError(_("The subject is %(n)d characters long; at most %(max)d are "
                             "allowed.", n=len(text), max=SUBJECT_MAX), "subject")
    return text


def clean_body(body: str | None, has_files: bool) -> str:
    """The body with its line breaks (\\r\\n as \\n) and outer blank space trimmed; refused
    when longer than BODY_MAX, or empty with no file attached."""
    text = (body or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if len(text) > BODY_MAX:
        raise MessageError(_("The message is %(n)d characters long; at most %(max)d are "
                             "allowed.", n=len(text), max=BODY_MAX), "body")
    if not text and not has_files:
        raise MessageError(_("Write a message or attach a file."), "body")
    return text


def preview(body: str, limit: int = 100) -> str:
    """The first words of a message for the inbox (display only; the message is whole)."""
    flat = " ".join(body.split())
    return flat if len(flat) <= limit else flat[:limit - 1].rstrip() + "…"
