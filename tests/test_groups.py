"""Subgroups (issue 16): making groups, putting pupils in them, moving a pupil from a day.
"A subgroup change mid-period keeps every mark": the old group's grid keeps the pupil's
marks, the new group's grid lists the pupil from the day, and marks are taken in the new group
and refused in the old one after the day, at every entrance."""
from __future__ import annotations

import datetime as dt

import pytest
from flask_babel import force_locale

from extensions import db
from models import Attendance, FinalMark, Mark, Subgroup, SubgroupMember, SubjectPage
from services import diary, groups
from services import grid as grid_service
from services.groups import GroupError
from tests.fragments import status

D = dt.date
HX = {"HX-Request": "true"}
MOVE_DAY = D(2026, 11, 18)  # a Wednesday of quarter 2; today is Monday 23 November


@pytest.fixture
def english(school):
    """English in 5 «А» in two groups: Anna in group 1, Vera in group 2; Anna has marks in
    group 1 (9 and 16 November)."""
    b = school.builder
    eng = b.subject("eng", "Английский язык", "Ағылшын тілі")
    g1 = b._add(Subgroup(class_id=school.c5.id, name="Английский 1"))
    g2 = b._add(Subgroup(class_id=school.c5.id, name="Английский 2"))
    p1 = b._add(SubjectPage(class_id=school.c5.id, subgroup_id=g1.id, subject_id=eng.id,
                            teacher_id=school.t_staff.id))
    p2 = b._add(SubjectPage(class_id=school.c5.id, subgroup_id=g2.id, subject_id=eng.id,
                            teacher_id=school.t_staff.id))
    b._add(SubgroupMember(subgroup_id=g1.id, pupil_id=school.anna.id))
    b._add(SubgroupMember(subgroup_id=g2.id, pupil_id=school.vera.id))
    lessons = {
        "g1_9": b.lesson(p1, D(2026, 11, 9)), "g1_16": b.lesson(p1, D(2026, 11, 16)),
        "g1_today": b.lesson(p1, school.today, 2),
        "g2_17": b.lesson(p2, D(2026, 11, 17)), "g2_today": b.lesson(p2, school.today, 3),
    }
    wt = b.work_types["lesson"].id
    for key, value in (("g1_9", 4), ("g1_16", 5)):
        b._add(Mark(lesson_id=lessons[key].id, pupil_id=school.anna.id, value=value,
                    work_type_id=wt))
    db.session.commit()
    return {"g1": g1, "g2": g2, "p1": p1, "p2": p2, **lessons}


@pytest.fixture
def ctx(app, school):
    with app.test_request_context(), force_locale("en"):
        yield school


def _spans(group, pupil):
    return [(m.start_date, m.end_date) for m in db.session.scalars(
        db.select(SubgroupMember).where(SubgroupMember.subgroup_id == group.id,
                                        SubgroupMember.pupil_id == pupil.id)
        .order_by(SubgroupMember.id))]


# -- the service ------------------------------------------------------------------------------

def test_a_move_closes_the_old_membership_the_day_before_and_opens_the_new_one(ctx, english):
    groups.move_pupil(ctx.admin, ctx.anna, english["g1"], english["g2"], MOVE_DAY)
    assert _spans(english["g1"], ctx.anna) == [(None, D(2026, 11, 17))]
    assert _spans(english["g2"], ctx.anna) == [(MOVE_DAY, None)]


def test_a_move_from_the_day_a_membership_began_leaves_no_empty_span(ctx, english):
    groups.move_pupil(ctx.admin, ctx.anna, english["g1"], english["g2"], MOVE_DAY)
    groups.move_pupil(ctx.admin, ctx.anna, english["g2"], english["g1"], MOVE_DAY)
    assert _spans(english["g2"], ctx.anna) == []
    assert _spans(english["g1"], ctx.anna) == [(None, D(2026, 11, 17)), (MOVE_DAY, None)]


