"""The reports' shared machinery: one declared report is a page with filters, a sortable
table, a PDF and an XLSX file, and nobody outside its `may` reaches any of them."""
from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from services.reports import registry
from services.reports.filters import classes
from services.reports.sheet import Column, Link, Sheet


def _build(user, f):
    rows = [[c.name, len(c.name), 50.0 + c.grade, Link(c.name, f"/x/{c.id}")]
            for c in classes(user, f)]
    return [Sheet("Классы", [Column("name", "Класс"), Column("n", "Букв", "int"),
                             Column("p", "Доля", "pct"), Column("l", "Ссылка")], rows,
                  totals=[["Итого", sum(r[1] for r in rows), None, ""]],
                  empty="Нет классов", signatures=[("Директор", "Директорова Д.")])]


@pytest.fixture
def dummy(app):
    report = registry.register(registry.Report(
        "dummy", lambda: "Проверка", lambda u: u.has_role("deputy", "director"), _build,
        filters=("year", "period", "level", "class")))
    yield report
    registry.REPORTS.pop("dummy")


def test_page_sorts_and_files_read_back(login, school, dummy):
    client = login("deputy")
    page = client.get("/reports/dummy?sort=-p")
    assert page.status_code == 200
    table = page.text[page.text.index("<table"):]
    assert table.index("10 «А»") < table.index("5 «А»")  # 60 % before 55 %
    assert 'href="/x/' in table and "60,0" in table
    htmx = client.get("/reports/dummy?level=basic", headers={"HX-Request": "true"})
    assert "<html" not in htmx.text and "6 «Б»" in htmx.text and "10 «А»" not in htmx.text
    pdf = client.get(f"/reports/dummy.pdf?class={school.c5.id}")
    text = PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text()
    assert "5 «А»" in text and "6 «Б»" not in text and "Директорова" in text
    book = load_workbook(io.BytesIO(client.get("/reports/dummy.xlsx").data))
    ws = book.active
    assert ws["A1"].value == "Класс" and ws.freeze_panes == "B2"
    values = {ws.cell(r, 1).value: ws.cell(r, 3).value for r in range(2, ws.max_row + 1)}
    assert values["5 «А»"] == pytest.approx(0.55) and ws.cell(2, 3).number_format == "0.0%"


def test_only_those_it_names_may_open_it(login, school, dummy):
    for user in ("teacher", "mum", "anna"):
        client = login(user)
        for url in ("/reports/dummy", "/reports/dummy.pdf", "/reports/dummy.xlsx"):
            assert client.get(url).status_code == 403, (user, url)
    assert login("deputy").get("/reports/nothing").status_code == 404


def test_bad_filters_are_dropped_not_a_500(login, school, dummy):
    client = login("deputy")
    for query in ("year=x", "period=999999999999999999999", "class=-1", "grade=99",
                  "level=<b>", "sort=nope", "period=all"):
        assert client.get(f"/reports/dummy?{query}").status_code == 200, query
