"""Report 1: the summary progress sheet, its figures against hand-computed values (DOMAIN.md 8),
its N rules, the reserve lists, the year version, empty classes and periods, access, the PDF
in Russian and Kazakh and the XLSX."""
from __future__ import annotations

import datetime as dt
import io

import pytest
from flask_babel import force_locale
from openpyxl import load_workbook
from pypdf import PdfReader

from extensions import db
from models import Enrolment, FinalMark
from services.reports import progress, stats
from services.reports.filters import Filters
from services.reports.sheet import plain
from tests.sql import count_queries

# 5 «А», quarter 1 (the pupil who left is listed, never counted):
#             maths  literature   whole class (lowest mark)
# Антонова      5      осв.         5
# Васильева     4      н/а          н/а
# Глебова       3      4            3
# Дмитриев      2      4            2
# Егорова       5      —  (left on 10.10)
PERIOD_MARKS = {"anna": (5, "exempt"), "vera": (4, "na"), "gal": (3, 4), "den": (2, 4),
                "eva": (5, None)}


def _final(page, pupil, mark, period=None) -> None:
    if mark is None:
        return
    value, special = (mark, None) if isinstance(mark, int) else (None, mark)
    db.session.add(FinalMark(page_id=page.id, pupil_id=pupil.id, value=value, special=special,
                             kind="period" if period else "year",
                             period_id=period.id if period else None))


@pytest.fixture
def marks(school):
    """Three more pupils in 5 «А» (one left in quarter 1) and the marks of the table above."""
    b, c5 = school.builder, school.c5
    school.gal = b.pupil(c5, "Глебова", "Галина")
    school.den = b.pupil(c5, "Дмитриев", "Денис")
    school.eva = b.pupil(c5, "Егорова", "Ева")
    enrolment = db.session.scalar(db.select(Enrolment).filter_by(pupil_id=school.eva.id))
    enrolment.end_date = dt.date(2026, 10, 10)
    school.q1, school.q2 = b.periods[0], b.periods[1]
    for name, (maths, lit) in PERIOD_MARKS.items():
        pupil = getattr(school, name)
        _final(school.maths5, pupil, maths, school.q1)
        _final(school.lit5, pupil, lit, school.q1)
    db.session.commit()
    return school


def _sheet(user, school, period, cls=None):
    f = Filters(year=school.builder.year, period=period, school_class=cls or school.c5)
    with force_locale("en"):
        return progress.build(user, f)


def _totals(sheet) -> dict:
    return {row[0]: [plain(v) for v in row[1:]] for row in sheet.totals}


def test_stats_formulas_and_n_rules():
    s = stats.tally(["5", "4", "3", "2", "na", "exempt", None])
    assert (s.n, s["5"], s["na"], s["exempt"], s.no_mark) == (5, 1, 1, 1, 1)
    assert s.progress == 60.0 and s.quality == 40.0
    assert s.sou == pytest.approx((100 + 64 + 36 + 16 + 7) / 5)
    empty = stats.tally(["exempt", None])
    assert empty.n == 0 and empty.progress is None and empty.sou is None
    assert stats.pct_text(empty.quality) == "—" and stats.pct_text(200 / 3) == "66,7"
    passed = stats.tally(["pass", "pass", "fail"])
    assert passed.progress == pytest.approx(200 / 3) and passed.quality is None
    assert stats.worst(["5", "exempt", None]) == "5" and stats.worst(["4", "na", "2"]) == "na"
    assert stats.worst(["exempt", None]) is None
    assert (stats.tally(["5"]) + stats.tally(["2"])).progress == 50.0
    assert stats.label(None, "na") == "na" and stats.label(4, None) == "4"


def test_quarter_figures_by_hand(marks):
    (sheet,) = _sheet(marks.ct, marks, marks.q1)
    names = [row[0] for row in sheet.rows]
    assert names[:4] == ["Антонова Анна", "Васильева Вера", "Глебова Галина", "Дмитриев Денис"]
    assert names[4] == "Егорова Ева (left 10.10.2026)"
    assert [c.header for c in sheet.columns] == ["Pupil", "Математика", "Литература", "Class"]
    assert sheet.rows[0][1:3] == ["5", "exempt"] and sheet.rows[1][2] == "n/a"
    t = _totals(sheet)
    assert t["Marks «5»"] == [1, 0, 1] and t["Marks «4»"] == [1, 2, 0]
    assert t["Marks «n/a»"] == [0, 1, 1] and t["Marks «exempt»"] == [0, 1, 0]
    assert "Marks «1»" not in t and "Marks «pass»" not in t
    # N: the leaver is out everywhere; literature drops the exempt pupil, keeps н/а.
    assert t["Pupils counted (N)"] == [4, 3, 4]
    assert t["Progress, %"] == [75.0, 66.7, 50.0]
    assert t["Quality, %"] == [50.0, 66.7, 25.0]
    assert t["Degree of learning (SOU), %"] == [54.0, 45.0, 39.8]
    assert sheet.landscape and sheet.signatures[0][1] == marks.ct_staff.name


