"""The change log sheet (001 4.3): its rows, who reads it, and its PDF and XLSX files."""
from __future__ import annotations

import datetime as dt
import io

import pytest
from flask_babel import force_locale
from openpyxl import load_workbook

from extensions import db
from models import Correction
from services import clock
from services.corrections import log
from tests.sql import count_queries


def correction(s, page, pupil, *, lesson=None, period=None, kind="cell", old="", new="",
               reason="illness", note="", doc="17", at=dt.datetime(2026, 11, 23, 4, 30),
               status="applied", requester=None, role="teacher", entry=None) -> Correction:
    """An applied (or other) correction written directly, as the workflow would leave it."""
    row = Correction(
        kind=kind, page_id=page.id, lesson_id=lesson.id if lesson else None,
        period_id=period.id if period else None, pupil_id=pupil.id,
        entry_date=entry or (lesson.date if lesson else period.end_date),
        old_value=old, new_value=new, reason=reason, note=note, doc_number=doc,
        doc_date=dt.date(2026, 11, 20), status=status,
        requested_by=(requester or s.teacher).id, requested_role=role,
        requested_at=at - dt.timedelta(days=1),
        decided_by=s.deputy.id if status != "pending" else None,
        decided_at=at - dt.timedelta(hours=2) if status != "pending" else None,
        applied_by=s.deputy.id if status == "applied" else None,
        applied_at=at if status == "applied" else None)
    db.session.add(row)
    db.session.flush()
    return row


@pytest.fixture
def sheet(school):
    """5 «А» in the second quarter: three applied corrections (cell absence, cell mark, a
    period mark), and the ones the sheet must leave out."""
    s, q1, q2 = school, school.builder.periods[0], school.builder.periods[1]
    lesson = s.builder.lesson(s.maths5, dt.date(2026, 11, 10))
    lit = s.builder.lesson(s.lit5, dt.date(2026, 11, 11))
    s.q1, s.q2 = q1, q2
    s.absence = correction(s, s.maths5, s.anna, lesson=lesson, old="н", new="",
                           at=dt.datetime(2026, 11, 23, 5, 0))
    s.retake = correction(s, s.lit5, s.vera, lesson=lit, old="3", new="4", reason="retake",
                          doc="5", requester=s.ct, at=dt.datetime(2026, 11, 22, 9, 0))
    # the first quarter's mark: its date is the quarter's last day, so it is Q1's row
    s.final = correction(s, s.maths5, s.vera, kind="period", period=q1, old="н/а", new="4",
                         reason="other", note="приказ о переводе", requester=s.ct,
                         role="class_teacher", at=dt.datetime(2026, 11, 24))
    # left out of 5 «А» in Q2: another class, not applied
    correction(s, s.maths6, s.boris, lesson=s.builder.lesson(s.maths6, dt.date(2026, 11, 10)),
               old="н", new="")
    correction(s, s.maths5, s.anna, lesson=lesson, old="н", new="5", status="pending")
    correction(s, s.maths5, s.vera, lesson=lesson, old="н", new="", status="rejected")
    db.session.commit()
    return s


def test_rows_of_the_class_and_period_in_applied_order(sheet, app):
    with app.test_request_context(), force_locale("en"):
        clock.zone()  # the school's zone is read once per request, before the count
        with count_queries() as queries:
            rows = log.change_log(sheet.c5, sheet.q2)
    assert len(queries) == 1, "\n\n".join(queries)
    assert [r.correction_id for r in rows] == [sheet.retake.id, sheet.absence.id]
    assert [r.number for r in rows] == [1, 2]
    retake, absence = rows
    assert retake.change == "mark 3 → 4 (retake)"
    assert retake.document == "protocol № 5 of 20.11.2026"
    assert retake.initiator == "Классная C. (subject teacher)"
    assert retake.teacher == "Классная C."
    assert absence.change == "absence н → present (illness)"
    assert absence.pupil == "Антонова Анна" and absence.class_name == "5 «А»"
    assert absence.subject == "Математика" and absence.teacher == "Предметникова T."
    assert absence.document == "№ 17 of 20.11.2026"
    # applied at 05:00 UTC: 10:00 in Almaty; the date changed is the lesson's
    assert absence.entered_at == dt.datetime(2026, 11, 23, 10, 0)
    assert absence.entry_date == dt.date(2026, 11, 10)


