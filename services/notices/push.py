"""Web Push to parents' browsers with the school's own VAPID keys (issue 20).

A push passes through the browser vendor's service (Google, Mozilla, Apple, Microsoft), so
it carries no name, mark, subject, date or id: only a generic "something new" in the
parent's language and the inbox's path. The app shows the content after sign-in.

The key pair is made on first use in the instance folder (owner-only, created exclusively:
several server processes may start at once). A subscription's endpoint is a URL the server
will POST to, so only https addresses of the known push services are accepted (PUSH_HOSTS;
the tests add their local server).
"""
from __future__ import annotations

import base64
import binascii
import json
import logging
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from flask import current_app
from flask_babel import gettext as _
from py_vapid import Vapid, VapidException
from pywebpush import WebPushException, webpush
from sqlalchemy import delete, func, select

from config import read_or_create
from extensions import db
from models import NoticeSetting, PushSubscription, School
from services.notices import prefs

log = logging.getLogger(__name__)
INBOX_PATH = "/notices/"
TTL = 24 * 3600  # a phone off for a day still hears of it; older news waits in the app
TIMEOUT = 10  # seconds per push service answer
# The push services of the browsers parents use (Chrome, Edge, Firefox, Safari, Yandex...).
PUSH_HOSTS = ("fcm.googleapis.com", "push.services.mozilla.com", "push.apple.com",
              "notify.windows.com")
ENDPOINT_MAX = 1000


class PushError(Exception):
    """A subscription that cannot be stored; .message is for the user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# -- the school's key pair ---------------------------------------------------------------------

def _key_file() -> Path:
    return Path(current_app.config.get("VAPID_KEY_FILE")
                or Path(current_app.instance_path) / "vapid_private.pem")


def _new_pem() -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode("ascii")


@cache
def _vapid(pem: str) -> Vapid:
    return Vapid.from_pem(pem.encode("ascii"))


def vapid() -> Vapid:
    """The school's VAPID key pair, made on first use."""
    return _vapid(read_or_create(_key_file(), _new_pem))


def public_key() -> str:
    """The public key as the browser's PushManager wants it (base64url, no padding)."""
    raw = vapid().public_key.public_bytes(serialization.Encoding.X962,
                                          serialization.PublicFormat.UncompressedPoint)
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def subject() -> str:
    """Who the push services may contact about this server: the configured subject, else
    the sender address of the e-mails, else the school's https address."""
    config = current_app.config
    if config.get("VAPID_SUBJECT"):
        return config["VAPID_SUBJECT"]
    if config.get("SMTP_FROM"):
        return f"mailto:{config['SMTP_FROM']}"
    url = db.session.scalar(select(School.server_url).order_by(School.id).limit(1)) or ""
    return url.rstrip("/") if url.startswith("https://") else "mailto:tabel@localhost"


# -- subscriptions -----------------------------------------------------------------------------

def _b64(text: object, size: int) -> bytes | None:
    """Decoded base64url of exactly `size` bytes, else None."""
    if not isinstance(text, str) or not re.fullmatch(r"[A-Za-z0-9_-]+={0,2}", text):
        return None
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return None
    return raw if len(raw) == size else None


def _endpoint_ok(endpoint: object) -> bool:
    if not isinstance(endpoint, str) or len(endpoint) > ENDPOINT_MAX:
        return False
    parts = urlsplit(endpoint)
    host = (parts.hostname or "").lower()
    hosts = current_app.config.get("PUSH_HOSTS") or PUSH_HOSTS
    known = any(host == h or host.endswith("." + h) for h in hosts)
    secure = parts.scheme == "https" or (parts.scheme == "http"
                                         and current_app.config.get("PUSH_HTTP_OK", False))
    return known and secure and not parts.username and not parts.password


def subscribe(user_id: int, data: object) -> PushSubscription:
    """Store a browser's subscription ({"endpoint", "keys": {"p256dh", "auth"}}, as
    PushSubscription.toJSON() gives it) for the parent and switch push on. A browser that
    another account of the same device subscribed before moves to this one. Raises
    PushError for anything that is not a push service's subscription."""
    keys = data.get("keys") if isinstance(data, dict) else None
    endpoint = data.get("endpoint") if isinstance(data, dict) else None
    p256dh = keys.get("p256dh") if isinstance(keys, dict) else None
    auth = keys.get("auth") if isinstance(keys, dict) else None
    point = _b64(p256dh, 65)
    if not _endpoint_ok(endpoint) or point is None or point[0] != 4 or _b64(auth, 16) is None:
        raise PushError(_("This browser's push subscription could not be read."))
    row = db.session.scalar(select(PushSubscription).where(
        PushSubscription.endpoint == endpoint))
    if row is None:
        row = PushSubscription(endpoint=endpoint)
        db.session.add(row)
    row.user_id, row.p256dh, row.auth, row.failures = user_id, p256dh, auth, 0
    _switch(user_id, True)
    return row


