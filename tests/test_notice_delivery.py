"""Notices delivered outside the app (issue 20): Web Push to a local push endpoint, read back
by decrypting it as the browser would; e-mail to a local SMTP sink (aiosmtpd). Never a real
server. The push says nothing about anyone; a letter says only its own family's news, never
an absence's reason; the digest goes once a day at the school's hour."""
from __future__ import annotations

import base64
import datetime as dt
import json
import os
import re
import socket
import threading
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
import pytest
from aiosmtpd.controller import Controller
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from flask_babel import force_locale
from sqlalchemy import func, select, update

from extensions import db
from models import Attendance, Notice, NoticeSetting, PushSubscription, School
from services import clock, entries
from services.notice_jobs import deliver_notices_task
from services.notices import deliver, push
from tests.conftest import TODAY

ZONE = "Asia/Almaty"


def at(hour: int, minute: int = 0, day: dt.date = TODAY) -> dt.datetime:
    """An instant given in the school's time, as UTC."""
    return dt.datetime.combine(day, dt.time(hour, minute), clock.zone()).astimezone(dt.UTC)


@pytest.fixture
def ctx(app, school, tmp_path, monkeypatch):
    app.config.update(VAPID_KEY_FILE=str(tmp_path / "vapid.pem"), PUSH_HOSTS=("127.0.0.1",),
                      PUSH_HTTP_OK=True, SMTP_HOST="", SMTP_FROM="")
    school.builder.school.server_url = "https://tabel.school.example/"
    now = {"at": at(10)}
    monkeypatch.setattr(clock, "utcnow", lambda: now["at"])
    school.now = now
    yield school


def absent(ctx, *pupils, reason=None, number=1, day=TODAY):
    """The maths teacher marks the pupils absent at a lesson (notices follow); the class
    teacher may add the reason. The notices are dated now."""
    page = ctx.maths6 if pupils and pupils[0] is ctx.boris else ctx.maths5
    lesson = ctx.builder.lesson(page, day, number)
    entries.take_attendance(ctx.teacher, ctx.builder.school, page, lesson,
                            [p.id for p in pupils], TODAY)
    if reason:
        db.session.execute(update(Attendance).where(Attendance.lesson_id == lesson.id)
                           .values(reason=reason))
    _date_new_notices(ctx)
    return lesson


def marked(ctx, pupil, text, number=2):
    page = ctx.maths6 if pupil is ctx.boris else ctx.maths5
    lesson = ctx.builder.lesson(page, TODAY, number)
    entries.save_cells(ctx.teacher, lesson.id, [entries.CellChange(pupil.id, text, "", None)],
                       TODAY)
    _date_new_notices(ctx)
    return lesson


def _date_new_notices(ctx):
    stamp = ctx.now["at"].replace(tzinfo=None) - dt.timedelta(seconds=30)
    db.session.execute(update(Notice).where(Notice.pushed_at.is_(None),
                                            Notice.mailed_at.is_(None)).values(created_at=stamp))
    db.session.commit()


def run(ctx, when: dt.datetime | None = None) -> deliver.Delivered:
    if when is not None:
        ctx.now["at"] = when
    done = deliver.deliver_pending()
    db.session.expire_all()
    return done


# -- a push service on 127.0.0.1 ---------------------------------------------------------------

