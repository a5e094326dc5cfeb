"""The criteria-based documents (issue 21): the «Анализ СОР и СОЧ» of a page and period
(levels at their boundaries, means, quality and success; screen, PDF and XLSX) and the
transfer extract of a pupil who moves school; who may open them; a fixed query count."""
from __future__ import annotations

import datetime as dt
import io
from fractions import Fraction as F

import pytest
from flask_babel import force_locale
from openpyxl import load_workbook

from extensions import db
from models import AuditEvent, FinalMark
from services.reports import summative
from services.reports import summative_transfer as transfer
from tests.conftest import TODAY
from tests.factories import criteria_school
from tests.sql import count_queries
from tests.test_reports_hardcopy import text_of

KAZAKH = "әғқңөұүһі"

# 6 «Б», maths, quarter 2 (weights 0/50/50). Points (max):
#            SAU A (100)  SAU B (13)   SAT (100)   SAU %     total %         level   mark
# Антонов       84 (84%)     —            85         84       84.5  → 85      high    5
# Әлиев         39 (39%)     —            40         39       39.5  → 40      medium  3
# Нұрланова    100          11 (84.6%)    90       98.23      94.1            high    5
# Өмірзақ       40           6 (46.2%)    10       40.71      25.4            low     2 (given 3)
# Құрманова      —           2 (15.4%)    50       15.38      32.7            low     2


@pytest.fixture
def cls6(app):
    s = criteria_school(TODAY)
    b = s.builder
    s.q1, s.q2 = b.periods[0], b.periods[1]
    s.askar = b.pupil(s.c6, "Әлиев", "Аскар")
    s.dana = b.pupil(s.c6, "Нұрланова", "Дана")
    s.erlan = b.pupil(s.c6, "Өмірзақ", "Ерлан")
    s.zhanar = b.pupil(s.c6, "Құрманова", "Жаһан")
    s.sor_a = b.work(s.maths6, "sor", dt.date(2026, 11, 10), 100, name="Бөлім 1",
                     points={s.boris: 84, s.askar: 39, s.dana: 100, s.erlan: 40})
    s.sor_b = b.work(s.maths6, "sor", dt.date(2026, 11, 17), 13, name="Бөлім 2",
                     points={s.dana: 11, s.erlan: 6, s.zhanar: 2})
    s.soch = b.work(s.maths6, "soch", dt.date(2026, 12, 10), 100, name="Тоқсандық",
                    points={s.boris: 85, s.askar: 40, s.dana: 90, s.erlan: 10, s.zhanar: 50})
    db.session.add(FinalMark(page_id=s.maths6.id, pupil_id=s.erlan.id, period_id=s.q2.id,
                             value=3, reason="Ауырды"))
    db.session.commit()
    return s


def _analyse(app, s):
    with app.test_request_context("/"), force_locale("en"):
        return summative.analyse(s.maths6, s.q2)


# -- the numbers -----------------------------------------------------------------------

def test_each_work_counts_levels_on_its_own_percent(app, cls6):
    a = _analyse(app, cls6)
    sor_a, sor_b, soch = a.works
    assert [w.work.id for w in a.works] == [cls6.sor_a.id, cls6.sor_b.id, cls6.soch.id]
    # 84 % is medium, 85 % high; 39 % low, 40 % medium
    assert sor_a.wrote == 4 and sor_a.levels.counts == {"high": 1, "medium": 2, "low": 1}
    assert sor_a.mean_points == F(263, 4) and sor_a.mean_percent == F(263, 4)
    assert sor_a.levels.percent("medium") == 50.0
    # 11/13 = 84.6 % rounds half up to 85: high
    assert sor_b.wrote == 3 and sor_b.levels.counts == {"high": 1, "medium": 1, "low": 1}
    assert sor_b.levels.names["high"] == ["Нұрланова Дана"]
    assert sor_b.mean_points == F(19, 3) and sor_b.mean_percent == F(1900, 39)
    assert soch.levels.counts == {"high": 2, "medium": 2, "low": 1} and soch.mean_points == 55


def test_the_period_result_at_the_boundaries(app, cls6):
    a = _analyse(app, cls6)
    rows = {r.pupil.id: r for r in a.pupils}
    assert rows[cls6.boris.id].percent == F(169, 2)  # 84.5 % → 85: high, 5
    assert rows[cls6.boris.id].level == "high" and rows[cls6.boris.id].suggested == 5
    assert rows[cls6.askar.id].percent == F(79, 2)  # 39.5 % → 40: medium, 3
    assert rows[cls6.askar.id].level == "medium" and rows[cls6.askar.id].suggested == 3
    assert a.result.counts == {"high": 2, "medium": 1, "low": 2}
    assert a.result.percent("high") == 40.0


