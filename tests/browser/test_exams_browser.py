"""Final attestation in a browser (issue 16): the deputy enters results row by row with htmx
on a phone (a refusal shows in the row, nothing else moves), the readiness and load pages pass
axe, and the parent sees the result with the year marks in Russian and Kazakh."""
from __future__ import annotations

import pytest

from extensions import db
from models import Exam

pytestmark = pytest.mark.browser


@pytest.fixture
def exam_id(browser_app) -> int:
    with browser_app.app_context():
        ids = browser_app.config["TINY_SCHOOL_IDS"]
        exam = Exam(kind="school", grade=5, subject_id=ids["maths"], name_ru="Экзамен по "
                    "математике", name_kk="Математикадан емтихан", max_points=20)
        db.session.add(exam)
        db.session.commit()
        return exam.id


def test_deputy_enters_results_and_the_parent_reads_them(page, live_server, sign_in, shot,
                                                         axe_check, browser_app, exam_id):
    anna = browser_app.config["TINY_SCHOOL_IDS"]["anna"]
    sign_in("deputy")
    page.goto(f"{live_server}/exams/{exam_id}")
    row = page.locator(f"#pupil-{anna}")
    row.locator("input[name=points]").fill("25")
    row.locator("input[name=mark]").fill("5")
    page.evaluate("window.__stayed = true")
    row.locator("button").click()
    page.wait_for_selector(f"#pupil-{anna} .field-error")
    assert "20" in page.inner_text(f"#pupil-{anna} .field-error")
    assert page.evaluate("window.__stayed === true")  # the row was swapped, not the page
    row.locator("input[name=points]").fill("18")
    row.locator("input[name=taken_on]").fill("2026-11-20")
    row.locator("button").click()
    page.wait_for_selector(f"#pupil-{anna}:not(.has-error)")
    assert row.locator("input[name=points]").input_value() == "18"
    shot(page, "exams-01-results-phone")
    axe_check(page)
    page.reload()
    assert page.locator(f"#pupil-{anna} input[name=mark]").input_value() == "5"

    for path in (f"/exams/{exam_id}", "/readiness/", "/load/"):
        page.goto(f"{live_server}{path}")
        assert page.evaluate("document.documentElement.scrollWidth") <= 375, path  # no sideways page
        axe_check(page)
        shot(page, "exams-02" + path.replace("/", "-").rstrip("-"))

    page.context.clear_cookies()  # signed out
    sign_in("mum")
    page.goto(f"{live_server}/diary/{anna}/marks")
    text = page.inner_text("#exams-h + ul")
    assert "Экзамен по математике" in text and "18" in text and "20" in text
    axe_check(page)
    page.click(".lang-switch button")
    page.wait_for_selector("text=Математикадан емтихан")
    shot(page, "exams-03-diary-kazakh")
    axe_check(page)
