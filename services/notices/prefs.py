"""Which notices a parent gets: the kinds the school sends (School.notice_kinds) that the
parent has not switched off (NoticeSetting.kinds; no row: DEFAULT_KINDS)."""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from extensions import db
from models import NoticeSetting, School
from models.notices import NOTICE_KINDS

# Homework notices are many (one per lesson): a parent switches them on if wanted.
DEFAULT_KINDS = frozenset(NOTICE_KINDS) - {"homework"}


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


def wanted(user_ids: Iterable[int]) -> dict[int, frozenset[str]]:
    """For each parent account: the kinds it gets (the school's, less what it switched off).
    Two queries whatever the number of parents."""
    ids = set(user_ids)
    if not ids:
        return {}
    school = school_kinds()
    own = dict(db.session.execute(select(NoticeSetting.user_id, NoticeSetting.kinds)
                                  .where(NoticeSetting.user_id.in_(ids))).all())
    return {uid: school & (parse_kinds(own[uid]) if uid in own else DEFAULT_KINDS)
            for uid in ids}


def setting_of(user_id: int) -> NoticeSetting:
    """The parent's stored setting, or an unsaved one with the defaults."""
    row = db.session.get(NoticeSetting, user_id)
    return row or NoticeSetting(user_id=user_id, kinds=join_kinds(DEFAULT_KINDS), push=False,
                                email="", email_mode="off")