def test_quality_and_success_take_the_given_mark_where_set(app, cls6):
    a = _analyse(app, cls6)
    erlan = next(r for r in a.pupils if r.pupil.id == cls6.erlan.id)
    assert erlan.suggested == 2 and erlan.given == "3" and erlan.counted == 3
    assert a.marks.by_mark == {5: 2, 4: 0, 3: 2, 2: 1} and a.marks.n == 5
    assert a.marks.quality == 40.0 and a.marks.success == 80.0


def test_a_pupil_who_left_during_the_period_is_listed_outside_the_counts(app, cls6):
    from sqlalchemy import select

    from models import Enrolment
    left = db.session.scalar(select(Enrolment).where(Enrolment.pupil_id == cls6.dana.id))
    left.end_date = dt.date(2026, 12, 11)  # after the SAT, before the quarter's end
    db.session.commit()
    a = _analyse(app, cls6)
    rows = {r.pupil.id: r for r in a.pupils}
    assert rows[cls6.dana.id].level is None and rows[cls6.dana.id].counted is None
    assert sum(a.result.counts.values()) == 4  # Дана's «high» is not among them
    assert a.works[2].wrote == 5  # she wrote the SAT: the work's own analysis keeps her


def test_count_marks_keeps_na_in_n_and_leaves_the_exempt_out():
    counts = summative.count_marks([5, 4, 3, "na", "exempt", None, 2])
    assert counts.n == 5 and counts.na == 1
    assert counts.quality == 40.0 and counts.success == 60.0
    assert summative.count_marks([]).quality is None


def test_a_half_year_subject_has_no_result_in_its_first_quarter(app, cls6):
    cls6.maths6.hours_per_week = 1  # one hour a week: no SAT, marked per half-year
    db.session.commit()
    with app.test_request_context("/"), force_locale("en"):
        a = summative.analyse(cls6.maths6, cls6.q1)
        sheet = summative.result_sheet(a)
    assert not a.marked and not sheet.rows and "half-year" in sheet.empty


# -- the documents ---------------------------------------------------------------------

