"""The administrator's backups page (issue 19): the list and its headline, a backup started in
the background and its progress, download, restore after a typed confirmation, and the home
page's warning."""
from __future__ import annotations

import datetime as dt
import io
import shutil
import sqlite3
import tarfile

import pytest

from extensions import db
from models import AuditEvent, School, Subject
from services import backup_jobs, backups, clock
from tests.conftest import ON_POSTGRES
from tests.sql import count_queries

# The page's copies and restores read SQLite files; pg_dump copies are tests/test_postgres.py's.
pytestmark = pytest.mark.skipif(ON_POSTGRES, reason="copies of the SQLite file")
HX = {"HX-Request": "true"}


@pytest.fixture
def places(app, tmp_path):
    app.config["BACKUP_FOLDER"] = str(tmp_path / "backups")
    app.config["BACKUP_MIRROR"] = str(tmp_path / "usb")
    return tmp_path


def _made(days_ago: float = 0, minutes: int = 0) -> backups.Backup:
    return backups.make_backup(clock.utcnow() - dt.timedelta(days=days_ago, minutes=minutes))


def _names(html: str) -> list[str]:
    return [part.split('"')[0] for part in html.split('<tr data-name="')[1:]]


def _refused(response) -> bool:
    """Refused as a form is: 422, or 200 with the real status in X-Refused-Status."""
    return response.status_code == 422 or response.headers.get("X-Refused-Status") == "422"


def _subjects() -> int:
    db.session.expire_all()
    return db.session.query(Subject).count()


# -- the list ---------------------------------------------------------------------------------

def test_the_list_shows_each_copy_its_check_size_and_second_copy(login, school, places):
    old, new = _made(3), _made(1)
    # The second copy of the newest one failed its check when it was made.
    (places / "usb" / new.path.name / backups.CHECK_NAME).write_text(
        '{"ok": false, "integrity": "file is not a database"}')
    page = login("admin").get("/backups/").text
    assert _names(page) == [new.path.name, old.path.name]  # newest first
    assert 'data-state="good"' in page and clock.stamp(new.made_at) in page
    assert page.count('class="badge backup-ok"') == 2
    assert 'data-mirror="failed"' in page and 'data-mirror="ok"' in page
    assert f"/backups/{new.path.name}/download" in page


def test_a_copy_only_on_the_second_medium_is_listed(login, school, places):
    made = _made(1)
    shutil.rmtree(made.path)
    page = login("admin").get("/backups/").text
    assert _names(page) == [made.path.name] and "data-only-mirror" in page
    assert backup_jobs.find(made.path.name) == places / "usb" / made.path.name


def test_no_copy_and_an_old_copy_are_warned_about(login, school, places):
    client = login("admin")
    assert 'data-state="warning"' in client.get("/backups/").text
    _made(20)
    assert 'data-state="warning"' in client.get("/backups/").text
    db.session.query(School).one().backup_warn_days = 30
    db.session.commit()
    assert 'data-state="good"' in client.get("/backups/").text


@pytest.mark.parametrize("user,status", [("teacher", 403), ("mum", 403), ("deputy", 403),
                                         ("secretary", 403), ("director", 200)])
def test_who_reads_the_list(login, school, places, user, status):
    _made(1)
    response = login(user).get("/backups/")
    assert response.status_code == status
    if status == 200:  # the director reads; makes, downloads and restores nothing
        assert "/download" not in response.text and "/backups/start" not in response.text


@pytest.mark.parametrize("user", ["teacher", "mum", "director", "deputy"])
def test_only_the_administrator_makes_downloads_and_restores(login, school, places, user):
    name = _made(1).path.name
    client = login(user)
    assert client.post("/backups/start").status_code == 403
    assert client.get(f"/backups/{name}/download").status_code == 403
    assert client.get(f"/backups/{name}/restore").status_code == 403
    assert client.post(f"/backups/{name}/restore", data={"confirm": name}).status_code == 403
    assert len(backups.backups()) == 1


@pytest.mark.parametrize("name", ["tabel-20261207-99", "..", "before-restore-20261207-200000",
                                  "tabel-20261207-200000", "tabel-2026120７-200000"])
