"""The journal on a phone (375 px, touch), in Russian and Kazakh (issue 14): today's column, the
names and the averages in view; a tap opens the mark picker; choosing saves and moves to the
next pupil; second mark, comment, clear and a locked cell; everything read back after reload."""
from __future__ import annotations

import pytest

from tests.browser.journal_setup import (
    add_pupils_and_lessons,
    column,
    open_grid,
    sign_in,
    wait_saved,
)

pytestmark = pytest.mark.browser
LETTERS = {"ru": ("н", "о"), "kk": ("ж", "к")}


@pytest.fixture(scope="session")
def browser_context_args():
    return {"viewport": {"width": 375, "height": 812}, "has_touch": True, "is_mobile": True,
            "locale": "ru-RU"}


@pytest.fixture(params=["ru", "kk"])
def grid(request, browser_app, live_server, page):
    lessons = add_pupils_and_lessons(browser_app)
    sign_in(page, live_server, "teacher", request.param)
    url = f"{live_server}/journal/pages/{browser_app.config['TINY_SCHOOL_IDS']['maths5']}"
    open_grid(page, url)
    return {"page": page, "url": url, "lessons": lessons, "lang": request.param}


def cell(pw, row: int, lesson_id: int):
    index = pw.evaluate(f"document.querySelector('#jgrid th[data-l=\"{lesson_id}\"]').cellIndex")
    return pw.locator("#jgrid tbody tr").nth(row).locator("td, th").nth(index)


def picker_for(pw, name: str) -> None:
    """Wait until the picker shows this pupil."""
    pw.wait_for_function("(n) => { const h = document.querySelector('#jpick-h');"
                         " return h && h.textContent.includes(n); }", arg=name)


def in_view(pw, selector: str) -> bool:
    """The element is inside the grid's visible box, not under the sticky names or averages."""
    return pw.evaluate("""(sel) => { const el = document.querySelector(sel);
        const wrap = document.getElementById('jwrap').getBoundingClientRect();
        const r = el.getBoundingClientRect();
        const name = document.querySelector('#jgrid thead th.jn').getBoundingClientRect();
        const avg = document.querySelector('#jgrid thead th.avg').getBoundingClientRect();
        return r.left >= name.right - 1 && r.right <= avg.left + 1 && r.right <= wrap.right
            && avg.right <= wrap.right + 1 && name.left >= wrap.left - 1; }""", selector)


def test_the_grid_opens_on_today_with_names_and_averages_in_view(grid, shot, axe_check):
    pw = grid["page"]
    assert in_view(pw, "#jgrid th[data-t]")
    assert pw.is_visible("#jlegend .jtaps") and not pw.is_visible("#jlegend .jkeys")
    assert pw.evaluate("document.documentElement.scrollWidth") <= 375  # nothing sticks out
    shot(pw, f"journal-phone-{grid['lang']}", full_page=False)
    axe_check(pw)


def test_tap_choose_and_move_on_then_read_back(grid, shot):
    pw, today, lang = grid["page"], grid["lessons"]["today"], grid["lang"]
    absent, late = LETTERS[lang]
    cell(pw, 0, today).tap()
    picker_for(pw, "Антонова")
    targets = pw.evaluate("""() => [...document.querySelectorAll('#jpick button')]
        .filter(b => b.offsetParent !== null).map(b => { const r = b.getBoundingClientRect();
        return [r.width, r.height]; })""")
    assert targets and all(w >= 43.9 and h >= 43.9 for w, h in targets), targets  # for a thumb
    shot(pw, f"journal-picker-{lang}", full_page=False)
    pw.locator("#jpick button[data-v='5']").tap()
    picker_for(pw, "Борисов")           # saved and moved to the next pupil, like a key
    pw.locator(f"#jpick button[data-v='{absent}']").tap()
    picker_for(pw, "Васильева")
    pw.locator("#jpick button[data-act='late']").tap()
    picker_for(pw, "Григорьева")
    pw.locator("#jpick button[data-v='4']").tap()
    picker_for(pw, "Дмитриев")
    pw.locator("#jpick button[data-act='close']").tap()
    assert pw.locator("#jpick").is_hidden()
    wait_saved(pw)
    # the second mark and a comment on Антонова's 5
    cell(pw, 0, today).tap()
    picker_for(pw, "Антонова")
    pw.locator("#jpick button[data-act='second']").tap()
    pw.locator("#jpick button[data-v='4']").tap()
    picker_for(pw, "Борисов")
    wait_saved(pw)
    cell(pw, 0, today).tap()
    picker_for(pw, "Антонова")
    pw.locator("#jpick button[data-act='comment']").tap()
    pw.locator("#jpick-c").fill("Устный ответ")
    pw.locator("#jpick .jpick-comment button").tap()
    wait_saved(pw)
    # clear Васильева's late mark
    cell(pw, 2, today).tap()
    picker_for(pw, "Васильева")
    pw.locator("#jpick button[data-act='clear']").tap()
    wait_saved(pw)
    expected = ["5/4", absent, "", "4"]
    assert column(pw, today)[:4] == expected
    pw.reload()
    pw.wait_for_selector("#jgrid[data-ready='1']")
    assert column(pw, today)[:4] == expected
    assert cell(pw, 0, today).get_attribute("title") == "Устный ответ"


def test_a_locked_cell_says_why_in_the_picker(grid):
    pw = grid["page"]
    old = grid["lessons"]["old"]
    target = cell(pw, 1, old)
    target.scroll_into_view_if_needed()
    target.tap()
    pw.locator("#jpick .jpick-lock").wait_for()
    assert pw.locator("#jpick button[data-v]").count() == 0
    pw.locator("#jpick button[data-act='close']").tap()
    assert column(pw, old)[1] == ""


def test_period_marks_by_tap(grid):
    pw = grid["page"]
    index = pw.evaluate("document.querySelector('#jgrid th[data-f=\"period\"]').cellIndex")
    target = pw.locator("#jgrid tbody tr").first.locator("td, th").nth(index)
    target.scroll_into_view_if_needed()
    target.tap()
    picker_for(pw, "Антонова")
    pw.locator("#jpick button[data-v='н/а']").tap()
    picker_for(pw, "Борисов")
    pw.locator("#jpick button[data-v='осв.']").tap()
    picker_for(pw, "Васильева")
    pw.locator("#jpick button[data-act='close']").tap()
    wait_saved(pw)
    shown = column(pw, "period")[:2]
    pw.reload()
    pw.wait_for_selector("#jgrid[data-ready='1']")
    assert column(pw, "period")[:2] == shown and shown[0] == "н/а" and shown[1]
