"""What the user reads: tests compare pages with the translation of an English source string,
so a better wording in the catalog does not break them."""
from __future__ import annotations

from flask_babel import force_locale, gettext


def ru(source: str, **params) -> str:
    """The Russian text of a source string (needs an app context, as every test has)."""
    with force_locale("ru"):
        return gettext(source, **params)


def kk(source: str, **params) -> str:
    """The Kazakh text of a source string."""
    with force_locale("kk"):
        return gettext(source, **params)
