"""Curriculum and teaching load (issue 16): assigning pages, handing them over from a date
(one page, or every page of a teacher who leaves), the refusals, edit access following the
hand-over, each teacher's load against the curriculum, and the curriculum grid."""
from __future__ import annotations

import datetime as dt
import io

import pytest
from sqlalchemy import select

from extensions import db
from models import CurriculumHours, Mark, PageTeacher, Subgroup, SubjectPage
from services import load, policy
from tests.conftest import TODAY
from tests.fragments import status

DAY = dt.timedelta(days=1)


def spans(page: SubjectPage) -> list[tuple[int, dt.date, dt.date | None]]:
    return [(s.teacher_id, s.start_date, s.end_date) for s in load.spans_of(page)]


def curriculum(school, subject, hours: int, grade: int = 5) -> None:
    db.session.add(CurriculumHours(year_id=school.builder.year.id, grade=grade,
                                   subject_id=subject.id, hours=hours))
    db.session.flush()


# -- assigning ------------------------------------------------------------------------------

def test_assign_takes_the_weekly_hours_from_the_curriculum_of_the_grade(school):
    history = school.builder.subject("history", "История", "Тарих")
    curriculum(school, history, 2)
    page = load.assign(school.admin, school.c5, history, school.t_staff, TODAY)
    assert (page.hours_per_week, page.teacher_id, page.subgroup_id) == (2, school.t_staff.id, None)
    assert spans(page) == [(school.t_staff.id, TODAY, None)]
    other = load.assign(school.admin, school.c6, history, school.t_staff, TODAY, hours=3)
    assert other.hours_per_week == 3  # given hours win over the curriculum
    none = load.assign(school.admin, school.c10, history, school.t_staff, TODAY)
    assert none.hours_per_week == 0  # grade 10 has no curriculum line for it


def test_assign_a_subgroup_of_the_class_but_not_of_another_class(school):
    english = school.builder.subject("english", "Английский язык", "Ағылшын тілі")
    group5 = school.builder._add(Subgroup(class_id=school.c5.id, name="1 группа"))
    group6 = school.builder._add(Subgroup(class_id=school.c6.id, name="1 группа"))
    page = load.assign(school.admin, school.c5, english, school.t_staff, TODAY, group5)
    assert page.subgroup_id == group5.id
    with pytest.raises(load.LoadError) as refused:
        load.assign(school.admin, school.c5, english, school.t_staff, TODAY, group6)
    assert refused.value.field == "subgroup"
    # the whole class may still get its own page beside the group's
    assert load.assign(school.admin, school.c5, english, school.ct_staff, TODAY).subgroup_id \
        is None


def test_assign_refuses_a_duplicate_page_even_without_a_subgroup(school):
    with pytest.raises(load.LoadError) as refused:
        load.assign(school.admin, school.c5, school.maths, school.other_staff, TODAY)
    assert refused.value.field == "subject"
    group = school.builder._add(Subgroup(class_id=school.c5.id, name="2 группа"))
    load.assign(school.admin, school.c5, school.maths, school.other_staff, TODAY, group)
    with pytest.raises(load.LoadError):
        load.assign(school.admin, school.c5, school.maths, school.other_staff, TODAY, group)


@pytest.mark.parametrize("day,ok", [
    (dt.date(2026, 9, 1), True), (dt.date(2027, 5, 31), True),
    (dt.date(2026, 8, 31), False), (dt.date(2027, 6, 1), False)])
def test_assign_only_within_the_academic_year(school, day, ok):
    history = school.builder.subject("history", "История", "Тарих")
    if ok:
        assert load.assign(school.admin, school.c5, history, school.t_staff, day)
    else:
        with pytest.raises(load.LoadError) as refused:
            load.assign(school.admin, school.c5, history, school.t_staff, day)
        assert refused.value.field == "start"


