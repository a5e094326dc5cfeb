"""Subgroups in a browser (issue 16): the class teacher splits 5 «А» into two English groups,
puts the pupils in, moves one to the other group from a date, reads it back after a reload,
and sees a refusal in Russian; on a desktop in Russian and on a 375 px touch phone in Kazakh,
with axe on every state."""
from __future__ import annotations

import pytest

from tests.browser.variants import variant_fixtures

pytestmark = pytest.mark.browser

variant, page = variant_fixtures()


def test_class_teacher_splits_the_class_and_moves_a_pupil(page, live_server, browser_app,
                                                          sign_in, shot, axe_check, variant):
    ids = browser_app.config["TINY_SCHOOL_IDS"]
    lang, viewport, touch = variant
    sign_in("ct")
    if lang == "kk":
        page.click(".lang-switch button")
        page.wait_for_load_state()
    press = page.tap if touch else page.click
    url = f"{live_server}/classes/{ids['c5']}/groups"
    page.goto(url)
    for name in ("English 1", "English 2"):
        page.fill("#new-name", name)
        with page.expect_navigation():
            press("#new-group-h ~ form button[type=submit]")
    assert page.locator("section.card h2", has_text="English 2").count() == 1

    add = page.locator("#add-pupils-h ~ form")
    add.locator("select[name$=group]").select_option(label="English 1")
    add.locator("input[name$=day]").fill("2026-09-01")
    for box in add.locator("input[name=pupils]").all():
        box.check()
    with page.expect_navigation():
        press("#add-pupils-h ~ form button[type=submit]")

    move = page.locator("#move-pupil-h ~ form")
    move.locator("select[name$=pupil]").select_option(str(ids["vera"]))
    move.locator("select[name$=source]").select_option(label="English 1")
    move.locator("select[name$=target]").select_option(label="English 1")  # the same group
    move.locator("input[name$=day]").fill("2026-11-16")
    press("#move-pupil-h ~ form button[type=submit]")
    page.wait_for_selector(".field-error")
    assert page.locator(".field-error").first.is_visible()
    shot(page, f"groups-refused-{lang}")

    move = page.locator("#move-pupil-h ~ form")
    move.locator("select[name$=pupil]").select_option(str(ids["vera"]))
    move.locator("select[name$=source]").select_option(label="English 1")
    move.locator("select[name$=target]").select_option(label="English 2")
    move.locator("input[name$=day]").fill("2026-11-16")
    with page.expect_navigation():
        press("#move-pupil-h ~ form button[type=submit]")

    page.goto(url)  # read back what was saved
    second = page.locator("section.card", has=page.locator("h2", has_text="English 2"))
    first = page.locator("section.card", has=page.locator("h2", has_text="English 1"))
    assert "Васильева" in second.inner_text() and "16.11" in second.inner_text()
    assert "15.11" in first.inner_text()  # Vera's old membership ends the day before
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    shot(page, f"groups-moved-{lang}")
    axe_check(page)

