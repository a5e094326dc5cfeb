"""Accounts: signing in (with delays after failures), who may still sign in, passwords that
are refused, issuing one-time passwords and credential slips, and what is overdue.

The journal's timings for access (001 III 3.1) are settings of the school; access itself is
decided each time from the dates it depends on (leaving, departure, consent), so an account
stops working on the day without anybody having to remember it.
"""
from services.accounts.access import AccessState, may_sign_in
from services.accounts.passwords import PasswordRefused, check_new_password
from services.accounts.signin import (
    PasswordError,
    SignInRefused,
    authenticate,
    change_password,
    set_locale,
)

__all__ = ["AccessState", "PasswordError", "PasswordRefused", "SignInRefused", "authenticate",
           "change_password", "check_new_password", "may_sign_in", "set_locale"]
