"""A cell's history where the teacher looks, and the mark of a corrected entry (issue 17):
the history service and routes, the grid's corrected marker, the diary's note."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from flask_babel import force_locale, format_date, gettext
from sqlalchemy import select

from extensions import db
from models import Attendance, Correction, FinalMark, Lesson, SubjectPage, User
from services import audit, cell_history
from tests.conftest import TODAY
from tests.sql import count_queries

DAY = dt.timedelta(days=1)
HX = {"HX-Request": "true"}


@pytest.fixture
def lesson(school):
    row = school.builder.lesson(school.maths5, TODAY)
    db.session.commit()
    return row.id


def save(client, lesson_id: int, pupil_id: int, value: str, old: str = ""):
    response = client.post(f"/journal/lessons/{lesson_id}/cell", headers=HX,
                           data={"pupil": pupil_id, "value": value, "old": old})
    assert response.status_code == 200 and "X-Journal-Refused" not in response.headers
    return response


def ru(message: str, **values) -> str:
    """A message as the (Russian) page shows it, whatever the catalogs hold today."""
    with force_locale("ru"):
        return gettext(message, **values)


def values(html: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", v).strip()
            for v in re.findall(r'<span class="jhist-v">(.*?)</span>', html, re.S)]


def history(client, lesson_id: int, pupil_id: int):
    return client.get(f"/journal/lessons/{lesson_id}/history?pupil={pupil_id}", headers=HX)


def applied(school, lesson_id: int | None, pupil_id: int, *, kind: str = "cell",
            period_id: int | None = None, old: str = "н", new: str = "4") -> Correction:
    """An applied correction, as the workflow leaves it (written directly)."""
    deputy = db.session.scalar(select(User).where(User.username == "deputy"))
    teacher = db.session.scalar(select(User).where(User.username == "teacher"))
    at = dt.datetime(2026, 11, 20, 20, 30)  # 21 November at the school (Asia/Almaty, +5)
    row = Correction(kind=kind, page_id=school.maths5.id, lesson_id=lesson_id,
                     period_id=period_id, pupil_id=pupil_id, entry_date=TODAY - 10 * DAY,
                     old_value=old, new_value=new, reason="illness", doc_number="17-б",
                     doc_date=TODAY - 12 * DAY, status="applied", requested_by=teacher.id,
                     requested_role="teacher", requested_at=at - 2 * DAY, decided_by=deputy.id,
                     decided_at=at - DAY, decision_note="ок", applied_by=deputy.id,
                     applied_at=at)
    db.session.add(row)
    db.session.flush()
    return row


def test_the_values_come_newest_first_with_who_and_role(login, school, lesson):
    client = login("teacher")
    save(client, lesson, school.anna.id, "5")
    save(client, lesson, school.anna.id, "4", old="5")
    save(client, lesson, school.anna.id, "н", old="4")
    response = history(client, lesson, school.anna.id)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert values(html) == ["н", "4", "5"]
    assert "Предметникова" in html and 'id="jhist-h"' in html
    assert ru("Ask for a correction") not in html  # today's cell is open: nothing to ask


def test_history_in_kazakh_letters(login, school, lesson):
    client = login("teacher")
    save(client, lesson, school.anna.id, "н")
    client.post("/language/kk")
    html = history(client, lesson, school.anna.id).get_data(as_text=True)
    assert values(html) == ["ж"]  # the trail keeps "н": shown in the user's letters


def test_a_row_from_a_correction_names_it_and_its_document(login, school, lesson):
    client = login("teacher")
    save(client, lesson, school.anna.id, "н")
    fix = applied(school, lesson, school.anna.id)
    page = db.session.get(SubjectPage, school.maths5.id)
    deputy = db.session.scalar(select(User).where(User.username == "deputy"))
    audit.write_rows([audit.journal_row(deputy, "journal.cell", "lesson", lesson,
                                        school.anna.id, "н", "4", page=page, role="deputy",
                                        correction_id=fix.id)])
    db.session.commit()
    html = history(client, lesson, school.anna.id).get_data(as_text=True)
    assert values(html)[0] == "4"
    assert ru("correction №%(n)d", n=fix.id) in html and "17-б" in html
    assert 'class="jhist-fix"' in html and html.count("Завучева") >= 3  # approved, entered
    assert "«ок»" in html and "Завучева" in html


def test_absence_reasons_only_for_those_who_may_see_them(login, school, lesson):
    client = login("teacher")
    save(client, lesson, school.anna.id, "н")
    absence = db.session.scalar(select(Attendance).where(Attendance.lesson_id == lesson))
    page = db.session.get(SubjectPage, school.maths5.id)
    ct = db.session.scalar(select(User).where(User.username == "ct"))
    audit.write_rows([audit.journal_row(ct, "absence.reason", "attendance", absence.id,
                                        school.anna.id, "", "illness", page=page)])
    db.session.commit()
    reason = ru("Absence reason")
    assert reason not in history(client, lesson, school.anna.id).get_data(as_text=True)
    html = history(login("ct"), lesson, school.anna.id).get_data(as_text=True)
    assert reason in html and ru("illness") in html


@pytest.mark.parametrize("user", ["mum", "anna", "other"])
def test_parents_pupils_and_strangers_are_refused(login, school, lesson, user):
    client = login(user)
    assert history(client, lesson, school.anna.id).status_code in (403, 404)
    url = (f"/journal/pages/{school.maths5.id}/final-history?pupil={school.anna.id}"
           f"&kind=period&period={school.builder.periods[1].id}")
    assert client.get(url, headers=HX).status_code in (403, 404)


@pytest.mark.parametrize("query", ["pupil={boris}", "pupil={senior}", "pupil=", "pupil=x",
                                   "pupil=99999"])
def test_a_pupil_never_on_the_page_is_a_404(login, school, lesson, query):
    client = login("teacher")
    q = query.format(boris=school.boris.id, senior=school.senior.id)
    assert client.get(f"/journal/lessons/{lesson}/history?{q}").status_code == 404
    assert client.get(f"/journal/lessons/99999/history?pupil={school.anna.id}").status_code == 404


def test_history_takes_a_fixed_number_of_queries(login, school, lesson):
    client = login("teacher")
    save(client, lesson, school.anna.id, "5")
    fix = applied(school, lesson, school.anna.id)
    db.session.commit()
    history(client, lesson, school.anna.id)
    with count_queries() as small:
        history(client, lesson, school.anna.id)
    old = "5"
    for value in ["4", "3", "н", "5", "о5", "2", "4/5", "н"] * 3:
        save(client, lesson, school.anna.id, value, old=old)
        old = value
    assert fix.id
    with count_queries() as big:
        assert len(values(history(client, lesson, school.anna.id).get_data(as_text=True))) == 25
    assert len(small) == len(big) <= 18, big


def test_a_locked_cell_offers_to_ask_for_a_correction(login, school, lesson, monkeypatch):
    save(login("teacher"), lesson, school.anna.id, "н")
    monkeypatch.setattr("services.clock.today", lambda: TODAY + 20 * DAY)
    for user in ("teacher", "ct"):
        html = history(login(user), lesson, school.anna.id).get_data(as_text=True)
        assert ru("Ask for a correction") in html, user
        assert f"/corrections/new?lesson={lesson}&amp;pupil={school.anna.id}" in html
    html = history(login("director"), lesson, school.anna.id).get_data(as_text=True)
    assert ru("Ask for a correction") not in html


def final_url(school, kind="period"):
    return (f"/journal/pages/{school.maths5.id}/final-history?pupil={school.anna.id}"
            f"&kind={kind}&period={school.builder.periods[1].id}")


def test_period_mark_history(login, school, monkeypatch):
    client = login("teacher")
    period = school.builder.periods[1]
    for value, old in (("4", ""), ("5", "4")):
        response = client.post(f"/journal/pages/{school.maths5.id}/final", headers=HX, data={
            "pupil": school.anna.id, "kind": "period", "period": period.id, "value": value,
            "old": old})
        assert "X-Journal-Refused" not in response.headers, response.get_data(as_text=True)
    html = client.get(final_url(school), headers=HX).get_data(as_text=True)
    assert values(html) == ["5", "4"]
    assert values(client.get(final_url(school).replace(
        f"period={period.id}", f"period={school.builder.periods[0].id}")).get_data(
        as_text=True)) == []
    assert client.get(final_url(school, "week")).status_code == 404
    monkeypatch.setattr("services.clock.today", lambda: period.end_date + 30 * DAY)
    html = client.get(final_url(school)).get_data(as_text=True)
    assert ru("Ask for a correction") in html and "kind=period" in html


def test_service_reads_newest_first(app, school, lesson):
    page = db.session.get(SubjectPage, school.maths5.id)
    teacher = db.session.scalar(select(User).where(User.username == "teacher"))
    audit.write_rows([audit.journal_row(teacher, "journal.cell", "lesson", lesson,
                                        school.anna.id, old, new, page=page)
                      for old, new in (("", "5"), ("5", "3"))])
    db.session.commit()
    got = cell_history.cell_history(db.session.get(Lesson, lesson), school.anna.id, False)
    assert [s.new for s in got.steps] == ["3", "5"] and got.corrections == []


# -- the corrected marker ------------------------------------------------------------------

def test_the_grid_marks_a_corrected_cell_and_period_mark(login, school, lesson):
    client = login("teacher")
    save(client, lesson, school.anna.id, "4")
    applied(school, lesson, school.anna.id)
    applied(school, None, school.vera.id, kind="period", period_id=school.builder.periods[1].id)
    db.session.commit()
    html = client.get(f"/journal/pages/{school.maths5.id}").get_data(as_text=True)
    with force_locale("ru"):
        note = ru("Corrected on %(date)s", date=format_date(dt.date(2026, 11, 21), "d MMMM"))
    assert "21 ноября" in note
    cell = re.search(rf'<tr id="p{school.anna.id}".*?</tr>', html, re.S).group(0)
    assert f'<td class="fx" title="{note}">4</td>' in cell, cell
    row = re.search(rf'<tr id="p{school.vera.id}".*?</tr>', html, re.S).group(0)
    assert f'<td class="f fp fx" title="{note}"' in row, row
    assert html.count(" fx") + html.count('"fx"') == 2


def test_a_refused_save_keeps_the_marker(login, school, monkeypatch):
    old = school.builder.lesson(school.maths5, TODAY - 10 * DAY)
    db.session.commit()
    applied(school, old.id, school.anna.id)
    db.session.commit()
    response = login("teacher").post(f"/journal/lessons/{old.id}/cell", headers=HX,
                                     data={"pupil": school.anna.id, "value": "5", "old": ""})
    assert response.headers.get("X-Journal-Refused") == "403"
    assert re.match(r'<td class="er fx" title="[^"]*\n', response.get_data(as_text=True))


def test_grid_query_count_stays_fixed_with_corrections(login, school, lesson):
    client = login("teacher")
    url = f"/journal/pages/{school.maths5.id}"
    client.get(url)
    with count_queries() as before:
        client.get(url)
    save(client, lesson, school.anna.id, "4")
    applied(school, lesson, school.anna.id)
    applied(school, lesson, school.vera.id)
    db.session.commit()
    with count_queries() as after:
        client.get(url)
    assert len(before) == len(after)


def test_the_diary_notes_a_corrected_mark_and_nothing_more(login, school, lesson):
    save(login("teacher"), lesson, school.anna.id, "4")
    applied(school, lesson, school.anna.id)
    applied(school, None, school.anna.id, kind="period", period_id=school.builder.periods[1].id)
    db.session.add(FinalMark(page_id=school.maths5.id, pupil_id=school.anna.id, kind="period",
                             period_id=school.builder.periods[1].id, value=4))
    db.session.commit()
    html = login("mum").get(f"/diary/{school.anna.id}/marks").get_data(as_text=True)
    with force_locale("ru"):
        note = ru("corrected on %(date)s", date=format_date(dt.date(2026, 11, 21), "d MMMM"))
    assert html.count(f'<span class="corrected-note">{note}</span>') == 2, html
    assert "17-б" not in html and "Завучева" not in html and "Предметникова" not in html
    other = login("dad2").get(f"/diary/{school.vera.id}/marks").get_data(as_text=True)
    assert "corrected-note" not in other