def test_an_unknown_name_is_404(login, school, places, name):
    _made(1)
    client = login("admin")
    assert client.get(f"/backups/{name}/download").status_code == 404
    assert client.post(f"/backups/{name}/restore", data={"confirm": name}).status_code == 404


# -- a backup in the background ---------------------------------------------------------------

def test_start_makes_a_copy_through_every_stage(login, school, places, monkeypatch):
    stages = []
    write = backup_jobs._write
    monkeypatch.setattr(backup_jobs, "_write", lambda stage, *a, **k: (stages.append(stage),
                                                                        write(stage, *a, **k)))
    response = login("admin").post("/backups/start", headers=HX)
    assert response.status_code == 200
    assert stages == ["queued", "copying", "packing", "checking", "mirroring", "done"]
    assert 'data-stage="done"' in response.text and "every 1s" not in response.text
    made = backups.backups()
    assert len(made) == 1 and made[0][0].name in _names(response.text)
    assert not (places / "backups" / backup_jobs.LOCK_NAME).exists()
    assert db.session.query(AuditEvent).filter_by(action="backup.start").count() == 1


def test_without_htmx_start_answers_with_the_page(login, school, places):
    response = login("admin").post("/backups/start")
    assert response.status_code == 303 and response.headers["Location"].endswith("/backups/")


def test_a_second_start_is_refused_while_one_runs(login, school, places):
    backup_jobs._claim()
    backup_jobs._write("packing")
    client = login("admin")
    response = client.post("/backups/start", headers=HX)
    assert _refused(response) and 'role="alert"' in response.text
    assert backups.backups() == []
    # The page polls while it runs: the fragment alone for htmx, the whole page otherwise.
    fragment = client.get("/backups/", headers=HX).text
    assert 'hx-trigger="every 1s"' in fragment and 'data-stage="packing"' in fragment
    assert fragment.count('id="backups-live"') == 1 and "<html" not in fragment
    assert "<html" in client.get("/backups/").text
    # A poll that already shows this state gets 204 (nothing swapped, nothing re-announced);
    # a new stage comes with its words for the page's one live region.
    seen = backup_jobs.status().token
    assert client.get(f"/backups/?seen={seen}", headers=HX).status_code == 204
    backup_jobs._write("checking")
    fragment = client.get(f"/backups/?seen={seen}", headers=HX).text
    assert 'id="backup-announce" hx-swap-oob="innerHTML"' in fragment
    assert 'data-stage="checking"' in fragment


def test_a_stale_run_is_failed_and_a_new_start_takes_its_lock(login, school, places,
                                                              monkeypatch):
    backup_jobs._claim()
    backup_jobs._write("copying")
    later = clock.utcnow() + backup_jobs.STALE + dt.timedelta(minutes=1)
    monkeypatch.setattr(clock, "utcnow", lambda: later)
    state = backup_jobs.status()
    assert state.stage == "failed" and state.error == "stopped"
    assert login("admin").post("/backups/start", headers=HX).status_code == 200
    assert len(backups.backups()) == 1


def test_a_failed_backup_says_why_and_frees_the_lock(login, school, places, monkeypatch):
    def broken(**_kwargs):
        raise OSError(28, "No space left on device", str(places / "backups" / "x.partial"))
    monkeypatch.setattr(backups, "make_backup", broken)
    response = login("admin").post("/backups/start", headers=HX)
    assert 'data-stage="failed"' in response.text and "No space left on device" in response.text
    assert str(places) not in response.text  # no path reaches the page
    assert not (places / "backups" / backup_jobs.LOCK_NAME).exists()


def test_a_queue_that_cannot_be_reached_fails_the_run(login, school, places, monkeypatch):
    def unreachable():
        raise OSError("queue file")
    monkeypatch.setattr(backup_jobs, "make_backup_task", unreachable)
    login("admin").post("/backups/start", headers=HX)
    state = backup_jobs.status()
    assert state.stage == "failed" and state.error == "queue"


