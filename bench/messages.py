"""Messages at school scale (issue 20): the inbox, a thread and the header's unread poll, and
what the parents' notices add to the journal's saves.

Budgets from the issue: "the inbox page p95 < 50 ms with 10,000 messages in the school; the
unread-count poll p95 < 5 ms and a fixed number of SQL statements". A thread page has no
budget of its own: it is held to the inbox's 50 ms.

The school is the 1,000-pupil benchmark school (harness._default_build) with 10,000 messages
seeded by bench/_messages_seed.py: the demo's "classteacher" is the busy one (about 500
conversations), "parent" an ordinary parent (about 20), "secretary" in none. The statements of
the unread poll and of the inbox are counted for staff and parents with many conversations and
with few or none: the same number for each kind of user (a parent's pages check the
children's consent, staff pages show more).

bench/journal.py times the journal's saves on a page whose pupils have no parents, so no
notice is ever made there; here one mark and a lesson's attendance are saved in the demo
school, where each pupil has one or two parents and every save makes or withdraws notices.
"""
from __future__ import annotations

import random

import _messages_seed as seeding
from harness import _default_build
from journal import assert_fragment, today_column

DB_NAME = "messages"
INBOX, UNREAD = "/messages/", "/messages/unread"
HTMX = {"HX-Request": "true"}  # the badge is polled by htmx: the fragment alone
JOURNAL_TEACHER = "teacher"     # the demo's maths teacher of 7 «А»


def build(app) -> None:
    """The 1,000-pupil benchmark school with 10,000 messages."""
    _default_build(app)
    print(f"  seeded {seeding.seed(random.Random(seeding.SEED))}")


def run(h) -> None:
    """The journal's saves with parents first (they need no messages pages), then messages."""
    h.app(DB_NAME, build=build)
    journal_saves(h)
    inbox_and_thread(h)
    unread_poll(h)


# -- messages ----------------------------------------------------------------------------------

def inbox_and_thread(h) -> None:
    """The inbox of the busy class teacher and of a parent; the busy teacher's longest thread.
    The inbox's statements are counted for a big and a small inbox of each kind of user (staff
    pages also show the sent broadcasts and the reply rule: more statements than a parent's)."""
    for username in (seeding.BUSY, seeding.PARENT):
        client = h.login(username)
        first = _get(client, INBOX)
        h.time(f"messages inbox, {username} ({_conversations(h, username)} conversations)",
               lambda c=client: _get(c, INBOX), 50, n=200,
               sql_statements=h.count_sql(lambda c=client: _get(c, INBOX)),
               kb=round(len(first.body) / 1024, 1))
    _same_sql(h, "messages inbox", INBOX, None, [seeding.BUSY, _fewest(h, "teacher")],
              [seeding.PARENT, _fewest(h, "parent")])
    client = h.login(seeding.BUSY)
    conversation_id, length = _longest_thread(h, seeding.BUSY)
    url = f"/messages/{conversation_id}"
    first = _get(client, url)
    h.time(f"messages thread page ({length} messages)", lambda: _get(client, url), 50, n=200,
           sql_statements=h.count_sql(lambda: _get(client, url)),
           kb=round(len(first.body) / 1024, 1))


def unread_poll(h) -> None:
    """The header's badge, timed for the busy teacher and for a parent with no conversation;
    its statements counted for staff and parents with many conversations and with none."""
    busy, nobody_name = h.login(seeding.BUSY), _fewest(h, "parent")
    nobody = h.login(nobody_name)
    busy_count = _conversations(h, seeding.BUSY)
    h.time(f"messages unread poll, {seeding.BUSY} ({busy_count} conversations)",
           lambda: _get(busy, UNREAD, HTMX), 5, n=500, warmup=50,
           sql_statements=h.count_sql(lambda: _get(busy, UNREAD, HTMX)))
    h.time(f"messages unread poll, parent with {_conversations(h, nobody_name)} conversations",
           lambda: _get(nobody, UNREAD, HTMX), 5, n=200, warmup=20,
           sql_statements=h.count_sql(lambda: _get(nobody, UNREAD, HTMX)))
    _same_sql(h, "messages unread poll", UNREAD, HTMX, [seeding.BUSY, seeding.QUIET],
              [seeding.PARENT, nobody_name])


def _same_sql(h, operation: str, url: str, headers: dict | None, *groups: list[str]) -> None:
    """One row: the statements url runs for each user, equal within each group (one kind of
    user with many and with few conversations)."""
    counts = {}
    for group in groups:
        for username in group:
            client = h.login(username)
            _get(client, url, headers)
            counts[username] = h.count_sql(lambda c=client: _get(c, url, headers))
    h.note(f"{operation} SQL statements, many vs few conversations", counts[groups[0][0]],
           ok=all(len({counts[u] for u in g}) == 1 for g in groups),
           note="; ".join(" = ".join(f"{u} ({_conversations(h, u)}) {counts[u]}" for u in g)
                          for g in groups))