def test_kazakh_letters_in_the_nature_of_the_change(sheet, app):
    with app.test_request_context(), force_locale("kk"):
        rows = log.change_log(sheet.c5, sheet.q2)
    assert "ж →" in rows[1].change and "н →" not in rows[1].change


def test_another_period_and_class_list_their_own(sheet, app):
    with app.test_request_context(), force_locale("en"):
        (final,) = log.change_log(sheet.c5, sheet.q1)
        (boris,) = log.change_log(sheet.c6, sheet.q2)
    assert final.change == "period mark n/a → 4 (other documented cause: приказ о переводе)"
    assert final.initiator == "Классная C. (class teacher)"
    assert final.entry_date == sheet.q1.end_date and final.number == 1
    assert boris.pupil == "Антонов Борис"


@pytest.mark.parametrize("who", ["deputy", "director", "admin", "ct"])
def test_leadership_and_the_class_teacher_read_it(sheet, login, who):
    response = login(who).get(f"/change-log/?class={sheet.c5.id}&period={sheet.q2.id}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Антонова Анна" in html and "table-scroll scroll-contained" in html
    assert "Антонов Борис" not in html


@pytest.mark.parametrize("who,code", [("other", 403), ("deputy1", 403), ("teacher", 403),
                                      ("mum", 403), ("anna", 403), ("secretary", 403)])
def test_others_are_refused(sheet, login, who, code):
    client = login(who)
    for path in ("/change-log/", "/change-log/pdf", "/change-log/xlsx"):
        response = client.get(f"{path}?class={sheet.c5.id}&period={sheet.q2.id}")
        assert response.status_code == code, (who, path)
        assert "Антонова Анна" not in response.get_data(as_text=True)


def test_bad_ids_are_not_found(sheet, login):
    client = login("deputy")
    assert client.get("/change-log/?class=999999").status_code == 404
    assert client.get("/change-log/?class=²").status_code == 404
    assert client.get(f"/change-log/pdf?class={sheet.c5.id}&period=999").status_code == 404
    # the page falls back to today's period when the one in the URL is not the class's
    page = client.get(f"/change-log/?class={sheet.c5.id}&period=999")
    assert page.status_code == 200 and "Антонова Анна" in page.get_data(as_text=True)


def test_page_without_a_class_opens_the_first_readable(sheet, login):
    response = login("ct").get("/change-log/")
    assert response.status_code == 200 and "Васильева Вера" in response.get_data(as_text=True)
    assert login("other").get("/change-log/").status_code == 200  # class teacher of 6 «Б»
    assert login("teacher").get("/change-log/").status_code == 403


def test_journal_index_links_the_sheet(sheet, login):
    html = login("ct").get("/journal/").get_data(as_text=True)
    assert f"/change-log/?class={sheet.c5.id}" in html
    assert f"/change-log/?class={sheet.c6.id}" not in html


def test_pdf_in_kazakh(sheet, login):
    from pypdf import PdfReader

    client = login("deputy")
    client.post("/language/kk")
    response = client.get(f"/change-log/pdf?class={sheet.c5.id}&period={sheet.q2.id}")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    text = "".join(p.extract_text() for p in reader.pages)
    assert "Антонова Анна" in text and "Әдебиет" in text and "5 «А»" in text
    assert "ж →" in text and "Завучева D." in text
    page = reader.pages[0]
    assert page.mediabox.width > page.mediabox.height  # landscape


def test_xlsx_reads_back(sheet, login):
    response = login("ct").get(f"/change-log/xlsx?class={sheet.c5.id}&period={sheet.q2.id}")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.data))
    ws = book.active
    assert ws.freeze_panes == "A2"
    rows = list(ws.iter_rows(values_only=True))
    assert len(rows) == 3
    assert rows[2][0] == 2 and rows[2][1] == "Антонова Анна, 5 «А»"
    assert rows[2][4] == dt.datetime(2026, 11, 23, 10, 0)
    assert rows[2][5] == dt.datetime(2026, 11, 10)  # a real date (openpyxl reads datetimes)
    assert ws.column_dimensions["D"].width > 30


def test_pdf_html_for_the_hard_copy_report(sheet, app):
    """The period's hard copy (a later report) takes the sheet's HTML in a chosen language."""
    with app.test_request_context(), force_locale("kk"):
        html = log.change_log_pdf_html(sheet.c5, sheet.q2)
    assert "Әдебиет" in html and "Васильева Вера" in html and "A4 landscape" in html
    assert "<pdf:pagenumber>" in html and "Завучева D." in html