def test_a_database_that_cannot_be_copied_fails_the_run_with_the_reason(login, school, places,
                                                                         monkeypatch):
    def not_sqlite():
        raise backups.BackupError("Only a SQLite database file is copied by this command")
    monkeypatch.setattr(backups, "database_file", not_sqlite)
    response = login("admin").post("/backups/start", headers=HX)
    assert 'data-stage="failed"' in response.text and "Only a SQLite" in response.text
    assert backups.backups() == []


def test_on_postgresql_a_restore_is_left_to_the_command_line(login, school, places,
                                                              monkeypatch):
    client = login("admin")
    name = _backup_then_a_new_subject(client)
    (places / "backups" / name / backups.DB_NAME).unlink()  # a pg_dump copy has no such file
    page = client.get(f"/backups/{name}/restore").text
    assert "<dd>4</dd>" in page  # the rows its check recorded

    def not_sqlite():
        raise backups.BackupError("PostgreSQL")
    monkeypatch.setattr(backups, "database_file", not_sqlite)
    response = client.post(f"/backups/{name}/restore", data={"confirm": name})
    assert _refused(response) and 'role="alert"' in response.text and _subjects() == 3
    assert client.get(f"/backups/{name}/restored").status_code == 200


# -- download ---------------------------------------------------------------------------------

def test_the_administrator_downloads_a_copy_as_a_tar(login, school, places):
    made = _made(1)
    response = login("admin").get(f"/backups/{made.path.name}/download")
    assert response.status_code == 200 and response.mimetype == "application/x-tar"
    assert "no-store" in response.headers["Cache-Control"]
    with tarfile.open(fileobj=io.BytesIO(response.data)) as tar:
        names = sorted(tar.getnames())
        copy = tar.extractfile(f"{made.path.name}/{backups.DB_NAME}").read()
    assert names == sorted(f"{made.path.name}/{n}" for n in
                           (backups.CHECK_NAME, backups.DB_NAME, backups.FILES_NAME))
    assert copy == (made.path / backups.DB_NAME).read_bytes()
    row = db.session.query(AuditEvent).filter_by(action="backup.download").one()
    assert made.path.name in row.new


# -- restore ----------------------------------------------------------------------------------

def _backup_then_a_new_subject(client) -> str:
    # Made a minute ago: the restore's copy of the journal before it is named by its second.
    name = _made(minutes=1).path.name
    db.session.add(Subject(code="chess", name_ru="Шахматы", name_kk="Шахмат"))
    db.session.commit()
    return name


def test_the_restore_page_shows_what_the_copy_holds(login, school, places):
    client = login("admin")
    name = _backup_then_a_new_subject(client)
    page = client.get(f"/backups/{name}/restore").text
    assert f"/backups/{name}/restore" in page and 'name="confirm"' in page
    assert "<dd>4</dd>" in page  # four pupils


@pytest.mark.parametrize("word", ["", "yes", "tabel", "TABEL-20261207"])
def test_a_wrong_word_changes_nothing(login, school, places, word):
    client = login("admin")
    name = _backup_then_a_new_subject(client)
    response = client.post(f"/backups/{name}/restore", data={"confirm": word})
    assert _refused(response) and 'id="restore-error"' in response.text
    assert _subjects() == 3
    assert not list((places / "backups").glob("before-restore-*"))


def test_the_right_word_brings_the_copy_back(login, school, places):
    client = login("admin")
    name = _backup_then_a_new_subject(client)
    response = client.post(f"/backups/{name}/restore", data={"confirm": f" {name} "})
    assert response.status_code == 303 and response.headers["Location"].endswith(
        f"/backups/{name}/restored")
    assert _subjects() == 2  # the subject added after the copy is gone
    assert len(list((places / "backups").glob("before-restore-*"))) == 1
    page = client.get(f"/backups/{name}/restored")
    assert page.status_code == 200 and "<dd>4</dd>" in page.text
    db.session.expire_all()
    row = db.session.query(AuditEvent).filter_by(action="backup.restore").one()
    assert name in row.new and row.user_id is not None
    # The app reads the restored file on every later request, not the old one.
    assert client.get("/backups/").status_code == 200


