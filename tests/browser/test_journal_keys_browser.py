"""Every key the grid's hint line advertises, in Russian and in Kazakh, read back after a
reload (issue 14): digits, absent and late in every layout, / second mark, * comment + Enter,
F2, double click, Delete, Enter / arrows / Tab, and words in the period column."""
from __future__ import annotations

import datetime as dt

import pytest

from extensions import db
from models import Mark
from tests.browser.journal_setup import (
    active_place,
    add_pupils_and_lessons,
    column,
    open_grid,
    press_layout_key,
    sign_in,
    wait_saved,
)
from tests.conftest import TODAY

pytestmark = pytest.mark.browser
LETTERS = {"ru": ("н", "о"), "kk": ("ж", "к")}


@pytest.fixture(scope="session")
def browser_context_args():
    return {"viewport": {"width": 1280, "height": 800}, "locale": "ru-RU"}


@pytest.fixture(params=["ru", "kk"])
def grid(request, browser_app, live_server, page):
    """The maths page of eight pupils, signed in as its teacher, in Russian or Kazakh."""
    lessons = add_pupils_and_lessons(browser_app)
    sign_in(page, live_server, "teacher", request.param)
    url = f"{live_server}/journal/pages/{browser_app.config['TINY_SCHOOL_IDS']['maths5']}"
    open_grid(page, url)
    return {"page": page, "url": url, "lessons": lessons, "lang": request.param,
            "app": browser_app}


def test_keys_of_the_hint_line_and_read_back(grid, shot, axe_check):
    pw, today, lang = grid["page"], grid["lessons"]["today"], grid["lang"]
    absent, late = LETTERS[lang]
    legend = pw.text_content("#jlegend .jkeys")
    assert f"{absent} " in legend and f"{late} " in legend and "F2" in legend
    assert active_place(pw) == (0, f"l{today}")  # ready to type, no click
    pw.keyboard.press("5")                      # row 0: 5, moves down
    press_layout_key(pw, absent)                # row 1: absent in the page's own layout
    pw.keyboard.press("n")                      # row 2: absent on a Latin layout
    press_layout_key(pw, late)                  # row 3: late
    pw.keyboard.press("4")                      # row 4: 4
    pw.keyboard.press("Shift+Enter")            # back up: row 4
    pw.keyboard.press("Shift+Enter")            # row 3 (late)
    pw.keyboard.press("3")                      # late with a 3
    wait_saved(pw)
    assert column(pw, today)[:5] == ["5", absent, absent, late + "3", "4"]
    # htmx, loaded after the first frame, set itself up with the page's htmx-config
    assert pw.evaluate("htmx.config.attributesToSettle") == ["class", "width", "height"]
    # / then a digit: a second mark in the same cell
    for _ in range(4):
        pw.keyboard.press("ArrowUp")
    pw.keyboard.press("/")
    pw.keyboard.press("4")
    wait_saved(pw)
    # * + Enter: a comment parents see
    pw.keyboard.press("ArrowUp")
    pw.keyboard.press("*")
    editor = pw.locator("#jgrid td input.jcomment")
    editor.wait_for()
    pw.keyboard.type("Хорошо отвечала")
    pw.keyboard.press("Enter")
    wait_saved(pw)
    cell = pw.locator("#jgrid tbody tr").first.locator("td.c")
    assert cell.get_attribute("title") == "Хорошо отвечала"
    # F2: edit the cell's text; Enter saves and moves down
    pw.keyboard.press("ArrowDown")
    pw.keyboard.press("F2")
    pw.locator("#jgrid td input.jinput").wait_for()
    pw.keyboard.press("Control+a")
    pw.keyboard.type("2")
    pw.keyboard.press("Enter")
    wait_saved(pw)
    assert active_place(pw) == (2, f"l{today}")
    # Delete clears without moving
    pw.keyboard.press("Delete")
    wait_saved(pw)
    assert active_place(pw) == (2, f"l{today}")
    # Tab and the arrows move between columns; the left arrow reaches an older lesson
    pw.keyboard.press("Tab")
    assert active_place(pw)[1] != f"l{today}"
    pw.keyboard.press("Shift+Tab")
    pw.keyboard.press("ArrowLeft")
    assert active_place(pw) == (2, f"l{grid['lessons']['two']}")
    pw.keyboard.press("4")
    wait_saved(pw)
    expected = ["5/4", "2", "", late + "3", "4"]
    assert column(pw, today)[:5] == expected
    shot(pw, f"journal-keys-{lang}", full_page=False)
    axe_check(pw)
    pw.reload()
    pw.wait_for_selector("#jgrid[data-ready='1']")
    assert column(pw, today)[:5] == expected
    assert column(pw, grid["lessons"]["two"])[2] == "4"
    assert pw.locator("#jgrid tbody tr").first.locator("td.c").get_attribute(
        "title") == "Хорошо отвечала"