@pytest.mark.parametrize(("source", "target", "day", "words"), [
    ("g1", "g2", D(2026, 11, 16), "has marks or absences in the group"),  # the day of a mark
    ("g1", "g2", D(2026, 11, 10), "16 November 2026"),  # names the first mark after the day
    ("g1", "g1", MOVE_DAY, "two different groups"),
    ("g2", "g1", MOVE_DAY, "is not in the group"),
    ("g1", "g2", D(2027, 6, 1), "inside the academic year"),
    ("g1", "g2", None, "Enter the date"),
])
def test_a_move_is_refused_and_changes_nothing(ctx, english, source, target, day, words):
    with pytest.raises(GroupError) as refused:
        groups.move_pupil(ctx.admin, ctx.anna, english[source], english[target], day)
    assert words in refused.value.message
    assert _spans(english["g1"], ctx.anna) == [(None, None)]
    assert _spans(english["g2"], ctx.anna) == []


def test_an_absence_after_the_day_also_refuses_the_move(ctx, english):
    ctx.builder._add(Attendance(lesson_id=english["g1_today"].id, pupil_id=ctx.anna.id,
                                status="absent"))
    with pytest.raises(GroupError, match="23 November 2026"):
        groups.move_pupil(ctx.admin, ctx.anna, english["g1"], english["g2"], MOVE_DAY)


def test_a_pupil_already_in_the_target_group_later_is_refused(ctx, english):
    groups.add_pupils(ctx.admin, english["g2"], [ctx.anna], D(2026, 12, 1))
    with pytest.raises(GroupError, match="already in the group"):
        groups.move_pupil(ctx.admin, ctx.anna, english["g1"], english["g2"], MOVE_DAY)


def test_pupils_join_from_the_start_of_the_year_or_a_day(ctx, english):
    assert groups.add_pupils(ctx.admin, english["g1"], [ctx.vera], ctx.builder.year.start_date) \
        == 1
    assert _spans(english["g1"], ctx.vera) == [(None, None)]
    with pytest.raises(GroupError, match="already in the group"):
        groups.add_pupils(ctx.admin, english["g1"], [ctx.vera], MOVE_DAY)
    with pytest.raises(GroupError, match="is not in 5"):
        groups.add_pupils(ctx.admin, english["g1"], [ctx.boris], MOVE_DAY)
    with pytest.raises(GroupError, match="Choose the pupils"):
        groups.add_pupils(ctx.admin, english["g1"], [], MOVE_DAY)


@pytest.mark.parametrize(("name", "words"), [("", "Enter the group's name"),
                                             ("x" * 41, "at most 40"),
                                             ("  Английский   1 ", "already has a group")])
def test_a_group_needs_a_new_short_name(ctx, english, name, words):
    with pytest.raises(GroupError, match=words):
        groups.create_group(ctx.admin, ctx.c5, name)


def test_a_group_is_created_with_a_tidy_name(ctx):
    group = groups.create_group(ctx.admin, ctx.c5, "  ФИЗО   мальчики ")
    assert group.name == "ФИЗО мальчики" and group.class_id == ctx.c5.id


# -- a subgroup change mid-period keeps every mark ------------------------------------------

def _cell(client, lesson, pupil, value, old=""):
    return client.post(f"/journal/lessons/{lesson.id}/cell",
                       data={"pupil": pupil.id, "value": value, "old": old}, headers=HX)


def _marks(pupil) -> dict[int, int]:
    return dict(db.session.execute(db.select(Mark.lesson_id, Mark.value)
                                   .where(Mark.pupil_id == pupil.id)).all())


