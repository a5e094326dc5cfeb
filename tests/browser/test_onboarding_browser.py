"""A school brings a family in (issue 15), in a real browser: the administrator imports the
secretary's class list and adds the consent text; the class teacher records the mother's
consent and issues her account; the mother signs in with the password printed on the slip
(read from the PDF with pypdf), must choose her own, and lands on her daughter's diary.

Once on a desktop in Russian, once on a 375 px touch phone in Kazakh (a Kazakh class: the
slip itself is in Kazakh).
"""
from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from extensions import db
from models import SchoolClass
from tests.factories import PASSWORD

DATA = Path(__file__).parent.parent / "data"
NEW_PASSWORD = "Қызғалдақ-гүл-2026"
SLIP_PASSWORD = re.compile(r"\b([a-z2-9]{4}-[a-z2-9]{4})\b")
SLIP_LOGIN = re.compile(r"\b(akhmetova\.g\d*)\b")

VARIANTS = {
    "ru-desktop": {"language": "ru", "viewport": {"width": 1280, "height": 900},
                   "has_touch": False, "is_mobile": False},
    "kk-phone": {"language": "kk", "viewport": {"width": 375, "height": 812},
                 "has_touch": True, "is_mobile": True},
}


@pytest.fixture(params=list(VARIANTS))
def variant(request) -> dict:
    return {"name": request.param, **VARIANTS[request.param]}


@pytest.fixture
def page(browser, variant, console_errors):
    context = browser.new_context(viewport=variant["viewport"], has_touch=variant["has_touch"],
                                  is_mobile=variant["is_mobile"], accept_downloads=True,
                                  locale="ru-RU")
    pw = context.new_page()
    yield pw
    context.close()


@pytest.fixture
def school(browser_app, variant):
    """The tiny school with a 3 «А» (the class list has a pupil there); in the Kazakh run
    5 «А» is a Kazakh class."""
    ids = browser_app.config["TINY_SCHOOL_IDS"]
    with browser_app.app_context():
        c5 = db.session.get(SchoolClass, ids["c5"])
        db.session.add(SchoolClass(year_id=c5.year_id, grade=3, letter="А"))
        c5.language = variant["language"]
        db.session.commit()
    return ids


def sign_in(pw, base: str, username: str, password: str, language: str) -> None:
    pw.goto(f"{base}/login")
    pw.fill("#username", username)
    pw.fill("#password", password)
    with pw.expect_navigation():
        pw.press("#password", "Enter")
    if language == "kk" and pw.locator("form[action$='/language/kk'] button").count():
        with pw.expect_navigation():
            pw.locator("form[action$='/language/kk'] button").first.click()


def sign_out(pw) -> None:
    pw.context.clear_cookies()


def tap(pw, locator, variant) -> None:
    """A tap on a touch phone, a click on a desktop (the element scrolled into view)."""
    locator.scroll_into_view_if_needed()
    locator.tap() if variant["has_touch"] else locator.click()


def import_class_list(pw, base: str, variant, shot) -> None:
    pw.goto(f"{base}/admin/pupils/import")
    pw.set_input_files("#file", str(DATA / "class_list.xlsx"))
    with pw.expect_navigation():
        tap(pw, pw.locator("main form button[type=submit]"), variant)
    counts = pw.locator(".import-counts").inner_text()
    assert re.search(r"\b4\b", counts), counts  # four new pupils, nothing refused
    assert pw.locator("tr.is-refused").count() == 0
    shot(pw, f"onboarding-import-preview-{variant['name']}")
    with pw.expect_navigation():
        tap(pw, pw.locator("form[action$='/import/apply'] button[type=submit]"), variant)
    pw.goto(f"{base}/admin/pupils?q=АХМЕТ")  # casefolded search
    assert pw.locator("main table tbody tr").count() == 2  # Әлия and Нурлан


def add_consent_text(pw, base: str, variant) -> None:
    pw.goto(f"{base}/accounts/consent-texts")
    pw.fill("#version", "1")
    pw.fill("#text_ru", "Я даю согласие на обработку персональных данных моего ребёнка.")
    pw.fill("#text_kk", "Баламның дербес деректерін өңдеуге келісім беремін.")
    with pw.expect_navigation():
        tap(pw, pw.locator("main form button[type=submit]"), variant)
    assert pw.locator("main").get_by_text("Баламның дербес деректерін").count() == 1


def consent_and_issue(pw, base: str, class_id: int, variant, shot) -> bytes:
    """The class teacher's part: from the class's families page to the pupil card, the
    consent, then the mother's slip (the PDF bytes)."""
    pw.goto(f"{base}/accounts/classes/{class_id}")
    with pw.expect_navigation():
        tap(pw, pw.locator("main a", has_text="Ахметова Ә."), variant)
    pw.select_option("#giver_id", label="Ахметова Гульнара Бекболатовна")
    with pw.expect_navigation():
        tap(pw, pw.locator("form[action$='/consent'] button[type=submit]"), variant)
    assert pw.locator("#consent .ok-line").count() == 1
    shot(pw, f"onboarding-pupil-card-{variant['name']}")
    mother = pw.locator("#parents li", has_text="Ахметова Гульнара")
    with pw.expect_download() as download:
        tap(pw, mother.locator("form[action$='/issue'] button"), variant)
    return Path(download.value.path()).read_bytes()


def read_slip(pdf: bytes) -> tuple[str, str, str]:
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return SLIP_LOGIN.search(text).group(1), SLIP_PASSWORD.search(text).group(1), text


@pytest.mark.browser
def test_a_family_is_brought_in_from_class_list_to_diary(page, live_server, school, variant,
                                                         shot, axe_check):
    language = variant["language"]
    sign_in(page, live_server, "admin", PASSWORD, language)
    import_class_list(page, live_server, variant, shot)
    add_consent_text(page, live_server, variant)
    sign_out(page)

    sign_in(page, live_server, "ct", PASSWORD, language)
    login, password, slip = read_slip(consent_and_issue(page, live_server, school["c5"],
                                                        variant, shot))
    assert "Ахметова Гульнара" in slip
    assert ("Құпиясөз" if language == "kk" else "Пароль") in slip
    page.reload()
    assert page.locator("#parents li", has_text="Ахметова Гульнара").locator(
        "dd", has_text=login).count() == 1  # the card shows the issued login
    axe_check(page)
    sign_out(page)

    page.goto(f"{live_server}/login")
    page.fill("#username", login)
    page.fill("#password", password)
    with page.expect_navigation():
        page.press("#password", "Enter")
    assert page.url.endswith("/account/password") or "/password" in page.url
    page.goto(f"{live_server}/")  # nothing opens before the password is changed
    assert "/password" in page.url
    shot(page, f"onboarding-forced-password-{variant['name']}")
    page.fill("#current", password)
    page.fill("#new", NEW_PASSWORD)
    page.fill("#repeat", NEW_PASSWORD)
    with page.expect_navigation():
        tap(page, page.locator("main form button[type=submit]").first, variant)
    page.wait_for_load_state()
    assert "/diary/" in page.url
    assert page.locator("main").get_by_text("Әлия").count() >= 1
    axe_check(page)
    shot(page, f"onboarding-diary-{variant['name']}")

    sign_out(page)  # the new password is hers now; the slip's no longer opens anything
    sign_in(page, live_server, login, password, "ru")
    assert "/login" in page.url
    sign_in(page, live_server, login, NEW_PASSWORD, "ru")
    assert "/diary/" in page.url
