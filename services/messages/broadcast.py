"""One message to all parents of a class (its class teacher, the administration) or of a
parallel (the administration): one conversation per parent account, sharing a broadcast key,
the same subject and first message, so that each parent answers privately."""
from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import and_, case, func, select

from extensions import db
from models import Guardian, Pupil, SchoolClass, User
from models.messages import Conversation, ConversationMember, Message
from models.users import UserRole
from services import policy
from services.messages import MessageError
from services.messages.conversations import start
from services.messages.text import clean_body, clean_subject


def allowed_classes(user: User) -> list[SchoolClass]:
    """The classes whose parents this user may write to at once, in order."""
    ids = policy.broadcast_class_ids(user)
    if not ids:
        return []
    return list(db.session.scalars(select(SchoolClass).where(SchoolClass.id.in_(ids))
                                   .order_by(SchoolClass.grade, SchoolClass.letter)))


def target_class_ids(user: User, class_id: int | None, grade: int | None) -> list[int]:
    """The classes of one target: a class, or a whole parallel for the administration.

    Raises MessageError (403) for a class or a parallel out of the user's reach."""
    classes = allowed_classes(user)
    if class_id is not None and grade is None:
        if all(c.id != class_id for c in classes):
            raise MessageError(_("You cannot write to the parents of this class."), "target",
                               403)
        return [class_id]
    if grade is not None and class_id is None and policy.may_broadcast_parallel(user):
        ids = [c.id for c in classes if c.grade == grade]
        if ids:
            return ids
    raise MessageError(_("Choose a class or a parallel."), "target")


def parents_of(class_ids: list[int]) -> list[tuple[User, Pupil]]:
    """Each active parent account of the classes once, with (the first of) their children
    there (one query)."""
    rows = db.session.execute(
        select(User, Pupil).join(Guardian, Guardian.person_id == User.person_id)
        .join(Pupil, Pupil.id == Guardian.pupil_id)
        .join(UserRole, and_(UserRole.user_id == User.id, UserRole.role == "parent"))
        .where(Pupil.class_id.in_(class_ids), User.active).order_by(User.id, Pupil.id)).all()
    seen: dict[int, tuple[User, Pupil]] = {}
    for user, pupil in rows:
        seen.setdefault(user.id, (user, pupil))
    return list(seen.values())


def send(sender: User, class_ids: list[int], subject: str, body: str) -> tuple[str, int]:
    """Start one conversation per parent; (the broadcast key, how many parents).

    Raises MessageError for bad text or when the classes have no parent with an account."""
    subject, body = clean_subject(subject), clean_body(body, False)
    parents = [(u, p) for u, p in parents_of(class_ids) if u.id != sender.id]
    if not parents:
        raise MessageError(_("No parent of these classes has an account yet."), "target")
    key = secrets.token_hex(16)
    for parent, pupil in parents:
        start(sender, parent, subject, body, pupil=pupil, broadcast_key=key)
    return key, len(parents)


@dataclass
class SentBroadcast:
    key: str
    subject: str
    total: int
    read: int
    answered: int
    sent_at: dt.datetime


def sent_by(user: User, limit: int = 10) -> list[SentBroadcast]:
    """The user's latest messages to classes: how many parents got, read and answered each
    (one grouped query)."""
    other = ConversationMember
    # A parent wrote back (the sender's own follow-up is no answer).
    answered = select(Message.id).where(Message.conversation_id == Conversation.id,
                                        Message.sender_id != user.id).exists()
    rows = db.session.execute(
        select(Conversation.broadcast_key, func.min(Conversation.subject), func.count(),
               func.sum(case((other.read_upto > 0, 1), else_=0)),
               func.sum(case((answered, 1), else_=0)),
               func.max(Conversation.created_at))
        .join(other, and_(other.conversation_id == Conversation.id, other.user_id != user.id))
        .where(Conversation.started_by == user.id, Conversation.broadcast_key.is_not(None))
        .group_by(Conversation.broadcast_key)
        .order_by(func.max(Conversation.created_at).desc()).limit(limit))
    return [SentBroadcast(k, s, n, int(r or 0), int(a or 0), at) for k, s, n, r, a, at in rows]
