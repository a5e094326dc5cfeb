"""Signing in and account settings, without the web layer."""
from __future__ import annotations

from functools import cache

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from extensions import db
from models import School, User
from models.users import PASSWORD_METHOD
from services import clock, transactions
from services.accounts import throttle
from services.accounts.access import may_sign_in
from services.accounts.passwords import check_new_password


class SignInRefused(ValueError):
    """Right password, but no entry now: too many attempts, or access has ended."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@cache
def _dummy_hash() -> str:
    """Checked when the username is unknown, so both failures take the same time."""
    return generate_password_hash("not-a-password", method=PASSWORD_METHOD)


def authenticate(username: str, password: str, address: str = "") -> User | None:
    """The user with these credentials who may sign in now, or None (same cost either way).

    Raises SignInRefused while failures from this address ask for a pause (before looking at
    the password) and when the password is right but the account's access has ended.
    Every attempt is recorded.
    """
    wait = throttle.wait_seconds(username, address)
    if wait:
        transactions.write_apart()
        throttle.note(username, address, ok=False)
        raise SignInRefused(ngettext(
            "Too many failed attempts. Wait %(num)d second and try again.",
            "Too many failed attempts. Wait %(num)d seconds and try again.", wait))
    user = db.session.scalar(
        select(User).where(func.lower(User.username) == username.strip().lower()))
    if user is None:
        check_password_hash(_dummy_hash(), password)
        transactions.write_apart()
        throttle.note(username, address, ok=False)
        return None
    right = user.check_password(password)
    # The slow hash is done: the attempt's record is written in a transaction of its own.
    transactions.write_apart()
    if not right:
        throttle.note(username, address, ok=False)
        return None
    state = may_sign_in(user, clock.today())
    throttle.note(username, address, ok=state.ok)
    if not state.ok:
        raise SignInRefused(state.reason)
    user.last_login_at = clock.utcnow().replace(tzinfo=None)
    return user


class PasswordError(ValueError):
    """The current password given for a change is wrong, or the new one is refused."""

    def __init__(self, message: str = "", field: str = "current"):
        super().__init__(message)
        self.message = message
        self.field = field


def change_password(user: User, current: str, new: str, school: School | None) -> None:
    """Set a new password after checking the current one and the school's rules; every other
    session of the account ends. Raises PasswordError (field "current" or "new")."""
    if not user.check_password(current):
        raise PasswordError(_("The current password is wrong."), "current")
    if new == current:
        raise PasswordError(_("The new password must differ from the current one."), "new")
    try:
        check_new_password(new, school, user.username, user.person)
    except ValueError as error:
        raise PasswordError(getattr(error, "message", str(error)), "new") from None
    transactions.write_apart()
    user.set_password(new)
    user.must_change_password = False
    user.end_sessions()


def set_locale(user: User | None, locale: str) -> bool:
    """Save a language choice on the account; False for a language we do not have."""
    if locale not in ("ru", "kk"):
        return False
    if user is not None:
        user.locale = locale
    return True
