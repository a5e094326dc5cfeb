"""The diary of a pupil of a criteria-based class (issue 21): each work's points, the SAU,
SAT and FA percentages, the total with its exact value, the suggested mark beside the mark
the teacher gave; no classic average nor prediction; the week shows works on their days;
a fixed number of queries; another family's child answers 404 everywhere."""
from __future__ import annotations

import datetime as dt
import re

import pytest

from extensions import db
from models import FinalMark, Mark, Subject, SubjectPage
from services import diary, diary_criteria
from tests.conftest import TODAY
from tests.factories import criteria_school
from tests.sql import count_queries
from tests.text import ru

NOV = dt.date(2026, 11, 1)  # quarter 2 runs 5 November - 28 December


def day(n: int) -> dt.date:
    return NOV.replace(day=n)


@pytest.fixture
def crit(app):
    return criteria_school(TODAY)


def _fo(s, page, pupil, on: dt.date, value: int, number: int = 1) -> Mark:
    lesson = s.builder.lesson(page, on, number)
    return s.builder._add(Mark(lesson_id=lesson.id, pupil_id=pupil.id, value=value,
                               work_type_id=s.builder.work_types["lesson"].id))


def _works(s, sau2: int | None = 15, sat: int | None = 13) -> dict:
    """SAU 5/10 (10 Nov), SAU 15/20 (17 Nov), SAT 13/20 (20 Nov) for Борис in maths."""
    b, boris = s.builder, s.boris
    made = {"sau1": b.work(s.maths6, "sor", day(10), 10, {boris: 5}, name="Numbers"),
            "sau2": b.work(s.maths6, "sor", day(17), 20,
                           {boris: sau2} if sau2 is not None else {}, name="Fractions")}
    if sat is not None:
        made["sat"] = b.work(s.maths6, "soch", day(20), 20, {boris: sat}, name="Term")
    db.session.commit()
    return made


def _text(html: str, cls: str) -> list[str]:
    """The texts of the elements with this class (no nested tags inside)."""
    return [m.strip() for m in re.findall(rf'class="[^"]*\b{cls}\b[^"]*"[^>]*>([^<]*)<', html)]


def _maths(report) -> diary.SubjectMarks:
    return next(s for s in report.subjects if s.name == "Математика")


def test_points_percentages_and_the_suggested_mark(login, crit):
    works = _works(crit)
    q2 = crit.builder.periods[1]
    crit.builder._add(FinalMark(page_id=crit.maths6.id, pupil_id=crit.boris.id, kind="period",
                                period_id=q2.id, value=5, reason="Олимпиада"))
    db.session.commit()
    report = diary.load_marks(crit.boris, q2, crit.builder.periods, "ru")
    result = _maths(report).criteria[0]
    assert report.criteria and _maths(report).average is None and _maths(report).predicted is None
    assert [(w.name, w.points, w.max_points) for w in result.works] == [
        ("Numbers", 5, 10), ("Fractions", 15, 20), ("Term", 13, 20)]
    html = login("mum").get(f"/diary/{crit.boris.id}/marks").get_data(as_text=True)
    assert _text(html, "work-points") == ["5/10", "15/20", "13/20"]
    assert _text(html, "work-percent") == ["50,0 %", "75,0 %", "65,0 %"]
    assert _text(html, "work-kind") == [ru("SAU"), ru("SAU"), ru("SAT")]
    assert _text(html, "crit-sor-percent") == ["66,6 %"]  # 20/30, cut, not rounded
    assert _text(html, "crit-soch-percent") == ["65,0 %"]
    assert _text(html, "crit-total-percent") == ["65,8 %"]
    assert ru("Exact: %(value)s %%", value="65,8333") in html  # the title and the tap text
    assert re.search(r'class="crit-suggested-mark[^"]*">4<', html)
    assert "crit-fo-percent" not in html  # the year gives FA no share
    # The teacher's mark is shown; the reason is a note to the administration, not to families.
    assert _text(html, "crit-given") == ["5"] and "Олимпиада" not in html
    assert ru("Average") not in html and ru("Predicted") not in html
    assert works["sau1"].id and "style=" not in html


def test_a_missed_sau_is_left_out_and_shown_as_no_points(login, crit):
    _works(crit, sau2=None)
    html = login("mum").get(f"/diary/{crit.boris.id}/marks").get_data(as_text=True)
    assert _text(html, "work-points")[:2] == ["5/10", ru("no points, out of %(max)d", max=20)]
    assert _text(html, "crit-sor-percent") == ["50,0 %"]  # 5/10: the missed work counts nowhere
    assert _text(html, "crit-total-percent") == ["57,5 %"]
    assert re.search(r'class="crit-suggested-mark[^"]*">3<', html)


