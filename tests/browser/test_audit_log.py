"""The deputy's log in a browser (issue 17): the deputy filters by class, reads a row's old
and new values, pages back, and downloads the filtered rows as XLSX; on a desktop in Russian
and on a 375 px touch phone in Kazakh, with axe on the page."""
from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import insert

from extensions import db
from models import AuditEvent
from tests.browser.variants import sign_in_as, variant_fixtures

pytestmark = pytest.mark.browser

variant, page = variant_fixtures(accept_downloads=True)


def _trail(app) -> None:
    """Marks in 5 «А» and 6 «Б» over a week, 60 in 5 «А» so that it takes two pages."""
    ids = app.config["TINY_SCHOOL_IDS"]
    at = dt.datetime(2026, 11, 20, 6, 0)
    rows = [{"at": at - dt.timedelta(minutes=i), "user_id": ids["teacher"], "role": "teacher",
             "action": "journal.cell", "object_type": "lesson", "object_id": 1,
             "pupil_id": ids["anna"], "class_id": ids["c5"], "subject_id": ids["maths"],
             "old": "4", "new": str(2 + i % 4)} for i in range(60)]
    rows.append({**rows[0], "at": at + dt.timedelta(minutes=5), "pupil_id": ids["boris"],
                 "class_id": ids["c6"], "old": "", "new": "н"})
    with app.app_context():
        db.session.execute(insert(AuditEvent), rows)
        db.session.commit()


def test_deputy_filters_reads_and_downloads(page, live_server, browser_app, sign_in, shot,
                                            axe_check, variant):
    ids = browser_app.config["TINY_SCHOOL_IDS"]
    lang, viewport, touch = variant
    _trail(browser_app)
    press = sign_in_as(page, sign_in, "deputy", variant)
    page.goto(f"{live_server}/office")
    with page.expect_navigation():
        press("a[href='/audit/']")
    assert page.locator("table.audit-log tbody tr").count() == 50
    page.locator("select[name=class]").select_option(str(ids["c5"]))
    with page.expect_navigation():
        press("form.grid-tools button[type=submit]")
    assert f"class={ids['c5']}" in page.url
    body = page.locator("table.audit-log tbody")
    assert "6 «Б»" not in body.inner_text()
    first = body.locator("tr").first.inner_text()
    assert "Антонова" in first and "4 → 2" in first.replace("\n", " ")
    # The pupil list is the chosen class's now; the next page keeps the filter.
    assert page.locator("select[name=pupil] option").count() == 3
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    shot(page, f"audit-log-{lang}")
    axe_check(page)
    with page.expect_navigation():
        press("a[rel=next]")
    assert f"class={ids['c5']}" in page.url and body.locator("tr").count() == 10

    with page.expect_download() as info:
        press("a[href^='/audit/export.xlsx']")
    sheet = load_workbook(io.BytesIO(Path(info.value.path()).read_bytes())).active
    values = list(sheet.iter_rows(values_only=True))
    assert len(values) == 61 and sheet.freeze_panes == "A2"
    assert {v[4] for v in values[1:]} == {"5 «А»"}
