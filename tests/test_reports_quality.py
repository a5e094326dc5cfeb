"""Report 3: quality and progress by class, parallel, level, subject and teacher, quarter 2
beside quarter 1 (the marks of tests/test_reports_progress.py), with the change."""
from __future__ import annotations

import io

import pytest
from flask_babel import force_locale
from openpyxl import load_workbook
from pypdf import PdfReader

from extensions import db
from services.reports import quality
from services.reports.filters import Filters
from tests.test_reports_progress import _final, marks  # noqa: F401 (the fixture)

# Quarter 2: maths 5, 5, 4, 3 and literature 5, 4, 4, 4 in 5 «А» (Егорова left in quarter 1);
# Борис (6 «Б») has 3 in maths in quarter 1 and 4 in quarter 2.
Q2 = {"anna": (5, 5), "vera": (5, 4), "gal": (4, 4), "den": (3, 4)}


@pytest.fixture
def two_quarters(marks):  # noqa: F811
    for name, (maths, lit) in Q2.items():
        _final(marks.maths5, getattr(marks, name), maths, marks.q2)
        _final(marks.lit5, getattr(marks, name), lit, marks.q2)
    _final(marks.maths6, marks.boris, 3, marks.q1)
    _final(marks.maths6, marks.boris, 4, marks.q2)
    db.session.commit()
    return marks


def _rows(user, school, **filters) -> dict[str, dict[str, list]]:
    f = Filters(year=school.builder.year, period=school.q2, **filters)
    with force_locale("en"):
        sheets = quality.build(user, f)
    return {s.title: {row[0]: row[1:] for row in [*s.rows, *s.totals]} for s in sheets}


def test_period_over_period_by_hand(two_quarters):
    got = _rows(two_quarters.deputy, two_quarters)
    assert list(got) == ["By class", "By parallel", "By level", "By subject", "By teacher"]
    # N, progress before / now / change, quality before / now / change, СОУ now
    assert got["By class"]["5 «А»"] == [4, 50.0, 100.0, 50.0, 25.0, 75.0, 50.0, 66.0]
    assert got["By class"]["6 «Б»"] == [1, 100.0, 100.0, 0.0, 0.0, 100.0, 100.0, 64.0]
    assert got["By parallel"]["Grade 5"] == got["By class"]["5 «А»"]
    assert got["By level"]["basic (5-9)"][:7] == [5, 60.0, 100.0, 40.0, 20.0, 80.0, 60.0]
    # 10 «А» has no marks: N = 0 and no percentage, never a division error.
    assert got["By level"]["secondary (10-11)"] == [0, "—", "—", "—", "—", "—", "—", "—"]
    assert got["By subject"]["Математика"] == [5, 80.0, 100.0, 20.0, 40.0, 80.0, 40.0, 72.8]
    assert got["By subject"]["Литература"][:7] == [4, 66.7, 100.0, 33.3, 66.7, 100.0, 33.3]
    assert got["By teacher"][two_quarters.t_staff.name] == got["By subject"]["Математика"]
    assert got["By class"]["Total"][:3] == [5, 60.0, 100.0]


def test_subject_and_teacher_filters(two_quarters):
    got = _rows(two_quarters.deputy, two_quarters, subject=two_quarters.lit)
    # 5 «А» counted on literature only: 5, 4, 4, 4 now; осв., н/а, 4, 4 before.
    assert got["By class"]["5 «А»"][:7] == [4, 66.7, 100.0, 33.3, 66.7, 100.0, 33.3]
    assert list(got["By subject"]) == ["Литература", "Total"]
    got = _rows(two_quarters.deputy, two_quarters, teacher=two_quarters.t_staff)
    assert list(got["By teacher"]) == [two_quarters.t_staff.name, "Total"]


def test_year_has_no_previous(two_quarters):
    f = Filters(year=two_quarters.builder.year, period=None)
    with force_locale("en"):
        (by_class, *_rest) = quality.build(two_quarters.deputy, f)
    assert all(row[2] == "—" and row[4] == "—" for row in by_class.rows)


def test_access_and_screen_bar(two_quarters, login):
    url = f"/reports/quality?period={two_quarters.q2.id}"
    page = login("ct").get(url)
    assert page.status_code == 200 and "5 «А»" in page.text and "6 «Б»" not in page.text
    assert '<rect width="75.0"' in page.text and "style=" not in page.text.split("<svg", 1)[1]
    for user in ("teacher", "mum", "secretary"):
        assert login(user).get(url).status_code == 403, user
    assert "5 «А»" not in login("deputy1").get(url).text


def test_pdf_and_xlsx(two_quarters, login):
    client = login("deputy")
    query = f"period={two_quarters.q2.id}"
    book = load_workbook(io.BytesIO(client.get(f"/reports/quality.xlsx?{query}").data))
    ws = book.worksheets[0]
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == "5 «А»")
    assert ws.cell(row, 2).value == 4 and ws.cell(row, 7).value == pytest.approx(0.75)
    assert ws.cell(row, 7).number_format == "0.0%" and ws.cell(row, 8).value == 50.0
    client.post("/language/kk")
    data = client.get(f"/reports/quality.pdf?{query}").data
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    assert "Әдебиет" in text and "75,0" in text and "<svg" not in text


def test_fixed_number_of_queries(two_quarters):
    from tests.sql import count_queries
    f = Filters(year=two_quarters.builder.year, period=two_quarters.q2)
    quality.build(two_quarters.deputy, f)  # warm the policy's caches
    with count_queries() as few:
        quality.build(two_quarters.deputy, f)
    extra = two_quarters.builder.school_class(8, "Д")
    page = two_quarters.builder.page(extra, two_quarters.lit, two_quarters.other_staff)
    for n in range(5):
        _final(page, two_quarters.builder.pupil(extra, "Новикова", f"Нина{n}"), 4,
               two_quarters.q2)
    db.session.commit()
    with count_queries() as more:
        got = quality.build(two_quarters.deputy, f)
    assert len(more) == len(few) and got[0].rows[-2][:2] == ["8 «Д»", 5]