def test_without_sat_points_no_mark_is_suggested(login, crit):
    _works(crit, sat=None)
    crit.builder.work(crit.maths6, "soch", TODAY + dt.timedelta(days=10), 25, name="Later")
    db.session.commit()
    html = login("mum").get(f"/diary/{crit.boris.id}/marks").get_data(as_text=True)
    assert ru("coming, out of %(max)d", max=25) in html
    assert _text(html, "crit-soch-percent") == ["—"] and _text(html, "crit-total-percent") == ["—"]
    assert ru("No SAT points yet, so no mark is suggested.") in html
    assert re.search(r'class="crit-suggested-mark">—<', html)


def test_the_fa_share_counts_ten_point_marks(login, crit):
    year = crit.builder.year
    year.fo_weight, year.sor_weight, year.soch_weight = 25, 25, 50
    _works(crit)
    _fo(crit, crit.maths6, crit.boris, day(11), 7)
    _fo(crit, crit.maths6, crit.boris, day(12), 9)
    _fo(crit, crit.maths6, crit.boris, day(2) - dt.timedelta(days=10), 2)  # quarter 1
    db.session.commit()
    html = login("mum").get(f"/diary/{crit.boris.id}/marks").get_data(as_text=True)
    # FA 16/20 = 80 %; 0.25*80 + 0.25*66.67 + 0.5*65 = 69.1666...
    assert _text(html, "crit-fo-percent") == ["80,0 %"]
    assert _text(html, "crit-total-percent") == ["69,1 %"]
    assert ru("Exact: %(value)s %%", value="69,1666") in html
    assert re.search(r'class="crit-suggested-mark[^"]*">4<', html)
    # A 9 of 10 is painted as a top mark, a 5 of 10 would not be: the 10-point colours.
    assert 'class="mark m5">9<' in html and 'class="mark m4">7<' in html


def test_a_half_year_subject(login, crit):
    b = crit.builder
    art = b.subject("art", "Изобразительное искусство", "Бейнелеу")
    page = b._add(SubjectPage(class_id=crit.c6.id, subject_id=art.id,
                              teacher_id=crit.t_staff.id, hours_per_week=1))
    b.work(page, "sor", dt.date(2026, 10, 6), 10, {crit.boris: 8}, name="Colours")
    b.work(page, "sor", day(16), 10, {crit.boris: 9}, name="Shapes")
    db.session.commit()
    q1, q2 = b.periods[0], b.periods[1]
    client = login("mum")
    first = client.get(f"/diary/{crit.boris.id}/marks?period={q1.id}").get_data(as_text=True)
    assert ru("This subject is marked per half-year: the mark comes at the end of the "
              "half-year (%(period)s).", period=ru("Quarter %(number)d", number=2)) in first
    report = diary.load_marks(crit.boris, q2, b.periods, "ru")
    result = next(s for s in report.subjects if s.subject_id == art.id).criteria[0]
    assert result.half_year and not result.has_soch and result.shares == {"sor": 100}
    assert [w.name for w in result.works] == ["Colours", "Shapes"]
    assert result.outcome.mark == 5  # 17/20 = 85 %


