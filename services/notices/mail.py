"""Notices by e-mail through the school's own SMTP relay (issue 20; config.delivery_config).

A letter names the child by first name and says what happened (the subject, the date, the
mark), in the parent's language, with the link to the app. An absence goes without its
reason: illness is health data (DOMAIN.md 9) and a letter leaves the school's server.
Addresses and contents are never logged; user ids are.
"""
from __future__ import annotations

import datetime as dt
import logging
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from extensions import db
from models import Notice, NoticeSetting, School
from services.notices import push

log = logging.getLogger(__name__)
TIMEOUT = 30  # seconds for the relay to answer


def configured() -> bool:
    """True when the school has an SMTP relay and a sender address."""
    config = current_app.config
    return bool(config.get("SMTP_HOST") and config.get("SMTP_FROM"))


@dataclass(frozen=True)
class Letter:
    user_id: int
    message: EmailMessage


def letters(fresh: dict[int, list[int]], digests: set[int], locales: dict[int, str],
            day: dt.date) -> list[Letter]:
    """The letters of one run: for each parent with e-mail on, one letter with their new
    notices ('each'), or their digest when it is due. A fixed number of queries (the
    notices are described once per language)."""
    if not fresh:
        return []
    settings = {s.user_id: s for s in db.session.scalars(select(NoticeSetting).where(
        NoticeSetting.user_id.in_(fresh), NoticeSetting.email != "",
        NoticeSetting.email_mode.in_(("each", "digest"))))}
    wanted = [uid for uid in sorted(fresh) if uid in settings and (
        settings[uid].email_mode == "each" or uid in digests)]
    if not wanted:
        return []
    items = _items({uid: fresh[uid] for uid in wanted}, locales)
    url = (db.session.scalar(select(School.server_url).order_by(School.id).limit(1))
           or "").rstrip("/")
    out = []
    for uid in wanted:
        if items.get(uid):
            with force_locale(locales.get(uid, "ru")):
                out.append(Letter(uid, compose(settings[uid], items[uid], url, day)))
    return out


def _items(notice_ids: dict[int, list[int]], locales: dict[int, str]) -> dict[int, list]:
    """Each parent's notices as the inbox describes them (without absence reasons), in
    the parent's language, oldest first; entries gone from the journal left out."""
    from services.notices import inbox  # the inbox reads each notice's content live

    owner = {n: uid for uid, ids in notice_ids.items() for n in ids}
    notices = list(db.session.scalars(select(Notice).where(Notice.id.in_(owner))
                                      .order_by(Notice.created_at, Notice.id)))
    out: dict[int, list] = {}
    for locale in sorted({locales.get(uid, "ru") for uid in notice_ids}):
        group = [n for n in notices if locales.get(owner[n.id], "ru") == locale]
        with force_locale(locale):
            for item in inbox.describe(group, health=False):
                if not item.gone:  # never another family's: grouped by the notice's owner
                    out.setdefault(owner[item.id], []).append(item)
    return out


def compose(setting: NoticeSetting, items: list, url: str, day: dt.date) -> EmailMessage:
    """One parent's letter in the current locale: a line per notice (services.notices.inbox
    Item: the child's first name and what happened), the link to the app. `day`: the
    school's date of the run."""
    digest = setting.email_mode == "digest"
    head = _("The day's notices from the diary:") if digest else _("New in the diary:")
    link = _("Open Tabel to see more: %(url)s", url=url + push.INBOX_PATH) if url else \
        _("Open Tabel to see more.")
    why = _("You get these letters because you asked for them in Tabel's notice settings; "
            "switch them off there.")
    lines = [f"— {item.child}: {item.text}" for item in items]
    message = EmailMessage()
    message["Subject"] = (_("Tabel: the day's notices, %(date)s",
                            date=day.strftime("%d.%m.%Y")) if digest
                          else _("Tabel: new in the diary"))
    sender = current_app.config["SMTP_FROM"]
    message["From"], message["To"], message["Date"] = sender, setting.email, formatdate()
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    message["Auto-Submitted"] = "auto-generated"  # no auto-replies back (RFC 3834)
    message.set_content("\n".join([head, "", *lines, "", link, "", why]) + "\n")
    return message


# -- sending -----------------------------------------------------------------------------------

def _connect() -> smtplib.SMTP:
    config = current_app.config
    host, port = config["SMTP_HOST"], int(config["SMTP_PORT"])
    if config.get("SMTP_SSL"):
        relay: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=TIMEOUT,
                                               context=ssl.create_default_context())
    else:
        relay = smtplib.SMTP(host, port, timeout=TIMEOUT)
        if config.get("SMTP_STARTTLS"):
            relay.starttls(context=ssl.create_default_context())
    if config.get("SMTP_USER"):
        relay.login(config["SMTP_USER"], config.get("SMTP_PASSWORD", ""))
    return relay


def _permanent(error: smtplib.SMTPException) -> bool:
    """A refusal the relay will repeat (5xx): an address that does not exist."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _msg in error.recipients.values())
    return isinstance(error, smtplib.SMTPResponseException) and error.smtp_code >= 500


def send_all(out: list[Letter]) -> set[int]:
    """Send the letters through one connection to the relay. Returns the users whose letter
    failed for now (to be tried again); a permanent refusal is logged, not retried."""
    if not out:
        return set()
    try:
        relay = _connect()
    except (OSError, smtplib.SMTPException) as error:
        log.warning("the mail relay cannot be reached: %s", type(error).__name__)
        return {letter.user_id for letter in out}
    failed: set[int] = set()
    with relay:
        for i, letter in enumerate(out):
            try:
                relay.send_message(letter.message)
            except smtplib.SMTPServerDisconnected:
                failed.update(rest.user_id for rest in out[i:])
                break
            except smtplib.SMTPException as error:
                if not _permanent(error):
                    failed.add(letter.user_id)
                log.warning("e-mail to user %s refused: %s", letter.user_id,
                            getattr(error, "smtp_code", type(error).__name__))
            except OSError as error:
                log.warning("e-mail to user %s failed: %s", letter.user_id,
                            type(error).__name__)
                failed.update(rest.user_id for rest in out[i:])
                break
    return failed