def unsubscribe(user_id: int, endpoint: object) -> None:
    """Forget this parent's subscription of one browser (never another account's); push
    goes off when no browser of theirs is left."""
    if isinstance(endpoint, str):
        db.session.execute(delete(PushSubscription).where(
            PushSubscription.user_id == user_id, PushSubscription.endpoint == endpoint))
    if not devices(user_id):
        _switch(user_id, False)


# The session keeps the id of the subscription this browser made, for sign-out.
SESSION_KEY = "push_subscription"


def forget_browsers(user_id: int, subscription_id: int | None = None) -> None:
    """At sign-out: forget the browser signing out (its subscription's id, kept in its
    session), or every browser of the parent ("sign out everywhere"), so a shared computer
    stops receiving the parent's pushes."""
    where = [PushSubscription.user_id == user_id]
    if subscription_id is not None:
        where.append(PushSubscription.id == subscription_id)
    gone = db.session.execute(delete(PushSubscription).where(*where)).rowcount
    if gone and not devices(user_id):
        _switch(user_id, False)


def own_browser(user_id: int, endpoint: object) -> PushSubscription | None:
    """The parent's subscription of the browser with this endpoint, if the server has it."""
    if not isinstance(endpoint, str) or not endpoint:
        return None
    return db.session.scalar(select(PushSubscription).where(
        PushSubscription.user_id == user_id, PushSubscription.endpoint == endpoint))


def devices(user_id: int) -> int:
    """How many browsers of the parent receive push."""
    return db.session.scalar(select(func.count()).select_from(PushSubscription).where(
        PushSubscription.user_id == user_id)) or 0


def _switch(user_id: int, on: bool) -> None:
    setting = prefs.setting_of(user_id)
    setting.push = on
    if setting not in db.session:
        db.session.add(setting)


@dataclass(frozen=True)
class Browser:
    """A subscription as read for sending: plain values, kept while no transaction is."""

    id: int
    user_id: int
    endpoint: str
    p256dh: str
    auth: str


def subscribed(user_ids: set[int]) -> list[Browser]:
    """The browsers of these parents that have push on (one query)."""
    if not user_ids:
        return []
    rows = db.session.execute(
        select(PushSubscription.id, PushSubscription.user_id, PushSubscription.endpoint,
               PushSubscription.p256dh, PushSubscription.auth)
        .join(NoticeSetting, NoticeSetting.user_id == PushSubscription.user_id)
        .where(PushSubscription.user_id.in_(user_ids), NoticeSetting.push.is_(True))
        .order_by(PushSubscription.id))
    return [Browser(*row) for row in rows]


# -- sending -----------------------------------------------------------------------------------

def payload() -> str:
    """What a push carries, in the current locale: nothing about anyone."""
    return json.dumps({"title": _("Tabel"), "body": _("Something new in the diary"),
                       "url": INBOX_PATH}, ensure_ascii=False)


@dataclass(frozen=True)
class Sent:
    """How one push went: "sent", "gone" (the browser dropped it: 404/410) or "failed"."""

    outcome: str
    status: int | None = None


def send(sub: Browser, data: str, who: str) -> Sent:
    """Encrypt `data` for the browser and hand it to its push service, signed for `who`
    (subject()). Never raises."""
    info = {"endpoint": sub.endpoint, "keys": {"p256dh": sub.p256dh, "auth": sub.auth}}
    try:
        # A fresh claims dict each time: pywebpush writes the audience and expiry into it.
        webpush(info, data=data, vapid_private_key=vapid(), vapid_claims={"sub": who},
                ttl=TTL, timeout=TIMEOUT)
    except WebPushException as error:
        status = error.response.status_code if error.response is not None else None
        return Sent("gone" if status in (404, 410) else "failed", status)
    except (requests.RequestException, VapidException, ValueError) as error:
        log.warning("push to subscription %s failed: %s", sub.id, type(error).__name__)
        return Sent("failed")
    except Exception:  # one browser's odd answer must not stop the others' pushes
        log.exception("push to subscription %s failed", sub.id)
        return Sent("failed")
    return Sent("sent", 201)
