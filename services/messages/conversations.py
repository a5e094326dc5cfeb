"""Conversations: start one, reply, mark read, the inbox and a thread.

Every message updates its members' rows in the same transaction (the unread counter of the
others, everybody's last_message_at, the sender's read mark), so that the inbox and the
header's badge read one member row per conversation and never count messages.
Nothing here commits: the view commits once.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import and_, func, not_, select, update
from sqlalchemy.orm import aliased, selectinload
from werkzeug.datastructures import FileStorage

from extensions import db
from models import Person, Pupil, User
from models.messages import Conversation, ConversationMember, Message, MessageAttachment
from services import clock, policy, uploads
from services.messages import MessageError
from services.messages.text import clean_body, clean_subject, preview
from services.notices.inbox import unseen_subquery as unseen_notices

AREA = "messages"
MAX_FILES = 3
FILE_MAX = 5 * uploads.MB
PAGE_SIZE = 30


def utc_now() -> dt.datetime:
    """Now as stored: naive UTC (as the other stored instants)."""
    return clock.utcnow().replace(tzinfo=None)


def check_files(files: list[FileStorage]) -> list[uploads.Upload]:
    """The chosen files checked by content and size (at most MAX_FILES).

    Raises MessageError naming the first file refused."""
    chosen = [f for f in files if f is not None and f.filename]
    if len(chosen) > MAX_FILES:
        raise MessageError(_("Attach at most %(n)d files.", n=MAX_FILES), "files")
    try:
        return [u for u in (uploads.check(f, uploads.DOCUMENTS, FILE_MAX) for f in chosen) if u]
    except uploads.UploadError as error:
        raise MessageError(error.message, "files") from None


def _family_sender(user: User) -> bool:
    """A parent writing as a parent: their message waits for a reply (001 3.2.5)."""
    return user.has_role("parent") and not policy.is_staff(user)


def _check_pupil(sender: User, recipient: User, pupil: Pupil | None) -> None:
    """The child a conversation is about must be the family's own child."""
    if pupil is None:
        return
    family = recipient if policy.is_staff(sender) else sender
    if all(k.id != pupil.id for k in policy.children_of(family)):
        raise MessageError(_("Choose one of the family's children."), "to")


def start(sender: User, recipient: User | None, subject: str, body: str,
          files: list[uploads.Upload] = (), pupil: Pupil | None = None,
          broadcast_key: str | None = None) -> Conversation:
    """A new conversation of sender and recipient with its first message.

    Raises MessageError (status 403) when policy.can_message refuses, or for bad text."""
    if not policy.can_message(sender, recipient):
        raise MessageError(_("You cannot write to this person."), "to", 403)
    _check_pupil(sender, recipient, pupil)
    subject, body = clean_subject(subject), clean_body(body, bool(files))
    now = utc_now()
    conversation = Conversation(subject=subject, started_by=sender.id, created_at=now,
                                last_message_at=now, broadcast_key=broadcast_key,
                                pupil_id=pupil.id if pupil else None)
    db.session.add(conversation)
    db.session.flush()
    db.session.add_all([ConversationMember(conversation_id=conversation.id, user_id=u.id,
                                           last_message_at=now)
                        for u in (sender, recipient)])
    db.session.flush()
    post(conversation, sender, body, files, now)
    return conversation


def reply(sender: User, conversation: Conversation, body: str,
          files: list[uploads.Upload] = ()) -> Message:
    """A member's answer. Raises MessageError (404) for a non-member, or for bad text."""
    if member_row(sender.id, conversation.id) is None:
        raise MessageError(_("There is no such conversation."), None, 404)
    return post(conversation, sender, clean_body(body, bool(files)), files, utc_now())


def post(conversation: Conversation, sender: User, body: str,
         files: list[uploads.Upload], now: dt.datetime) -> Message:
    """Insert a message (checked text) with its files and bring the members' rows along."""
    message = Message(conversation_id=conversation.id, sender_id=sender.id, body=body,
                      sent_at=now)
    db.session.add(message)
    db.session.flush()
    for upload in files:
        db.session.add(MessageAttachment(message_id=message.id, filename=upload.name,
                                         stored_name=uploads.store(AREA, upload),
                                         content_type=upload.mime, size=len(upload.data)))
    members = ConversationMember.__table__.c
    db.session.execute(update(ConversationMember).where(
        members.conversation_id == conversation.id, members.user_id != sender.id)
        .values(unread=members.unread + 1, last_message_at=now)
        .execution_options(synchronize_session=False))
    db.session.execute(update(ConversationMember).where(
        members.conversation_id == conversation.id, members.user_id == sender.id)
        .values(unread=0, read_upto=message.id, last_message_at=now)
        .execution_options(synchronize_session=False))
    conversation.last_message_at = now
    if _family_sender(sender):
        conversation.awaiting_reply_since = conversation.awaiting_reply_since or now
    elif policy.is_staff(sender):
        conversation.awaiting_reply_since = None
    return message


def member_row(user_id: int, conversation_id: int) -> ConversationMember | None:
    return db.session.get(ConversationMember, (conversation_id, user_id))


