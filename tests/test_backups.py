"""Backups (issue 19): a consistent, checked, owner-only copy of the live database and the
attachments, made while the app writes; a second medium; the rotation; the command."""
from __future__ import annotations

import datetime as dt
import sqlite3
import tarfile
import threading

import pytest

from extensions import db
from models import AuditEvent, Pupil, Subject
from services import backups
from tests.conftest import ON_POSTGRES

pytestmark = pytest.mark.skipif(ON_POSTGRES, reason="the SQLite file's copy; on PostgreSQL the "
                                "pg_dump twins are in tests/test_postgres.py")


@pytest.fixture
def places(app, tmp_path):
    app.config["BACKUP_FOLDER"] = str(tmp_path / "backups")
    app.config["BACKUP_MIRROR"] = str(tmp_path / "usb")
    uploads = tmp_path / "uploads" / "corrections"
    uploads.mkdir(parents=True)
    (uploads / "scan.pdf").write_bytes(b"%PDF-1.4 scan")
    return tmp_path


def _mode(path) -> str:
    return oct(path.stat().st_mode & 0o777)


def test_a_checked_owner_only_copy_on_two_media(school, places):
    made = backups.make_backup(dt.datetime(2026, 12, 7, 20, 0, tzinfo=dt.UTC))
    assert made.ok and made.path.name == "tabel-20261207-200000"
    assert made.check.integrity == "ok" and made.check.tables["pupil"] == 4
    copy = sqlite3.connect(made.path / backups.DB_NAME)
    assert copy.execute("SELECT COUNT(*) FROM pupil").fetchone()[0] == 4
    copy.close()
    with tarfile.open(made.path / backups.FILES_NAME) as tar:
        assert "uploads/corrections/scan.pdf" in tar.getnames()
    assert _mode(made.path) == "0o700"
    for name in (backups.DB_NAME, backups.FILES_NAME, backups.CHECK_NAME):
        assert _mode(made.path / name) == "0o600", name
        assert _mode(made.mirror / name) == "0o600", name
    assert made.mirror == places / "usb" / made.path.name and made.mirror_check.ok


def test_the_copy_is_consistent_while_the_app_writes(school, places, app):
    stop = threading.Event()

    def writer() -> None:
        with app.app_context():
            while not stop.is_set():
                db.session.add(AuditEvent(action="bench.write", object_type="x", object_id=1))
                db.session.commit()
    thread = threading.Thread(target=writer)
    thread.start()
    try:
        made = [backups.make_backup(dt.datetime(2026, 12, 7, 20, n, tzinfo=dt.UTC))
                for n in range(3)]
    finally:
        stop.set()
        thread.join()
    # The counts read with the copy are the copy's own: nothing half-written slipped in.
    assert all(m.check.ok and not m.check.mismatched for m in made)


def test_a_damaged_copy_fails_its_check(school, places):
    made = backups.make_backup(dt.datetime(2026, 12, 7, 20, 0, tzinfo=dt.UTC))
    expected = dict(made.check.tables)
    con = sqlite3.connect(made.path / backups.DB_NAME)
    con.execute("DELETE FROM enrolment")
    con.commit()
    con.close()
    check = backups.verify(made.path, expected)
    assert not check.ok and check.mismatched == ["enrolment"]
    (made.path / backups.DB_NAME).write_bytes(b"not a database at all" * 100)
    assert not backups.verify(made.path, expected).ok