class PushService:
    """Records each push it gets and answers with `status`."""

    def __init__(self):
        self.received: list[tuple[str, dict, bytes]] = []
        self.status = 201
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                service.received.append((self.path, {k.lower(): v for k, v in
                                                      self.headers.items()}, body))
                self.send_response(service.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def service():
    found = PushService()
    yield found
    found.server.shutdown()
    found.server.server_close()


class Browser:
    """A subscribed browser: its own P-256 key pair and auth secret, as PushManager makes."""

    def __init__(self, service: PushService, name: str):
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.auth = os.urandom(16)
        self.endpoint = f"{service.url}/push/{name}"

    def subscription(self) -> dict:
        raw = self.key.public_key().public_bytes(serialization.Encoding.X962,
                                                 serialization.PublicFormat.UncompressedPoint)
        return {"endpoint": self.endpoint, "keys": {"p256dh": _b64(raw), "auth": _b64(self.auth)}}

    def read(self, body: bytes) -> dict:
        """Decrypt a push as the browser does (RFC 8291, aes128gcm)."""
        return json.loads(http_ece.decrypt(body, private_key=self.key, auth_secret=self.auth,
                                           version="aes128gcm"))


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def subscribe(user, browser: Browser) -> None:
    push.subscribe(user.id, browser.subscription())
    db.session.commit()


# -- push ---------------------------------------------------------------------------------------

def test_push_says_something_new_and_nothing_about_anyone(ctx, service):
    phone = Browser(service, "mum-phone")
    subscribe(ctx.mum, phone)
    absent(ctx, ctx.anna, reason="illness")
    marked(ctx, ctx.boris, "2")
    assert run(ctx).pushes == 1
    assert len(service.received) == 1  # one push for the parent, not one per notice
    path, headers, body = service.received[0]
    assert path == "/push/mum-phone"
    assert headers["content-encoding"] == "aes128gcm" and int(headers["ttl"]) >= 3600
    assert f"k={push.public_key()}" in headers["authorization"]  # the school's own VAPID key
    data = phone.read(body)
    assert set(data) == {"title", "body", "url"} and data["url"] == "/notices/"
    with force_locale("ru"):
        assert json.loads(push.payload()) == data  # the parent's language (the school's)
    text = json.dumps(data, ensure_ascii=False)
    for private in ("Анна", "Антонова", "Борис", "Антонов", "Математика", "2", "23", "11",
                    "2026", "Illness", "Болезнь", str(ctx.anna.id)):
        assert private not in text, private
    assert not re.search(r"[0-9]", text)  # no mark, date or id of any kind


def test_second_run_sends_nothing_new_and_a_new_notice_one_push(ctx, service):
    subscribe(ctx.mum, Browser(service, "a"))
    absent(ctx, ctx.anna)
    run(ctx)
    assert run(ctx).pushes == 0 and len(service.received) == 1
    marked(ctx, ctx.anna, "5")
    assert run(ctx).pushes == 1 and len(service.received) == 2


def test_each_browser_of_the_parent_gets_it_and_no_other_family(ctx, service):
    subscribe(ctx.mum, Browser(service, "mum-phone"))
    subscribe(ctx.mum, Browser(service, "mum-laptop"))
    subscribe(ctx.dad2, Browser(service, "dad-phone"))
    absent(ctx, ctx.anna)  # mum's child only
    assert run(ctx).pushes == 2
    assert sorted(p for p, _h, _b in service.received) == ["/push/mum-laptop", "/push/mum-phone"]


def test_a_gone_browser_is_forgotten(ctx, service):
    subscribe(ctx.mum, Browser(service, "old"))
    service.status = 410
    absent(ctx, ctx.anna)
    done = run(ctx)
    assert (done.pushes, done.browsers_dropped) == (0, 1)
    assert db.session.scalar(select(func.count()).select_from(PushSubscription)) == 0


def test_a_failing_push_service_is_counted_and_tried_again(ctx, service):
    subscribe(ctx.mum, Browser(service, "a"))
    service.status = 503
    absent(ctx, ctx.anna)
    assert run(ctx).push_failures == 1
    assert db.session.scalar(select(PushSubscription.failures)) == 1
    service.status = 201
    assert run(ctx).pushes == 1  # the notice was given back and goes now
    assert db.session.scalar(select(PushSubscription.failures)) == 0
    assert run(ctx).pushes == 0


def test_a_browser_that_fails_for_long_is_dropped(ctx, service):
    subscribe(ctx.mum, Browser(service, "a"))
    db.session.execute(update(PushSubscription).values(failures=deliver.MAX_FAILURES - 1))
    service.status = 500
    absent(ctx, ctx.anna)
    assert run(ctx).browsers_dropped == 1


def test_push_turned_on_later_brings_no_flood(ctx, service):
    absent(ctx, ctx.anna)
    marked(ctx, ctx.anna, "4")
    assert run(ctx).pushes == 0  # no browser yet: handled, in the app only
    subscribe(ctx.mum, Browser(service, "new"))
    assert run(ctx).pushes == 0 and service.received == []
    marked(ctx, ctx.anna, "5", number=3)
    assert run(ctx).pushes == 1


def test_an_old_notice_is_not_pushed(ctx, service):
    subscribe(ctx.mum, Browser(service, "a"))
    absent(ctx, ctx.anna)
    assert run(ctx, ctx.now["at"] + deliver.STALE + dt.timedelta(minutes=1)).pushes == 0


def test_push_switched_off_sends_nothing(ctx, service):
    subscribe(ctx.mum, Browser(service, "a"))
    db.session.get(NoticeSetting, ctx.mum.id).push = False
    db.session.commit()
    absent(ctx, ctx.anna)
    assert run(ctx).pushes == 0 and service.received == []


# -- e-mail --------------------------------------------------------------------------------------

class Sink:
    def __init__(self):
        self.letters: list = []

    async def handle_DATA(self, server, session, envelope):
        self.letters.append((envelope.rcpt_tos, message_from_bytes(envelope.content,
                                                                   policy=policy.default)))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def sink(ctx, app):
    handler, port = Sink(), _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_STARTTLS=False,
                      SMTP_SSL=False, SMTP_USER="", SMTP_FROM="tabel@school.example")
    yield handler
    controller.stop()


