"""One late correction end to end in a browser (issue 17), with three accounts: the subject
teacher finds a locked cell, opens its history with H and asks for a correction with a scanned
protocol; the director approves it from the office page; the deputy enters it, the grid shows
the corrected mark, and the change log's PDF (in Kazakh) holds its row. Then the parent's
diary says the mark was corrected, on a phone."""
from __future__ import annotations

import datetime as dt
import io

import pytest
from pypdf import PdfReader

from extensions import db
from models import Lesson, Mark, Pupil, StudyPeriod, User, WorkType
from services import corrections
from tests.browser.journal_setup import open_grid
from tests.browser.journal_setup import sign_in as sign_in_as

pytestmark = pytest.mark.browser

OLD_DAY = dt.date(2026, 11, 10)  # long locked on TODAY (2026-11-23)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
KAZAKH = set("әғқңөұүһі")


@pytest.fixture
def locked(browser_app) -> dict[str, int]:
    """A locked maths lesson of 5 «А» where Anna got a 2, and the 2nd quarter's id."""
    ids = browser_app.config["TINY_SCHOOL_IDS"]
    with browser_app.app_context():
        lesson = Lesson(page_id=ids["maths5"], date=OLD_DAY, topic="Дроби")
        wt = WorkType(code="cur", name_ru="Текущая", name_kk="Ағымдағы", weight=1)
        db.session.add_all([lesson, wt])
        db.session.flush()
        db.session.add(Mark(lesson_id=lesson.id, pupil_id=ids["anna"], value=2,
                            work_type_id=wt.id))
        period = db.session.scalar(db.select(StudyPeriod).where(
            StudyPeriod.start_date <= OLD_DAY, StudyPeriod.end_date >= OLD_DAY))
        db.session.commit()
        return {"lesson": lesson.id, "period": period.id, "class": ids["c5"], **ids}


def anna_cell(pw, ids):
    return pw.locator(f"#p{ids['anna']} td").nth(0)


def test_a_correction_end_to_end(page, live_server, locked, shot, axe_check, t):
    pw, base, ids = page, live_server, locked
    # 1. The teacher: the locked cell's history (key H) offers the request.
    sign_in_as(pw, base, "teacher")
    open_grid(pw, f"{base}/journal/pages/{ids['maths5']}?period={ids['period']}")
    anna_cell(pw, ids).click()
    pw.keyboard.press("h")
    pw.wait_for_selector("#jpick a[href*='/corrections/new']")
    shot(pw, "corrections-01-history")
    with pw.expect_navigation():
        pw.locator("#jpick a[href*='/corrections/new']").click()
    pw.fill("#new_value", "4")
    pw.select_option("#reason", "retake")
    pw.fill("#doc_number", "№ 3")
    pw.fill("#doc_date", "2026-11-20")
    pw.set_input_files("#document", files=[{"name": "protocol.pdf", "mimeType":
                                            "application/pdf", "buffer": PDF}])
    axe_check(pw)
    with pw.expect_navigation():
        pw.click("main form button[type=submit]")
    assert t("waiting for a decision") in pw.inner_text("main h1")
    shot(pw, "corrections-02-requested")

    # 2. The director approves from the office page.
    pw.context.clear_cookies()
    sign_in_as(pw, base, "director")
    pw.goto(f"{base}/office")
    with pw.expect_navigation():
        pw.locator("a[href$='#cx-decide']").click()
    with pw.expect_navigation():
        pw.locator("#cx-decide ~ div a, section[aria-labelledby=cx-decide] a").first.click()
    axe_check(pw)
    with pw.expect_navigation():
        pw.click("button[name=decision][value=approve]")
    assert t("approved, waiting to be applied") in pw.inner_text("main h1")

    # 3. The deputy enters it; the grid shows the corrected 4.
    pw.context.clear_cookies()
    sign_in_as(pw, base, "deputy")
    pw.goto(f"{base}/corrections/")
    with pw.expect_navigation():
        pw.locator("section[aria-labelledby=cx-apply] a").first.click()
    with pw.expect_navigation():
        pw.click("form.cx-apply button[type=submit]")
    assert t("applied") in pw.inner_text("main h1")
    shot(pw, "corrections-03-applied")
    open_grid(pw, f"{base}/journal/pages/{ids['maths5']}?period={ids['period']}")
    cell = anna_cell(pw, ids)
    assert cell.inner_text().strip() == "4"
    assert "fx" in (cell.get_attribute("class") or "")

    # 4. The change log, in Kazakh, on screen and as a PDF with the row.
    pw.locator("form[action$='/language/kk'] button").first.click()
    pw.wait_for_load_state()
    pw.goto(f"{base}/change-log/?class={ids['class']}&period={ids['period']}")
    assert "Антонова" in pw.inner_text("main")
    axe_check(pw)
    shot(pw, "corrections-04-change-log-kk")
    response = pw.request.get(f"{base}/change-log/pdf?class={ids['class']}&period={ids['period']}")
    assert response.ok and response.body().startswith(b"%PDF")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.body())).pages)
    assert "Антонова" in text and "№ 3" in text and "2 → 4" in text.replace("\n", " ")
    assert KAZAKH & set(text.lower()), "the Kazakh PDF has Kazakh letters"


def test_the_parent_sees_the_corrected_mark_on_a_phone(page, live_server, locked, browser_app):
    with browser_app.app_context():
        users = {u.username: u for u in db.session.scalars(db.select(User))}
        lesson, pupil = db.session.get(Lesson, locked["lesson"]), db.session.get(Pupil, locked["anna"])
        today = dt.date(2026, 11, 23)
        row = corrections.request(users["teacher"], corrections.cell_target(lesson, pupil),
                                  corrections.Request("4", "retake", "", "П-3", today), None,
                                  today)
        corrections.decide(users["director"], row, True, "")
        corrections.apply(users["deputy"], row, today)
        db.session.commit()
    page.set_viewport_size({"width": 375, "height": 740})
    sign_in_as(page, live_server, "mum", "kk")
    page.goto(f"{live_server}/diary/{locked['anna']}/marks")
    text = page.inner_text("main")
    assert "4" in text
    assert page.locator(".corrected-note").count() >= 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