def test_rotation_keeps_days_and_months(school, places):
    start = dt.datetime(2026, 6, 1, 2, 0, tzinfo=dt.UTC)
    for n in range(0, 200, 3):  # a copy every third day for 200 days, two on some days
        backups.make_backup(start + dt.timedelta(days=n), keep_daily=1000, keep_monthly=1000)
        if n % 30 == 0:
            backups.make_backup(start + dt.timedelta(days=n, hours=5), keep_daily=1000,
                                keep_monthly=1000)
    removed = backups.rotate(backups.folder(), keep_daily=14, keep_monthly=12)
    kept = [moment for _path, moment in backups.backups()]
    days = {m.date() for m in kept}
    assert len(kept) == len(days)  # one copy per day at most: the newest of that day
    newest = sorted(days, reverse=True)
    assert newest[:14] == sorted({m.date() for m in kept if m.date() >= newest[13]},
                                 reverse=True)
    assert {(m.year, m.month) for m in kept} == {(2026, m) for m in range(6, 13)}
    assert removed and all(name.startswith("tabel-") for name in removed)


def test_only_sqlite_is_copied_by_the_command(app, school, places, monkeypatch):
    monkeypatch.setattr(backups, "database_file",
                        lambda: (_ for _ in ()).throw(backups.BackupError("PostgreSQL")))
    result = app.test_cli_runner().invoke(args=["backup"])
    assert result.exit_code != 0 and "PostgreSQL" in result.output


def test_the_command_reports_the_check(app, school, places):
    result = app.test_cli_runner().invoke(args=["backup"])
    assert result.exit_code == 0, result.output
    assert "check ok" in result.output and str(places / "usb") in result.output
    assert db.session.query(Pupil).count() == 4  # the live database is untouched


def test_restore_puts_the_copy_back_and_keeps_the_journal_before_it(app, school, places):
    made = backups.make_backup(dt.datetime(2026, 12, 7, 20, 0, tzinfo=dt.UTC))
    db.session.add(Subject(code="chess", name_ru="Шахматы", name_kk="Шахмат"))
    db.session.commit()
    (places / "uploads" / "corrections" / "scan.pdf").unlink()
    live = backups.database_file()
    with open(f"{live}-wal", "ab"):
        pass  # a stale WAL of the old file must not survive the swap
    restored = backups.restore(made.path)
    assert restored.tables["subject"] == 2 and restored.aside.name.startswith("before-restore-")
    assert db.session.query(Subject).count() == 2
    assert (places / "uploads" / "corrections" / "scan.pdf").read_bytes() == b"%PDF-1.4 scan"
    before = sqlite3.connect(restored.aside / backups.DB_NAME)
    assert before.execute("SELECT COUNT(*) FROM subject").fetchone()[0] == 3
    before.close()


def test_a_damaged_copy_is_refused_and_nothing_changes(app, school, places):
    made = backups.make_backup(dt.datetime(2026, 12, 7, 20, 0, tzinfo=dt.UTC))
    con = sqlite3.connect(made.path / backups.DB_NAME)
    con.execute("DELETE FROM pupil WHERE id IN (SELECT id FROM pupil LIMIT 1)")
    con.commit()
    con.close()
    with pytest.raises(backups.BackupError, match="failed its check"):
        backups.restore(made.path)
    assert db.session.query(Pupil).count() == 4
    assert not list((places / "backups").glob("before-restore-*"))


def test_the_restore_drill(app, school, places):
    runner = app.test_cli_runner()
    assert "no backup" in runner.invoke(args=["backup", "--verify-restore"]).output
    assert runner.invoke(args=["backup"]).exit_code == 0
    result = runner.invoke(args=["backup", "--verify-restore"])
    assert result.exit_code == 0 and "the same as when it was made" in result.output
    assert db.session.query(Pupil).count() == 4


def test_two_backups_in_the_same_second_take_two_names_and_leave_no_wal(app, school):
    moment = dt.datetime(2026, 11, 23, 10, 0, 0, tzinfo=dt.UTC)
    first = backups.make_backup(now=moment, rotation=False)
    second = backups.make_backup(now=moment, rotation=False)
    assert first.path != second.path
    assert second.path.name == "tabel-20261123-100001"
    for made in (first, second):
        assert made.check.ok
        assert sorted(p.name for p in made.path.iterdir()) == [
            "check.json", "tabel.sqlite3", "uploads.tar"]
