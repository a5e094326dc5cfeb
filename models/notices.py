"""Notices to parents from the journal, news and calendar items, and delivery settings
(issue 20; DOMAIN.md 7).

A notice names its event (an absence at a lesson, a mark, homework, a period mark, the
teacher's predicted-mark warning); the pair (recipient, event) is unique, so an event gives a
notice once per parent however often it is saved. Its content is read from the journal when
shown, never copied: a corrected mark shows corrected, a deleted one takes its notice along.
"""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db

if TYPE_CHECKING:
    from models.people import Pupil
    from models.school import SchoolClass


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


NOTICE_KINDS = ("absence", "mark", "low_mark", "homework", "predicted", "period")
EMAIL_MODES = ("off", "each", "digest")
NEWS_AUDIENCES = ("all", "grade", "class", "staff")


class Notice(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupil.id"))
    kind: Mapped[str] = mapped_column(String(10))
    # What happened, e.g. "absence:<lesson>:<pupil>", "mark:<mark>", "period:<page>:<period>:
    # <pupil>", "points:<work>:<pupil>": the unique key that makes a notice once per event and parent.
    event: Mapped[str] = mapped_column(String(60))
    lesson_id: Mapped[int | None] = mapped_column(ForeignKey("lesson.id", ondelete="CASCADE"))
    mark_id: Mapped[int | None] = mapped_column(ForeignKey("mark.id", ondelete="CASCADE"))
    page_id: Mapped[int | None] = mapped_column(
        ForeignKey("subject_page.id", ondelete="CASCADE"))
    period_id: Mapped[int | None] = mapped_column(ForeignKey("study_period.id"))
    # A summative work's points ("points:<work>:<pupil>", issue 21): removing the work takes
    # its notices along, as a deleted mark does.
    work_id: Mapped[int | None] = mapped_column(
        ForeignKey("summative_work.id", ondelete="CASCADE"))
    created_at: Mapped[dt.datetime] = mapped_column(default=_now)
    seen_at: Mapped[dt.datetime | None]
    # Delivery outside the app: when a push went out and when an e-mail (or digest) did.
    pushed_at: Mapped[dt.datetime | None]
    mailed_at: Mapped[dt.datetime | None]

    pupil: Mapped[Pupil] = relationship()

    __table_args__ = (
        UniqueConstraint("user_id", "event"),
        Index("ix_notice_inbox", "user_id", "seen_at", "id"),
        Index("ix_notice_lesson", "lesson_id"),
        Index("ix_notice_work", "work_id"),
        Index("ix_notice_pushed", "pushed_at"),
        Index("ix_notice_mailed", "mailed_at"),
        CheckConstraint("kind IN ('absence', 'mark', 'low_mark', 'homework', 'predicted', "
                        "'period')", name="kind"),
    )


class NoticeSetting(db.Model):
    """What a parent wants to hear of, and how; no row: the defaults (in-app, no push)."""

    __tablename__ = "notice_setting"

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"),
                                         primary_key=True)
    kinds: Mapped[str] = mapped_column(String(80))
    push: Mapped[bool] = mapped_column(default=False, server_default="0")
    email: Mapped[str] = mapped_column(String(254), default="", server_default="")
    email_mode: Mapped[str] = mapped_column(String(6), default="off", server_default="off")
    # The last daily digest sent (the school's date), so one goes out a day.
    digest_on: Mapped[dt.date | None]

    __table_args__ = (
        CheckConstraint("email_mode IN ('off', 'each', 'digest')", name="email_mode"),
        CheckConstraint("email_mode = 'off' OR email <> ''", name="email_for_mode"),
    )


class PushSubscription(db.Model):
    """A browser's Web Push endpoint with its keys (one per browser a parent allowed)."""

    __tablename__ = "push_subscription"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    endpoint: Mapped[str] = mapped_column(String(1000), unique=True)
    p256dh: Mapped[str] = mapped_column(String(200))
    auth: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(default=_now)
    failures: Mapped[int] = mapped_column(default=0, server_default="0")


class MarksSeen(db.Model):
    """A parent marked a child's period marks as seen (as the Moscow diary asks)."""

    __tablename__ = "marks_seen"

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"),
                                         primary_key=True)
    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupil.id"), primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("study_period.id"), primary_key=True)
    seen_at: Mapped[dt.datetime] = mapped_column(default=_now)


TITLE_MAX = 200
NEWS_BODY_MAX = 5000


class NewsItem(db.Model):
    """News, an announcement or a calendar event, for the whole school ("Школа") or for
    staff only ("Учительская", 000 2.2); a parallel's or a class's items reach only them."""

    __tablename__ = "news_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    body: Mapped[str] = mapped_column(Text, default="", server_default="")
    starts_on: Mapped[dt.date]
    ends_on: Mapped[dt.date | None]
    audience: Mapped[str] = mapped_column(String(6), default="all", server_default="all")
    grade: Mapped[int | None]
    class_id: Mapped[int | None] = mapped_column(ForeignKey("school_class.id",
                                                            ondelete="CASCADE"))
    # An announcement stays at the top of the news until its end date.
    pinned: Mapped[bool] = mapped_column(default=False, server_default="0")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=_now)
    updated_at: Mapped[dt.datetime] = mapped_column(default=_now, onupdate=_now)

    school_class: Mapped[SchoolClass | None] = relationship()

    __table_args__ = (
        Index("ix_news_dates", "starts_on", "ends_on"),
        CheckConstraint("audience IN ('all', 'grade', 'class', 'staff')", name="audience"),
        CheckConstraint("(audience = 'grade') = (grade IS NOT NULL)", name="grade_audience"),
        CheckConstraint("(audience = 'class') = (class_id IS NOT NULL)", name="class_audience"),
        CheckConstraint("grade IS NULL OR grade BETWEEN 0 AND 12", name="grade"),
        CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="dates"),
        CheckConstraint("title <> ''", name="title"),
        CheckConstraint(f"length(body) <= {NEWS_BODY_MAX}", name="body_length"),
    )