def test_the_pdf_in_kazakh_has_the_letters_and_the_numbers(cls6, login):
    client = login("teacher")
    client.post("/language/kk")
    response = client.get(f"/reports/summative/{cls6.maths6.id}.pdf?period={cls6.q2.id}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = text_of(response.data)
    for expected in ("Нұрланова Дана", "Құрманова Жаһан", "Өмірзақ Ерлан", "Бөлім 1",
                     "Школа № 1", "6 «Б»", "65,8", "84,5", "39,5", "40,0", "80,0"):
        assert expected in text, expected
    assert set(KAZAKH) <= set(text.lower()), set(KAZAKH) - set(text.lower())


def test_the_pdf_follows_a_language_asked(cls6, login):
    client = login("teacher")
    client.post("/language/ru")
    ru = text_of(client.get(f"/reports/summative/{cls6.maths6.id}.pdf?period={cls6.q2.id}").data)
    kk = text_of(client.get(
        f"/reports/summative/{cls6.maths6.id}.pdf?period={cls6.q2.id}&lang=kk").data)
    assert "четверть" in ru.lower() and "тоқсан" in kk.lower()
    assert client.get(f"/reports/summative/{cls6.maths6.id}.pdf?lang=de").status_code == 404


def test_the_xlsx_reads_back(cls6, login):
    response = login("other").get(f"/reports/summative/{cls6.maths6.id}.xlsx?period={cls6.q2.id}")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    book = load_workbook(io.BytesIO(response.data))
    heading, works, result, pupils = book.worksheets
    assert "6 «Б»" in [c for row in heading.iter_rows(values_only=True) for c in row]
    rows = list(works.iter_rows(values_only=True))
    assert rows[1][1] == "Бөлім 1" and rows[1][3] == 100 and rows[1][4] == 4
    assert rows[1][6] == pytest.approx(0.6575)  # a real percentage in the workbook
    values = [r for r in result.iter_rows(values_only=True)]
    assert values[-2][2] == pytest.approx(0.4) and values[-1][2] == pytest.approx(0.8)
    names = [r[0] for r in pupils.iter_rows(min_row=2, values_only=True)]
    assert "Құрманова Жаһан" in names


def test_the_screen_shows_the_sheets_and_the_files(cls6, login):
    page = login("teacher").get(f"/reports/summative/{cls6.maths6.id}?period={cls6.q2.id}")
    assert page.status_code == 200
    for expected in ("Бөлім 2", "Нұрланова Дана", f"/reports/summative/{cls6.maths6.id}.pdf",
                     f"/reports/summative/{cls6.maths6.id}.xlsx", "84,6"):
        assert expected in page.text, expected


def test_the_report_lists_the_page_and_the_transfer_extracts(cls6, login):
    text = login("other").get("/reports/summative").text  # the class teacher of 6 «Б»
    assert f"/reports/summative/{cls6.maths6.id}" in text
    assert f"/reports/summative/transfer/{cls6.boris.id}.pdf" in text
    text = login("teacher").get("/reports/summative").text  # its subject teacher
    assert f"/reports/summative/{cls6.maths6.id}" in text and "/transfer/" not in text
    assert "/reports/summative" in login("teacher").get("/reports/").text
    assert login("mum").get("/reports/summative").status_code == 403


def test_no_criteria_class_no_report(school, login):
    assert "/reports/summative" not in login("director").get("/reports/").text


def test_the_transfer_extract(cls6, app, login):
    response = login("other").get(f"/reports/summative/transfer/{cls6.dana.id}.pdf")
    assert response.status_code == 200
    text = text_of(response.data)
    for expected in ("Нұрланова Дана", "Бөлім 1", "10.11.2026", "Тоқсандық", "98,2", "94,1",
                     "Директорова", "Другая"):
        assert expected.replace(",", ".") in text or expected in text, expected
    with app.test_request_context("/"), force_locale("en"):
        x = transfer.build(cls6.dana, transfer.class_of_year(cls6.dana, None))
        text = text_of(transfer.transfer_pdf(x))
    maths = x.subjects[0]
    assert [(w.work.name, w.work.max_points, w.points) for w in maths.works] == [
        ("Бөлім 1", 100, 100), ("Бөлім 2", 13, 11), ("Тоқсандық", 100, 90)]
    q2 = next(p for p in maths.periods if p.period.id == cls6.q2.id)
    assert q2.suggested == 5 and q2.part("soch") == 90
    for expected in ("Director", "Class teacher", "M.P.", "Date: 23.11.2026", "Suggested"):
        assert expected in text, expected
    events = db.session.scalars(db.select(AuditEvent).where(
        AuditEvent.action == "pupil.extract_read")).all()
    assert [(e.object_id, e.user_id) for e in events] == [(cls6.dana.id, cls6.other.id)]


def test_the_transfer_extract_of_a_missed_work_and_another_year(cls6, login):
    client = login("director")
    text = text_of(client.get(f"/reports/summative/transfer/{cls6.boris.id}.pdf").data)
    assert "—" in text  # Борис did not write SAU B
    assert client.get(f"/reports/summative/transfer/{cls6.boris.id}.pdf?year=999").status_code \
        == 404
    assert client.get(f"/reports/summative/transfer/{cls6.boris.id}.pdf?year=x").status_code \
        == 404


# -- who may open them -----------------------------------------------------------------

@pytest.mark.parametrize("user", ["teacher", "other", "admin", "director", "deputy"])
def test_who_reads_the_analysis(cls6, login, user):
    client = login(user)
    for suffix in ("", ".pdf", ".xlsx"):
        assert client.get(f"/reports/summative/{cls6.maths6.id}{suffix}").status_code == 200


@pytest.mark.parametrize("user, status", [
    ("ct", 403),  # teaches another page of 6 «Б» (below): may know the page exists
    ("secretary", 403),  # reads the class list, not its pages
    ("mum", 404), ("dad2", 404), ("anna", 404),  # families never
    ("deputy1", 404),  # the deputy of the primary level
])
def test_others_are_refused_the_analysis(cls6, login, user, status):
    b = cls6.builder
    b.page(cls6.c6, cls6.lit, cls6.ct_staff)
    db.session.commit()
    client = login(user)
    for suffix in ("", ".pdf", ".xlsx"):
        response = client.get(f"/reports/summative/{cls6.maths6.id}{suffix}")
        assert response.status_code == status, (user, suffix)
        assert "Нұрланова" not in response.text


def test_a_teacher_of_another_class_gets_404_and_a_classic_page_is_404(cls6, login):
    assert login("ct").get(f"/reports/summative/{cls6.maths6.id}").status_code == 404
    client = login("teacher")
    assert client.get(f"/reports/summative/{cls6.maths5.id}").status_code == 404
    assert client.get("/reports/summative/999999").status_code == 404
    for query in ("period=x", "period=999999", f"period={cls6.q2.id + 100}"):
        assert client.get(f"/reports/summative/{cls6.maths6.id}?{query}").status_code == 404


@pytest.mark.parametrize("user, status", [
    ("teacher", 403),  # the subject teacher reads the pupil, does not issue the extract
    ("secretary", 403), ("mum", 403),  # the family reads the diary, the school certifies
    ("dad2", 404), ("anna", 404), ("deputy1", 404), ("ct", 404)])
def test_who_may_not_issue_the_transfer_extract(cls6, login, user, status):
    response = login(user).get(f"/reports/summative/transfer/{cls6.boris.id}.pdf")
    assert response.status_code == status, user
    assert db.session.scalar(db.select(db.func.count(AuditEvent.id)).where(
        AuditEvent.action == "pupil.extract_read")) == 0


# -- a fixed number of queries ------------------------------------------------------------

def test_the_analysis_page_runs_a_fixed_number_of_queries(cls6, login):
    client = login("teacher")
    url = f"/reports/summative/{cls6.maths6.id}?period={cls6.q2.id}"
    client.get(url)
    with count_queries() as few:
        assert client.get(url).status_code == 200
    b = cls6.builder
    more_pupils = [b.pupil(cls6.c6, "Жаңа", f"Оқушы{n}") for n in range(6)]
    for n in range(2):
        b.work(cls6.maths6, "sor", dt.date(2026, 11, 24 + n), 20,
               points={p: 10 + n for p in more_pupils})
    db.session.commit()
    with count_queries() as more:
        assert client.get(url).status_code == 200
    assert len(more) == len(few), (len(few), len(more))


def test_the_transfer_extract_runs_a_fixed_number_of_queries(cls6, app):
    def run() -> int:
        db.session.expire_all()
        with app.test_request_context("/"), force_locale("en"), count_queries() as seen:
            transfer.build(cls6.dana, transfer.class_of_year(cls6.dana, None))
        return seen
    b = cls6.builder  # works in both half-years: each period's window has points to read
    b.work(cls6.maths6, "sor", dt.date(2027, 2, 10), 10, points={cls6.dana: 7})
    db.session.commit()
    few = run()
    other_subject = b.subject("hist", "История", "Тарих")
    page = b.page(cls6.c6, other_subject, cls6.t_staff)
    b.work(page, "sor", dt.date(2026, 10, 6), 10, points={cls6.dana: 7})
    b.work(page, "soch", dt.date(2027, 3, 2), 20, points={cls6.dana: 17})
    b.work(cls6.maths6, "sor", dt.date(2026, 11, 25), 10, points={cls6.dana: 7})
    db.session.commit()
    more = run()
    assert len(more) == len(few)


def test_a_pupils_percent_is_cut_not_rounded_in_the_sheets(app, cls6):
    a = _analyse(app, cls6)
    a.pupils[0].percent = F(8446, 100)  # medium: must not read 84.5
    with app.test_request_context("/"), force_locale("en"):
        row = summative.pupils_sheet(a).rows[0]
    assert row[len(a.works) + 1] == 84.4


def test_a_half_year_subject_counts_both_quarters_works_at_the_half(app, cls6):
    cls6.maths6.hours_per_week = 1
    early = cls6.builder.work(cls6.maths6, "sor", dt.date(2026, 10, 6), 10,
                              points={cls6.boris: 10})
    cls6.soch.kind = "sor"  # no SAT in a one-hour subject
    db.session.commit()
    with app.test_request_context("/"), force_locale("en"):
        a = summative.analyse(cls6.maths6, cls6.q2)
        notes = summative.works_sheet(a).notes
    assert [w.work.id for w in a.works][0] == early.id and len(a.works) == 4
    assert a.marked and "Quarter 1, Quarter 2" in notes[0]
    boris = next(r for r in a.pupils if r.pupil.id == cls6.boris.id)
    assert boris.percent == F(179 * 100, 210)  # (84 + 10 + 85) / (100 + 10 + 100)
