"""10,000 messages in the benchmark school, for bench/messages.py (issue 20).

Seeds the messages tables of a built demo school directly with the models, in bulk:
parents with their children's teachers, class teachers and the deputy; a few pupils with
their teachers; staff with staff; class broadcasts (one conversation per parent sharing a
broadcast key). The demo's "classteacher" is the busy one (several hundred conversations:
their class's broadcasts, many family threads, staff threads); the demo's "parent" is an
ordinary parent; the demo's "secretary" is in no conversation. Texts are generated, never real people. Member rows are kept as the app
keeps them: `unread` counts the others' messages after `read_upto`, `last_message_at` is the
conversation's last message; `awaiting_reply_since` is set where a family wrote last.
"""
from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import insert, select

TOTAL = 10_000
SEED = 20
DAYS_BACK = 110
BUSY, PARENT = "classteacher", "parent"
QUIET = "secretary"  # a member of staff left without any conversation (the poll's 0 case)
STAFF_ROLES = ("admin", "director", "deputy", "secretary", "teacher")

SUBJECTS = ("Домашнее задание", "Пропуск урока", "Контрольная работа", "Оценка за четверть",
            "Справка", "Экскурсия", "Родительское собрание", "Олимпиада", "Поведение на уроке",
            "Учебники", "Дежурство", "Расписание", "Кружок", "Питание", "Замена урока",
            "Отчёт по успеваемости", "Методическое объединение", "Педсовет")
BROADCASTS = ("Родительское собрание в четверг", "Сбор на экскурсию", "Изменение расписания",
              "Итоги четверти", "Медосмотр", "Школьная форма", "Новогодний утренник",
              "Олимпиада: списки", "Каникулы", "Фотографирование класса")
OPENERS = ("Здравствуйте!", "Добрый день.", "Добрый вечер!", "Сәлеметсіз бе!", "Спасибо.",
           "Понял, спасибо.", "Хорошо.", "Уважаемые родители!")
PHRASES = ("Прошу уточнить домашнее задание по параграфу {n}.",
           "Ребёнок пропустит урок {d} по семейным обстоятельствам.",
           "Контрольная работа будет в следующий вторник, повторите темы {n}-{m}.",
           "Справка будет передана через классного руководителя.",
           "Оценка исправлена, посмотрите в дневнике.",
           "Можно ли пересдать работу на этой неделе?",
           "Собрание начнётся в 18:00 в кабинете {n}.",
           "Напоминаю о сдаче денег на экскурсию до {d}.",
           "Спасибо за информацию, учтём.",
           "Просим подписать согласие и вернуть до пятницы.",
           "Замена урока: вместо {n}-го урока будет классный час.",
           "Пришлите, пожалуйста, список участников олимпиады до {d}.",
           "Учебник можно получить в библиотеке в кабинете {m}.",
           "По итогам недели: опозданий {n}, пропусков без причины нет.")


@dataclass
class Plan:
    """One conversation to write: its members, who starts, and how many messages."""

    members: list[int]
    n: int
    subject: str
    pupil_id: int | None = None
    broadcast_key: str | None = None
    family: set[int] = field(default_factory=set)  # the parents/pupils among members


@dataclass
class School:
    """Who is who in the demo school, as user ids."""

    staff: list[int]                       # every member of staff but QUIET
    busy: int
    parent: int
    deputy: int
    leader_of: dict[int, int]              # class id -> class teacher's user id
    teachers_of: dict[int, list[int]]      # class id -> subject teachers' user ids
    families: list[tuple[int, int, int]]   # (parent user id, pupil id, class id)
    pupils: list[tuple[int, int, int]]     # (pupil user id, pupil id, class id)


def seed(rnd: random.Random | None = None) -> dict[str, int]:
    """Write TOTAL messages into the current database; returns counts. Does not commit."""
    from services import clock
    rnd = rnd or random.Random(SEED)
    school = read_school()
    plans = plan(rnd, school)
    fit_total(rnd, plans)
    return write(rnd, plans, clock.utcnow())


