"""Messages as rules (services.messages): who may write to whom, unread counts and read
receipts, broadcasts answered privately, the text's limits, the 2-school-day reply rule."""
from __future__ import annotations

import datetime as dt

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from extensions import db
from models import Holiday, User
from models.messages import BODY_MAX, SUBJECT_MAX, Conversation, ConversationMember, Message
from services import demo, policy
from services.messages import MessageError, broadcast, contacts, conversations, reply_rule
from services.messages.text import clean_body, clean_subject

USERS = ("admin", "director", "deputy", "deputy1", "secretary", "teacher", "ct", "other",
         "mum", "dad2", "anna", "vera")


def user(name: str) -> User:
    return db.session.scalar(select(User).where(User.username == name))


def may(sender: str) -> set[str]:
    return {name for name in USERS if policy.can_message(user(sender), user(name))}


def counts() -> tuple[int, int, int]:
    return tuple(db.session.scalar(select(func.count()).select_from(t))
                 for t in (Conversation, ConversationMember, Message))


# -- who may write to whom ---------------------------------------------------------------------

def test_a_parent_writes_to_the_childrens_teachers_class_teachers_and_administration(school):
    # mum: Анна in 5 «А» (ct, teacher), Борис in 6 «Б» (other leads it, teacher teaches it);
    # the primary-only deputy has none of her children's levels.
    assert may("mum") == {"ct", "teacher", "other", "admin", "director", "deputy"}
    # dad2: Вера in 5 «А» only: "other" is an unrelated teacher.
    assert may("dad2") == {"ct", "teacher", "admin", "director", "deputy"}


def test_a_pupil_writes_to_their_teachers_only(school):
    assert may("anna") == {"ct", "teacher"}  # no other pupil, no parent, no administration


def test_staff_write_to_staff_and_to_the_families_of_their_classes(school):
    staff = {"admin", "director", "deputy", "deputy1", "secretary", "teacher", "ct", "other"}
    assert may("other") == staff - {"other"} | {"mum"}  # 6 «Б» (Борис), not 5 «А»
    assert may("ct") == staff - {"ct"} | {"mum", "dad2", "anna", "vera"}
    assert may("secretary") == staff - {"secretary"}


def test_never_family_to_family_nor_to_oneself(school):
    for sender in ("mum", "dad2", "anna", "vera"):
        assert not may(sender) & {"mum", "dad2", "anna", "vera"}
    assert not policy.can_message(user("ct"), user("ct"))
    assert not policy.can_message(user("ct"), None)


def test_refused_start_stores_nothing(school):
    before = counts()
    for sender, recipient in (("dad2", "other"), ("anna", "dad2"), ("anna", "vera"),
                              ("mum", "dad2")):
        with pytest.raises(MessageError) as refused:
            conversations.start(user(sender), user(recipient), "Тема", "Текст")
        assert refused.value.status == 403
    db.session.rollback()
    assert counts() == before


def test_a_pupil_of_another_family_is_refused_as_the_subject(school):
    with pytest.raises(MessageError):
        conversations.start(user("mum"), user("ct"), "Тема", "Текст", pupil=school.vera)


def test_the_picker_lists_only_allowed_people(school):
    groups = contacts.family_groups(user("mum"), "ru")
    values = {c.value.split(":")[0] for g in groups for c in g.contacts}
    assert values == {str(user(n).id) for n in may("mum")}
    assert [g.title for g in groups][:2] == [school.anna.person.short_name,
                                             school.boris.person.short_name]
    assert contacts.class_contacts(user("other"), school.c5.id) is None
    people = contacts.class_contacts(user("ct"), school.c5.id)
    assert {c.value for c in people} == {
        f"{user('anna').id}:{school.anna.id}", f"{user('vera').id}:{school.vera.id}",
        f"{user('mum').id}:{school.anna.id}", f"{user('dad2').id}:{school.vera.id}"}
    assert str(user("mum").id) not in {c.value for c in contacts.staff_contacts(user("ct"))}
    assert contacts.staff_contacts(user("mum")) == []


@pytest.mark.parametrize(("raw", "parsed"), [
    ("12", (12, None)), ("12:5", (12, 5)), ("", None), ("12:", None), ("²", None),
    ("1" * 13, None), ("-1", None), ("12:5:3", None)])
def test_picker_values_are_parsed_strictly(raw, parsed):
    assert contacts.parse_choice(raw) == parsed


# -- unread counts and read receipts ---------------------------------------------------------

