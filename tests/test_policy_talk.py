"""Who may talk to whom, who may write to a whole class, what news and notices reach whom
(issue 20; DOMAIN.md 2, 7): the rules of services.policy for every role of the tiny school."""
from __future__ import annotations

from extensions import db
from models import User
from services import policy

USERS = ("admin", "director", "deputy", "deputy1", "secretary", "teacher", "ct", "other",
         "mum", "dad2", "anna", "vera")


def user(name: str) -> User:
    return db.session.scalar(db.select(User).where(User.username == name))


def may_write(sender: str) -> set[str]:
    """Everyone the sender may start a conversation with."""
    me = user(sender)
    return {name for name in USERS if policy.can_message(me, user(name))}


def test_a_parent_talks_to_the_childrens_teachers_class_teacher_and_administration(school):
    # mum: Анна in 5 «А» (ct leads it and teaches literature, teacher teaches maths) and
    # Борис in 6 «Б» (other leads it, teacher teaches maths). A primary-only deputy is not
    # the administration of grades 5-6; the secretary is not the administration.
    assert may_write("mum") == {"ct", "teacher", "other", "admin", "director", "deputy"}
    # dad2: only 5 «А».
    assert may_write("dad2") == {"ct", "teacher", "admin", "director", "deputy"}


def test_a_pupil_talks_to_own_teachers_only(school):
    assert may_write("anna") == {"ct", "teacher"}


def test_families_never_reach_other_families(school):
    for family in ("mum", "dad2", "anna", "vera"):
        assert not may_write(family) & {"mum", "dad2", "anna", "vera"}


def test_staff_talk_to_staff_and_to_the_families_they_teach(school):
    staff = {"admin", "director", "deputy", "deputy1", "secretary", "teacher", "ct", "other"}
    # teacher teaches maths in 5 «А» and 6 «Б»: both families and both pupils with accounts.
    assert may_write("teacher") == (staff - {"teacher"}) | {"mum", "dad2", "anna", "vera"}
    # other leads 6 «Б» (Борис, no account of his own) and teaches 10 «А»: mum only.
    assert may_write("other") == (staff - {"other"}) | {"mum"}
    # The secretary keeps lists but does not write to families; a primary deputy has none here.
    assert may_write("secretary") == staff - {"secretary"}
    assert may_write("deputy1") == staff - {"deputy1"}
    assert may_write("deputy") == (staff - {"deputy"}) | {"mum", "dad2", "anna", "vera"}


def test_nobody_writes_to_themselves_or_to_a_disabled_account(school):
    ct = user("ct")
    assert not policy.can_message(ct, ct)
    mum = user("mum")
    mum.active = False
    db.session.commit()
    assert not policy.can_message(user("ct"), user("mum"))
    assert not policy.can_message(user("ct"), None)


def test_whole_class_messages_class_teacher_and_administration_only(school):
    assert policy.broadcast_class_ids(user("ct")) == {school.c5.id}
    assert policy.broadcast_class_ids(user("other")) == {school.c6.id}
    assert policy.broadcast_class_ids(user("teacher")) == frozenset()
    assert policy.broadcast_class_ids(user("admin")) == {school.c5.id, school.c6.id,
                                                         school.c10.id}
    assert policy.broadcast_class_ids(user("deputy1")) == frozenset()
    assert policy.broadcast_class_ids(user("mum")) == frozenset()
    assert {n for n in USERS if policy.may_broadcast_parallel(user(n))} == {
        "admin", "director", "deputy", "deputy1"}


def test_news_audience(school):
    assert policy.news_audience(user("teacher")) == (True, frozenset(), frozenset())
    assert policy.news_audience(user("mum")) == (False, frozenset({5, 6}),
                                                 frozenset({school.c5.id, school.c6.id}))
    assert policy.news_audience(user("anna")) == (False, frozenset({5}),
                                                  frozenset({school.c5.id}))
    # A deputy of one level publishes too (for that level: services.news checks the audience).
    assert {n for n in USERS if policy.can_publish_news(user(n))} == {"admin", "deputy",
                                                                        "deputy1"}


def test_notices_reach_the_parents_only(school):
    readers = {n for n in USERS if policy.can_read_notices(user(n), school.anna)}
    assert readers == {"mum"}
    assert {n for n in USERS if policy.can_read_notices(user(n), school.vera)} == {"dad2"}


def test_who_has_not_seen_class_teacher_and_leadership(school):
    assert {n for n in USERS if policy.can_read_seen_report(user(n), school.c5)} == {
        "ct", "admin", "director", "deputy"}
    assert {n for n in USERS if policy.can_read_seen_report(user(n), school.c6)} == {
        "other", "admin", "director", "deputy"}