def _get(client, url: str, headers: dict | None = None):
    r = client.get(url, headers=headers)
    assert r.status == 200, (url, r.status, r.text[:300])
    return r


def _conversations(h, username: str) -> int:
    from sqlalchemy import func, select

    from extensions import db
    from models import ConversationMember, User
    with h.app(DB_NAME).app_context():
        return db.session.scalar(select(func.count()).select_from(ConversationMember).join(
            User, User.id == ConversationMember.user_id).where(User.username == username))


def _longest_thread(h, username: str) -> tuple[int, int]:
    """The id and length of the user's conversation with most messages."""
    from sqlalchemy import func, select

    from extensions import db
    from models import ConversationMember, Message, User
    with h.app(DB_NAME).app_context():
        return tuple(db.session.execute(
            select(Message.conversation_id, func.count(Message.id))
            .join(ConversationMember, ConversationMember.conversation_id == Message.conversation_id)
            .join(User, User.id == ConversationMember.user_id).where(User.username == username)
            .group_by(Message.conversation_id).order_by(func.count(Message.id).desc())
            .limit(1)).one())


def _fewest(h, role: str) -> str:
    """The user of that role in fewest conversations (a parent: none at all)."""
    from sqlalchemy import func, select

    from extensions import db
    from models import ConversationMember, User, UserRole
    with h.app(DB_NAME).app_context():
        return db.session.scalar(
            select(User.username).join(UserRole, UserRole.user_id == User.id)
            .outerjoin(ConversationMember, ConversationMember.user_id == User.id)
            .where(UserRole.role == role).group_by(User.id)
            .order_by(func.count(ConversationMember.user_id), User.id).limit(1))


# -- the journal's saves, with parents to notify -----------------------------------------------

def journal_saves(h) -> None:
    """One mark saved and a lesson's attendance taken by the demo's maths teacher of 7 «А»,
    on the latest lesson up to today (today's when there is one)."""
    from harness import BENCH_PASSWORD
    lesson_id, page_id, pupils, parents = _journal_target(h)
    client = h.login(JOURNAL_TEACHER, BENCH_PASSWORD)
    grid = _get(client, f"/journal/pages/{page_id}")
    save_url = f"/journal/lessons/{lesson_id}/cell"
    assert_fragment(client.post(save_url, data={"pupil": pupils[0], "value": ""}, headers=HTMX))
    state = {"old": ""}

    def save() -> None:
        value = "5" if state["old"] != "5" else "2"  # a new mark, then a low one
        r = client.post(save_url, data={"pupil": pupils[0], "value": value, "old": state["old"]},
                        headers=HTMX)
        assert_fragment(r)
        state["old"] = value
    h.time(f"journal one mark saved, demo school (pupil with {parents} parents)", save, 15,
           n=200, sql_statements=h.count_sql(save))
    assert_fragment(client.post(save_url, data={"pupil": pupils[0], "value": "",
                                                "old": state["old"]}, headers=HTMX))
    att_url = f"/journal/lessons/{lesson_id}/attendance"
    col = _column(grid.text)
    toggle = {"n": 0}

    def attendance() -> None:
        toggle["n"] += 1
        absent = pupils[toggle["n"] % 3: toggle["n"] % 3 + 3]
        assert_fragment(client.post(att_url, data={"absent": absent, "col": col}, headers=HTMX))
    h.time(f"journal lesson attendance, demo school ({len(pupils)} pupils)", attendance, 30,
           n=100, sql_statements=h.count_sql(attendance))
    assert_fragment(client.post(att_url, data={"col": col}, headers=HTMX))


def _column(html: str) -> int:
    try:
        return today_column(html)
    except AssertionError:  # no lesson today: the column index only places the answer
        return 2


def _journal_target(h) -> tuple[int, int, list[int], int]:
    """The teacher's latest lesson up to today on a page of a class whose first pupil has
    parents: its id, the page id, the class's pupil ids (those with parents first) and how
    many parents the first has."""
    from sqlalchemy import func, select

    from extensions import db
    from models import Guardian, Lesson, Pupil, Staff, SubjectPage, User
    from services import clock
    with h.app(DB_NAME).app_context():
        person = db.session.scalar(select(User.person_id).where(User.username == JOURNAL_TEACHER))
        lesson = db.session.execute(
            select(Lesson.id, Lesson.page_id, SubjectPage.class_id)
            .join(SubjectPage, SubjectPage.id == Lesson.page_id)
            .join(Staff, Staff.id == SubjectPage.teacher_id)
            .where(Staff.person_id == person, Lesson.date <= clock.today())
            .order_by(Lesson.date.desc(), Lesson.lesson_number.desc()).limit(1)).one()
        counts = dict(db.session.execute(
            select(Pupil.id, func.count(Guardian.id)).outerjoin(Guardian, Guardian.pupil_id == Pupil.id)
            .where(Pupil.class_id == lesson.class_id).group_by(Pupil.id)).all())
    pupils = sorted(counts, key=lambda p: (-counts[p], p))
    return lesson.id, lesson.page_id, pupils, counts[pupils[0]]