def test_the_week_shows_works_on_their_days(login, crit):
    _works(crit)
    _fo(crit, crit.maths6, crit.boris, day(17), 8)
    db.session.commit()
    client = login("mum")
    html = client.get(f"/diary/{crit.boris.id}/week/2026-11-17").get_data(as_text=True)
    # 17 Nov has a lesson: the work sits on it; 20 Nov has none: the work sits on the day.
    assert _text(html, "work-points") == ["15/20", "13/20"]
    assert "«Fractions»" in html and "«Term»" in html and "Numbers" not in html
    assert f'<span class="label">{ru("FA")} 8</span>' in html
    fragment = client.get(f"/diary/{crit.boris.id}/week/2026-11-17",
                          headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in fragment and _text(fragment, "work-points") == ["15/20", "13/20"]
    week = diary.load_week(crit.boris, day(16), "ru", TODAY, show_reason=False)
    assert [w.name for w in week.days[1].lessons[0].works] == ["Fractions"]
    assert [(subject, w.name) for subject, w in week.days[4].works] == [("Математика", "Term")]


def test_a_classic_class_shows_no_works_and_keeps_its_averages(login, crit):
    html = login("mum").get(f"/diary/{crit.anna.id}/marks").get_data(as_text=True)
    assert "crit-card" not in html and ru("Predicted") in html


def _grow(s, n: int) -> None:
    b = s.builder
    for i in range(n):
        subject = b._add(Subject(code=f"c{n}-{i}", name_ru=f"Предмет {i}", name_kk=f"Пән {i}"))
        page = b.page(s.c6, subject, s.t_staff)
        for k in range(3):
            b.work(page, "sor", day(9 + k), 10 + k, {s.boris: 5 + k}, name=f"W{k}")
            _fo(s, page, s.boris, day(9 + k), 6 + k, number=i + 2)
        b.work(page, "soch", day(20), 20, {s.boris: 12}, name="T")
    db.session.commit()


@pytest.mark.parametrize("path", ["marks", "week/2026-11-09"])
def test_query_count_is_fixed(login, crit, path):
    client = login("mum")
    url = f"/diary/{crit.boris.id}/{path}"
    _grow(crit, 1)
    client.get(url)
    with count_queries() as small:
        assert client.get(url).status_code == 200
    _grow(crit, 6)
    with count_queries() as large:
        html = client.get(url).get_data(as_text=True)
    assert html.count("W2") >= 7
    assert len(small) == len(large), (len(small), len(large))
    assert len(large) <= {"marks": 19, "week/2026-11-09": 15}[path]


def test_subject_results_without_pages():
    assert diary_criteria.subject_results(1, [], None, []) == {}


def test_shares_follow_the_years_weights_and_the_subjects_sat(crit):
    year = crit.builder.year
    year.fo_weight, year.sor_weight, year.soch_weight = 25, 25, 50
    db.session.commit()
    q2 = crit.builder.periods[1]
    with_sat = diary_criteria.subject_results(crit.boris.id, [crit.maths6], q2,
                                              crit.builder.periods)[crit.maths6.id]
    assert with_sat.shares == {"fo": 25, "sor": 25, "soch": 50}
    without = diary_criteria.CriteriaResult(0, with_sat.weights, has_soch=False)
    assert without.shares == {"fo": 50, "sor": 50}  # the SAT's half shared out
    assert not with_sat.has_results and with_sat.outcome.missing == "fo"


def test_no_fa_marks_when_fa_has_a_share(login, crit):
    year = crit.builder.year
    year.fo_weight, year.sor_weight, year.soch_weight = 25, 25, 50
    _works(crit)
    html = login("mum").get(f"/diary/{crit.boris.id}/marks").get_data(as_text=True)
    assert ru("No FA marks yet, so no mark is suggested.") in html
    assert _text(html, "crit-fo-percent") == ["—"] and _text(html, "crit-sor-percent") == ["66,6 %"]


def test_a_classmates_points_never_show(login, crit):
    dana = crit.builder.pupil(crit.c6, "Данова", "Дана")
    crit.builder.work(crit.maths6, "sor", day(10), 10, {dana: 9, crit.boris: 4}, name="Both")
    crit.builder.work(crit.maths6, "sor", day(12), 10, {dana: 8}, name="Only Dana")
    _fo(crit, crit.maths6, dana, day(11), 10)
    db.session.commit()
    html = login("mum").get(f"/diary/{crit.boris.id}/marks").get_data(as_text=True)
    assert _text(html, "work-points") == ["4/10", ru("no points, out of %(max)d", max=10)]
    assert ">10<" not in html and "9/10" not in html and "8/10" not in html
    week = login("mum").get(f"/diary/{crit.boris.id}/week/2026-11-10").get_data(as_text=True)
    assert _text(week, "work-points") == ["4/10", ru("out of %(max)d", max=10)]


def test_another_family_gets_404_everywhere(login, crit):
    _works(crit)
    q1 = crit.builder.periods[0].id
    client = login("dad2")
    base = f"/diary/{crit.boris.id}"
    for url in (f"{base}/marks", f"{base}/marks?period={q1}", f"{base}/week",
                f"{base}/week/2026-11-17", f"{base}/marks?year={crit.builder.year.id}"):
        assert client.get(url).status_code == 404, url
        assert client.get(url, headers={"HX-Request": "true"}).status_code == 404, url
    assert login("mum").get(f"{base}/marks").status_code == 200
