"""The deputy's log (issue 17): filters in the URL, the level's limit, keyset pages, the file."""
from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from flask_babel import force_locale
from openpyxl import load_workbook
from sqlalchemy import insert

from extensions import db
from models import AuditEvent
from services import audit_log
from tests.sql import count_queries

AT = dt.datetime(2026, 11, 20, 6, 0)  # 11:00 in Almaty


def _row(school, i: int = 0, **kw) -> dict:
    values = {"at": AT - dt.timedelta(minutes=i), "user_id": school.teacher.id,
              "role": "teacher", "action": "journal.cell", "object_type": "lesson",
              "object_id": 1, "pupil_id": school.anna.id, "class_id": school.c5.id,
              "subject_id": school.maths.id, "old": "", "new": "5"}
    return {**values, **kw}


def _add(*rows: dict) -> None:
    db.session.execute(insert(AuditEvent), list(rows))
    db.session.commit()


@pytest.fixture
def log(school):
    _add(_row(school, 0),
         _row(school, 1, user_id=school.ct.id, role="class_teacher", action="absence.reason",
              object_type="attendance", subject_id=school.lit.id, old="", new="ill"),
         _row(school, 2, action="pupil.update", object_type="pupil", object_id=school.vera.id,
              pupil_id=school.vera.id, subject_id=None, old=json.dumps({"phone": "1"}),
              new=json.dumps({"phone": "2"})),
         _row(school, 3, pupil_id=school.boris.id, class_id=school.c6.id,
              subject_id=school.maths.id, old="4", new="н"),
         _row(school, 60 * 24 * 5, action="account.issue", object_type="account",
              class_id=None, subject_id=None, pupil_id=None, user_id=school.admin.id,
              role="admin", new=json.dumps({"role": "parent"})))
    return school


def _texts(html: str) -> list[str]:
    return html.split("<tr>")[2:]


@pytest.mark.parametrize("who", ["admin", "director", "deputy", "deputy1"])
def test_leadership_reads_the_log(client, login, log, who):
    login(who)
    assert client.get("/audit/").status_code == 200


@pytest.mark.parametrize("who", ["teacher", "ct", "secretary", "mum", "anna"])
def test_others_are_refused(client, login, log, who):
    login(who)
    assert client.get("/audit/").status_code == 403
    assert client.get("/audit/export.xlsx").status_code == 403


def test_newest_first_with_names_and_old_new(client, login, log):
    login("deputy")
    with force_locale("en"):
        html = client.get("/audit/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    rows = _texts(html)
    assert len(rows) == 5
    assert "4 → н" in rows[3] and "6 «Б»" in rows[3]
    assert "2" in rows[2] and "→" in rows[2]
    assert "Предметникова" in rows[0]


@pytest.mark.parametrize("query, expected", [
    ("class={c5}", 3), ("class={c6}", 1), ("subject={lit}", 1), ("teacher={ct_staff}", 1),
    ("pupil={vera}", 1), ("group=reasons", 1), ("group=marks", 2), ("group=accounts", 1),
    ("from=2026-11-20&to=2026-11-20", 4), ("from=2026-11-16&to=2026-11-16", 0),
    ("to=2026-11-15", 1), ("class={c5}&group=marks", 1),
])
def test_filters(app, log, query, expected):
    ids = {"c5": log.c5.id, "c6": log.c6.id, "lit": log.lit.id, "vera": log.vera.id,
           "ct_staff": log.ct_staff.id}
    with app.test_request_context(f"/audit/?{query.format(**ids)}"):
        from blueprints.audit.routes import _filters
        filters, errors = _filters()
        rows, _older = audit_log.page(log.deputy, filters, "ru")
    assert not errors and len(rows) == expected


def test_dates_are_school_days(app, log):
    """20 November 00:30 in Almaty is 19 November in UTC: it belongs to the 20th."""
    _add(_row(log, 0, at=dt.datetime(2026, 11, 19, 19, 30), new="3"))
    rows, _ = audit_log.page(log.deputy, audit_log.Filters(
        date_from=dt.date(2026, 11, 20), date_to=dt.date(2026, 11, 20)), "ru")
    assert "3" in [r.event.new for r in rows]


def test_a_deputy_of_a_level_sees_its_classes_only(app, log):
    c2 = log.builder.school_class(2, "В")
    db.session.commit()
    _add(_row(log, 9, class_id=c2.id, new="2"))
    rows, _ = audit_log.page(log.deputy_primary, audit_log.Filters(), "ru")
    assert [r.event.class_id for r in rows] == [c2.id]  # no 5 «А», no row without a class
    rows, _ = audit_log.page(log.deputy_primary, audit_log.Filters(class_id=log.c5.id), "ru")
    assert rows == []


def test_keyset_pages_without_count(client, login, log):
    _add(*[_row(log, 100 + i, new=str(i % 5 + 1)) for i in range(120)])
    login("admin")
    seen, url = [], f"/audit/?class={log.c5.id}"
    while url:
        with count_queries() as queries:
            html = client.get(url).get_data(as_text=True)
        assert not any("count(" in q.lower() for q in queries)
        seen.extend(_texts(html))
        marker = 'rel="next"'
        url = None
        if marker in html:
            href = html[:html.index(marker)].rsplit('href="', 1)[1].split('"', 1)[0]
            url = href.replace("&amp;", "&")
            assert f"class={log.c5.id}" in url
    assert len(seen) == 123


def test_bad_input_is_a_message_not_a_500(client, login, log):
    login("deputy")
    for query in ("from=31.12.2026", "to=2026-02-30", "before=junk", "class=²", "group=x",
                  "pupil=99999999999999999999", "before=2026-11-20T06:00:00.000000,1"):
        assert client.get(f"/audit/?{query}").status_code == 200, query
    with force_locale("en"):
        html = client.get("/audit/?from=31.12.2026").get_data(as_text=True)
    assert 'role="alert"' in html


def test_export_is_the_filtered_rows(client, login, log):
    login("deputy")
    response = client.get(f"/audit/export.xlsx?class={log.c5.id}")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = list(sheet.iter_rows(values_only=True))
    assert len(values) == 4 and sheet.freeze_panes == "A2"
    assert values[1][9] == "5" and values[1][0].startswith("20.11.2026 11:00")


def test_export_says_when_it_is_capped(app, log, monkeypatch):
    monkeypatch.setattr(audit_log, "EXPORT_CAP", 2)
    body = audit_log.write_xlsx(log.admin, audit_log.Filters(), "ru", ["a"] * 10,
                                lambda r: [r.event.id], "capped")
    values = list(load_workbook(io.BytesIO(body)).active.iter_rows(values_only=True))
    assert len(values) == 4 and values[-1][0] == "capped"


def test_page_queries_are_fixed(client, login, log):
    _add(*[_row(log, 100 + i, pupil_id=(log.anna.id, log.vera.id)[i % 2]) for i in range(60)])
    login("admin")
    client.get("/audit/")
    with count_queries() as few:
        client.get("/audit/?before=2026-11-20T05:00:00.000000,999999")
    with count_queries() as many:
        client.get("/audit/")
    assert len(many) == len(few)


def test_the_office_page_links_to_the_log(client, login, school):
    login("deputy")
    assert "/audit/" in client.get("/office").get_data(as_text=True)
    login("secretary")
    assert "/audit/" not in client.get("/office").get_data(as_text=True)
