"""Messages over HTTP: writing, answering and reading back; forged recipients, threads and
files refused with nothing stored; the header's poll (fixed SQL, not the user's activity)."""
from __future__ import annotations

import datetime as dt
import io
import os
import re
import time

import pytest
from sqlalchemy import func, select

from extensions import db
from models import User
from models.messages import (
    Conversation,
    ConversationMember,
    Message,
    MessageAttachment,
)
from services import uploads
from services.messages import conversations
from tests.fragments import status
from tests.sql import count_queries

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def uid(name: str) -> int:
    return db.session.scalar(select(User.id).where(User.username == name))


def stored() -> tuple[int, ...]:
    return tuple(db.session.scalar(select(func.count()).select_from(t)) for t in (
        Conversation, ConversationMember, Message, MessageAttachment))


def write(client, to: str, body: str = "Добрый день", subject: str = "Вопрос", files=()):
    data = {"to": to, "subject": subject, "body": body}
    if files:
        data["files"] = list(files)
    return client.post("/messages/new", data=data, content_type="multipart/form-data")


def files_on_disk(app) -> list[str]:
    folder = os.path.join(app.config["UPLOAD_FOLDER"], "messages")
    return os.listdir(folder) if os.path.isdir(folder) else []


def test_parent_writes_teacher_reads_answers_parent_sees_receipt(login, school):
    client = login("mum")
    page = client.get("/messages/new")
    assert f'value="{uid("ct")}:{school.anna.id}"' in page.text
    assert f'value="{uid("dad2")}' not in page.text
    sent = write(client, f"{uid('ct')}:{school.anna.id}", "Анна болеет\nhttps://e.org/x")
    assert sent.status_code == 303
    talk = db.session.scalar(select(Conversation))
    assert talk.pupil_id == school.anna.id and talk.awaiting_reply_since is not None
    client = login("ct")
    badge = client.get("/messages/unread", headers={"HX-Request": "true"})
    assert 'class="msg-count">1<' in badge.text and 'hx-trigger="every 60s"' in badge.text
    inbox = client.get("/messages/").text
    assert "Анна болеет" in inbox and f'href="/messages/{talk.id}#new"' in inbox
    thread = client.get(f"/messages/{talk.id}")
    assert '<span id="new"' in thread.text  # where the unseen messages begin
    assert 'rel="noopener noreferrer nofollow"' in thread.text and "<br" not in thread.text
    assert 'class="msg-count"' not in client.get("/messages/unread").text
    answer = client.post(f"/messages/{talk.id}", data={"body": "Выздоравливайте"},
                         content_type="multipart/form-data")
    assert answer.status_code == 303
    client = login("mum")
    assert 'class="msg-count">1<' in client.get("/messages/unread").text
    thread = client.get(f"/messages/{talk.id}").text
    assert "Выздоравливайте" in thread and 'class="msg-receipt is-read"' in thread
    assert db.session.get(Conversation, talk.id).awaiting_reply_since is None


@pytest.mark.parametrize(("sender", "to"), [
    ("dad2", "other"),      # an unrelated teacher
    ("anna", "dad2"),       # a pupil to another pupil's parent
    ("anna", "vera"),       # a pupil to a pupil
    ("mum", "dad2"),        # a family to another family
    ("other", "dad2"),      # a teacher to a family of a class they do not reach
])
def test_a_recipient_not_allowed_is_refused_and_nothing_stored(login, school, sender, to):
    client = login(sender)
    before = stored()
    assert status(write(client, str(uid(to)))) == 403
    assert stored() == before


@pytest.mark.parametrize("to", ["999999", "", "abc", "1:999999", "²", "99999999999999999999"])
def test_a_forged_recipient_is_refused_and_nothing_stored(login, school, to):
    client = login("mum")
    before = stored()
    assert status(write(client, to)) in (403, 422)
    assert stored() == before


def test_another_familys_child_cannot_be_the_subject(login, school):
    client = login("mum")
    before = stored()
    assert status(write(client, f"{uid('ct')}:{school.vera.id}")) == 422
    assert stored() == before


