"""The period close, step by step (001 6.2-6.5): each step's day from the period's end and
the school calendar, each role's steps on its home page with what is still open, and the
leadership's sheet of the steps."""
from __future__ import annotations

import datetime as dt
import re

import pytest

from extensions import db
from models import FinalMark, Holiday
from services.calendar import load_calendar
from services.reports import period_close
from tests.test_journal_http import ru

D = dt.date


def _holiday(school, start: dt.date, end: dt.date, kind: str = "vacation") -> None:
    school.builder._add(Holiday(year_id=school.builder.year.id, kind=kind, name="",
                                start_date=start, end_date=end))


def test_dates_without_holidays(school):
    """Quarter 2 ends on Monday 28.12; no vacation is set, so the holidays start on 29.12:
    the school days before them are 28.12, 25.12 and 24.12."""
    holidays, days = period_close.dates(D(2026, 12, 28), load_calendar(school.builder.year))
    assert holidays == D(2026, 12, 29)
    assert days == {"subject": D(2026, 12, 24), "class": D(2026, 12, 25),
                    "print": D(2026, 12, 30), "certify": D(2027, 1, 1),
                    "register": D(2027, 1, 1)}


def test_dates_around_a_holiday(school):
    """A public holiday on 24-25.12 moves both checks earlier; the vacation from 29.12 sets
    the 2nd and the 4th day of the holidays."""
    _holiday(school, D(2026, 12, 24), D(2026, 12, 25), "holiday")
    _holiday(school, D(2026, 12, 29), D(2027, 1, 11))
    holidays, days = period_close.dates(D(2026, 12, 28), load_calendar(school.builder.year))
    assert holidays == D(2026, 12, 29)
    assert (days["subject"], days["class"]) == (D(2026, 12, 22), D(2026, 12, 23))
    assert (days["print"], days["certify"]) == (D(2026, 12, 30), D(2027, 1, 1))


def test_a_vacation_after_a_weekend(school):
    """Quarter 1 ends on Saturday 24.10, the vacation starts on Monday 26.10: the last
    school day is Friday 23.10."""
    _holiday(school, D(2026, 10, 26), D(2026, 11, 3))
    holidays, days = period_close.dates(D(2026, 10, 24), load_calendar(school.builder.year))
    assert holidays == D(2026, 10, 26)
    assert (days["subject"], days["class"], days["print"], days["certify"]) == (
        D(2026, 10, 21), D(2026, 10, 22), D(2026, 10, 27), D(2026, 10, 29))


def test_the_close_under_way(school):
    close = period_close.current()
    assert close.end == D(2026, 12, 28) and [p.number for p in close.periods] == [2]
    assert period_close.current(D(2026, 10, 28)).end == D(2026, 10, 24)  # its last step


@pytest.fixture
def december(school, monkeypatch):
    """Four days before the subject teachers' check; Анна has her quarter 2 maths mark."""
    monkeypatch.setattr("services.clock.today", lambda: D(2026, 12, 20))
    school.builder._add(FinalMark(page_id=school.maths5.id, pupil_id=school.anna.id,
                                  period_id=school.builder.periods[1].id, value=4))
    db.session.commit()
    return school


def _section(html: str) -> str:
    start = html.index('id="pc-home-h"')
    return html[start:html.index("</section>", start)]


def test_home_pages_show_each_role_its_steps(login, december):
    teacher = _section(login("teacher").get("/teacher").text)
    # maths 5 «А»: Вера still missing; maths 6 «Б»: Борис
    assert f'/journal/pages/{december.maths5.id}?period=' in teacher
    assert f'/journal/pages/{december.maths6.id}?period=' in teacher
    assert "24.12.2026" in teacher or "24 дек" in teacher
    assert f'/journal/pages/{december.lit5.id}?' not in teacher  # not the teacher's page
    ct = _section(login("ct").get("/teacher").text)
    assert f'/journal/pages/{december.lit5.id}?' in ct and f'/journal/pages/{december.maths5.id}?' in ct
    office = _section(login("deputy").get("/office").text)
    assert "/reports/period_close" in office and "/reports/control" in office


def test_hidden_weeks_before(login, school):
    """On 23.11 the close is a month away: no section."""
    assert 'id="pc-home-h"' not in login("teacher").get("/teacher").text
    assert 'id="pc-home-h"' not in login("deputy").get("/office").text


def test_all_in_says_so(login, december):
    b = december.builder
    for page, pupil in ((december.maths5, december.vera), (december.maths6, december.boris)):
        b._add(FinalMark(page_id=page.id, pupil_id=pupil.id, period_id=b.periods[1].id,
                         special="exempt"))
    db.session.commit()
    client = login("teacher")
    client.post("/language/en")
    section = _section(client.get("/teacher").text)
    assert ru("all period marks are in") in section and "/journal/pages/" not in section


def test_the_sheet_for_leadership(login, december):
    client = login("deputy")
    client.post("/language/en")
    html = client.get("/reports/period_close").text
    assert html.count("<tr>") >= 5 and "24.12.2026" in html and "01.01.2027" in html
    # 5 «А»: maths (Вера) and literature (Анна, Вера) = 3 marks on 2 pages
    row = next(tr for tr in re.findall(r"<tr>(.*?)</tr>", html, re.S) if "5 «А»" in tr)
    cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row)]
    assert cells[2:] == ["2", "3"]
    assert f"/reports/control?class={december.c5.id}" in row.replace("&amp;", "&")
    primary = login("deputy1").get("/reports/period_close").text
    assert "5 «А»" not in primary
    for user in ("teacher", "ct", "mum"):
        assert login(user).get("/reports/period_close").status_code == 403, user
    pdf = login("deputy").get("/reports/period_close.pdf")
    assert pdf.status_code == 200 and pdf.data[:4] == b"%PDF"


def test_a_first_grade_owes_no_period_marks(login, december):
    b = december.builder
    c1 = b.school_class(1, "А", teacher=december.ct_staff)
    b.pupil(c1, "Первая", "Ира")
    page = b.page(c1, december.lit, december.ct_staff)
    db.session.commit()
    section = _section(login("ct").get("/teacher").text)
    assert f"/journal/pages/{page.id}?" not in section


def test_home_queries_do_not_grow_with_the_school(login, december):
    from tests.sql import count_queries
    from tests.test_reports_control import _grow

    client = login("deputy")
    client.get("/office")
    with count_queries() as small:
        assert 'id="pc-home-h"' in client.get("/office").text
    _grow(december, 6)
    with count_queries() as big:
        client.get("/office")
    assert len(big) == len(small)