def test_a_subgroup_change_mid_period_keeps_every_mark(app, school, english, login):
    with app.test_request_context():
        groups.move_pupil(school.admin, school.anna, english["g1"], english["g2"], MOVE_DAY)
    db.session.commit()
    before = _marks(school.anna)
    assert before == {english["g1_9"].id: 4, english["g1_16"].id: 5}
    q2, periods = school.builder.periods[1], school.builder.periods
    old = grid_service.load_grid(english["p1"], q2, periods, school.builder.school)
    row = next(r for r in old.rows if r.pupil.id == school.anna.id)  # listed, as one who left
    assert row.marks == {english["g1_9"].id: "4", english["g1_16"].id: "5"}
    new = grid_service.load_grid(english["p2"], q2, periods, school.builder.school)
    assert {r.pupil.id for r in new.rows} == {school.anna.id, school.vera.id}
    client = login("teacher")
    # the grid's cell: taken in group 2 after the day, refused in group 1
    assert status(_cell(client, english["g2_today"], school.anna, "4")) == 200
    assert status(_cell(client, english["g1_today"], school.anna, "5")) == 404
    # ... and before the day, group 2 never had her
    assert status(_cell(client, english["g2_17"], school.anna, "н")) == 404
    # the lesson panel's plain form: the same answers
    panel = client.post(f"/lessons/{english['g1_today'].id}/marks",
                        data={f"cell-{school.anna.id}": "5", f"old-{school.anna.id}": ""})
    assert status(panel) == 422
    # the column's attendance: group 1 no longer has her today
    column = client.post(f"/journal/lessons/{english['g1_today'].id}/attendance",
                         data={"absent": [school.anna.id], "col": 2}, headers=HX)
    assert status(column) == 404
    assert _marks(school.anna) == {**before, english["g2_today"].id: 4}
    assert db.session.scalar(db.select(db.func.count()).select_from(Attendance)) == 0
    # group 2 takes her at every entrance: the lesson panel's form and the column
    panel = client.post(f"/lessons/{english['g2_today'].id}/marks",
                        data={f"cell-{school.anna.id}": "5", f"old-{school.anna.id}": "4"})
    assert panel.status_code == 303
    column = client.post(f"/journal/lessons/{english['g2_today'].id}/attendance",
                         data={"absent": [school.vera.id], "col": 2}, headers=HX)
    assert status(column) == 200
    assert _marks(school.anna) == {**before, english["g2_today"].id: 5}


def test_a_moved_pupils_diary_follows_the_groups_by_date(app, school, english):
    with app.test_request_context():
        groups.move_pupil(school.admin, school.anna, english["g1"], english["g2"], MOVE_DAY)
        db.session.commit()
        earlier = diary.load_week(school.anna, D(2026, 11, 16), "ru", school.today, False)
        entries = [e for d in earlier.days for e in d.lessons if e.page_id in
                   (english["p1"].id, english["p2"].id)]
        # Monday 16th in group 1 with her mark; Tuesday 17th was group 2's, not hers yet
        assert [(e.date, e.page_id, [m.value for m in e.marks]) for e in entries] == [
            (D(2026, 11, 16), english["p1"].id, [5])]
        week = diary.load_week(school.anna, D(2026, 11, 23), "ru", school.today, False)
        pages = [e.page_id for d in week.days for e in d.lessons if not e.planned]
        assert english["p2"].id in pages and english["p1"].id not in pages


def test_a_period_mark_only_for_pupils_of_the_group_in_the_period(school, english, login):
    client = login("teacher")
    q2 = school.builder.periods[1]

    def final(page, pupil):
        return client.post(f"/journal/pages/{page.id}/final", data={
            "pupil": pupil.id, "kind": "period", "period": q2.id, "value": "5", "old": ""},
            headers=HX)
    assert status(final(english["p1"], school.vera)) == 404  # never in group 1
    assert status(final(english["p1"], school.anna)) == 200
    assert db.session.scalar(db.select(db.func.count()).select_from(FinalMark)) == 1


# -- the class's groups page ----------------------------------------------------------------

@pytest.mark.parametrize(("username", "reads"), [
    ("ct", 200), ("admin", 200), ("director", 200), ("deputy", 200), ("teacher", 200),
    ("other", 404), ("deputy1", 404), ("mum", 404), ("anna", 404)])