def test_unread_counts_and_read_receipts(school):
    mum, ct = user("mum"), user("ct")
    talk = conversations.start(mum, ct, "Анна", "Добрый день", pupil=school.anna)
    conversations.reply(mum, talk, "Ещё вопрос")
    db.session.commit()
    assert conversations.unread_count(ct.id) == 2
    assert conversations.unread_count(mum.id) == 0
    seen = conversations.thread(mum, talk.id)
    assert [seen.read_by_other(m) for m in seen.messages] == [False, False]
    theirs = conversations.thread(ct, talk.id)
    assert conversations.mark_read(theirs.me, theirs.messages[-1].id)
    assert not conversations.mark_read(theirs.me, theirs.messages[-1].id)  # nothing new
    db.session.commit()
    assert conversations.unread_count(ct.id) == 0
    seen = conversations.thread(mum, talk.id)
    assert [seen.read_by_other(m) for m in seen.messages] == [True, True]
    answer = conversations.reply(ct, talk, "Здравствуйте")
    db.session.commit()
    assert conversations.unread_count(mum.id) == 1
    assert not conversations.thread(ct, talk.id).read_by_other(answer)


def test_only_members_read_or_answer(school):
    talk = conversations.start(user("mum"), user("ct"), "Тема", "Текст")
    db.session.commit()
    assert conversations.thread(user("dad2"), talk.id) is None
    assert conversations.thread(user("teacher"), talk.id) is None
    assert conversations.thread(user("ct"), talk.id + 1000) is None
    before = counts()
    with pytest.raises(MessageError) as refused:
        conversations.reply(user("dad2"), talk, "Чужой ответ")
    assert refused.value.status == 404
    db.session.rollback()
    assert counts() == before


def test_the_inbox_lists_newest_first_with_the_other_party(school):
    mum, ct, teacher = user("mum"), user("ct"), user("teacher")
    first = conversations.start(mum, ct, "Первая", "Раз", pupil=school.anna)
    second = conversations.start(teacher, ct, "Вторая", "Два\nстроки")
    db.session.commit()
    rows, more = conversations.inbox(ct)
    assert [r.conversation_id for r in rows] == [second.id, first.id] and not more
    assert rows[0].other == teacher.person.short_name and rows[0].preview == "Два строки"
    assert rows[1].about == "Антонова Анна" and rows[1].unread == 1


# -- broadcast -------------------------------------------------------------------------------

def test_a_class_teacher_writes_to_all_parents_each_answers_privately(school):
    ct, mum, dad2 = user("ct"), user("mum"), user("dad2")
    key, n = broadcast.send(ct, [school.c5.id], "Собрание", "В пятницу в 18:00")
    db.session.commit()
    assert n == 2
    talks = list(db.session.scalars(select(Conversation).where(
        Conversation.broadcast_key == key)))
    assert len(talks) == 2 and {t.subject for t in talks} == {"Собрание"}
    mine = next(t for t in talks if conversations.member_row(mum.id, t.id))
    assert conversations.thread(dad2, mine.id) is None  # dad2 never sees mum's copy
    assert conversations.inbox(ct)[0] == []  # not listed until a parent answers
    conversations.reply(mum, mine, "Придём")
    db.session.commit()
    assert [r.conversation_id for r in conversations.inbox(ct)[0]] == [mine.id]
    (sent,) = broadcast.sent_by(ct)
    assert (sent.total, sent.read, sent.answered) == (2, 1, 1)  # answering is reading
    other = next(t for t in talks if t.id != mine.id)
    conversations.reply(ct, other, "Напоминаю: в пятницу")  # the sender's follow-up
    db.session.commit()
    (sent,) = broadcast.sent_by(ct)
    assert sent.answered == 1  # is no parent's answer


def test_who_may_broadcast_where(school):
    with pytest.raises(MessageError):
        broadcast.target_class_ids(user("teacher"), school.c5.id, None)  # not its leader
    with pytest.raises(MessageError):
        broadcast.target_class_ids(user("ct"), None, 5)  # a parallel: administration only
    assert broadcast.target_class_ids(user("ct"), school.c5.id, None) == [school.c5.id]
    assert broadcast.target_class_ids(user("director"), None, 5) == [school.c5.id]


# -- text ------------------------------------------------------------------------------------

def test_text_limits_are_refused_never_truncated(app):
    with force_locale("en"):
        assert clean_subject("  Про   урок ") == "Про урок"
        assert clean_body("a\r\nb\n", False) == "a\nb"
        with pytest.raises(MessageError, match="at most 150"):
            clean_subject("я" * (SUBJECT_MAX + 1))
        assert clean_subject("я" * SUBJECT_MAX) == "я" * SUBJECT_MAX
        with pytest.raises(MessageError, match="at most 5000"):
            clean_body("я" * (BODY_MAX + 1), False)
        with pytest.raises(MessageError, match="Write a message"):
            clean_body("  \n ", False)
        assert clean_body("", True) == ""


# -- the reply rule ---------------------------------------------------------------------------