def test_double_click_edits_the_cell(grid):
    pw, today = grid["page"], grid["lessons"]["today"]
    pw.keyboard.press("4")
    wait_saved(pw)
    first = pw.locator("#jgrid tbody tr").first.locator("td").nth(
        pw.evaluate("document.querySelector('#jgrid th[data-t]').cellIndex - 1"))
    first.dblclick()
    pw.locator("#jgrid td input.jinput").wait_for()
    pw.keyboard.press("Control+a")
    pw.keyboard.type("3/5")
    pw.keyboard.press("Enter")
    wait_saved(pw)
    pw.reload()
    pw.wait_for_selector("#jgrid[data-ready='1']")
    assert column(pw, today)[0] == "3/5"


def _to_period_column(pw) -> None:
    while active_place(pw)[1] != "period":
        pw.keyboard.press("ArrowRight")


def test_words_in_the_period_column(grid, shot):
    """зач. / осв. / н/а typed into the period column, and the mark below the predicted one
    that asks whether the parents were told."""
    pw = grid["page"]
    _to_period_column(pw)
    press_layout_key(pw, "з")          # a letter opens the cell's editor with it
    pw.locator("#jgrid td input.jinput").wait_for()
    pw.keyboard.type("ач.")
    pw.keyboard.press("Enter")         # saves and moves down
    pw.keyboard.press("F2")
    pw.locator("#jgrid td input.jinput").wait_for()
    pw.keyboard.type("осв.")
    pw.keyboard.press("Enter")
    press_layout_key(pw, "н")
    pw.locator("#jgrid td input.jinput").wait_for()
    pw.keyboard.type("/а")
    pw.keyboard.press("Enter")
    wait_saved(pw)
    words = column(pw, "period")[:3]
    shot(pw, f"journal-period-words-{grid['lang']}", full_page=False)
    pw.reload()
    pw.wait_for_selector("#jgrid[data-ready='1']")
    assert column(pw, "period")[:3] == words
    labels = {"ru": ["зач.", "осв.", "н/а"], "kk": ["есептелді", "босат.", "н/а"]}
    assert words == labels[grid["lang"]]


def test_a_period_mark_below_the_predicted_asks_about_the_parents(grid, browser_app):
    pw = grid["page"]
    ids = browser_app.config["TINY_SCHOOL_IDS"]
    with browser_app.app_context():
        wt = db.session.scalar(db.select(Mark.work_type_id).limit(1))
        from models import WorkType
        wt = wt or db.session.scalar(db.select(WorkType.id).where(WorkType.code == "lesson"))
        for name in ("old", "two", "today"):
            db.session.add(Mark(lesson_id=grid["lessons"][name], pupil_id=ids["anna"], value=5,
                                work_type_id=wt))
        db.session.commit()
    pw.reload()
    pw.wait_for_selector("#jgrid[data-ready='1']")
    _to_period_column(pw)
    pw.keyboard.press("3")
    dialog = pw.locator("#jnotice")
    dialog.wait_for(state="visible")
    assert pw.locator("#jnotice-text").text_content()
    pw.fill("#jnotice input[name=told_on]", (TODAY - dt.timedelta(days=5)).isoformat())
    dialog.locator("button[value=ok]").click()
    # The save starts after the dialog closes: wait for the answer, not just for no cell saving
    # (under load the reload came first and cut the request off).
    dialog.wait_for(state="hidden")
    pw.wait_for_function("() => { const td = document.querySelector('#jgrid tbody tr td.fp');"
                         " return td && td.textContent.trim() === '3' && !td.matches('.sv'); }")
    wait_saved(pw)
    pw.reload()
    pw.wait_for_selector("#jgrid[data-ready='1']")
    assert column(pw, "period")[0] == "3"
    assert pw.locator("#jgrid tbody tr").first.locator("td.fp.nt").count() == 1


def test_a_key_on_a_locked_cell_says_why_and_changes_nothing(grid):
    pw, old = grid["page"], grid["lessons"]["old"]
    while active_place(pw)[1] != f"l{old}":
        pw.keyboard.press("ArrowLeft")
    pw.keyboard.press("5")
    reason = pw.text_content("#jstatus-text")
    assert reason and "5" not in column(pw, old)[0]
    assert pw.locator("#jgrid td.hn").count() == 1
