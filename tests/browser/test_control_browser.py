"""The deputy's control in a browser (issue 18): the deputy opens the journal-control
dashboard, follows a gap (a lesson without a topic) to the very lesson behind it, then
downloads the class's hard copy. On a desktop in Russian and on a 375 px touch phone in
Kazakh, with axe on the pages and no sideways scroll on the phone."""
from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from pypdf import PdfReader

from extensions import db
from models import Lesson, Mark, WorkType
from tests.browser.variants import sign_in_as, variant_fixtures

pytestmark = pytest.mark.browser

variant, page = variant_fixtures(accept_downloads=True)
NO_TOPIC_DAY = dt.date(2026, 11, 17)


def _lessons(app) -> int:
    """Two maths lessons of 5 «А», one without a topic; its id."""
    ids = app.config["TINY_SCHOOL_IDS"]
    with app.app_context():
        wt = db.session.scalar(db.select(WorkType.id).where(WorkType.code == "lesson"))
        done = Lesson(page_id=ids["maths5"], date=dt.date(2026, 11, 10), topic="Дроби",
                      homework="№ 12")
        gap = Lesson(page_id=ids["maths5"], date=NO_TOPIC_DAY)
        db.session.add_all([done, gap])
        db.session.flush()
        db.session.add(Mark(lesson_id=done.id, pupil_id=ids["anna"], value=5,
                            work_type_id=wt))
        db.session.commit()
        return gap.id


def test_deputy_follows_a_gap_and_downloads_the_hard_copy(page, live_server, browser_app,
                                                          sign_in, shot, axe_check, variant):
    ids = browser_app.config["TINY_SCHOOL_IDS"]
    lang, _viewport, touch = variant
    gap = _lessons(browser_app)
    press = sign_in_as(page, sign_in, "deputy", variant)
    page.goto(f"{live_server}/office")
    with page.expect_navigation():
        press("a[href='/reports/']")
    with page.expect_navigation():
        press("a[href='/reports/control']")
    axe_check(page)
    shot(page, f"control-01-dashboard-{lang}")
    if touch:
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
    link = page.locator("a[href*='/reports/control/gaps'][href*='kind=no_topic']").first
    with page.expect_navigation():
        link.scroll_into_view_if_needed()
        press("a[href*='/reports/control/gaps'][href*='kind=no_topic'] >> nth=0")
    axe_check(page)
    shot(page, f"control-02-gap-{lang}")
    lesson_link = page.locator(f"main a[href*='/lessons/{gap}']").first
    assert lesson_link.count() == 1, "the gap lists the lesson without a topic"
    with page.expect_navigation():
        lesson_link.click()
    assert f"/lessons/{gap}" in page.url
    page.goto(f"{live_server}/reports/hardcopy")
    axe_check(page)
    with page.expect_download() as info:
        page.locator(f"a[href^='/reports/hardcopy/{ids['c5']}.pdf']").first.click()
    data = Path(info.value.path()).read_bytes()
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    assert "5 «А»" in text and "Дроби" in text
    if lang == "kk":
        assert set("әғқңөұүһі") & set(text.lower())