def email(user, mode: str, address: str | None = None) -> None:
    db.session.merge(NoticeSetting(user_id=user.id, kinds="absence,mark,period", push=False,
                                   email=address or f"{user.username}@example.ru",
                                   email_mode=mode))
    db.session.commit()


def text_of(letter) -> str:
    return letter.get_content()


def test_each_letter_names_the_child_and_what_happened(ctx, sink):
    email(ctx.mum, "each")
    absent(ctx, ctx.anna, reason="illness")
    marked(ctx, ctx.boris, "2")
    assert run(ctx).emails == 1
    [(to, letter)] = sink.letters
    assert to == ["mum@example.ru"] and letter["To"] == "mum@example.ru"
    assert letter["From"] == "tabel@school.example" and letter["Auto-Submitted"]
    body = text_of(letter)
    assert "Анна" in body and "Борис" in body and "Математика" in body
    assert "23 ноября" in body and "2" in body
    assert "https://tabel.school.example/notices/" in body
    assert "Антонова" not in body  # the first name only
    for reason in ("Illness", "Болезнь", "illness"):
        assert reason not in body  # an absence's reason is health data
    assert run(ctx).emails == 0 and len(sink.letters) == 1


def test_a_letter_holds_only_its_own_familys_notices(ctx, sink):
    email(ctx.mum, "each")
    email(ctx.dad2, "each")
    absent(ctx, ctx.anna, ctx.vera)
    assert run(ctx).emails == 2
    letters = {to[0]: text_of(letter) for to, letter in sink.letters}
    assert "Анна" in letters["mum@example.ru"] and "Вера" not in letters["mum@example.ru"]
    assert "Вера" in letters["dad2@example.ru"] and "Анна" not in letters["dad2@example.ru"]


def test_a_letter_is_in_the_parents_language(ctx, sink):
    email(ctx.mum, "each")
    email(ctx.dad2, "each")
    ctx.dad2.locale = "kk"
    db.session.commit()
    absent(ctx, ctx.anna, ctx.vera)
    run(ctx)
    letters = {to[0]: text_of(letter) for to, letter in sink.letters}
    assert "ноября" in letters["mum@example.ru"]
    assert "қараша" in letters["dad2@example.ru"] and "Әдебиет" not in letters["mum@example.ru"]


