"""The school and the family talk inside Tabel (issue 20, "Done when"), on a 375 px touch
phone in Russian and in Kazakh: a teacher marks Анна absent in the journal by taps, her mother
sees the notice and writes to the class teacher, the class teacher sees the unread badge and
answers, the mother sees the answer. Every page is read back after a reload, with axe."""
from __future__ import annotations

import pytest

from extensions import db
from models import Lesson, Message, Notice
from tests.browser.journal_setup import open_grid
from tests.conftest import TODAY

pytestmark = pytest.mark.browser

ABSENT = {"ru": "н", "kk": "ж"}


@pytest.fixture(scope="session")
def browser_context_args():
    return {"viewport": {"width": 375, "height": 812}, "has_touch": True, "is_mobile": True,
            "locale": "ru-RU"}


def _sign_in(pw, sign_in, username: str, lang: str) -> None:
    pw.context.clear_cookies()
    sign_in(username)
    # The language chosen is kept on the account: switch only where it is not already.
    if pw.get_attribute("html", "lang") != lang:
        with pw.expect_navigation():
            pw.locator(f"form[action$='/language/{lang}'] button").first.tap()


def _badge(pw) -> str:
    """The header's unread number once htmx has loaded it ("" when nothing is unread)."""
    pw.wait_for_selector("#msg-badge[hx-trigger='every 60s']", state="attached")
    count = pw.locator("#msg-badge .msg-count")
    return count.inner_text().split()[0] if count.count() else ""


def _fits(pw) -> None:
    assert pw.evaluate("document.documentElement.scrollWidth") <= 375


def _mark_absent_by_taps(pw, live_server, ids, lesson_id, lang) -> None:
    open_grid(pw, f"{live_server}/journal/pages/{ids['maths5']}")
    index = pw.evaluate(
        f"document.querySelector('#jgrid th[data-l=\"{lesson_id}\"]').cellIndex")
    pw.locator("#jgrid tbody tr").nth(0).locator("td, th").nth(index).tap()  # Антонова
    pw.wait_for_function("() => (document.querySelector('#jpick-h') || {}).textContent"
                         "?.includes('Антонова')")
    pw.locator(f"#jpick button[data-v='{ABSENT[lang]}']").tap()
    pw.wait_for_function("() => !document.querySelector('#jgrid td.sv')")
    pw.locator("#jpick button[data-act='close']").tap()


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_absence_notice_message_and_answer_on_a_phone(page, live_server, browser_app, sign_in,
                                                      shot, axe_check, lang):
    pw, ids = page, browser_app.config["TINY_SCHOOL_IDS"]
    with browser_app.app_context():
        lesson = Lesson(page_id=ids["maths5"], date=TODAY, topic="Дроби")
        db.session.add(lesson)
        db.session.commit()
        lesson_id = lesson.id

    # The subject teacher takes the register by taps.
    _sign_in(pw, sign_in, "teacher", lang)
    _mark_absent_by_taps(pw, live_server, ids, lesson_id, lang)
    pw.reload()
    pw.wait_for_selector("#jgrid[data-ready='1']")
    index = pw.evaluate(
        f"document.querySelector('#jgrid th[data-l=\"{lesson_id}\"]').cellIndex")
    assert pw.locator("#jgrid tbody tr").nth(0).locator("td, th").nth(index).inner_text() \
        .strip() == ABSENT[lang]

    # The mother: the notice of the absence in her inbox, the same day.
    _sign_in(pw, sign_in, "mum", lang)
    _badge(pw)  # the header's poll also fills the menu's count of unseen notices
    assert pw.inner_text("#notice-count").split()[0] == "1"
    pw.tap("nav.site-nav a[href='/notices/']") if pw.is_visible(
        "nav.site-nav a[href='/notices/']") else pw.goto(f"{live_server}/notices/")
    pw.wait_for_selector("li.notice-item")
    item = pw.locator("li.notice-item.is-new")
    assert item.count() == 1 and "Анна" in item.inner_text()
    _fits(pw)
    axe_check(pw)
    shot(pw, f"family-talk-{lang}-1-notice")
    pw.tap("li.notice-item form button")  # seen: the item and the menu's count follow at once
    pw.wait_for_selector("li.notice-item:not(.is-new)")
    assert pw.inner_text("#notice-count") == ""
    # She writes to the class teacher about Анна.
    pw.goto(f"{live_server}/messages/new")
    pw.select_option("#to", f"{ids['ct']}:{ids['anna']}")
    pw.fill("#subject", "Анна" if lang == "ru" else "Анна ауырып қалды")
    pw.fill("#body", "Анна заболела, справку принесём в пятницу." if lang == "ru"
            else "Анна ауырып қалды, анықтаманы жұмада әкелеміз.")
    _fits(pw)
    axe_check(pw)
    with pw.expect_navigation():
        pw.tap("main form.msg-form button[type=submit]")
    assert pw.locator(".msg-bubble.is-mine").count() == 1

    # The class teacher sees the badge, opens the conversation and answers.
    _sign_in(pw, sign_in, "ct", lang)
    assert _badge(pw) == "1"
    shot(pw, f"family-talk-{lang}-2-badge", full_page=False)
    with pw.expect_navigation():
        pw.tap("#msg-badge")
    with pw.expect_navigation():
        pw.tap(".msg-row.is-unread a")
    assert "Анна" in pw.inner_text(".msg-thread")
    answer = "Выздоравливайте!" if lang == "ru" else "Тезірек сауығыңыз!"
    pw.fill("#body", answer)
    with pw.expect_navigation():
        pw.tap(".msg-reply button[type=submit]")
    pw.reload()
    assert answer in pw.inner_text(".msg-thread")
    assert _badge(pw) == ""
    _fits(pw)
    axe_check(pw)

    # The mother sees the answer, and her message shows as read.
    _sign_in(pw, sign_in, "mum", lang)
    assert _badge(pw) == "1"
    with pw.expect_navigation():
        pw.tap("#msg-badge")
    with pw.expect_navigation():
        pw.tap(".msg-row.is-unread a")
    assert answer in pw.inner_text(".msg-thread")
    assert pw.locator(".msg-bubble.is-mine .msg-receipt.is-read").count() == 1
    _fits(pw)
    axe_check(pw)
    shot(pw, f"family-talk-{lang}-3-answer")
    with browser_app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Notice)) == 1
        assert db.session.scalar(db.select(db.func.count()).select_from(Message)) == 2