def test_assign_refuses_who_is_not_active_teaching_staff(school):
    history = school.builder.subject("history", "История", "Тарих")
    secretary = policy.staff_of(school.secretary)
    with pytest.raises(load.LoadError):  # no teacher role
        load.assign(school.admin, school.c5, history, secretary, TODAY)
    school.other_staff.left_on = TODAY
    with pytest.raises(load.LoadError):  # left that very day
        load.assign(school.admin, school.c5, history, school.other_staff, TODAY)
    assert load.assign(school.admin, school.c5, history, school.other_staff, TODAY - DAY)
    school.ct_staff.hired_on = TODAY + DAY
    with pytest.raises(load.LoadError):  # not yet hired
        load.assign(school.admin, school.c6, history, school.ct_staff, TODAY)


# -- handing over -----------------------------------------------------------------------------

def test_hand_over_closes_the_old_span_the_day_before_and_keeps_authors(school):
    page = school.maths5
    lesson = school.builder.lesson(page, TODAY - 3 * DAY)
    mark = school.builder._add(Mark(lesson_id=lesson.id, pupil_id=school.anna.id, value=5,
                                    work_type_id=school.builder.work_types["lesson"].id,
                                    author_id=school.teacher.id))
    load.hand_over(school.admin, page, school.other_staff, TODAY)
    # a page made before spans were kept: its first span runs from the year's start
    assert spans(page) == [(school.t_staff.id, dt.date(2026, 9, 1), TODAY - DAY),
                           (school.other_staff.id, TODAY, None)]
    assert page.teacher_id == school.other_staff.id
    assert db.session.get(Mark, mark.id).author_id == school.teacher.id
    assert policy.can_write_page(school.other, page)
    assert not policy.can_write_page(school.teacher, page)


def test_hand_over_boundaries(school):
    page = school.maths5
    load.hand_over(school.admin, page, school.other_staff, TODAY)
    with pytest.raises(load.LoadError):  # the same teacher again
        load.hand_over(school.admin, page, school.other_staff, TODAY + DAY)
    with pytest.raises(load.LoadError) as refused:  # before the open span began
        load.hand_over(school.admin, page, school.ct_staff, TODAY - DAY)
    assert refused.value.field == "start"
    with pytest.raises(load.LoadError):  # after the year
        load.hand_over(school.admin, page, school.ct_staff, dt.date(2027, 6, 1))
    # on the open span's first day: that span changes hands, no one-day-less span appears
    load.hand_over(school.admin, page, school.ct_staff, TODAY)
    assert spans(page)[-1] == (school.ct_staff.id, TODAY, None)
    assert len(spans(page)) == 2


def test_hand_over_all_pages_of_a_leaving_teacher(school):
    pages = load.hand_over_all(school.admin, school.t_staff, school.other_staff, TODAY,
                               school.builder.year)
    assert {p.id for p in pages} == {school.maths5.id, school.maths6.id}
    assert all(p.teacher_id == school.other_staff.id for p in pages)
    assert db.session.scalar(select(PageTeacher.end_date).where(
        PageTeacher.page_id == school.maths6.id, PageTeacher.teacher_id == school.t_staff.id)
    ) == TODAY - DAY
    with pytest.raises(load.LoadError):  # nothing left to hand over
        load.hand_over_all(school.admin, school.t_staff, school.other_staff, TODAY,
                           school.builder.year)


def test_the_old_teacher_loses_the_page_in_the_journal(school, login):
    client = login("teacher")
    lesson = school.builder.lesson(school.maths5, TODAY)
    db.session.commit()
    assert client.get(f"/lessons/{lesson.id}").status_code == 200
    load.hand_over(school.admin, school.maths5, school.other_staff, TODAY)
    db.session.commit()
    assert client.get(f"/lessons/{lesson.id}").status_code in (403, 404)
    assert login("other").get(f"/lessons/{lesson.id}").status_code == 200


# -- the load against the curriculum ----------------------------------------------------------

def test_teacher_loads_against_the_curriculum(school):
    curriculum(school, school.maths, 5, grade=5)
    curriculum(school, school.maths, 4, grade=6)
    curriculum(school, school.lit, 3, grade=5)
    rows = {t.teacher.id: t for t in load.teacher_loads(school.builder.year)}
    maths = rows[school.t_staff.id]
    assert (maths.pages, maths.hours, maths.curriculum, maths.difference) == (2, 6, 9, -3)
    assert rows[school.ct_staff.id].difference == 0
    assert [p.id for p in rows[school.other_staff.id].missing] == [school.lit10.id]


