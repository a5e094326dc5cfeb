"""The policy module answers for every role of the tiny school (DOMAIN.md 2)."""
from __future__ import annotations

import datetime as dt

import pytest

from extensions import db
from models import User
from services import policy

USERS = ("admin", "director", "deputy", "deputy1", "secretary", "teacher", "ct", "other",
         "mum", "dad2", "anna", "vera")


def user(name: str) -> User:
    return db.session.scalar(db.select(User).where(User.username == name))


def who(rule, obj) -> set[str]:
    """The usernames for whom rule(user, obj) is true."""
    return {name for name in USERS if rule(user(name), obj)}


def test_read_subject_page(school):
    # maths5: own teacher, class teacher of 5 «А», leadership; a primary-only deputy is not.
    assert who(policy.can_read_page, school.maths5) == {"admin", "director", "deputy",
                                                          "teacher", "ct"}
    # lit10: nobody but its teacher (other) and leadership.
    assert who(policy.can_read_page, school.lit10) == {"admin", "director", "deputy", "other"}


def test_write_subject_page_only_its_teacher(school):
    assert who(policy.can_write_page, school.maths5) == {"teacher"}
    assert who(policy.can_write_page, school.lit5) == {"ct"}


def test_substitute_writes_that_lesson_and_reads_the_page(school):
    lesson = school.builder.lesson(school.lit5, dt.date(2026, 11, 23),
                                   substitute_id=school.other_staff.id)
    other_lesson = school.builder.lesson(school.lit5, dt.date(2026, 11, 24))
    db.session.commit()
    assert who(policy.can_write_lesson, lesson) == {"ct", "other"}
    assert who(policy.can_write_lesson, other_lesson) == {"ct"}
    assert "other" in who(policy.can_read_page, school.lit5)


def test_pupils_and_parents_never_write(school):
    for name in ("mum", "dad2", "anna", "vera"):
        for page in (school.maths5, school.lit5):
            assert not policy.can_write_page(user(name), page)


def test_diary_only_own_children(school):
    assert who(policy.can_read_diary, school.anna) == {"admin", "director", "deputy", "ct",
                                                         "mum", "anna"}
    assert who(policy.can_read_diary, school.vera) == {"admin", "director", "deputy", "ct",
                                                         "dad2", "vera"}
    assert who(policy.can_read_diary, school.boris) == {"admin", "director", "deputy", "other",
                                                          "mum"}


def test_read_pupil_card(school):
    assert who(policy.can_read_pupil, school.anna) == {
        "admin", "director", "deputy", "secretary", "teacher", "ct", "mum", "anna"}
    assert who(policy.can_read_pupil, school.senior) == {
        "admin", "director", "deputy", "secretary", "other"}


def test_health_reasons_hidden_from_subject_teachers(school):
    readers = who(policy.can_see_absence_reason, school.anna)
    assert "teacher" not in readers
    assert {"ct", "mum", "anna", "admin"} <= readers


def test_absence_reasons_set_by_class_teacher(school):
    assert who(policy.can_set_absence_reasons, school.c5) == {"ct", "admin", "deputy"}


def test_children_of(school):
    assert policy.children_of(user("mum")) == [school.anna, school.boris]
    assert policy.children_of(user("anna")) == [school.anna]
    assert policy.children_of(user("teacher")) == []


@pytest.mark.parametrize("name,expected", [("admin", True), ("director", False),
                                           ("teacher", False), ("mum", False)])
def test_manage_school_is_the_administrator(school, name, expected):
    assert policy.can_manage_school(user(name)) is expected


def test_deputy_scope_limits_levels(school):
    primary = school.builder.school_class(2, "А")
    db.session.commit()
    assert policy.oversees_class(user("deputy1"), primary)
    assert not policy.oversees_class(user("deputy1"), school.c5)
    assert policy.oversees_class(user("deputy"), school.c5)


def test_inactive_account_has_no_rights(school):
    teacher = user("teacher")
    teacher.active = False
    assert not policy.can_write_page(teacher, school.maths5)
    assert not policy.can_read_page(teacher, school.maths5)


def test_know_staff_spares_the_lookup(school):
    teacher = user("teacher")
    policy.forget(teacher)
    policy.know_staff(teacher, school.t_staff)
    statements = []
    from sqlalchemy import event

    def count(*_args):
        statements.append(1)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert policy.staff_of(teacher) is school.t_staff
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert statements == []
