"""A cell's history in the grid (issue 17): H on a desktop in Russian (also as the Russian
layout's "р"), a long press on a 375 px touch phone in Kazakh (a plain tap still opens the mark
picker); the values read back newest first; Esc closes it and gives the cell its focus; axe."""
from __future__ import annotations

import pytest

from tests.browser.journal_setup import add_pupils_and_lessons, open_grid, sign_in
from tests.browser.variants import variant_fixtures
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser

ABSENT = {"ru": "н", "kk": "ж"}
variant, page = variant_fixtures()


def seed(app, lesson_id: int, pupil_id: int) -> None:
    """Three saves of one cell through the real route, as the teacher: 5, then 4, then н."""
    client = app.test_client()
    app.config["WTF_CSRF_ENABLED"] = False
    try:
        client.post("/login", data={"username": "teacher", "password": PASSWORD})
        for value, old in (("5", ""), ("4", "5"), ("н", "4")):
            response = client.post(f"/journal/lessons/{lesson_id}/cell",
                                   data={"pupil": pupil_id, "value": value, "old": old},
                                   headers={"HX-Request": "true"})
            assert "X-Journal-Refused" not in response.headers
    finally:
        app.config["WTF_CSRF_ENABLED"] = True


def anna_today(pw, lesson_id: int):
    index = pw.evaluate(f"document.querySelector('#jgrid th[data-l=\"{lesson_id}\"]').cellIndex")
    return pw.locator("#jgrid tbody tr").nth(0).locator("td, th").nth(index)


def long_press(pw, cell) -> None:
    """Hold a finger on the cell for 700 ms (Chromium's touch events, as a phone sends them)."""
    box = cell.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    cdp = pw.context.new_cdp_session(pw)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x, "y": y}]})
    pw.wait_for_timeout(700)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})


def history_values(pw) -> list[str]:
    pw.wait_for_selector("#jpick #jhist-h")
    return pw.eval_on_selector_all("#jpick .jhist-v", "els => els.map(e => e.textContent.trim())")


def closes_with_esc(pw) -> None:
    pw.keyboard.press("Escape")
    pw.wait_for_selector("#jpick", state="hidden")
    assert pw.evaluate("document.activeElement.matches('#jgrid td.cur')")


def test_history_opens_reads_back_and_closes(page, variant, browser_app, live_server, shot,
                                             axe_check):
    lang, _viewport, touch = variant
    lessons = add_pupils_and_lessons(browser_app)
    ids = browser_app.config["TINY_SCHOOL_IDS"]
    seed(browser_app, lessons["today"], ids["anna"])
    sign_in(page, live_server, "teacher", lang)
    open_grid(page, f"{live_server}/journal/pages/{ids['maths5']}")
    cell = anna_today(page, lessons["today"])
    want = [ABSENT[lang], "4", "5"]
    if touch:
        cell.tap()  # a plain tap still opens the mark picker
        page.wait_for_selector("#jpick #jpick-h")
        page.locator("#jpick [data-act='close']").tap()
        page.wait_for_selector("#jpick", state="hidden")
        long_press(page, cell)
    else:
        cell.click()
        page.keyboard.press("h")
    assert history_values(page) == want
    # The fragment is shown, then focused: wait for the focus rather than race it.
    page.wait_for_function("document.activeElement && document.activeElement.id === 'jhist-h'")
    shot(page, f"cell-history-{lang}-{'phone' if touch else 'desktop'}", full_page=False)
    axe_check(page)
    closes_with_esc(page)
    if not touch:
        # The Russian layout's "р" sits on the H key: the same history.
        page.evaluate("""() => document.activeElement.dispatchEvent(new KeyboardEvent('keydown',
            {key: 'р', code: 'KeyH', bubbles: true, cancelable: true}))""")
        assert history_values(page) == want
        page.locator("#jpick [data-act='close']").click()
        page.wait_for_selector("#jpick", state="hidden")
        assert page.evaluate("document.activeElement.matches('#jgrid td.cur')")
        assert page.is_visible("#jlegend .jkeys")