def test_the_digest_goes_once_a_day_at_the_schools_hour(ctx, sink):
    email(ctx.mum, "digest")
    email(ctx.dad2, "each")
    ctx.now["at"] = at(9)
    absent(ctx, ctx.anna, number=1)
    marked(ctx, ctx.anna, "5", number=2)
    absent(ctx, ctx.boris, number=3)
    assert run(ctx, at(17, 59)).emails == 0  # before 18:00 school time
    assert run(ctx, at(18, 0)).emails == 1
    [(to, letter)] = sink.letters
    body = text_of(letter)
    assert to == ["mum@example.ru"] and "23.11.2026" in letter["Subject"]
    assert body.count("— Анна") == 2 and body.count("— Борис") == 1
    assert run(ctx, at(18, 1)).emails == 0
    ctx.now["at"] = at(20)
    marked(ctx, ctx.anna, "4", number=4)
    assert run(ctx, at(23, 59)).emails == 0  # today's digest has gone: it waits for tomorrow
    assert run(ctx, at(17, 0, TODAY + dt.timedelta(days=1))).emails == 0
    assert run(ctx, at(18, 30, TODAY + dt.timedelta(days=1))).emails == 1
    tomorrow = text_of(sink.letters[-1][1])
    assert tomorrow.count("— Анна") == 1 and "Борис" not in tomorrow


def test_the_digest_hour_is_the_schools_own(ctx, sink):
    db.session.get(School, 1).digest_hour = 7
    email(ctx.mum, "digest")
    absent(ctx, ctx.anna)
    assert run(ctx, at(6, 59, TODAY + dt.timedelta(days=1))).emails == 0
    assert run(ctx, at(7, 0, TODAY + dt.timedelta(days=1))).emails == 1


def test_no_letter_without_a_relay_and_nothing_fails(ctx, sink, app, service):
    app.config["SMTP_HOST"] = ""
    email(ctx.mum, "each")
    absent(ctx, ctx.anna)
    done = run(ctx)
    assert (done.emails, done.email_failures, done.pushes) == (0, 0, 0)
    assert sink.letters == []
    assert db.session.scalar(select(func.count()).select_from(Notice)
                             .where(Notice.mailed_at.is_(None))) == 0  # handled in the app


def test_a_relay_that_is_down_gets_the_letter_next_time(ctx, sink, app):
    port = app.config["SMTP_PORT"]
    app.config["SMTP_PORT"] = _free_port()  # nobody listens there
    email(ctx.mum, "each")
    absent(ctx, ctx.anna)
    assert run(ctx).email_failures == 1 and sink.letters == []
    app.config["SMTP_PORT"] = port
    assert run(ctx).emails == 1 and len(sink.letters) == 1


def test_e_mail_off_sends_nothing(ctx, sink):
    email(ctx.mum, "off")
    absent(ctx, ctx.anna)
    assert run(ctx).emails == 0 and sink.letters == []


# -- the ways it runs ------------------------------------------------------------------------------

def test_the_command_delivers(ctx, app, service):
    subscribe(ctx.mum, Browser(service, "a"))
    absent(ctx, ctx.anna)
    result = app.test_cli_runner().invoke(args=["notices", "deliver"])
    assert result.exit_code == 0 and "1 pushes" in result.output
    assert len(service.received) == 1


def test_the_worker_runs_it_every_minute(ctx, service):
    from services import backup_jobs
    assert deliver_notices_task.task_class in backup_jobs.huey._registry._periodic_tasks
    subscribe(ctx.mum, Browser(service, "a"))
    absent(ctx, ctx.anna)
    deliver_notices_task.call_local()
    assert len(service.received) == 1


def test_a_run_costs_the_same_statements_for_one_parent_or_many(ctx, sink, service):
    from tests.sql import count_queries
    email(ctx.mum, "each")
    subscribe(ctx.mum, Browser(service, "mum"))
    absent(ctx, ctx.anna)
    marked(ctx, ctx.anna, "5", number=4)  # the same kinds as below: the inbox reads per kind
    with count_queries() as one:
        assert run(ctx).emails == 1
    email(ctx.dad2, "each")
    subscribe(ctx.dad2, Browser(service, "dad"))
    subscribe(ctx.mum, Browser(service, "mum-2"))
    absent(ctx, ctx.anna, ctx.vera, number=2)
    marked(ctx, ctx.boris, "3")
    marked(ctx, ctx.vera, "4", number=3)
    with count_queries() as many:
        done = run(ctx)
    assert (done.emails, done.pushes) == (2, 3)
    assert len(many) == len(one)
