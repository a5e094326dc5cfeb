"""The timetable in a real browser (issue 16): the administrator builds a new class's weekly
timetable by keyboard (type a subject's letters, arrow keys between cells), a clash is shown
in its cell and nothing saved; the lessons appear in the teacher's journal; the parent opens
the child's timetable in the diary on a 375 px touch phone. Axe on each page; Russian and
Kazakh.
"""
from __future__ import annotations

import pytest

from extensions import db
from models import ConsentText, SchoolClass, StudyPeriod, Subject, SubjectPage, User
from services.timetable import set_cell
from tests.conftest import TODAY
from tests.factories import PASSWORD, Builder
from tests.timetable_setup import add_bells

DESKTOP = {"viewport": {"width": 1280, "height": 900}, "has_touch": False, "is_mobile": False}
PHONE = {"viewport": {"width": 375, "height": 812}, "has_touch": True, "is_mobile": True}
NAMES = {"ru": {"maths": "Математика", "lit": "Литература", "monday": "понедельник"},
         "kk": {"maths": "Математика", "lit": "Әдебиет", "monday": "дүйсенбі"}}


@pytest.fixture(params=["ru", "kk"])
def language(request) -> str:
    return request.param


@pytest.fixture
def school(browser_app, language):
    """A new class 7 «В» with maths (`teacher`, 3 hours) and literature (`ct`, 2), a pupil
    and her parent `mum7`; maths of 5 «А» is on Wednesdays, first lesson (for a clash)."""
    ids = dict(browser_app.config["TINY_SCHOOL_IDS"])
    with browser_app.app_context():
        add_bells(6)
        c5 = db.session.get(SchoolClass, ids["c5"])
        b = Builder.__new__(Builder)
        b.today, b._n, b.year = TODAY, 0, c5.year
        b._consent_text = db.session.scalar(db.select(ConsentText))
        cls = b.school_class(7, "В", language=language)
        maths, lit = (db.session.scalar(db.select(Subject).where(Subject.code == c))
                      for c in ("maths", "lit"))
        pages = [b._add(SubjectPage(class_id=cls.id, subject_id=s.id, teacher_id=ids[t],
                                    hours_per_week=h))
                 for s, t, h in ((maths, "t_staff", 3), (lit, "ct_staff", 2))]
        pupil = b.pupil(cls, "Жұмабаева", "Әсел")
        b.parent("mum7", pupil)
        q2 = db.session.scalars(db.select(StudyPeriod).order_by(StudyPeriod.start_date)).all()[1]
        set_cell(c5, q2, 3, 1, [db.session.get(SubjectPage, ids["maths5"])], [""])
        db.session.commit()
        ids.update(c7=cls.id, maths7=pages[0].id, lit7=pages[1].id, pupil7=pupil.id, q2=q2.id)
        for name in ("admin", "teacher", "mum7"):
            db.session.scalar(db.select(User).where(User.username == name)).locale = language
        db.session.commit()
    return ids


def context(browser, device: dict):
    return browser.new_context(locale="ru-RU", **device)


def sign_in(pw, base: str, username: str) -> None:
    pw.goto(f"{base}/login")
    pw.fill("#username", username)
    pw.fill("#password", PASSWORD)
    with pw.expect_navigation():
        pw.press("#password", "Enter")


def pick(pw, cdp, letters: str) -> None:
    """Type a subject's first letters into the focused cell and wait for its save.

    Playwright's keyboard.type sends letters outside the US layout as inserted text, which
    a select ignores; Chrome's own key events with the letter are what a Russian or Kazakh
    keyboard sends.
    """
    with pw.expect_response(lambda r: "/cells" in r.url and r.request.method == "POST"):
        for letter in letters:
            cdp.send("Input.dispatchKeyEvent", {"type": "keyDown", "key": letter,
                                                "text": letter, "unmodifiedText": letter})
            cdp.send("Input.dispatchKeyEvent", {"type": "keyUp", "key": letter})
    pw.wait_for_timeout(150)  # htmx swaps the answer in after the response


def test_timetable_by_keyboard_to_journal_and_diary(browser, live_server, school, language,
                                                    axe_check, shot, console_errors):
    names = NAMES[language]
    desktop = context(browser, DESKTOP)
    pw = desktop.new_page()
    cdp = desktop.new_cdp_session(pw)
    _watch(pw, console_errors)
    sign_in(pw, live_server, "admin")
    pw.goto(f"{live_server}/timetable/classes/{school['c7']}?period={school['q2']}")
    pw.focus("#tt-1-1")
    pick(pw, cdp, names["maths"][:3])
    assert pw.evaluate("document.activeElement.id") == "tt-1-1"
    pw.keyboard.press("ArrowDown")
    assert pw.evaluate("document.activeElement.id") == "tt-1-2"
    pick(pw, cdp, names["lit"][:3])
    pw.keyboard.press("ArrowRight")
    pick(pw, cdp, names["maths"][:3])
    assert pw.locator("#tt-2-2").input_value() == str(school["maths7"])
    # Wednesday, first lesson: the maths teacher is in 5 «А» then.
    pw.keyboard.press("ArrowRight")
    pw.keyboard.press("ArrowUp")
    assert pw.evaluate("document.activeElement.id") == "tt-3-1"
    pick(pw, cdp, names["maths"][:3])
    error = pw.locator("#cell-3-1 .field-error")
    assert "5 «А»" in error.inner_text()
    assert pw.locator("#tt-3-1").input_value() == ""  # nothing saved
    shot(pw, f"timetable-grid-{language}")
    axe_check(pw)
    desktop.close()

    desktop = context(browser, DESKTOP)
    pw = desktop.new_page()
    _watch(pw, console_errors)
    sign_in(pw, live_server, "teacher")
    pw.goto(f"{live_server}/journal/pages/{school['maths7']}?period={school['q2']}")
    pw.wait_for_timeout(300)  # journal.js moves the columns out of view in after the first frame
    assert pw.locator("th[data-l]").count() == 15  # 8 Mondays and 7 Tuesdays of the quarter
    assert pw.locator("th[data-l] a", has_text="23.11").count() == 1
    desktop.close()

    phone = context(browser, PHONE)
    pw = phone.new_page()
    _watch(pw, console_errors)
    sign_in(pw, live_server, "mum7")
    pw.locator(".diary-tabs a[href$='/timetable']").tap()
    pw.wait_for_url(f"**/diary/{school['pupil7']}/timetable")
    monday = pw.locator("#ttday-1").locator("xpath=..")
    assert names["monday"] in monday.inner_text().lower()
    assert names["maths"] in monday.inner_text() and names["lit"] in monday.inner_text()
    assert pw.evaluate("document.documentElement.scrollWidth") <= 375
    shot(pw, f"timetable-diary-{language}")
    axe_check(pw)
    phone.close()
    assert not console_errors, console_errors


def _watch(pw, errors: list[str]) -> None:
    pw.on("console", lambda m: errors.append(f"console {m.type}: {m.text}")
          if m.type == "error" else None)
    pw.on("pageerror", lambda e: errors.append(f"page error: {e}"))