def test_a_forged_conversation_is_404_and_nothing_stored(login, school):
    talk = conversations.start(db.session.get(User, uid("mum")),
                               db.session.get(User, uid("ct")), "Тема", "Текст")
    db.session.commit()
    before = stored()
    for name in ("dad2", "teacher", "anna"):
        client = login(name)
        assert client.get(f"/messages/{talk.id}").status_code == 404
        assert client.post(f"/messages/{talk.id}", data={"body": "чужой"}).status_code == 404
        assert client.get(f"/messages/{talk.id + 50}").status_code == 404
    assert stored() == before


def test_text_over_the_limit_is_refused_with_the_text_kept(login, school):
    client = login("mum")
    before = stored()
    response = write(client, str(uid("ct")), body="я" * 5001)
    assert status(response) == 422 and "я" * 5001 in response.text
    assert 'aria-invalid="true"' in response.text
    assert status(write(client, str(uid("ct")), body="  ")) == 422
    assert stored() == before


def test_attachments_checked_by_content_and_served_to_members_only(login, school, app):
    client = login("mum")
    ok = write(client, str(uid("ct")), body="", files=[(io.BytesIO(PDF), "справка.pdf")])
    assert ok.status_code == 303
    row = db.session.scalar(select(MessageAttachment))
    (name,) = files_on_disk(app)
    path = os.path.join(app.config["UPLOAD_FOLDER"], "messages", name)
    assert oct(os.stat(path).st_mode & 0o777) == "0o600" and "справка" not in name
    got = login("ct").get(f"/messages/attachment/{row.id}")
    assert got.status_code == 200 and got.data == PDF
    assert got.headers["Content-Type"] == "application/pdf"
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    assert got.headers["Content-Disposition"].startswith("attachment")
    got.close()
    for name in ("dad2", "teacher"):
        assert login(name).get(f"/messages/attachment/{row.id}").status_code == 404
    assert login("ct").get(f"/messages/attachment/{row.id + 1}").status_code == 404


@pytest.mark.parametrize("files", [
    [(io.BytesIO(b"MZ\x90\x00" + b"\x00" * 200), "report.pdf")],  # an executable as .pdf
    [(io.BytesIO(b"<script>alert(1)</script>"), "photo.png")],
    [(io.BytesIO(b""), "empty.pdf")],
    [(io.BytesIO(PDF + b"0" * 2000), "big.pdf")],  # over the (test's) limit
    [(io.BytesIO(PDF), f"{n}.pdf") for n in range(4)],  # more than 3
])
def test_a_bad_file_is_refused_and_nothing_kept(login, school, app, monkeypatch, files):
    monkeypatch.setattr("services.messages.conversations.FILE_MAX", 1000)
    client = login("mum")
    before = stored()
    response = write(client, str(uid("ct")), files=files)
    assert status(response) == 422 and "field-error" in response.text
    assert stored() == before and files_on_disk(app) == []


def test_a_request_over_the_servers_limit_gets_the_form_back(login, school, app):
    app.config["MAX_CONTENT_LENGTH"] = 3000
    client = login("mum")
    before = stored()
    response = write(client, str(uid("ct")), files=[(io.BytesIO(PDF + b"0" * 4000), "a.pdf")])
    assert status(response) == 413 and 'class="form-error"' in response.text
    assert stored() == before


def _conversations(n: int) -> None:
    ct = db.session.get(User, uid("ct"))
    people = [db.session.get(User, uid(x)) for x in ("mum", "dad2", "teacher", "anna")]
    first = db.session.get(Conversation, 1)
    for i in range(n):
        talk = conversations.start(people[i % 4], ct, f"Тема {i}", f"Текст {i}")
        conversations.reply(people[i % 4], talk, "ещё")
        if first is not None:  # the first thread grows too, still waiting for its answer
            conversations.reply(people[0], first, f"ещё {i}", [uploads.Upload(
                "a.pdf", "application/pdf", ".pdf", PDF)])
    db.session.commit()