def has_unseen(member: ConversationMember, last_id: int) -> bool:
    """Whether the thread up to message last_id holds something the member has not seen (a
    visit to a read thread then writes nothing, and takes no write lock)."""
    return member.unread > 0 or member.read_upto < last_id


def mark_read(member: ConversationMember, last_id: int) -> bool:
    """The member has seen the thread up to message last_id; False when nothing changed."""
    if not has_unseen(member, last_id):
        return False
    member.unread, member.read_upto = 0, max(member.read_upto, last_id)
    return True


def _unread_sum(user_id: int):
    return (select(func.coalesce(func.sum(ConversationMember.unread), 0))
            .where(ConversationMember.user_id == user_id).scalar_subquery())


def unread_count(user_id: int) -> int:
    """The header's badge: one indexed sum over the user's member rows."""
    return db.session.scalar(select(_unread_sum(user_id))) or 0


def unread_with_notices(user_id: int) -> tuple[int, int]:
    """A parent's badge: unread messages and unseen journal notices, in one statement (two
    indexed subqueries), so the poll costs the same for a parent."""
    row = db.session.execute(select(_unread_sum(user_id), unseen_notices(user_id))).one()
    return int(row[0] or 0), int(row[1] or 0)


@dataclass
class InboxRow:
    conversation_id: int
    subject: str
    other: str
    about: str | None
    preview: str
    unread: int
    last_at: dt.datetime
    awaiting_since: dt.datetime | None
    broadcast: bool


def inbox(user: User, page: int = 0) -> tuple[list[InboxRow], bool]:
    """A page of the user's conversations, newest first, and whether more follow: one
    statement (the other member, the child and the last message are joined in). A message
    the user sent to a whole class is listed per parent only once that parent answered."""
    me, other = aliased(ConversationMember), aliased(ConversationMember)
    kid = aliased(Person)
    last_body = (select(Message.body).where(Message.conversation_id == me.conversation_id)
                 .order_by(Message.id.desc()).limit(1).correlate(me).scalar_subquery())
    silent_broadcast = and_(Conversation.broadcast_key.is_not(None),
                            Conversation.started_by == user.id,
                            Conversation.last_message_at == Conversation.created_at)
    rows = db.session.execute(
        select(me.conversation_id, Conversation.subject, Person.last_name, Person.first_name,
               Person.patronymic, kid.last_name, kid.first_name, func.substr(last_body, 1, 200),
               me.unread, me.last_message_at, Conversation.awaiting_reply_since,
               Conversation.broadcast_key)
        .join(Conversation, Conversation.id == me.conversation_id)
        .join(other, and_(other.conversation_id == me.conversation_id,
                          other.user_id != me.user_id))
        .join(User, User.id == other.user_id).join(Person, Person.id == User.person_id)
        .outerjoin(Pupil, Pupil.id == Conversation.pupil_id)
        .outerjoin(kid, kid.id == Pupil.person_id)
        .where(me.user_id == user.id, not_(silent_broadcast))
        .order_by(me.last_message_at.desc(), me.conversation_id.desc())
        .offset(page * PAGE_SIZE).limit(PAGE_SIZE + 1)).all()
    out = [InboxRow(r[0], r[1], Person.short_of(r[2], r[3], r[4]),
                    f"{r[5]} {r[6]}" if r[5] else None, preview(r[7] or ""), r[8], r[9],
                    r[10], r[11] is not None) for r in rows[:PAGE_SIZE]]
    return out, len(rows) > PAGE_SIZE


@dataclass
class Thread:
    conversation: Conversation
    me: ConversationMember
    other: ConversationMember | None
    messages: list[Message]

    def read_by_other(self, message: Message) -> bool:
        """The read receipt of one's own message: the other member has seen it."""
        return self.other is not None and self.other.read_upto >= message.id


def thread(user: User, conversation_id: int) -> Thread | None:
    """A conversation the user is a member of, with its messages oldest first (3 queries:
    the conversation with its members, the messages with their senders, the files); None
    for a conversation that does not exist or is not theirs."""
    conversation = db.session.scalar(select(Conversation).where(
        Conversation.id == conversation_id).options(
        selectinload(Conversation.members).joinedload(ConversationMember.user)))
    if conversation is None:
        return None
    members = {m.user_id: m for m in conversation.members}
    if user.id not in members:
        return None
    messages = list(db.session.scalars(
        select(Message).where(Message.conversation_id == conversation_id)
        .order_by(Message.id)))
    other = next((m for uid, m in members.items() if uid != user.id), None)
    return Thread(conversation, members[user.id], other, messages)


def attachment_for(user: User, attachment_id: int) -> MessageAttachment | None:
    """A file of a conversation the user is a member of, else None (one query)."""
    return db.session.scalar(
        select(MessageAttachment).join(Message, Message.id == MessageAttachment.message_id)
        .join(ConversationMember, and_(
            ConversationMember.conversation_id == Message.conversation_id,
            ConversationMember.user_id == user.id))
        .where(MessageAttachment.id == attachment_id))
