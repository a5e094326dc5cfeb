"""The diary pages against known data: the right marks on the right days, averages,
absences, homework grouping, htmx fragments and the visit record."""
from __future__ import annotations

import datetime as dt

import pytest
from markupsafe import escape
from sqlalchemy import select

from extensions import db
from models import (
    Attendance,
    Bell,
    DiaryVisit,
    FinalMark,
    Mark,
    Subgroup,
    SubgroupMember,
    TimetableSlot,
    User,
)
from services import diary
from tests.conftest import TODAY
from tests.text import ru

MON = TODAY  # 2026-11-23, a Monday in quarter 2
TUE, WED = MON + dt.timedelta(days=1), MON + dt.timedelta(days=2)


def _mark(school, lesson, pupil, value, code="lesson", comment="", position=1):
    wt = school.builder.work_types[code]
    return school.builder._add(Mark(lesson_id=lesson.id, pupil_id=pupil.id, value=value,
                                    work_type_id=wt.id, comment=comment, position=position))


@pytest.fixture
def week_data(school):
    """Anna's maths and literature around 23 November 2026."""
    b = school.builder
    b._add(Bell(number=1, starts=dt.time(8, 30), ends=dt.time(9, 15)))
    b._add(Bell(number=2, starts=dt.time(9, 25), ends=dt.time(10, 10)))
    m1 = b.lesson(school.maths5, MON, 1, topic="Дроби", homework="№ 12, 14")
    m2 = b.lesson(school.maths5, WED, 2, topic="Проценты")
    l1 = b.lesson(school.lit5, MON, 2, topic="Пушкин")
    prev = b.lesson(school.maths5, MON - dt.timedelta(days=7), 1, topic="Прошлая неделя")
    future = b.lesson(school.lit5, MON + dt.timedelta(days=4), 1, homework="Выучить стихотворение")
    _mark(school, m1, school.anna, 5, "control", comment="молодец")
    _mark(school, m1, school.vera, 2)
    _mark(school, l1, school.anna, 4, "essay")
    _mark(school, prev, school.anna, 3)
    b._add(Attendance(lesson_id=m2.id, pupil_id=school.anna.id, status="absent",
                      reason="illness"))
    db.session.commit()
    return dict(m1=m1, m2=m2, l1=l1, prev=prev, future=future)


def test_week_shows_lessons_marks_and_absences_on_their_days(login, school, week_data):
    client = login("mum")
    html = client.get(f"/diary/{school.anna.id}/week/{MON.isoformat()}").get_data(as_text=True)
    assert "понедельник, 23 ноября" in html and "суббота, 28 ноября" in html
    assert "Дроби" in html and "№ 12, 14" in html and "Пушкин" in html
    assert "Контрольная работа" in html and "молодец" in html
    assert "Прошлая неделя" not in html  # last week's lesson is not this week's
    assert "Выучить стихотворение" in html  # homework set ahead shows on its day
    assert "08:30" in html and "Предметникова" in html
    week = diary.load_week(school.anna, MON, "ru", TODAY, show_reason=True)
    monday, _, wednesday = week.days[:3]
    assert [(e.subject, [m.value for m in e.marks]) for e in monday.lessons] == [
        ("Математика", [5]), ("Литература", [4])]
    assert wednesday.lessons[0].absence == "absent" and wednesday.lessons[0].reason == "illness"
    assert monday.is_today and len(week.days) == 6


def test_week_hides_other_pupils_marks(login, school, week_data):
    html = login("dad2").get(f"/diary/{school.vera.id}/week/{MON.isoformat()}").get_data(
        as_text=True)
    assert "молодец" not in html and "Контрольная работа" not in html
    assert "Дроби" in html  # the same class lesson, with Vera's own mark
    week = diary.load_week(school.vera, MON, "ru", TODAY, show_reason=True)
    assert [m.value for m in week.days[0].lessons[0].marks] == [2]


