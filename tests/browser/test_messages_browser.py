"""Messages in a browser (issue 20), in Russian on a desktop and in Kazakh on a 375 px phone:
a parent writes to the class teacher with a file; the class teacher sees the unread badge,
opens the thread and answers; the parent sees the answer and the "read" receipt. Then the
class teacher picks a class's parent through the class chooser (htmx) and writes to all the
class's parents at once."""
from __future__ import annotations

import pytest

from extensions import db
from models.messages import Conversation
from tests.browser.variants import sign_in_as, variant_fixtures

pytestmark = pytest.mark.browser

variant, page = variant_fixtures(accept_downloads=True)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def name_of(variant) -> str:
    lang, viewport, _touch = variant
    return f"{lang}-{viewport['width']}"


def badge_count(pw) -> str:
    """The header badge's number once htmx has loaded it ("" when nothing is unread)."""
    pw.wait_for_selector("#msg-badge[hx-trigger='every 60s']", state="attached")
    count = pw.locator("#msg-badge .msg-count")
    return count.inner_text().split()[0] if count.count() else ""


def test_parent_writes_class_teacher_answers(page, variant, live_server, sign_in, shot,
                                             axe_check, browser_app):
    pw, ids, tag = page, browser_app.config["TINY_SCHOOL_IDS"], name_of(variant)
    press = sign_in_as(pw, sign_in, "mum", variant)
    with pw.expect_navigation():
        press("#msg-badge")
    with pw.expect_navigation():
        press(".msg-actions a.primary")
    pw.select_option("#to", f"{ids['ct']}:{ids['anna']}")
    pw.fill("#subject", "Анна болеет")
    pw.fill("#body", "Добрый день!\nАнны не будет до пятницы. Справка: https://example.org/a")
    pw.set_input_files("#files", files=[{"name": "справка.pdf", "mimeType": "application/pdf",
                                         "buffer": PDF}])
    axe_check(pw)
    shot(pw, f"messages-{tag}-01-new")
    with pw.expect_navigation():
        press("main form.msg-form button[type=submit]")
    assert pw.locator(".msg-bubble.is-mine .msg-receipt:not(.is-read)").count() == 1
    link = pw.locator(".msg-body a")
    assert link.get_attribute("rel") == "noopener noreferrer nofollow"
    assert pw.locator(".msg-files a").inner_text() == "справка.pdf"

    pw.context.clear_cookies()
    press = sign_in_as(pw, sign_in, "ct", variant)
    assert badge_count(pw) == "1"
    shot(pw, f"messages-{tag}-02-badge", full_page=False)
    with pw.expect_navigation():
        press("#msg-badge")
    assert pw.locator(".msg-row.is-unread").count() == 1
    axe_check(pw)
    shot(pw, f"messages-{tag}-03-inbox")
    with pw.expect_navigation():
        press(".msg-row a")
    assert "Анны не будет до пятницы" in pw.inner_text(".msg-thread")
    with pw.expect_download() as download:
        press(".msg-files a")
    assert download.value.suggested_filename == "справка.pdf"
    pw.fill("#body", "Здравствуйте! Выздоравливайте, задания будут в дневнике.")
    with pw.expect_navigation():
        press(".msg-reply button[type=submit]")
    pw.reload()
    assert badge_count(pw) == ""
    assert "Выздоравливайте" in pw.inner_text(".msg-bubble.is-mine")
    axe_check(pw)

    pw.context.clear_cookies()
    press = sign_in_as(pw, sign_in, "mum", variant)
    assert badge_count(pw) == "1"
    with pw.expect_navigation():
        press("#msg-badge")
    with pw.expect_navigation():
        press(".msg-row.is-unread a")
    assert "Выздоравливайте" in pw.inner_text(".msg-thread")
    assert pw.locator(".msg-bubble.is-mine .msg-receipt.is-read").count() == 1
    axe_check(pw)
    shot(pw, f"messages-{tag}-04-answered")
    assert badge_count(pw) == ""


def test_class_chooser_and_message_to_all_parents(page, variant, live_server, sign_in, shot,
                                                  axe_check, browser_app):
    pw, ids, tag = page, browser_app.config["TINY_SCHOOL_IDS"], name_of(variant)
    press = sign_in_as(pw, sign_in, "ct", variant)
    pw.goto(f"{live_server}/messages/new")
    pw.select_option("#msg-class", str(ids["c5"]))  # htmx swaps the recipient list
    pw.wait_for_selector(f"#to option[value='{ids['dad2']}:{ids['vera']}']", state="attached")
    pw.select_option("#to", f"{ids['dad2']}:{ids['vera']}")
    pw.fill("#subject", "Экскурсия")
    pw.fill("#body", "Вера забыла форму.")
    axe_check(pw)
    shot(pw, f"messages-{tag}-05-class-chooser")
    with pw.expect_navigation():
        press("main form.msg-form button[type=submit]")
    assert "Вера забыла форму." in pw.inner_text(".msg-thread")

    pw.goto(f"{live_server}/messages/")
    with pw.expect_navigation():
        press(".msg-actions a:not(.primary)")
    pw.select_option("#target", f"class:{ids['c5']}")
    pw.fill("#subject", "Собрание")
    pw.fill("#body", "Собрание в четверг в 18:00.")
    axe_check(pw)
    with pw.expect_navigation():
        press("main form.msg-form button[type=submit]")
    assert pw.locator(".msg-sent li").count() == 1
    shot(pw, f"messages-{tag}-06-sent-to-class")
    with browser_app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Conversation).where(
            Conversation.broadcast_key.is_not(None))) == 2