def at(monkeypatch, day: dt.date, hour: int = 10) -> None:
    """Move the clock to this school day and hour (Almaty, UTC+5)."""
    instant = dt.datetime(day.year, day.month, day.day, hour - 5, tzinfo=dt.UTC)
    monkeypatch.setattr("services.clock.utcnow", lambda: instant)
    monkeypatch.setattr("services.clock.today", lambda: day)


def written_on(monkeypatch, day: dt.date, hour: int = 10) -> Conversation:
    at(monkeypatch, day, hour)
    talk = conversations.start(user("mum"), user("ct"), "Вопрос", "Ответьте, пожалуйста")
    db.session.commit()
    return talk


def overdue_on(monkeypatch, day: dt.date) -> bool:
    at(monkeypatch, day, 12)
    return reply_rule.overdue_count(user("ct").id) == 1


def test_two_school_days_over_a_weekend(school, monkeypatch):
    written_on(monkeypatch, dt.date(2026, 11, 20), hour=23)  # Friday late evening
    assert not overdue_on(monkeypatch, dt.date(2026, 11, 23))  # Monday: day 1
    assert not overdue_on(monkeypatch, dt.date(2026, 11, 24))  # Tuesday: day 2, in time
    assert overdue_on(monkeypatch, dt.date(2026, 11, 25))  # Wednesday: late


def test_a_holiday_does_not_count(school, monkeypatch):
    db.session.add(Holiday(year_id=school.builder.year.id, kind="holiday", name="День",
                           start_date=dt.date(2026, 11, 24), end_date=dt.date(2026, 11, 24)))
    written_on(monkeypatch, dt.date(2026, 11, 23), hour=9)  # Monday
    assert not overdue_on(monkeypatch, dt.date(2026, 11, 26))  # Wed, Thu count: in time
    assert overdue_on(monkeypatch, dt.date(2026, 11, 27))


def test_a_message_on_saturday_counts_from_monday(school, monkeypatch):
    written_on(monkeypatch, dt.date(2026, 11, 21))
    assert not overdue_on(monkeypatch, dt.date(2026, 11, 24))
    assert overdue_on(monkeypatch, dt.date(2026, 11, 25))


def test_the_school_limit_and_the_staff_answer(school, monkeypatch):
    school.builder.school.reply_days = 1
    talk = written_on(monkeypatch, dt.date(2026, 11, 23))
    assert overdue_on(monkeypatch, dt.date(2026, 11, 25))
    conversations.reply(user("mum"), talk, "Напоминаю")  # a second message: still since Mon
    db.session.commit()
    assert talk.awaiting_reply_since.date() == dt.date(2026, 11, 23)
    assert reply_rule.overdue_by_staff([school.ct_staff.id, school.t_staff.id]) == {
        school.ct_staff.id: 1}
    conversations.reply(user("ct"), talk, "Отвечаю")
    db.session.commit()
    assert talk.awaiting_reply_since is None
    assert not overdue_on(monkeypatch, dt.date(2026, 11, 25))


def test_staff_and_pupils_do_not_start_the_clock(school, monkeypatch):
    at(monkeypatch, dt.date(2026, 11, 16))
    for sender, recipient in (("teacher", "ct"), ("anna", "ct"), ("ct", "mum")):
        talk = conversations.start(user(sender), user(recipient), "Тема", "Текст")
        assert talk.awaiting_reply_since is None


# -- the demo school's messages ----------------------------------------------------------------

def test_the_demo_messages_hold_the_rules(app, monkeypatch):
    monkeypatch.setattr("services.clock.utcnow",
                        lambda: dt.datetime(2026, 11, 23, 9, tzinfo=dt.UTC))
    counts = demo.build_demo(pupils=60, today=dt.date(2026, 11, 23))  # calls seed_messages
    db.session.commit()
    assert counts["conversation"] >= 6
    for talk in db.session.scalars(select(Conversation)):
        a, b = (m.user for m in talk.members)
        assert policy.can_message(a, b) or policy.can_message(b, a)
        assert talk.created_at <= talk.last_message_at <= dt.datetime(2026, 11, 23, 9)
    parent = user("parent")
    rows, _more = conversations.inbox(parent)
    assert {r.subject for r in rows} >= {"Пропуск по болезни", "Домашнее задание",
                                          "Родительское собрание"}
    late = db.session.scalars(select(Conversation).where(
        Conversation.subject == "Домашнее задание")).one()
    assert reply_rule.is_overdue(late.awaiting_reply_since)  # 4 school days unanswered
    for member in db.session.scalars(select(ConversationMember)):  # the counters agree
        assert member.unread == db.session.scalar(select(func.count()).where(
            Message.conversation_id == member.conversation_id,
            Message.id > member.read_upto, Message.sender_id != member.user_id))