def test_reserve_lists(marks):
    (sheet,) = _sheet(marks.deputy, marks, marks.q1)
    assert sheet.notes == ["Pupils with a single «3»: Глебова Галина (Математика)",
                           "Pupils with a single «2»: Дмитриев Денис (Математика)",
                           "Excellent pupils: Антонова Анна"]


def test_year_marks(marks):
    for name, maths in (("anna", 5), ("vera", 5), ("gal", 4)):
        _final(marks.maths5, getattr(marks, name), maths)
    _final(marks.lit5, marks.anna, 5)
    db.session.commit()
    (sheet,) = _sheet(marks.deputy, marks, None)
    assert "Year marks" in sheet.subtitle
    t = _totals(sheet)
    # Maths: Дмитриев has no year mark (out of N); Егорова left during the year.
    assert t["Pupils counted (N)"][0] == 3
    assert t["Progress, %"][0] == 100.0 and t["Quality, %"][0] == 100.0
    assert t["Degree of learning (SOU), %"][0] == 88.0
    assert t["Pupils counted (N)"][1] == 1 and t["Quality, %"][1] == 100.0
    assert any("Егорова Ева (left" in row[0] for row in sheet.rows)
    assert "Excellent pupils: Антонова Анна, Васильева Вера" in sheet.notes


def test_period_without_marks_and_empty_class(marks):
    (sheet,) = _sheet(marks.deputy, marks, marks.q2)
    assert sheet.notes[0] == "No period marks have been entered for this period yet."
    assert _totals(sheet)["Progress, %"] == ["—", "—", "—"]
    empty = marks.builder.school_class(7, "В")
    db.session.commit()
    (sheet,) = _sheet(marks.deputy, marks, marks.q1, empty)
    assert not sheet.rows and "No pupils" in sheet.empty


def test_fixed_number_of_queries(marks, app):
    f = Filters(year=marks.builder.year, period=marks.q1)
    progress.build(marks.deputy, f)  # warm the policy's caches
    with count_queries() as few:
        progress.build(marks.deputy, f)
    for n in range(8):
        marks.builder.pupil(marks.c6, "Новикова", f"Нина{n}")
    db.session.commit()
    with count_queries() as more:
        progress.build(marks.deputy, f)
    assert len(more) == len(few)


def test_access(marks, login):
    url = f"/reports/progress?period={marks.q1.id}&class={marks.c5.id}"
    assert "Антонова" in login("ct").get(url).text
    for user in ("other", "deputy1"):  # class teacher of 6 «Б»; deputy of primary classes
        page = login(user).get(url)
        assert page.status_code == 200 and "Антонова" not in page.text, user
    for user in ("teacher", "mum", "anna", "secretary"):
        assert login(user).get(url).status_code == 403, user


def test_pdf_in_russian_and_kazakh(marks, login):
    client = login("deputy")
    query = f"period={marks.q1.id}&class={marks.c5.id}"
    text = _pdf_text(client.get(f"/reports/progress.pdf?{query}").data)
    assert "Антонова Анна" in text and "Литература" in text and "75,0" in text
    assert "Егорова Ева" in text
    client.post("/language/kk")
    text = _pdf_text(client.get(f"/reports/progress.pdf?{query}").data)
    assert "Әдебиет" in text and "54,0" in text and "Сынып жетекшісі" in text


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_xlsx_numbers_and_percentages(marks, login):
    client = login("deputy")
    data = client.get(f"/reports/progress.xlsx?period={marks.q1.id}&class={marks.c5.id}").data
    ws = load_workbook(io.BytesIO(data)).active
    rows = {ws.cell(r, 1).value: r for r in range(2, ws.max_row + 1)}
    assert ws.cell(rows["Антонова Анна"], 2).value == 5
    n_row = next(r for label, r in rows.items() if label and label.endswith("(N)"))
    assert [ws.cell(n_row, c).value for c in (2, 3, 4)] == [4, 3, 4]
    pct = ws.cell(n_row + 1, 2)
    assert pct.value == pytest.approx(0.75) and pct.number_format == "0.0%"


def test_home_pages_link_the_reports(school, login):
    for user in ("deputy", "ct"):
        assert 'href="/reports/"' in login(user).get("/", follow_redirects=True).text, user
    assert 'href="/reports/"' not in login("teacher").get("/", follow_redirects=True).text
    assert "/reports/progress" in login("ct").get("/reports/").text


def test_long_curriculum_abbreviates_subject_headers():
    assert progress.abbreviated("Изобразительное искусство") == "Изобр. искус."
    assert progress.abbreviated("Обществознание") == "Общес."
    assert progress.abbreviated("Физика") == "Физика"


def test_grade_without_marks_says_so(marks):
    first = marks.builder.school_class(1, "А")
    marks.builder.pupil(first, "Первая", "Полина")
    db.session.commit()
    (sheet,) = _sheet(marks.deputy, marks, marks.q1, first)
    assert not sheet.rows and "attendance only" in sheet.empty