def test_week_of_any_day_and_sunday_and_bad_dates(login, school, week_data):
    client = login("mum")
    wed = client.get(f"/diary/{school.anna.id}/week/{WED.isoformat()}").get_data(as_text=True)
    assert "Дроби" in wed  # a Wednesday shows its Monday-to-Saturday week
    assert diary.week_start(dt.date(2026, 11, 29)) == dt.date(2026, 11, 30)  # Sunday: next
    for bad in ("2026-13-01", "yesterday", "9999-12-31", "0001-01-01"):
        assert client.get(f"/diary/{school.anna.id}/week/{bad}").status_code == 404


def test_week_default_is_this_week_and_nav_links_are_real(login, school, week_data):
    client = login("mum")
    html = client.get(f"/diary/{school.anna.id}/week").get_data(as_text=True)
    assert "Дроби" in html
    prev_url = f"/diary/{school.anna.id}/week/2026-11-16"
    assert f'href="{prev_url}"' in html and f'hx-get="{prev_url}"' in html
    assert 'hx-push-url="true"' in html
    back = client.get(prev_url).get_data(as_text=True)
    assert "Прошлая неделя" in back and "<html" in back


def test_week_htmx_answers_only_the_week(login, school, week_data):
    client = login("mum")
    url = f"/diary/{school.anna.id}/week/2026-11-16"
    response = client.get(url, headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    assert html.lstrip().startswith('<section id="week"') and "Прошлая неделя" in html
    assert "HX-Request" in response.headers["Vary"]
    restore = client.get(url, headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert "<html" in restore.get_data(as_text=True)


def test_week_shows_timetable_for_days_without_lessons(login, school, week_data):
    b = school.builder
    term = dict(valid_from=dt.date(2026, 9, 1), valid_to=dt.date(2027, 5, 31))
    b._add(TimetableSlot(page_id=school.maths5.id, weekday=5, lesson_number=3, room="12", **term))
    b._add(TimetableSlot(page_id=school.maths5.id, weekday=1, lesson_number=1, **term))
    b._add(TimetableSlot(page_id=school.maths5.id, weekday=4, lesson_number=1, **term))
    db.session.commit()
    week = diary.load_week(school.anna, MON, "ru", WED, show_reason=False)
    friday = week.days[4]
    assert [(e.number, e.planned, e.room) for e in friday.lessons] == [(1, False, ""),
                                                                       (3, True, "12")]
    assert all(not e.planned for e in week.days[0].lessons)  # Monday: past, journal only
    assert [e.planned for e in week.days[3].lessons] == [True]
    holidays = diary.load_week(school.anna, dt.date(2026, 11, 2), "ru", dt.date(2026, 11, 2),
                               show_reason=False)
    assert [d.lessons for d in holidays.days[:3]] == [[], [], []]  # autumn holidays


def test_subgroup_pages_show_only_to_members(school):
    b = school.builder
    group = b._add(Subgroup(class_id=school.c5.id, name="1 группа"))
    eng = b.subject("eng", "Английский язык", "Ағылшын тілі")
    page = b.page(school.c5, eng, school.t_staff)
    page.subgroup_id = group.id
    b._add(SubgroupMember(subgroup_id=group.id, pupil_id=school.anna.id))
    db.session.commit()
    assert page in diary.pages_of(school.anna)
    assert page not in diary.pages_of(school.vera)


def test_marks_page_averages_predicted_and_period_marks(login, school, week_data):
    b = school.builder
    q1, q2 = b.periods[0], b.periods[1]
    # Weights: control 5, lesson 3, essay 4, homework 1.
    extra = b.lesson(school.maths5, TUE, 1)
    _mark(school, extra, school.anna, 4, "lesson")
    _mark(school, extra, school.anna, 3, "homework", position=2)
    b._add(FinalMark(page_id=school.maths5.id, pupil_id=school.anna.id, kind="period",
                     period_id=q1.id, value=4))
    b._add(FinalMark(page_id=school.lit5.id, pupil_id=school.anna.id, kind="period",
                     period_id=q1.id, special="exempt"))
    db.session.commit()
    report = diary.load_marks(school.anna, q2, b.periods, "ru")
    maths = next(s for s in report.subjects if s.name == "Математика")
    # 16 Nov: 3 (lesson); 23 Nov: 5 (control); 24 Nov: 4 (lesson), 3 (homework)
    # (3*3 + 5*5 + 4*3 + 3*1) / (3+5+3+1) = 49/12 = 4.083...
    assert [(m.date.day, m.value) for m in maths.marks] == [(16, 3), (23, 5), (24, 4), (24, 3)]
    assert maths.average_2dp == 4.08 and maths.predicted == 4
    assert maths.period_marks[q1.id].value == 4
    html = login("mum").get(f"/diary/{school.anna.id}/marks").get_data(as_text=True)
    assert "4,08" in html
    heading = escape(f'{ru("Marks")}: {ru("Quarter %(number)d", number=2)}')
    assert f"<h2>{heading} " in html
    assert "<svg" in html and "polyline" in html and "style=" not in html
    assert "молодец" in html and "Контрольная работа" in html
    q1_html = login("mum").get(f"/diary/{school.anna.id}/marks?period={q1.id}").get_data(
        as_text=True)
    assert "4,08" not in q1_html


def test_predicted_mark_follows_school_threshold(login, school):
    b = school.builder
    lesson = b.lesson(school.maths5, MON, 1)
    # 4 (lesson, 3) and 5 (homework, 1) and 5 (homework, 1): (12 + 10) / 5 = 4.40
    _mark(school, lesson, school.anna, 4, "lesson")
    _mark(school, lesson, school.anna, 5, "homework", position=2)
    school.builder.school.min_marks_for_period = 2
    db.session.commit()
    q2 = b.periods[1]
    maths = lambda: next(s for s in diary.load_marks(school.anna, q2, b.periods, "ru").subjects  # noqa: E731
                         if s.name == "Математика")
    assert maths().average_2dp == 4.25 and maths().predicted == 4
    school.builder.school.round_up_from = 0.25
    db.session.commit()
    assert maths().predicted == 5


def test_attendance_counts_excused_unexcused_late(login, school):
    b = school.builder
    rows = [(MON, "absent", "illness"), (TUE, "absent", "unexcused"), (WED, "absent", None),
            (WED + dt.timedelta(days=1), "late", None)]
    for day, status, reason in rows:
        lesson = b.lesson(school.maths5, day, 1)
        b._add(Attendance(lesson_id=lesson.id, pupil_id=school.anna.id, status=status,
                          reason=reason))
    lit = b.lesson(school.lit5, MON, 2)
    b._add(Attendance(lesson_id=lit.id, pupil_id=school.anna.id, status="absent", reason="family"))
    old = b.lesson(school.lit5, dt.date(2026, 10, 1), 2)  # quarter 1
    b._add(Attendance(lesson_id=old.id, pupil_id=school.anna.id, status="absent"))
    db.session.commit()
    report = diary.load_attendance(school.anna, b.periods[1], "ru", show_reason=True)
    assert (report.total.excused, report.total.unexcused, report.total.late) == (2, 2, 1)
    maths = next(s for s in report.subjects if s.name == "Математика")
    assert (maths.excused, maths.unexcused, maths.late) == (1, 2, 1)
    assert len(report.missed) == 5
    html = login("mum").get(f"/diary/{school.anna.id}/attendance").get_data(as_text=True)
    assert "Литература" in html and "Математика" in html
    q1 = login("mum").get(f"/diary/{school.anna.id}/attendance?period={b.periods[0].id}")
    assert q1.status_code == 200


def test_homework_grouped_by_date_from_today(login, school):
    b = school.builder
    b.lesson(school.maths5, MON - dt.timedelta(days=1), 1, homework="Старое")
    b.lesson(school.maths5, TUE, 1, homework="Задача 1")
    b.lesson(school.lit5, TUE, 2, homework="Стих")
    b.lesson(school.maths5, WED, 1, homework="Задача 2")
    b.lesson(school.maths5, WED + dt.timedelta(days=7), 1, homework="")
    b.lesson(school.maths6, TUE, 1, homework="Чужое")  # Boris's class, not Anna's
    db.session.commit()
    days = diary.load_homework(school.anna, TODAY, "ru")
    assert [(d, [i.text for i in items]) for d, items in days] == [
        (TUE, ["Задача 1", "Стих"]), (WED, ["Задача 2"])]
    html = login("mum").get(f"/diary/{school.anna.id}/homework").get_data(as_text=True)
    assert "вторник, 24 ноября" in html and "Стих" in html
    assert "Старое" not in html and "Чужое" not in html


def test_kazakh_dates_and_subject_names(login, school, week_data):
    client = login("mum")
    client.post("/language/kk")
    html = client.get(f"/diary/{school.anna.id}/week/{MON.isoformat()}").get_data(as_text=True)
    assert "дүйсенбі, 23 қараша" in html and "Әдебиет" in html


def test_child_switch_only_for_several_children(login, school):
    html = login("mum").get(f"/diary/{school.boris.id}/marks").get_data(as_text=True)
    assert 'class="child-switch"' in html
    assert f'href="/diary/{school.anna.id}/marks"' in html
    week = login("mum").get(f"/diary/{school.boris.id}/week/2026-11-16").get_data(as_text=True)
    assert f'href="/diary/{school.anna.id}/week/2026-11-16"' in week  # same week, other child
    single = login("dad2").get(f"/diary/{school.vera.id}/week").get_data(as_text=True)
    assert 'class="child-switch"' not in single


def test_family_lands_on_the_diary(login, school):
    client = login("mum")
    response = client.get("/", follow_redirects=True)
    assert response.request.path == f"/diary/{school.anna.id}/week"
    assert login("anna").get("/diary/").headers["Location"].endswith(
        f"/diary/{school.anna.id}/week")


def _visits() -> list[tuple[int, int]]:
    return [(v.user_id, v.pupil_id) for v in db.session.scalars(select(DiaryVisit))]


def test_a_family_reading_is_one_visit_per_child_in_five_minutes(login, school, monkeypatch):
    clock_s = [1000.0]
    monkeypatch.setattr("services.diary.time.monotonic", lambda: clock_s[0])
    client = login("mum")
    for path in ("week", "marks", "attendance", "homework"):
        assert client.get(f"/diary/{school.boris.id}/{path}").status_code == 200
    mum = school.mum.id
    assert _visits() == [(mum, school.boris.id)]
    client.get(f"/diary/{school.anna.id}/week")  # the other child: a visit of its own
    clock_s[0] += 299
    client.get(f"/diary/{school.boris.id}/week/2026-11-16", headers={"HX-Request": "true"})
    assert len(_visits()) == 2
    clock_s[0] += 2
    client.get(f"/diary/{school.boris.id}/week/2026-11-16", headers={"HX-Request": "true"})
    assert _visits()[-1] == (mum, school.boris.id) and len(_visits()) == 3
    login("anna").get(f"/diary/{school.anna.id}/week")
    anna_user = db.session.scalar(select(User.id).where(User.username == "anna"))
    assert _visits()[-1] == (anna_user, school.anna.id) and len(_visits()) == 4


def test_staff_reading_the_diary_is_not_a_visit(login, school):
    assert login("ct").get(f"/diary/{school.anna.id}/week").status_code == 200
    assert login("director").get(f"/diary/{school.anna.id}/marks").status_code == 200
    assert _visits() == []
    assert login("dad2").get(f"/diary/{school.anna.id}/week").status_code == 404
    assert _visits() == []  # a refused look is not a visit either


def test_service_worker_and_manifest(client, school):
    sw = client.get("/sw.js")
    assert sw.status_code == 200 and sw.mimetype == "application/javascript"
    assert sw.headers["Service-Worker-Allowed"] == "/" and "no-cache" in sw.headers["Cache-Control"]
    login_page = client.get("/login").get_data(as_text=True)
    assert 'rel="manifest"' in login_page
    href = login_page.split('rel="manifest" href="')[1].split('"')[0]
    with client.get(href) as response:
        assert response.status_code == 200
        manifest = response.json
    assert manifest["start_url"] == "/diary/" and manifest["display"] == "standalone"
    assert manifest["theme_color"] == "#1d4f91" and "Табель" in manifest["name"]
    sizes = set()
    for icon in manifest["icons"]:
        with client.get(icon["src"]) as response:
            assert response.status_code == 200
            sizes.add(icon["sizes"])
            if icon["type"] == "image/png":
                assert response.data[:8] == b"\x89PNG\r\n\x1a\n"
    assert {"192x192", "512x512", "any"} <= sizes


def test_fewer_marks_than_the_schools_minimum_predict_not_attested(login, school):
    b = school.builder
    lesson = b.lesson(school.maths5, MON, 1)
    _mark(school, lesson, school.anna, 5, "lesson")
    _mark(school, lesson, school.anna, 5, "homework", position=2)
    db.session.commit()
    q2 = b.periods[1]
    maths = lambda: next(s for s in diary.load_marks(school.anna, q2, b.periods, "ru").subjects  # noqa: E731
                         if s.name == "Математика")
    assert maths().predicted == "na"  # two marks, the default minimum is 3
    html = login("mum").get(f"/diary/{school.anna.id}/marks?period={q2.id}").text
    assert ru("n/a") in html
    school.builder.school.min_marks_for_period = 2
    db.session.commit()
    assert maths().predicted == 5


# -- homework on the day it is due (issue 14, defect 8) ----------------------------------------

def test_fridays_homework_is_on_the_homework_tab_all_weekend(login, school, monkeypatch):
    b = school.builder
    friday, monday = dt.date(2026, 11, 27), dt.date(2026, 11, 30)
    b.lesson(school.maths5, friday, 1, homework="№ 40\nhttp://example.org/t", homework_due=monday)
    b.lesson(school.maths5, monday, 1)
    db.session.commit()
    client = login("mum")
    for day in (friday, dt.date(2026, 11, 28), dt.date(2026, 11, 29), monday):
        monkeypatch.setattr("services.clock.today", lambda day=day: day)
        html = client.get(f"/diary/{school.anna.id}/homework").text
        assert "№ 40" in html, day
        assert 'id="hw-2026-11-30"' in html  # listed under the day it is due
        assert '<a href="http://example.org/t"' in html
    monkeypatch.setattr("services.clock.today", lambda: dt.date(2026, 12, 1))
    assert "№ 40" not in client.get(f"/diary/{school.anna.id}/homework").text


def test_the_week_shows_homework_on_its_due_lesson_and_where_it_was_given(login, school):
    b = school.builder
    b.lesson(school.maths5, MON, 1, homework="№ 12", homework_due=WED)
    b.lesson(school.maths5, WED, 2, topic="Проценты")
    b.lesson(school.lit5, MON, 2, homework="Стих", homework_due=TUE)  # no literature on Tuesday
    db.session.commit()
    week = diary.load_week(school.anna, MON, "ru", MON, False)
    days = {d.date: d for d in week.days}
    wed = next(e for e in days[WED].lessons if e.subject == "Математика")
    mon = next(e for e in days[MON].lessons if e.subject == "Математика")
    assert wed.due == ["№ 12"] and mon.homework == "№ 12" and mon.homework_due == WED
    assert [i.text for i in days[TUE].due] == ["Стих"]
    html = login("mum").get(f"/diary/{school.anna.id}/week/{MON.isoformat()}").text
    assert html.count("№ 12") == 2  # given on Monday, due on Wednesday


def test_the_parents_see_the_teachers_notice_of_a_lower_period_mark(login, school):
    from models import ParentNotice
    b = school.builder
    db.session.add(ParentNotice(page_id=school.maths5.id, pupil_id=school.anna.id,
                                period_id=b.periods[1].id, parents_told=True,
                                told_on=dt.date(2026, 11, 20), recorded_by=1))
    db.session.add(ParentNotice(page_id=school.maths5.id, pupil_id=school.vera.id,
                                period_id=b.periods[1].id, parents_told=False,
                                recorded_by=1))
    db.session.commit()
    text = ru("The teacher told you on %(date)s that the period mark may be below the "
              "predicted one.", date="20 ноября")
    mum = login("mum").get(f"/diary/{school.anna.id}/marks?period={b.periods[1].id}").text
    assert str(escape(text)) in mum
    dad = login("dad2").get(f"/diary/{school.vera.id}/marks?period={b.periods[1].id}").text
    assert "notice-note" not in dad  # "not told" is the teacher's record, not a notice