def test_who_reads_the_groups_of_a_class(school, english, login, username, reads):
    response = login(username).get(f"/classes/{school.c5.id}/groups")
    assert response.status_code == reads
    if reads == 200:
        assert "Английский 2" in response.text
        manages = username in ("ct", "admin")
        assert (f'action="/classes/{school.c5.id}/groups/move"' in response.text) is manages


@pytest.mark.parametrize(("username", "answer"), [
    ("ct", 303), ("admin", 303), ("teacher", 403), ("director", 403), ("other", 404),
    ("mum", 404)])
def test_only_the_class_teacher_and_the_administrator_change_groups(school, english, login,
                                                                    username, answer):
    client = login(username)
    response = client.post(f"/classes/{school.c5.id}/groups", data={"new-name": "ФИЗО"})
    assert status(response) == answer
    moved = client.post(f"/classes/{school.c5.id}/groups/move", data={
        "move-pupil": school.anna.id, "move-source": english["g1"].id,
        "move-target": english["g2"].id, "move-day": "2026-11-18"})
    assert status(moved) == answer
    changed = answer == 303
    assert (db.session.scalar(db.select(Subgroup).where(Subgroup.name == "ФИЗО")) is not None) \
        is changed
    assert len(_spans(english["g2"], school.anna)) == (1 if changed else 0)


@pytest.mark.parametrize("data", [
    {"move-day": "2027-06-01"}, {"move-day": "вчера"}, {"move-target": "999999"},
    {"move-pupil": "²"}, {"move-day": "2026-11-16"}])
def test_a_refused_move_answers_422_with_the_reason_and_changes_nothing(school, english, login,
                                                                         data):
    client = login("ct")
    form = {"move-pupil": school.anna.id, "move-source": english["g1"].id,
            "move-target": english["g2"].id, "move-day": "2026-11-18", **data}
    response = client.post(f"/classes/{school.c5.id}/groups/move", data=form)
    assert status(response) == 422 and "field-error" in response.text
    assert _spans(english["g1"], school.anna) == [(None, None)]


def test_another_class_pupil_is_not_named_back(school, english, login):
    client = login("ct")
    response = client.post(f"/classes/{school.c5.id}/groups/pupils", data={
        "add-group": english["g1"].id, "add-day": "2026-11-18", "pupils": [school.boris.id]})
    assert status(response) == 422 and "Антонов Б" not in response.text


def test_the_class_teacher_adds_pupils_and_reaches_the_page_from_home(school, english, login):
    client = login("ct")
    assert f"/classes/{school.c5.id}/groups" in client.get("/teacher").text
    response = client.post(f"/classes/{school.c5.id}/groups/pupils", data={
        "add-group": english["g1"].id, "add-day": "2026-11-18", "pupils": [school.vera.id]})
    assert response.status_code == 303
    assert _spans(english["g1"], school.vera) == [(D(2026, 11, 18), None)]


def test_the_groups_page_runs_a_fixed_number_of_queries(school, english, login):
    from tests.sql import count_queries
    url = f"/classes/{school.c5.id}/groups"

    def count(client) -> int:
        with count_queries() as seen:
            assert client.get(url).status_code == 200
        return len(seen)

    client = login("ct")
    small = count(client)
    b = school.builder
    for i in range(12):
        pupil = b.pupil(school.c5, f"Ученик{i:02}", "Тест")
        b._add(SubgroupMember(subgroup_id=english["g1" if i % 2 else "g2"].id,
                              pupil_id=pupil.id, end_date=D(2026, 11, 1)))
        b._add(SubgroupMember(subgroup_id=english["g2" if i % 2 else "g1"].id,
                              pupil_id=pupil.id, start_date=D(2026, 11, 2)))
    db.session.commit()
    big = count(client)
    # user, roles, class, the led classes, groups, memberships, the class's pupils
    assert small == big <= 7, (small, big)
