"""News in a browser (issue 20): the deputy publishes an item for 5 «А» through the back
office's grid; a parent of a 5 «А» pupil reads it on a phone (375 px) in Russian and in
Kazakh, opens it, finds it in the calendar on its day and moves between months; a parent of
another class sees none of it, not even by its URL. axe on every page; nothing scrolls
sideways."""
from __future__ import annotations

import re

import pytest

from extensions import db
from models import Guardian, NewsItem, Person, User, UserRole
from tests.factories import password_hash

pytestmark = pytest.mark.browser

TITLE = "Экскурсия в музей 5 «А»"
BODY = "Сбор в 9:00 у школы.\nПрограмма: https://museum.example/plan"
PHONE = {"width": 375, "height": 812}


@pytest.fixture(params=["ru", "kk"])
def lang(request) -> str:
    return request.param


@pytest.fixture
def page(browser, console_errors):
    context = browser.new_context(viewport=PHONE, has_touch=True, is_mobile=True,
                                  locale="ru-RU")
    yield context.new_page()
    context.close()


@pytest.fixture
def other_parent(browser_app) -> str:
    """A parent whose only child, Борис, is in 6 «Б»."""
    ids = browser_app.config["TINY_SCHOOL_IDS"]
    with browser_app.app_context():
        person = Person(last_name="Шестая", first_name="Ольга", patronymic="", sex="f")
        person.refresh_search_name()
        db.session.add(person)
        db.session.flush()
        db.session.add(Guardian(person_id=person.id, pupil_id=ids["boris"], relation="mother"))
        user = User(username="mum6", password_hash=password_hash(), person_id=person.id)
        user.roles = [UserRole(role="parent")]
        db.session.add(user)
        db.session.commit()
    return "mum6"


def _sign_in(page, base: str, username: str, lang: str = "ru") -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", "test-password")
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    if lang == "kk":
        page.click(".lang-switch button")
        page.wait_for_load_state()


def _no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


@pytest.fixture
def desk(browser, console_errors):
    """The deputy's desktop."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ru-RU")
    page = context.new_page()
    page.on("console", lambda m: console_errors.append(f"console {m.type}: {m.text}")
            if m.type == "error" else None)
    yield page
    context.close()


def _publish(page, base: str, school_class: int, shot, axe_check, lang: str) -> None:
    """The deputy: from the news, "Add news" opens the grid; the item is added for 5 «А»."""
    _sign_in(page, base, "deputy", lang)
    page.goto(f"{base}/news/")
    page.click(".news-publish a")
    page.wait_for_load_state()
    assert "/admin/news" in page.url
    page.fill("#title", TITLE)
    page.fill("#body", BODY)
    page.fill("#starts_on", "2026-11-25")
    page.select_option("#audience", "class")
    page.select_option("#class_id", str(school_class))
    shot(page, f"news-01-grid-{lang}")
    page.locator("section.card button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator(".flash-success").count() == 1
    assert TITLE in page.locator("#listing").inner_text()
    axe_check(page)
    shot(page, f"news-01-grid-added-{lang}")


@pytest.mark.console_errors("status of 404")  # the other parent's try by URL, at the end
def test_a_class_item_reaches_its_families_only(page, desk, live_server, browser_app,
                                               other_parent, lang, shot, axe_check):
    base, ids = live_server, browser_app.config["TINY_SCHOOL_IDS"]
    _publish(desk, base, ids["c5"], shot, axe_check, lang)
    with browser_app.app_context():
        news_id = db.session.scalar(db.select(NewsItem.id).where(NewsItem.title == TITLE))

    # The parent of Вера (5 «А») reads it on the phone.
    _sign_in(page, base, "dad2", lang)
    page.goto(f"{base}/news/")
    card = page.locator(".news-card", has_text=TITLE)
    assert card.count() == 1 and "5 «А»" in card.inner_text()
    _no_sideways_scroll(page)
    axe_check(page)
    shot(page, f"news-02-list-{lang}")
    card.locator(".news-title a").click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/news/{news_id}")
    body = page.locator(".news-body")
    assert "Сбор в 9:00 у школы." in body.inner_text()
    assert body.locator("a").get_attribute("href") == "https://museum.example/plan"
    assert page.locator("html").get_attribute("lang") == lang
    axe_check(page)
    shot(page, f"news-03-item-{lang}")

    # The calendar shows it on Wednesday 25 November; the months move and come back.
    page.click("a[href$='/news/calendar/2026-11']")
    page.wait_for_load_state()
    day = page.locator("#day-2026-11-25").locator("xpath=..")
    assert TITLE in day.inner_text()
    assert page.locator(".news-day").count() == 1
    _no_sideways_scroll(page)
    axe_check(page)
    shot(page, f"news-04-calendar-{lang}")
    page.click(".news-month-nav a[rel=next]")
    page.wait_for_url(re.compile(r"/news/calendar/2026-12$"))
    assert page.locator(".news-day").count() == 0 and page.locator("#news-month .empty").count()
    page.click(".news-month-nav a[rel=prev]")
    page.wait_for_url(re.compile(r"/news/calendar/2026-11$"))
    assert TITLE in page.locator("#news-month").inner_text()
    page.click(".news-month-nav a:not([rel])")  # this month
    page.wait_for_load_state()
    assert TITLE in page.locator("#news-month").inner_text()

    # A parent of 6 «Б» only: not in the news, not in the calendar, not by its URL.
    _sign_in(page, base, other_parent, lang)
    page.goto(f"{base}/news/")
    assert TITLE not in page.locator("main").inner_text()
    page.goto(f"{base}/news/calendar/2026-11")
    assert TITLE not in page.locator("main").inner_text()
    response = page.goto(f"{base}/news/{news_id}")
    assert response.status == 404 and TITLE not in page.content()
    shot(page, f"news-05-other-parent-{lang}")