# -- over HTTP --------------------------------------------------------------------------------

def test_the_load_page_for_leadership_only_and_edits_for_the_admin(school, login):
    assert login("teacher").get("/load/").status_code == 403
    assert login("mum").get("/load/").status_code == 403
    deputy = login("deputy")
    assert deputy.get("/load/").status_code == 200
    assert deputy.post("/load/assign", data={}).status_code == 403
    assert deputy.post(f"/load/pages/{school.maths5.id}", data={}).status_code == 403
    html = login("admin").get(f"/load/?class_id={school.c5.id}").text
    assert "Предметникова" in html and "Математика" in html


def test_assign_and_hand_over_through_the_forms(school, login):
    history = school.builder.subject("history", "История", "Тарих")
    curriculum(school, history, 2)
    db.session.commit()
    client = login("admin")
    answer = client.post("/load/assign", data={
        "class_id": school.c5.id, "subject_id": history.id, "teacher_id": school.t_staff.id,
        "start": "2026-11-23"})
    assert answer.status_code == 303
    page = db.session.scalar(select(SubjectPage).where(SubjectPage.subject_id == history.id))
    assert page.hours_per_week == 2
    again = client.post("/load/assign", data={
        "class_id": school.c5.id, "subject_id": history.id, "teacher_id": school.ct_staff.id,
        "start": "2026-11-23"})
    assert status(again) == 422 and "field-error" in again.text
    for bad in ({"start": "2027-06-01"}, {"start": "soon"}, {"teacher_id": "99999"},
                {"class_id": "x"}):
        data = {"class_id": school.c6.id, "subject_id": history.id,
                "teacher_id": school.t_staff.id, "start": "2026-11-23", **bad}
        assert status(client.post("/load/assign", data=data)) == 422, bad
    moved = client.post(f"/load/pages/{page.id}", data={"teacher_id": school.other_staff.id,
                                                        "start": "2026-11-23"})
    assert moved.status_code == 303
    assert db.session.get(SubjectPage, page.id).teacher_id == school.other_staff.id
    refused = client.post(f"/load/pages/{page.id}", data={"teacher_id": school.ct_staff.id,
                                                           "start": "2026-11-30"})  # future
    assert status(refused) == 422 and "field-error" in refused.text
    assert db.session.get(SubjectPage, page.id).teacher_id == school.other_staff.id


def test_hand_over_all_through_the_form_changes_nothing_when_refused(school, login):
    client = login("admin")
    # the ct teacher is past her lit5 span start only from the year start: a day before it
    refused = client.post("/load/hand-over", data={
        "old": school.t_staff.id, "new": school.t_staff.id, "start": "2026-11-23"})
    assert status(refused) == 422
    done = client.post("/load/hand-over", data={
        "old": school.t_staff.id, "new": school.other_staff.id, "start": "2026-11-23"})
    assert done.status_code == 303
    assert {p.teacher_id for p in (db.session.get(SubjectPage, school.maths5.id),
                                   db.session.get(SubjectPage, school.maths6.id))} == {
        school.other_staff.id}


# -- the curriculum grid ----------------------------------------------------------------------

def test_curriculum_grid_admin_edits_deputy_reads(school, login):
    deputy = login("deputy")
    assert deputy.get("/admin/curriculum").status_code == 200
    assert deputy.post("/admin/curriculum/new", data={
        "grade": 5, "subject_id": school.maths.id, "hours": 5}).status_code == 403
    assert login("teacher").get("/admin/curriculum").status_code == 404
    admin = login("admin")
    assert admin.post("/admin/curriculum/new", data={
        "grade": 5, "subject_id": school.maths.id, "hours": 5}).status_code == 302
    assert status(admin.post("/admin/curriculum/new", data={
        "grade": 5, "subject_id": school.maths.id, "hours": 4})) == 422  # twice
    assert status(admin.post("/admin/curriculum/new", data={
        "grade": 5, "subject_id": school.lit.id, "hours": 13})) == 422
    row = db.session.scalar(select(CurriculumHours))
    assert (row.year_id, row.grade, row.hours) == (school.builder.year.id, 5, 5)


