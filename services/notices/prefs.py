"""Which notices a parent gets: the kinds the school sends (School.notice_kinds) that the
parent has not switched off (NoticeSetting.kinds; no row: DEFAULT_KINDS)."""
from __future__ import annotations

import re
from collections.abc import Iterable

from flask_babel import gettext as _
from sqlalchemy import select

from extensions import db
from models import NoticeSetting, School
from models.notices import EMAIL_MODES, NOTICE_KINDS

# Homework notices are many (one per lesson): a parent switches them on if wanted.
DEFAULT_KINDS = frozenset(NOTICE_KINDS) - {"homework"}
EMAIL_MAX = 254
# An ordinary address in Latin letters: nothing a mail header could be split on.
_EMAIL = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@(?:[A-Za-z0-9](?:[A-Za-z0-9-]*"
                    r"[A-Za-z0-9])?\.)+[A-Za-z][A-Za-z0-9-]*[A-Za-z0-9]")


def kind_labels() -> dict[str, str]:
    """What each kind is called on the parent's settings page, in NOTICE_KINDS order."""
    return {"absence": _("Absences, the same day"), "mark": _("Every new mark"),
            "low_mark": _("Only marks below 3"), "homework": _("Homework"),
            "predicted": _("The teacher's warning of a low period mark"),
            "period": _("Period marks")}


class SettingsError(Exception):
    """A setting that cannot be saved; .message is for the user, .field names the field."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message, self.field = message, field


def parse_kinds(text: str | None) -> frozenset[str]:
    """The known kinds in a stored comma list (anything else is left out)."""
    return frozenset(k for k in (text or "").split(",") if k in NOTICE_KINDS)


def join_kinds(kinds: Iterable[str]) -> str:
    """A comma list in the canonical order, for storing."""
    wanted = set(kinds)
    return ",".join(k for k in NOTICE_KINDS if k in wanted)


def school_kinds() -> frozenset[str]:
    """The kinds the school sends at all."""
    text = db.session.scalar(select(School.notice_kinds).order_by(School.id).limit(1))
    return parse_kinds(text) if text is not None else frozenset(NOTICE_KINDS)


def kinds_of(school: frozenset[str], own: str | None) -> frozenset[str]:
    """The kinds a parent gets: the school's, less what the parent switched off (own: the
    stored comma list, None without a setting row)."""
    return school & (parse_kinds(own) if own is not None else DEFAULT_KINDS)


def wanted(user_ids: Iterable[int]) -> dict[int, frozenset[str]]:
    """For each parent account: the kinds it gets (the school's, less what it switched off).
    Two queries whatever the number of parents."""
    ids = set(user_ids)
    if not ids:
        return {}
    school = school_kinds()
    own = dict(db.session.execute(select(NoticeSetting.user_id, NoticeSetting.kinds)
                                  .where(NoticeSetting.user_id.in_(ids))).all())
    return {uid: kinds_of(school, own.get(uid)) for uid in ids}


def setting_of(user_id: int) -> NoticeSetting:
    """The parent's stored setting, or an unsaved one with the defaults."""
    row = db.session.get(NoticeSetting, user_id)
    return row or NoticeSetting(user_id=user_id, kinds=join_kinds(DEFAULT_KINDS), push=False,
                                email="", email_mode="off")


def save(user_id: int, kinds: Iterable[str], email: str | None = None,
         email_mode: str | None = None) -> NoticeSetting:
    """Store what the parent chose (not committed). `kinds`: the kinds wanted among those
    the school sends; a kind the school does not send now keeps the parent's earlier
    choice. `email`/`email_mode` None: not offered (no SMTP relay), kept as they were.
    Raises SettingsError (nothing changed) for an unknown kind or mode, a malformed or
    over-long address, or an e-mail mode without an address."""
    chosen = set(kinds)
    if not chosen <= set(NOTICE_KINDS):
        raise SettingsError(_("Choose the notices from the list."), "kinds")
    setting = setting_of(user_id)
    offered = school_kinds()
    kept = parse_kinds(setting.kinds) - offered
    if email is not None or email_mode is not None:
        setting.email, setting.email_mode = _clean_email(email or "", email_mode or "off")
    setting.kinds = join_kinds((chosen & offered) | kept)
    if setting not in db.session:
        db.session.add(setting)
    return setting


def _clean_email(email: str, mode: str) -> tuple[str, str]:
    if mode not in EMAIL_MODES:
        raise SettingsError(_("Choose how e-mail should come."), "email_mode")
    email = email.strip()
    if len(email) > EMAIL_MAX:
        raise SettingsError(_("The address is too long: at most %(max)d characters.",
                              max=EMAIL_MAX), "email")
    if email and not _EMAIL.fullmatch(email):
        raise SettingsError(_("This is not an e-mail address: write it as name@example.ru, "
                              "in Latin letters."), "email")
    if mode != "off" and not email:
        raise SettingsError(_("Write the address the e-mail should go to."), "email")
    return email, mode


def clean_school_kinds(text: str) -> str:
    """The school's setting as typed ("absence, mark") -> the canonical comma list; an
    unknown word raises ValueError with the message shown next to the field."""
    parts = [p for p in (text or "").replace(" ", "").split(",") if p]
    bad = next((p for p in parts if p not in NOTICE_KINDS), None)
    if bad is not None:
        raise ValueError(_("“%(part)s” is not a kind of notice: write some of %(kinds)s "
                           "separated by commas.", part=bad, kinds=", ".join(NOTICE_KINDS)))
    return join_kinds(parts)