@pytest.mark.parametrize("url", ["/messages/unread", "/messages/", "/messages/?page=1",
                                 "/messages/1", "/messages/new"])
def test_the_poll_and_the_inbox_run_a_fixed_number_of_statements(login, school, url):
    client = login("ct")
    _conversations(2)
    client.get(url)
    with count_queries() as few:
        assert client.get(url).status_code == 200
    _conversations(70)
    client.get(url)  # a thread's new messages are marked read by the first visit
    with count_queries() as many:
        assert client.get(url).status_code == 200
    assert len(few) == len(many), (few, many)
    if url == "/messages/unread":
        assert len(many) <= 3, many  # the user's row (with the session) and the sum


def test_the_badge_marks_the_messages_pages_as_current(login, school):
    client = login("mum")
    assert 'aria-current="page"' not in client.get("/messages/unread", headers={
        "HX-Request": "true", "HX-Current-URL": "http://x/diary/"}).text
    assert 'aria-current="page"' in client.get("/messages/unread", headers={
        "HX-Request": "true", "HX-Current-URL": "http://x/messages/1"}).text
    page = client.get("/messages/").text
    assert 'id="msg-badge" href="/messages/" aria-current="page"' in page
    assert 'hx-trigger="load, every 60s"' in page


def test_the_poll_is_not_activity(login, school):
    client = login("mum")
    earlier = int(time.time()) - 30 * 60
    with client.session_transaction() as session:
        session["seen"] = earlier
    client.get("/messages/unread")
    with client.session_transaction() as session:
        assert session["seen"] == earlier
    client.get("/messages/")
    with client.session_transaction() as session:
        assert session["seen"] > earlier


def test_the_poll_after_idle_time_sends_htmx_to_sign_in(login, school):
    client = login("mum")
    with client.session_transaction() as session:
        session["seen"] = int(time.time()) - 3 * 3600
    response = client.get("/messages/unread", headers={"HX-Request": "true"})
    assert "/login" in response.headers.get("HX-Redirect", "")


def test_the_class_picker_loads_only_reachable_classes(login, school):
    client = login("ct")
    fragment = client.get(f"/messages/new?class={school.c5.id}", headers={"HX-Request": "true"})
    assert fragment.text.lstrip().startswith('<div id="msg-recipients">')
    assert f'value="{uid("dad2")}:{school.vera.id}"' in fragment.text
    client = login("other")
    page = client.get(f"/messages/new?class={school.c5.id}").text
    assert f'value="{uid("dad2")}:' not in page and ">5 «А»</option>" not in page
    assert ">6 «Б»</option>" in page


def test_broadcast_over_http(login, school):
    client = login("teacher")
    assert client.get("/messages/broadcast").status_code == 403
    client = login("ct")
    assert "grade:" not in client.get("/messages/broadcast").text
    before = stored()
    refused = client.post("/messages/broadcast", data={"target": f"class:{school.c6.id}",
                                                       "subject": "a", "body": "b"})
    assert status(refused) == 403 and stored() == before
    sent = client.post("/messages/broadcast", data={"target": f"class:{school.c5.id}",
                                                    "subject": "Собрание", "body": "Завтра"})
    assert sent.status_code == 303
    assert db.session.scalar(select(func.count()).select_from(Conversation)) == 2
    assert 'id="msg-sent-h"' in login("ct").get("/messages/").text
    assert 'class="msg-count">1<' in login("dad2").get("/messages/unread").text


def test_my_day_counts_the_overdue_replies(login, school, monkeypatch):
    monkeypatch.setattr("services.clock.utcnow",
                        lambda: dt.datetime(2026, 11, 18, 6, tzinfo=dt.UTC))  # Wednesday
    talk = conversations.start(db.session.get(User, uid("mum")),
                               db.session.get(User, uid("ct")), "Тема", "Ответьте")
    db.session.commit()
    monkeypatch.setattr("services.clock.utcnow", lambda: dt.datetime.now(dt.UTC))
    client = login("ct")
    assert 'class="msg-late-note"' in client.get("/teacher").text  # due Friday, now Monday
    assert "is-overdue" in client.get("/messages/").text
    assert 'class="msg-late-note"' in client.get(f"/messages/{talk.id}").text
    assert 'class="msg-late-note"' not in login("teacher").get("/teacher").text