def read_school() -> School:
    """The demo school's people, as the plan needs them."""
    from extensions import db
    from models import Guardian, Pupil, SchoolClass, Staff, SubjectPage, User, UserRole
    by_role = defaultdict(list)
    for uid, role, person_id in db.session.execute(select(
            User.id, UserRole.role, User.person_id).join(UserRole, UserRole.user_id == User.id)
            .order_by(User.id)):
        by_role[role].append((uid, person_id))
    staff_user = {pid: uid for role in STAFF_ROLES for uid, pid in by_role[role]}
    user_of_staff = {sid: staff_user[pid] for sid, pid in db.session.execute(
        select(Staff.id, Staff.person_id)) if pid in staff_user}
    leader_of = {cid: user_of_staff[sid] for cid, sid in db.session.execute(
        select(SchoolClass.id, SchoolClass.class_teacher_id)) if sid in user_of_staff}
    teachers_of = defaultdict(set)
    for cid, sid in db.session.execute(select(SubjectPage.class_id, SubjectPage.teacher_id)):
        if sid in user_of_staff:
            teachers_of[cid].add(user_of_staff[sid])
    parent_user = {pid: uid for uid, pid in by_role["parent"]}
    families = [(parent_user[person], pupil, cid) for person, pupil, cid in db.session.execute(
        select(Guardian.person_id, Pupil.id, Pupil.class_id).join(Pupil, Pupil.id == Guardian.pupil_id)
        .where(Pupil.class_id.is_not(None)).order_by(Guardian.id)) if person in parent_user]
    pupil_user = {pid: uid for uid, pid in by_role["pupil"]}
    pupils = [(pupil_user[person], pid, cid) for pid, person, cid in db.session.execute(
        select(Pupil.id, Pupil.person_id, Pupil.class_id).where(Pupil.class_id.is_not(None)))
        if person in pupil_user]
    named = dict(db.session.execute(select(User.username, User.id).where(
        User.username.in_((BUSY, PARENT, QUIET, "deputy")))).all())
    staff = sorted(set(staff_user.values()) - {named[QUIET]})
    return School(staff, named[BUSY], named[PARENT], named["deputy"],
                  leader_of, {c: sorted(t) for c, t in teachers_of.items()}, families, pupils)


