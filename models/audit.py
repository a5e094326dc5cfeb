"""Records that are written by the application and never edited in it."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import DDL, ForeignKey, Index, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column

from extensions import db


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class DiaryVisit(db.Model):
    """A parent or pupil opened the diary of a child: who, when, which child; nothing else."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupil.id"))
    at: Mapped[dt.datetime] = mapped_column(default=_now)

    __table_args__ = (Index("ix_diary_visit_at", "at"),)


class AuditEvent(db.Model):
    """Who changed what in the journal or in personal data, in which role, with old and new
    values. Append-only: the database itself refuses an UPDATE or a DELETE (triggers below).

    class_id and subject_id are copied in when the row is written (no foreign keys: a row
    outlives what it describes) so the deputy's log filters on an index, not on joins.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=_now)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    role: Mapped[str] = mapped_column(String(14), default="", server_default="")
    action: Mapped[str] = mapped_column(String(40))
    object_type: Mapped[str] = mapped_column(String(30))
    object_id: Mapped[int | None]
    pupil_id: Mapped[int | None] = mapped_column(ForeignKey("pupil.id"))
    class_id: Mapped[int | None]
    subject_id: Mapped[int | None]
    correction_id: Mapped[int | None]
    # The study period of a period mark's row (a page has one per period).
    period_id: Mapped[int | None]
    old: Mapped[str] = mapped_column(Text, default="")
    new: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (
        Index("ix_audit_event_at", "at"),
        Index("ix_audit_event_object", "object_type", "object_id", "pupil_id"),
        Index("ix_audit_event_pupil", "pupil_id", "at"),
        Index("ix_audit_event_user", "user_id", "at"),
        Index("ix_audit_event_class", "class_id", "at"),
        # A rare kind of change within one class (card reads of 7 «А») without walking the
        # class's year of journal rows.
        Index("ix_audit_event_class_action", "class_id", "action", "at"),
        Index("ix_audit_event_subject", "subject_id", "at"),
        Index("ix_audit_event_action", "action", "at"),
    )


# The audit trail is append-only in the database too, not only in the application's routes.
APPEND_ONLY_SQLITE = [
    f"CREATE TRIGGER IF NOT EXISTS audit_event_no_{verb.lower()} BEFORE {verb} ON audit_event "
    "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END"
    for verb in ("UPDATE", "DELETE")]
APPEND_ONLY_POSTGRESQL = [
    "CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$ BEGIN "
    "RAISE EXCEPTION 'audit_event is append-only'; END; $$ LANGUAGE plpgsql",
    "CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event "
    "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()"]

for _statement in APPEND_ONLY_SQLITE:
    event.listen(AuditEvent.__table__, "after_create",
                 DDL(_statement).execute_if(dialect="sqlite"))
for _statement in APPEND_ONLY_POSTGRESQL:
    event.listen(AuditEvent.__table__, "after_create",
                 DDL(_statement).execute_if(dialect="postgresql"))


DROP_APPEND_ONLY = {
    "sqlite": ["DROP TRIGGER IF EXISTS audit_event_no_update",
               "DROP TRIGGER IF EXISTS audit_event_no_delete"],
    "postgresql": ["DROP TRIGGER IF EXISTS audit_event_append_only ON audit_event"],
}
CREATE_APPEND_ONLY = {"sqlite": APPEND_ONLY_SQLITE, "postgresql": APPEND_ONLY_POSTGRESQL}


def wipe_audit_trail(connection) -> None:
    """Delete every audit row: only `flask demo --reset` does this, wiping the whole
    database of a demo school; the guard is lifted for that one statement and put back."""
    dialect = connection.dialect.name
    for statement in DROP_APPEND_ONLY.get(dialect, []):
        connection.exec_driver_sql(statement)
    connection.execute(AuditEvent.__table__.delete())
    for statement in CREATE_APPEND_ONLY.get(dialect, []):
        connection.exec_driver_sql(statement)
