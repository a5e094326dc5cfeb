"""Report 2 of issue 18, the summary attendance sheet: figures computed by hand on the tiny
school (full days against lessons, illness / excused / unexcused, lateness, a pupil who left,
subgroups), who may open it, the reasons of empty sheets, PDF and XLSX read back."""
from __future__ import annotations

import datetime as dt
import io

import pytest
from flask_babel import force_locale
from openpyxl import load_workbook
from pypdf import PdfReader

from extensions import db
from models import Attendance, Enrolment, Subgroup, SubgroupMember, SubjectPage
from services.reports import attendance
from services.reports.filters import Filters
from tests.sql import count_queries

D = dt.date
MON, TUE, WED = D(2026, 11, 16), D(2026, 11, 17), D(2026, 11, 18)


def _absent(lesson, pupil, reason=None, status="absent"):
    db.session.add(Attendance(lesson_id=lesson.id, pupil_id=pupil.id, status=status,
                              reason=reason))


@pytest.fixture
def week(school):
    """Quarter 2 of 5 «А», by hand (lessons: maths5 M, lit5 L, English for group 1 E):

    Mon: M1 M2 L3.  Анна absent all three (illness): a full day for illness, 3 lessons.
         Дарья (left the class on Tue) absent all three, no reason: a full day, 3 unexcused.
    Tue: M1 L2.     Анна absent M1 (family): 1 lesson excused. Вера late to L2.
    Wed: M1 L2 E3.  Вера absent M1 L2, no reason: 2 unexcused, no full day (she is in
                    group 1 and had English). Анна absent M1 L2 (unexcused): a full day (not
                    in group 1). Дарья absent M1 after leaving: not hers to count.
    Quarter 1 (10 Oct): M1 only; Анна absent (illness): counted for the whole year only.
    """
    b, s = school.builder, school
    darya = b.pupil(s.c5, "Грачёва", "Дарья")
    db.session.scalar(db.select(Enrolment).where(Enrolment.pupil_id == darya.id)).end_date = TUE
    group = b._add(Subgroup(class_id=s.c5.id, name="1"))
    b._add(SubgroupMember(subgroup_id=group.id, pupil_id=s.vera.id))
    eng = b.subject("eng", "Английский язык", "Ағылшын тілі")
    eng5 = b._add(SubjectPage(class_id=s.c5.id, subject_id=eng.id, subgroup_id=group.id,
                              teacher_id=s.t_staff.id))
    mon = [b.lesson(s.maths5, MON, 1), b.lesson(s.maths5, MON, 2), b.lesson(s.lit5, MON, 3)]
    tue = [b.lesson(s.maths5, TUE, 1), b.lesson(s.lit5, TUE, 2)]
    wed = [b.lesson(s.maths5, WED, 1), b.lesson(s.lit5, WED, 2), b.lesson(eng5, WED, 3)]
    for lesson in mon:
        _absent(lesson, s.anna, "illness")
        _absent(lesson, darya)
    _absent(tue[0], s.anna, "family")
    _absent(tue[1], s.vera, status="late")
    for lesson in wed[:2]:
        _absent(lesson, s.vera)
        _absent(lesson, s.anna, "unexcused")
    _absent(wed[0], darya)
    _absent(b.lesson(s.maths5, D(2026, 10, 10), 1), s.anna, "illness")
    db.session.commit()
    return darya


COLUMNS = ["no", "pupil", "days", "days_ill", "lessons", "excused", "ill", "unexcused", "late"]


def _table(sheet):
    return [dict(zip([c.key for c in sheet.columns], row, strict=True)) for row in sheet.rows]


def _user(name):
    from models import User
    return db.session.scalar(db.select(User).where(User.username == name))


def _filters(school, period=1, **kw):
    return Filters(year=school.builder.year,
                   period=school.builder.periods[period] if period is not None else None, **kw)


def test_quarter_by_hand(school, week):
    with force_locale("en"):
        main, by_subject = attendance.build(_user("ct"), _filters(school, school_class=school.c5))
    assert [c.key for c in main.columns] == COLUMNS
    rows = [r[2:] for r in main.rows]
    assert [r[1] for r in main.rows] == ["Антонова А.", "Васильева В.",
                                         "Грачёва Д. (left 17.11.2026)"]
    assert rows == [[2, 1, 6, 4, 3, 2, 0], [0, 0, 2, 0, 0, 2, 1], [1, 0, 3, 0, 0, 3, 0]]
    assert main.totals == [[None, "Total", 3, 1, 11, 4, 3, 7, 1]]
    assert main.signatures[0][1].startswith("Классная")
    heads = [c.header for c in by_subject.columns]
    assert heads == ["№", "Pupil", "English", "Literature", "Mathematics", "Total"] or \
        heads[2:5] == ["Английский язык", "Литература", "Математика"]
    assert [r[2:] for r in by_subject.rows] == [[0, 2, 4, 6], [0, 1, 1, 2], [0, 1, 2, 3]]
    assert by_subject.totals[0][2:] == [0, 4, 7, 11]