def test_a_restore_waits_for_a_running_backup(login, school, places):
    client = login("admin")
    name = _backup_then_a_new_subject(client)
    backup_jobs._claim()
    backup_jobs._write("checking")
    response = client.post(f"/backups/{name}/restore", data={"confirm": name})
    assert _refused(response) and _subjects() == 3


def test_a_damaged_copy_is_not_restored(login, school, places):
    client = login("admin")
    name = _backup_then_a_new_subject(client)
    con = sqlite3.connect(places / "backups" / name / backups.DB_NAME)
    con.execute("DELETE FROM pupil")
    con.commit()
    con.close()
    response = client.post(f"/backups/{name}/restore", data={"confirm": name})
    assert _refused(response) and _subjects() == 3


def test_another_process_restoring_makes_this_one_reopen_the_file(app, login, school, places,
                                                                   monkeypatch):
    client = login("admin")
    client.get("/backups/")
    key = app.config["SQLALCHEMY_DATABASE_URI"]
    backup_jobs._seen_inode[key] = -1  # as if the file had been swapped under this process
    disposed = []
    monkeypatch.setattr(db.engine, "dispose", lambda *a, **k: disposed.append(1))
    client.get("/backups/")
    assert disposed == [1] and backup_jobs._seen_inode[key] != -1


# -- the home page ----------------------------------------------------------------------------

def test_the_home_page_warns_until_a_backup_is_made(login, school, places):
    client = login("admin")
    assert 'id="backup-home-warning"' in client.get("/office").text
    _made(20)
    assert 'id="backup-home-warning"' in client.get("/office").text
    client.post("/backups/start", headers=HX)
    assert 'id="backup-home-warning"' not in client.get("/office").text
    assert 'id="backup-home-warning"' not in login("deputy").get("/office").text


def test_the_home_page_reads_no_row_per_backup(login, school, places):
    client = login("admin")
    _made(2)
    client.get("/office")
    with count_queries() as one:
        client.get("/office")
    for days in (3, 4, 5):
        _made(days)
    with count_queries() as four:
        client.get("/office")
    assert len(four) == len(one)


def test_through_a_real_queue_the_worker_makes_the_copy(app, login, school, places):
    """The message is stored in Huey's file and run by a worker, as under `make run` (the
    consumer must import services.backup_jobs to know the task)."""
    from services.reports import jobs
    app.config.update(JOBS_IMMEDIATE=False, JOBS_DB=str(places / "jobs.sqlite3"))
    try:
        response = login("admin").post("/backups/start", headers=HX)
        assert 'hx-trigger="every 1s"' in response.text and 'data-stage="queued"' in response.text
        assert backups.backups() == []
        task = jobs.huey.dequeue()
        assert task.name.endswith("make_backup_task")
        jobs.huey.execute(task)
    finally:
        jobs.huey.storage.close()
        app.config.update(JOBS_IMMEDIATE=True, JOBS_DB=None)
        jobs.use_app(app)
    assert backup_jobs.status().stage == "done" and len(backups.backups()) == 1


def test_a_second_medium_that_cannot_be_read_is_said_without_its_path(login, school, places,
                                                                      monkeypatch):
    _made(1)

    def unmounted():
        raise PermissionError(13, "Permission denied", "/media/usb")
    monkeypatch.setattr(backups, "mirror_folder", unmounted)
    page = login("admin").get("/backups/").text
    assert "Permission denied" in page and "/media/usb" not in page
    assert len(_names(page)) == 1


def test_the_worker_reopens_the_file_before_a_task_after_a_restore(app, school, places,
                                                                   monkeypatch):
    from services.reports import jobs
    jobs.use_app(app)  # immediate mode: the task and its hooks run here, as in the worker
    backup_jobs._seen_inode[app.config["SQLALCHEMY_DATABASE_URI"]] = -1
    disposed = []
    monkeypatch.setattr(db.engine, "dispose", lambda *a, **k: disposed.append(1))
    backup_jobs.make_backup_task()
    assert disposed == [1] and backup_jobs.status().stage == "done"