def plan(rnd: random.Random, s: School) -> list[Plan]:
    """The conversations: the busy class teacher's first, then the rest of the school."""
    busy_class = next(c for c, u in s.leader_of.items() if u == s.busy)
    plans = _broadcasts(rnd, s, busy_class, s.busy, 10)
    mine = [f for f in s.families if f[2] == busy_class]
    for _ in range(150):  # the class's families write to their class teacher all year
        parent, pupil, _c = rnd.choice(mine)
        plans.append(_family(rnd, [parent, s.busy], pupil, {parent}))
    for other in rnd.sample([u for u in s.staff if u != s.busy], 35):
        plans.append(Plan([s.busy, other], _length(rnd, 5), rnd.choice(SUBJECTS)))
    for cid in rnd.sample(sorted(c for c in s.leader_of if c != busy_class), 6):
        plans += _broadcasts(rnd, s, cid, s.leader_of[cid], 1)
    for parent, pupil, cid in rnd.sample(s.families, len(s.families) // 2):
        contacts = [*s.teachers_of.get(cid, []), s.leader_of.get(cid), s.deputy]
        for teacher in rnd.sample([c for c in contacts if c], rnd.choice((1, 1, 1, 2))):
            plans.append(_family(rnd, [parent, teacher], pupil, {parent}))
    for pupil_user, pupil, cid in rnd.sample(s.pupils, 60):
        teacher = rnd.choice(s.teachers_of.get(cid) or [s.deputy])
        plans.append(_family(rnd, [pupil_user, teacher], pupil, {pupil_user}))
    for _ in range(260):
        a, b, c = rnd.sample([u for u in s.staff if u != s.busy], 3)
        plans.append(Plan([a, b, c] if rnd.random() < 0.1 else [a, b], _length(rnd, 5),
                          rnd.choice(SUBJECTS)))
    _ordinary_parent(rnd, s, plans)
    return plans


def _broadcasts(rnd: random.Random, s: School, class_id: int, sender: int, count: int) -> list[Plan]:
    """count messages to all parents of a class: one conversation per parent, shared key."""
    out = []
    for _ in range(count):
        key, subject = f"{rnd.getrandbits(128):032x}", rnd.choice(BROADCASTS)
        for parent, pupil, cid in s.families:
            if cid == class_id:
                n = 1 if rnd.random() < 0.8 else 1 + rnd.randint(1, 3)
                out.append(Plan([sender, parent], n, subject, pupil, key, {parent}))
    return out


def _family(rnd: random.Random, members: list[int], pupil: int, family: set[int]) -> Plan:
    """A thread about a child; the family starts most of them, the school the rest."""
    if rnd.random() < 0.3:
        members = members[::-1]
    return Plan(members, _length(rnd, 6), rnd.choice(SUBJECTS), pupil, None, family)


def _ordinary_parent(rnd: random.Random, s: School, plans: list[Plan]) -> None:
    """The demo's parent: a few threads with each child's teachers (their broadcasts come from
    the busy class teacher when the child is in that class)."""
    for parent, pupil, cid in s.families:
        if parent == s.parent:
            for teacher in rnd.sample(s.teachers_of.get(cid, [s.deputy]), 3):
                plans.append(_family(rnd, [parent, teacher], pupil, {parent}))


def _length(rnd: random.Random, mean: int) -> int:
    return max(1, min(40, round(rnd.expovariate(1 / mean))))


def fit_total(rnd: random.Random, plans: list[Plan]) -> None:
    """Make the messages add up to TOTAL exactly, changing only non-broadcast threads."""
    free = [p for p in plans if p.broadcast_key is None]
    diff = TOTAL - sum(p.n for p in plans)
    while diff:
        p = rnd.choice(free)
        if diff > 0 or p.n > 1:
            step = 1 if diff > 0 else -1
            p.n, diff = p.n + step, diff - step


def write(rnd: random.Random, plans: list[Plan], now: dt.datetime) -> dict[str, int]:
    """Insert the conversations, their messages and members in three executemany calls."""
    from extensions import db
    from models import Conversation, ConversationMember, Message
    conversations, messages, members = [], [], []
    for cid, p in enumerate(plans, start=1):
        thread = _thread(rnd, p, now, len(messages) + 1)
        messages += [{"id": i, "conversation_id": cid, "sender_id": u, "body": _text(rnd),
                      "sent_at": at} for i, u, at in thread]
        last_at = thread[-1][2]
        conversations.append({"id": cid, "subject": p.subject, "started_by": p.members[0],
                              "pupil_id": p.pupil_id, "broadcast_key": p.broadcast_key,
                              "created_at": thread[0][2], "last_message_at": last_at,
                              "awaiting_reply_since": _awaiting(p, thread)})
        members += [{"conversation_id": cid, "user_id": u, "last_message_at": last_at,
                     **_read_state(rnd, p, u, thread)} for u in p.members]
    db.session.execute(insert(Conversation.__table__), conversations)
    db.session.execute(insert(Message.__table__), messages)
    db.session.execute(insert(ConversationMember.__table__), members)
    return {"conversations": len(conversations), "messages": len(messages),
            "members": len(members), "unread": sum(m["unread"] for m in members)}


def _thread(rnd: random.Random, p: Plan, now: dt.datetime, first_id: int):
    """(id, sender, sent_at) of the plan's messages: the starter first, then mostly turns."""
    start = now - dt.timedelta(days=rnd.uniform(0.05, DAYS_BACK))
    span = (now - start) / (p.n + 1)
    out, sender, at = [], p.members[0], start
    for k in range(p.n):
        if k and rnd.random() < 0.75:
            sender = rnd.choice([u for u in p.members if u != sender])
        out.append((first_id + k, sender, at))
        at += span * rnd.uniform(0.05, 1.9)
        at = min(at, now - dt.timedelta(seconds=p.n - k))
    return out


def _awaiting(p: Plan, thread) -> dt.datetime | None:
    """Where a family wrote last, since when it waits for the school's answer."""
    since = None
    for _id, sender, at in reversed(thread):
        if sender not in p.family:
            break
        since = at
    return since


def _read_state(rnd: random.Random, p: Plan, user: int, thread) -> dict[str, int]:
    """How far user has read: to the end mostly; else some of the others' last messages are
    new. A member has always read up to their own last message."""
    own = max((k for k, (_i, u, _a) in enumerate(thread) if u == user), default=-1)
    chance = 0.35 if user in p.family else 0.12
    read = len(thread) - 1
    if own < read and rnd.random() < chance:
        read = rnd.randint(max(own, read - 3), read - 1)
    unread = sum(1 for _i, u, _a in thread[read + 1:] if u != user)
    return {"read_upto": thread[read][0] if read >= 0 else 0, "unread": unread}


def _text(rnd: random.Random) -> str:
    """A generated message body of one to four sentences."""
    parts = [rnd.choice(OPENERS)] if rnd.random() < 0.6 else []
    for _ in range(rnd.randint(1, 3)):
        parts.append(rnd.choice(PHRASES).format(
            n=rnd.randint(1, 40), m=rnd.randint(100, 320),
            d=f"{rnd.randint(1, 28):02}.{rnd.randint(1, 12):02}"))
    return " ".join(parts)