def test_the_control_report_counts_overdue_answers_per_teacher(login, school, monkeypatch):
    monkeypatch.setattr("services.clock.utcnow",
                        lambda: dt.datetime(2026, 11, 16, 6, tzinfo=dt.UTC))  # a Monday
    mum = db.session.get(User, uid("mum"))
    for to in ("ct", "ct", "teacher"):
        conversations.start(mum, db.session.get(User, uid(to)), "Тема", "Ответьте")
    answered = conversations.start(mum, db.session.get(User, uid("other")), "Тема", "?")
    conversations.reply(db.session.get(User, uid("other")), answered, "Отвечаю")
    db.session.commit()
    monkeypatch.setattr("services.clock.utcnow", lambda: dt.datetime.now(dt.UTC))
    html = login("deputy").get("/reports/control").text
    sheet = html[html.rindex('id="sheet-'):]
    rows = {re.sub(r"<[^>]+>", "", r.split("</td>")[0]).strip(): r
            for r in re.findall(r"<tr>(.*?)</tr>", sheet, re.S) if "<td" in r}
    cells = {name: re.findall(r"<td[^>]*>(.*?)</td>", row)[-1].strip()
             for name, row in rows.items()}
    assert cells == {school.ct.person.short_name: "2", school.teacher.person.short_name: "1"}


def test_text_is_escaped_and_only_http_links_become_links(login, school):
    client = login("mum")
    body = ('<script>alert(1)</script> <a href="javascript:x()">x</a>\n'
            'javascript:alert(2) https://e.org/a?b=1&c=2. <img src=x onerror=y>')
    assert write(client, str(uid("ct")), body=body, subject="<b>Тема</b>").status_code == 303
    html = login("ct").get("/messages/1").text
    thread = html[html.index('<ol class="msg-thread">'):html.index("</ol>")]
    assert "<script>" not in thread and "<img" not in thread and "<b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in thread
    assert "&lt;b&gt;Тема&lt;/b&gt;" in html
    links = re.findall(r"<a [^>]*>", thread)
    assert links == ['<a href="https://e.org/a?b=1&amp;c=2" rel="noopener noreferrer nofollow" '
                     'target="_blank">']
    assert "javascript:alert(2)" in thread  # as text


def test_a_parents_poll_also_counts_unseen_notices_in_the_same_statement(login, school):
    """The menu's Notices link gets its count out of band from the same poll, which costs a
    parent no more statements than anyone else; another family's notices never count."""
    from models import Lesson, Notice
    from tests.conftest import TODAY
    lesson = Lesson(page_id=school.maths5.id, date=TODAY)
    db.session.add(lesson)
    db.session.flush()
    for parent, pupil in ((uid("mum"), school.anna.id), (uid("dad2"), school.vera.id)):
        db.session.add(Notice(user_id=parent, pupil_id=pupil, kind="absence",
                              event=f"absence:{lesson.id}:{pupil}", lesson_id=lesson.id,
                              page_id=school.maths5.id))
    db.session.commit()
    client = login("mum")
    client.get("/messages/unread")
    with count_queries() as asked:
        text = client.get("/messages/unread").text
    # The user with the session, the check that the children still give the parent access
    # (every parent's request), and one statement for both counts.
    assert len(asked) <= 4, asked
    oob = re.search(r'<span id="notice-count"[^>]*hx-swap-oob="true">(\d*)', text)
    assert oob and oob.group(1) == "1"
    db.session.execute(db.update(Notice).values(seen_at=dt.datetime.now(dt.UTC)))
    db.session.commit()
    oob = re.search(r'<span id="notice-count"[^>]*hx-swap-oob="true">(\d*)',
                    client.get("/messages/unread").text)
    assert oob and oob.group(1) == ""
    # Staff have no notices: no out-of-band part at all.
    assert "notice-count" not in login("ct").get("/messages/unread").text