def test_whole_year_adds_the_first_quarter(school, week):
    main, _ = attendance.build(_user("deputy"), _filters(school, None, school_class=school.c5))
    assert main.rows[0][2:] == [3, 2, 7, 5, 4, 2, 0]


def test_several_classes_give_a_row_per_class(app, school, week):
    with app.test_request_context(), force_locale("en"):
        main, by_subject = attendance.build(_user("deputy"), _filters(school))
    names = [str(r[0]) for r in main.rows]
    assert names == ["5 «А»", "6 «Б»"]  # 10 «А» has half-years, none in the tiny school
    assert main.rows[0][1:] == [3, 3, 1, 11, 4, 3, 7, 1]
    assert main.rows[1][1:] == [1, 0, 0, 0, 0, 0, 0, 0]
    assert f"class={school.c5.id}" in main.rows[0][0].url
    assert main.totals[0][1:] == [4, 3, 1, 11, 4, 3, 7, 1]
    assert any("6 «Б»" in n and "no lessons" in n for n in main.notes)
    assert any("10 «А»" in n and "no study period" in n for n in main.notes)
    assert by_subject.totals[0][-1] == 11


def test_illness_columns_follow_policy(school, week, monkeypatch):
    monkeypatch.setattr("services.policy.can_see_class_absence_reasons", lambda u, c: False)
    main, _ = attendance.build(_user("deputy"), _filters(school, school_class=school.c5))
    assert [c.key for c in main.columns] == [k for k in COLUMNS if k not in ("days_ill", "ill")]
    assert main.rows[0][2:] == [2, 6, 4, 2, 0]


def test_empty_class_and_a_period_without_lessons(school, week):
    empty = school.builder.school_class(7, "В")
    db.session.commit()
    with force_locale("en"):
        sheets = attendance.build(_user("deputy"), _filters(school, school_class=empty))
        assert sheets[0].rows == [] and "No pupils" in sheets[0].empty
        q3 = attendance.build(_user("ct"), _filters(school, 2, school_class=school.c5))
        assert q3[0].rows == [] and q3[0].totals == [] and "No lessons" in q3[0].empty
        assert q3[1].rows == [] and "No lessons" in q3[1].empty
        halves = attendance.build(_user("deputy"), _filters(school, school_class=school.c10))
        assert halves[0].rows == [] and "no study period" in halves[0].empty


def test_fixed_number_of_queries(app, school, week):
    user = _user("deputy")
    user.roles  # noqa: B018 — loaded before counting
    with app.test_request_context(), count_queries() as small:
        attendance.build(user, _filters(school))
    b = school.builder
    for n in range(6):
        pupil = b.pupil(school.c6, "Новикова", f"Ника{n}")
        _absent(b.lesson(school.maths6, MON, n + 1), pupil, "illness")
    db.session.commit()
    with app.test_request_context(), count_queries() as big:
        attendance.build(user, _filters(school))
    assert len(big) == len(small)


@pytest.mark.parametrize("who", ["teacher", "secretary", "mum", "anna"])
def test_refused_to_subject_teachers_and_families(login, school, week, who):
    client = login(who)
    for url in ("/reports/attendance", "/reports/attendance.pdf", "/reports/attendance.xlsx"):
        assert client.get(url).status_code == 403, (who, url)


def test_class_teacher_of_another_class_sees_only_theirs(login, school, week):
    client = login("other")
    page = client.get(f"/reports/attendance?class={school.c5.id}")
    assert page.status_code == 200
    assert "Антонова" not in page.text and "Грачёва" not in page.text
    page = client.get("/reports/attendance?period=all")
    assert "6 «Б»" in page.text and "Антонова" not in page.text


def test_pdf_in_russian_and_kazakh_and_xlsx(login, school, week):
    client = login("ct")
    url = f"/reports/attendance.pdf?class={school.c5.id}&period={school.builder.periods[1].id}"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(client.get(url).data)).pages)
    assert "Антонова" in text and "Грачёва" in text and "Математика" in text
    client.post("/language/kk")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(client.get(url).data)).pages)
    assert "Әдебиет" in text and "Ағылшын тілі" in text and "Антонова" in text
    book = load_workbook(io.BytesIO(client.get(url.replace(".pdf", ".xlsx")).data))
    ws = book.worksheets[0]
    values = [[c.value for c in row] for row in ws.iter_rows(min_row=2)]
    assert values[0][1] == "Антонова А." and values[0][2:] == [2, 1, 6, 4, 3, 2, 0]
    assert values[-1][2:] == [3, 1, 11, 4, 3, 7, 1]
    subjects = book.worksheets[1]
    maths = [c.value for c in subjects[1]].index("Математика") + 1
    assert subjects.cell(2, maths).value == 4 and ws.freeze_panes == "B2"


def test_class_teacher_home_links_to_the_sheet_and_the_visits(login, school):
    home = login("ct").get("/teacher").text
    assert f"/reports/attendance?class={school.c5.id}" in home
    assert f"/reports/activity?class={school.c5.id}" in home
    assert "/reports/attendance?class" not in login("teacher").get("/teacher").text