def test_curriculum_import_by_labels_and_a_second_run_changes_nothing(school, login):
    client = login("admin")
    # the headers as the school's language names them: the export's own header row
    header = client.get("/admin/curriculum/export.csv").text.lstrip("\ufeff").splitlines()[0]
    body = (header + "\n5;Математика;5\n6;Литература;3\n").encode()  # the export is ;-separated
    for _run in range(2):  # the second run finds every row unchanged
        preview = client.post("/admin/curriculum/import", data={
            "file": (io.BytesIO(body), "plan.csv")}, content_type="multipart/form-data")
        assert preview.status_code == 200, preview.text
        token = preview.text.split('name="token" value="')[1].split('"')[0]
        assert status(client.post("/admin/curriculum/import/apply",
                                  data={"token": token})) in (302, 303)
    rows = db.session.scalars(select(CurriculumHours)).all()
    assert sorted((r.grade, r.hours) for r in rows) == [(5, 5), (6, 3)]
    exported = client.get("/admin/curriculum/export.csv")
    assert exported.status_code == 200 and "Математика" in exported.text


def test_a_teacher_who_has_left_can_still_hand_pages_over(school, login):
    school.t_staff.left_on = TODAY
    db.session.commit()
    done = login("admin").post("/load/hand-over", data={
        "old": school.t_staff.id, "new": school.other_staff.id, "start": "2026-11-23"})
    assert done.status_code == 303
    assert db.session.get(SubjectPage, school.maths5.id).teacher_id == school.other_staff.id


def test_the_load_page_runs_a_fixed_number_of_queries(school, login):
    from tests.test_diary_privacy import count_queries
    client = login("admin")
    client.get("/load/")
    with count_queries() as small:
        client.get("/load/")
    for n in range(6):
        subject = school.builder.subject(f"s{n}", f"Предмет {n}", f"Пән {n}")
        for cls in (school.c5, school.c6, school.c10):
            load.assign(school.admin, cls, subject, school.ct_staff, TODAY)
    db.session.commit()
    with count_queries() as large:
        assert "Предмет 5" in client.get("/load/").text
    assert len(small) == len(large), (len(small), len(large))


def test_a_readiness_link_opens_the_assign_form_filled_in(school, login):
    html = login("admin").get(f"/load/?class_id={school.c6.id}&subject_id={school.lit.id}").text
    assert f'<option selected value="{school.c6.id}">' in html
    assert f'<option selected value="{school.lit.id}">' in html
    listed = html.split("<tbody>")[1].split("</tbody>")[0]  # the pages of 6 «Б» only
    assert "6 «Б»" in listed and "5 «А»" not in listed


def test_the_forms_offer_working_teachers_only(school, login):
    school.other_staff.left_on = TODAY
    db.session.commit()
    form = login("admin").get("/load/").text.split('id="assign-h"')[1].split("</form>")[0]
    assert "Предметникова" in form and "Классная" in form
    assert "Другая" not in form and "Секретарева" not in form and "Админова" not in form


def test_curriculum_grid_filters_sorts_and_exports(school, login):
    curriculum(school, school.maths, 5)
    curriculum(school, school.lit, 3, grade=6)
    db.session.commit()
    client = login("director")
    grade6 = client.get("/admin/curriculum?f_grade=6")
    assert grade6.status_code == 200 and "Литература" in grade6.text
    assert "Математика</td>" not in grade6.text
    assert client.get(f"/admin/curriculum?f_subject_id={school.maths.id}&sort=-hours"
                      ).status_code == 200
    assert client.get("/admin/curriculum?f_grade=x").status_code == 200
    assert client.get("/admin/curriculum/export.xlsx").status_code == 200


def test_a_hand_over_is_not_dated_in_the_future(school):
    """Access follows the page's teacher at once, so a future date would take this week's
    lessons from the teacher still giving them: refused, nothing changes."""
    with pytest.raises(load.LoadError) as refused:
        load.hand_over(school.admin, school.maths5, school.other_staff, TODAY + DAY)
    assert refused.value.field == "start"
    assert school.maths5.teacher_id == school.t_staff.id
    load.hand_over(school.admin, school.maths5, school.other_staff, TODAY)  # today is fine
    assert school.maths5.teacher_id == school.other_staff.id
