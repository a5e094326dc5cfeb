"""What the journal's browser tests share: a page of eight pupils with three lessons, signing in,
switching the language, and reading the grid back."""
from __future__ import annotations

import datetime as dt

from extensions import db
from models import Enrolment, Lesson, Person, Pupil, SubjectPage
from tests.conftest import TODAY
from tests.factories import PASSWORD

EXTRA = ["Борисов", "Григорьева", "Дмитриев", "Егорова", "Жуков", "Зайцева"]


def add_pupils_and_lessons(browser_app) -> dict[str, int]:
    """maths5 gets six more pupils and lessons today, two and five days ago; their ids."""
    ids = browser_app.config["TINY_SCHOOL_IDS"]
    with browser_app.app_context():
        maths5 = db.session.get(SubjectPage, ids["maths5"])
        for last in EXTRA:
            person = Person(last_name=last, first_name="Тест", sex="m")
            db.session.add(person)
            db.session.flush()
            pupil = Pupil(person_id=person.id, class_id=maths5.class_id)
            db.session.add(pupil)
            db.session.flush()
            db.session.add(Enrolment(pupil_id=pupil.id, class_id=maths5.class_id,
                                     start_date=dt.date(2026, 9, 1)))
        lessons = {name: Lesson(page_id=maths5.id, date=TODAY - dt.timedelta(days=d),
                                topic=f"Тема {d}") for name, d in (("old", 5), ("two", 2),
                                                                   ("today", 0))}
        db.session.add_all(lessons.values())
        db.session.commit()
        return {k: v.id for k, v in lessons.items()}


def sign_in(pw, base: str, username: str, language: str = "ru") -> None:
    """Sign in with the form (Enter in the password field), then pick the language."""
    pw.goto(f"{base}/login")
    pw.fill("#username", username)
    pw.fill("#password", PASSWORD)
    with pw.expect_navigation():
        pw.press("#password", "Enter")
    if language == "kk":
        with pw.expect_navigation():
            pw.locator("form[action$='/language/kk'] button").first.click()


def open_grid(pw, url: str) -> None:
    pw.goto(url)
    pw.wait_for_selector("#jgrid[data-ready='1']")


def column(pw, lesson_id) -> list[str]:
    """The texts of a lesson's column (lesson_id), or of "period" / "year"."""
    return pw.evaluate(
        """(id) => { const t = document.getElementById('jgrid');
        const i = [...t.tHead.rows[0].cells].findIndex(c => c.dataset.l == id || c.dataset.f == id);
        return [...t.tBodies[0].rows].map(r => r.cells[i].textContent); }""", str(lesson_id))


def wait_saved(pw) -> None:
    """Every queued save answered: no cell is still saving."""
    pw.wait_for_function("() => !document.querySelector('#jgrid td.sv')")


def press_layout_key(pw, key: str) -> None:
    """A key of a Russian or Kazakh keyboard layout: Playwright types such characters as text,
    so send the keydown that layout produces to the focused cell."""
    pw.evaluate("""(key) => document.activeElement.dispatchEvent(
        new KeyboardEvent('keydown', {key: key, bubbles: true, cancelable: true}))""", key)


def active_place(pw) -> tuple[int, str]:
    """(row index, column key) of the focused cell: ("l" + lesson id) or "period"/"year"."""
    return tuple(pw.evaluate("""() => { const td = document.activeElement;
        const th = document.getElementById('jgrid').tHead.rows[0].cells[td.cellIndex];
        return [td.parentNode.sectionRowIndex, th.dataset.l ? 'l' + th.dataset.l : th.dataset.f]; }"""))
