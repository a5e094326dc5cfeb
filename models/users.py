"""User accounts and their roles; a person may hold several roles."""
from __future__ import annotations

import datetime as dt

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from extensions import db
from models.people import Person

# Class teachers and subject teachers are both "teacher": which classes and pages they
# hold comes from SchoolClass.class_teacher_id and SubjectPage.teacher_id.
ROLES = ("admin", "director", "deputy", "secretary", "teacher", "parent", "pupil")
STAFF_ROLES = frozenset({"admin", "director", "deputy", "secretary", "teacher"})
# scrypt is a memory-hard KDF; werkzeug's default parameters.
PASSWORD_METHOD = "scrypt"


class User(UserMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(60), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    locale: Mapped[str | None] = mapped_column(String(5))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=lambda: dt.datetime.now(dt.UTC))
    last_login_at: Mapped[dt.datetime | None]
    # A password someone else set (a credential slip, a reset) is changed at the first sign-in.
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default="0")
    issued_at: Mapped[dt.datetime | None]
    issued_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    # Bumped by sign-out everywhere, a password change, a reset or disabling: every session
    # and remember-me cookie made before then stops working (Flask-Login's id carries it).
    session_version: Mapped[int] = mapped_column(default=1, server_default="1")

    person: Mapped[Person] = relationship(lazy="joined")
    roles: Mapped[list[UserRole]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", back_populates="user",
        foreign_keys="UserRole.user_id")

    __table_args__ = (CheckConstraint("locale IS NULL OR locale IN ('ru', 'kk')", name="locale"),)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.active

    # The signed-in browser's token (services.accounts.sessions); never stored, only its hash.
    session_token = None

    def get_id(self) -> str:
        """What the session and the remember-me cookie keep: the id, the session version and
        the browser's session token."""
        return f"{self.id}.{self.session_version}.{self.session_token or ''}"

    def end_sessions(self) -> None:
        """Make every existing session and remember-me cookie of this account invalid."""
        self.session_version = (self.session_version or 1) + 1

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method=PASSWORD_METHOD)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def role_names(self) -> frozenset[str]:
        return frozenset(r.role for r in self.roles)

    def has_role(self, *names: str) -> bool:
        return bool(self.role_names.intersection(names))

    def role_scope(self, role: str) -> str | None:
        """The level a role is limited to (e.g. a deputy for 'basic' grades), or None."""
        return next((r.scope for r in self.roles if r.role == role), None)


class UserRole(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(12))
    # A deputy may be restricted to one level: primary (1-4), basic (5-9), secondary (10-11).
    scope: Mapped[str | None] = mapped_column(String(12))

    user: Mapped[User] = relationship(back_populates="roles")

    __table_args__ = (
        UniqueConstraint("user_id", "role"),
        CheckConstraint(
            "role IN ('admin', 'director', 'deputy', 'secretary', 'teacher', 'parent', 'pupil')",
            name="role",
        ),
        CheckConstraint(
            "scope IS NULL OR scope IN ('primary', 'basic', 'secondary')", name="scope"
        ),
    )


class LoginAttempt(db.Model):
    """A sign-in attempt: the name typed (casefolded), the address, when, whether it worked.
    Delays after failures are computed from these rows (services.accounts.throttle)."""

    __tablename__ = "login_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(60))
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[dt.datetime] = mapped_column(default=lambda: dt.datetime.now(dt.UTC))
    ok: Mapped[bool] = mapped_column(default=False)

    __table_args__ = (
        Index("ix_login_attempt_user_at", "username", "at"),
        Index("ix_login_attempt_address_at", "address", "at"),
    )


class UserSession(db.Model):
    """One signed-in browser: the cookie carries its random token, the table its hash.
    Signing out ends the row, so a copy of the cookie taken before stops working too;
    a remember-me cookie names the same row (services.accounts.sessions)."""

    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    remember: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=lambda: dt.datetime.now(dt.UTC))
    ended_at: Mapped[dt.datetime | None]

    __table_args__ = (Index("ix_user_session_user", "user_id", "ended_at"),)
