"""The year close wizard in a browser (issue 16), on a phone: the administrator excuses the
one missing year mark, enters the director's order with one exception, reads the dry run,
confirms, sees the result and undoes it; every step passes axe, in Russian and in Kazakh."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from extensions import db
from models import AcademicYear, FinalMark, Pupil, SubjectPage, YearClose

pytestmark = pytest.mark.browser
AFTER = dt.date(2027, 6, 3)


@pytest.fixture
def june(browser_app, monkeypatch):
    """Every year mark set but Anna's in maths; the school's clock in June."""
    monkeypatch.setattr("services.clock.today", lambda: AFTER)
    ids = browser_app.config["TINY_SCHOOL_IDS"]
    with browser_app.app_context():
        for page in db.session.scalars(select(SubjectPage)):
            for pupil in db.session.scalars(select(Pupil).where(Pupil.class_id == page.class_id)):
                if (page.id, pupil.id) != (ids["maths5"], ids["anna"]):
                    db.session.add(FinalMark(page_id=page.id, pupil_id=pupil.id, kind="year",
                                             value=4))
        db.session.commit()
    return ids


def _fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 375  # no sideways page


def test_the_administrator_closes_the_year_and_undoes_it(page, live_server, sign_in, shot,
                                                        axe_check, browser_app, june):
    sign_in("admin")
    page.goto(f"{live_server}/year-close/")
    row = page.locator("tr", has=page.locator(f"a[href='/journal/pages/{june['maths5']}']"))
    assert "Антонова Анна" in row.inner_text()
    row.locator("input[name=reason]").fill("")
    row.locator("button").click()
    page.wait_for_selector(".field-error")
    _fits(page)
    axe_check(page)
    row = page.locator("tr", has=page.locator(f"a[href='/journal/pages/{june['maths5']}']"))
    row.locator("input[name=reason]").fill("Прибыла в мае")
    row.locator("button").click()
    page.wait_for_selector("text=Прибыла в мае")
    _fits(page)
    shot(page, "yearclose-01-check-phone")
    axe_check(page)

    page.click("a[href='/year-close/plan']")
    page.fill("#order_no", "15-у")
    page.fill("#order_date", "2027-06-01")
    page.select_option("#ex-pupil-1", str(june["vera"]))
    page.select_option("#ex-kind-1", "repeats")
    page.fill("#ex-note-1", "болела")
    page.click("form[action='/year-close/plan'] button[type=submit]")
    page.wait_for_selector("#dry-h")
    assert "2027/2028" in page.inner_text("#dry-h + p")
    _fits(page)
    shot(page, "yearclose-02-dry-run-phone")
    axe_check(page)
    page.click("form[action='/year-close/apply'] button[type=submit]")  # not confirmed
    page.wait_for_selector("#confirm-err")
    with browser_app.app_context():
        assert db.session.scalar(select(YearClose.id)) is None
    page.check("input[name=confirm]")
    page.click("form[action='/year-close/apply'] button[type=submit]")
    page.wait_for_url("**/year-close/closes/*")
    shot(page, "yearclose-03-result-phone")
    axe_check(page)
    with browser_app.app_context():
        assert db.session.get(Pupil, june["vera"]).school_class.name == "5 «А»"
        assert db.session.get(AcademicYear, 1).closed

    page.click(".lang-switch button")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "kk"
    axe_check(page)
    page.click("form[action$='/undo'] button[type=submit]")
    page.wait_for_url("**/year-close/")
    with browser_app.app_context():
        assert db.session.scalar(select(YearClose.state)) == "undone"
        assert not db.session.get(AcademicYear, 1).closed
    axe_check(page)
