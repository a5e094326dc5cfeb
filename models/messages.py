"""Messages between people the school allows to talk (issue 20; DOMAIN.md 7, 001 3.2.5).

A conversation has members; each member keeps how far they have read (read receipts for the
sender) and an unread counter (the header's badge is one indexed sum, whatever the volume).
A message to all parents of a class or a parallel is one conversation per parent sharing a
broadcast key: each parent answers privately.
"""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db

if TYPE_CHECKING:
    from models.people import Pupil
    from models.users import User


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


SUBJECT_MAX = 150
BODY_MAX = 5000
FILENAME_MAX = 200


class Conversation(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(String(SUBJECT_MAX), default="")
    started_by: Mapped[int] = mapped_column(ForeignKey("user.id"))
    # The child a family's conversation is about (None between staff).
    pupil_id: Mapped[int | None] = mapped_column(ForeignKey("pupil.id"))
    # Conversations started by one message to the parents of a class or a parallel.
    broadcast_key: Mapped[str | None] = mapped_column(String(32), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=_now)
    last_message_at: Mapped[dt.datetime] = mapped_column(default=_now)
    # Set when a parent writes and cleared when a member of staff answers: the 2-school-day
    # reply rule (001 3.2.5) reads it.
    awaiting_reply_since: Mapped[dt.datetime | None]

    starter: Mapped[User] = relationship(foreign_keys=[started_by])
    pupil: Mapped[Pupil | None] = relationship()
    members: Mapped[list[ConversationMember]] = relationship(
        back_populates="conversation", cascade="all, delete-orphan")

    __table_args__ = (
        Index("ix_conversation_awaiting", "awaiting_reply_since"),
        # A sender's messages to whole classes (the staff inbox's "sent to classes").
        Index("ix_conversation_sender_broadcast", "started_by", "broadcast_key"),
    )


class ConversationMember(db.Model):
    __tablename__ = "conversation_member"

    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversation.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), primary_key=True)
    # The id of the last message this member has seen (read receipts) and how many are new.
    read_upto: Mapped[int] = mapped_column(default=0, server_default="0")
    unread: Mapped[int] = mapped_column(default=0, server_default="0")
    last_message_at: Mapped[dt.datetime] = mapped_column(default=_now)

    conversation: Mapped[Conversation] = relationship(back_populates="members")
    user: Mapped[User] = relationship()

    __table_args__ = (
        # The inbox: a member's conversations, newest first; the badge: the sum of unread.
        Index("ix_member_inbox", "user_id", "last_message_at"),
        CheckConstraint("unread >= 0", name="unread"),
    )


class Message(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversation.id", ondelete="CASCADE"))
    sender_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    body: Mapped[str] = mapped_column(Text, default="")
    sent_at: Mapped[dt.datetime] = mapped_column(default=_now)

    sender: Mapped[User] = relationship()
    attachments: Mapped[list[MessageAttachment]] = relationship(
        back_populates="message", cascade="all, delete-orphan", lazy="selectin")

    __table_args__ = (
        Index("ix_message_conversation", "conversation_id", "id"),
        CheckConstraint(f"length(body) <= {BODY_MAX}", name="body_length"),
    )


class MessageAttachment(db.Model):
    """A file sent with a message, stored under instance/ by a random name."""

    __tablename__ = "message_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("message.id", ondelete="CASCADE"),
                                            index=True)
    filename: Mapped[str] = mapped_column(String(FILENAME_MAX))
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]

    message: Mapped[Message] = relationship(back_populates="attachments")

    __table_args__ = (CheckConstraint("size >= 0", name="size"),)
