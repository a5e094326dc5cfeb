"""Messages between people the school allows to talk (issue 20; DOMAIN.md 7, 001 3.2.5).

contacts: whom a user may pick as a recipient; conversations: start, reply, read, the inbox
and a thread; broadcast: one message to all parents of a class or a parallel; reply_rule:
parents' messages left unanswered beyond the school's limit; text: the limits of a message.
Who may write to whom is decided by services.policy.can_message only.
"""
from __future__ import annotations


class MessageError(Exception):
    """A message refused, with the reason in the user's language and the field it concerns."""

    def __init__(self, message: str, field: str | None = None, status: int = 422) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.status = status
