"""The Russian and Kazakh catalogs are complete and cover every string in the code."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ("ru", "kk")


def catalog(locale: str):
    with open(ROOT / "translations" / locale / "LC_MESSAGES" / "messages.po", "rb") as f:
        return read_po(f, locale=locale)


@pytest.mark.parametrize("locale", LOCALES)
def test_catalog_has_no_untranslated_or_fuzzy_entries(locale):
    cat = catalog(locale)
    untranslated = [m.id for m in cat if m.id and (
        not m.string or (isinstance(m.string, tuple) and not all(m.string)))]
    fuzzy = [m.id for m in cat if m.id and m.fuzzy]
    assert not untranslated, f"{locale}: untranslated {untranslated[:10]}"
    assert not fuzzy, f"{locale}: fuzzy {fuzzy[:10]}"


@pytest.mark.parametrize("locale", LOCALES)
def test_catalog_covers_every_string_in_the_code(locale, tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg",
         "-k", "_l", "-k", "lazy_gettext", "-o", str(pot), "--no-location",
         "--ignore-dirs=.venv tests bench", "."],
        cwd=ROOT, check=True, capture_output=True)
    with open(pot, "rb") as f:
        wanted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}
    have = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog(locale) if m.id}
    missing = sorted(wanted - have)
    assert not missing, f"{locale}: run `make messages` and translate: {missing[:10]}"


def test_russian_plural_forms_and_placeholders():
    """Every translation keeps the placeholders of its source string."""
    import re

    for locale in LOCALES:
        for m in catalog(locale):
            if not m.id:
                continue
            ids = m.id if isinstance(m.id, tuple) else (m.id,)
            strings = m.string if isinstance(m.string, tuple) else (m.string,)
            wanted = set(re.findall(r"%\(\w+\)[sd]", ids[0]))
            for s in strings:
                assert set(re.findall(r"%\(\w+\)[sd]", s)) == wanted, (locale, m.id, s)


@pytest.mark.parametrize("n,expected", [(0, "0 уроков"), (1, "1 урок"), (2, "2 урока"),
                                        (5, "5 уроков"), (21, "21 урок"), (22, "22 урока")])
def test_russian_plural_forms(app, n, expected):
    from flask_babel import force_locale, ngettext

    with force_locale("ru"):
        assert ngettext("%(num)d lesson", "%(num)d lessons", n) == expected


def test_kazakh_plural_forms_do_not_change_the_noun(app):
    from flask_babel import force_locale, ngettext

    with force_locale("kk"):
        one = ngettext("%(num)d lesson", "%(num)d lessons", 1)
        many = ngettext("%(num)d lesson", "%(num)d lessons", 5)
    assert one.replace("1", "5") == many
