"""Cross-cutting web behaviour: a fresh session per request, odd input on every route never
answers 500, ids out of range are 404, teachers' text is escaped with its links kept."""
from __future__ import annotations

import re

import pytest
from flask import Flask
from markupsafe import Markup

from blueprints.parse import MAX_ID, to_id, to_int
from blueprints.web import rich_text
from extensions import db
from tests.test_route_walk import _journal_rows, _urls
from tests.test_route_walk import lessons as lessons  # noqa: F401, PLW0127 (a fixture)

ODD = ["99999999999999999999", str(MAX_ID + 1), "-1", "²", "٣", "1e3", "0x10", " 5", "",
       "\x00", "5" * 400, "ü", "1,²", "<script>", "2026-02-30", "NaN"]
FIELDS = ("pupil", "value", "old", "comment", "period", "kind", "absent", "col", "work_type",
          "work_type_id", "plan_item_id", "substitute_id", "topic", "homework", "homework_due",
          "ict_used", "number", "hours", "day", "reason", "pupil_id", "told", "told_on",
          "confirm", "next", "file", "grade", "letter", "starts", "ends", "weight", "name_ru",
          "code", "no_marks_grades", "timezone", "round_up_from", "lock_days_current")


def test_each_request_has_its_own_session(app: Flask, school, login):
    seen = []

    @app.get("/_test/session")
    def _session():
        seen.append(id(db.session()))
        return "ok"

    client = login("teacher")
    outer = id(db.session())
    client.get("/_test/session")
    client.get("/_test/session")
    assert outer not in seen and seen[0] != seen[1]


@pytest.mark.parametrize(("raw", "expected"), [
    ("12", 12), ("0", 0), (str(MAX_ID), MAX_ID), (str(MAX_ID + 1), None), ("-1", None),
    ("²", None), ("٣", None), ("1e3", None), ("", None), (None, None), (" 1", None),
])
def test_ids_are_ascii_digits_within_the_databases_range(raw, expected):
    assert to_id(raw) == expected


def test_small_numbers():
    assert to_int("5", 1, 10) == 5 and to_int("-2", -5, 5) == -2
    assert to_int("11", 1, 10) is None and to_int("٣", 0, 9) is None


@pytest.mark.parametrize("username", ["teacher", "ct", "admin", "mum"])
def test_odd_ids_in_urls_and_query_strings_never_answer_500(app, school, lessons, login,
                                                            username):
    client = login(username)
    for rule in app.url_map.iter_rules():
        if rule.endpoint in ("static", "assets.file", "auth.logout") or "GET" not in rule.methods:
            continue
        for odd in ("99999999999999999999", str(MAX_ID), "²", "0"):
            path = re.sub(r"<(?:[^:<>]+:)?[a-z_]+>", odd, rule.rule)
            response = client.get(path)
            assert response.status_code < 500, (path, response.status_code)
    for _endpoint, url in _urls(app, school, lessons, "GET"):
        for name in ("period", "week", "day", "teacher", "pupil", "lesson", "kind", "page"):
            for odd in ("99999999999999999999", "²", "-1", "x", "2026-13-45"):
                response = client.get(f"{url}?{name}={odd}", headers={"HX-Request": "true"})
                assert response.status_code < 500, (url, name, odd, response.status_code)


@pytest.mark.parametrize("username", ["teacher", "ct", "admin"])
def test_odd_form_values_on_every_post_never_answer_500_and_change_nothing(
        app, school, lessons, login, username):
    client = login(username)
    before = _journal_rows()
    for endpoint, url in _urls(app, school, lessons, "POST"):
        if endpoint.startswith("auth."):
            continue
        for odd in ODD:
            data = {name: odd for name in FIELDS}
            for headers in ({}, {"HX-Request": "true"}):
                response = client.post(url, data=data, headers=headers)
                assert response.status_code < 500, (username, url, odd, response.status_code)
    # no mark, absence, lesson, period mark or notice came of them (a topic "ü" numbered 5 is
    # a plan topic a teacher may really add, so the plan may grow)
    assert _journal_rows()[:5] == before[:5]


def test_teachers_text_is_escaped_and_its_links_kept():
    html = rich_text('См. https://example.org/a?b=1&c=2. <b>жирный</b> "ok"\njavascript:alert(1)')
    assert isinstance(html, Markup)
    assert '<a href="https://example.org/a?b=1&amp;c=2" rel="noopener noreferrer nofollow"' in html
    assert "</a>. &lt;b&gt;жирный&lt;/b&gt;" in html and "javascript:alert(1)" in html
    assert 'href="javascript' not in html and "\n" in html
    assert rich_text('x https://e.org/"onmouseover="1') == (
        'x <a href="https://e.org/" rel="noopener noreferrer nofollow" target="_blank">'
        'https://e.org/</a>&#34;onmouseover=&#34;1')
