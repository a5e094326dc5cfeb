"""The administrator's backups (issue 19): what the backups page lists, a backup made in the
background with its progress, and a restore asked for from the page.

The list is read from the folders alone (services.backups' layout and each copy's
check.json): no database query per backup, so the home page's warning costs a folder listing.

One backup runs at a time. Starting one creates `running.lock` in the backup folder with
O_EXCL (two clicks, two processes: one wins) and writes `status.json` beside it; the Huey task
(the report worker's queue, services.reports.jobs) moves the status through the stages of
services.backups.make_backup and removes the lock when it ends. A lock whose status has not
moved for STALE belongs to a worker that stopped: the page says so and a new start may take
it over.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import os
import re
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _

from extensions import db
from models import User
from services import audit, backups, clock, notice_jobs, school  # noqa: F401
from services.reports.jobs import _app, huey, use_app

# notice_jobs above: the worker started on this module runs the notices' minute too (issue 20).

log = logging.getLogger(__name__)
STATUS_NAME = "status.json"
LOCK_NAME = "running.lock"
STALE = dt.timedelta(hours=2)  # a status that has not moved for this long: its worker stopped
# Queued this long: no worker takes it (not running, or it does not know the task).
STALE_QUEUED = dt.timedelta(minutes=30)
DEFAULT_WARN_DAYS = 14
NAME = re.compile(r"^tabel-[0-9]{8}-[0-9]{6}$")
FINISHED = ("done", "failed")
REASON_MAX = 300
# The tables a person recognises: their rows are shown before and after a restore.
KEY_TABLES = ("pupil", "lesson", "mark", "attendance", "audit_event")


class BackupJobError(Exception):
    """A start or a restore that cannot be done now; .message is for the user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# -- the list ----------------------------------------------------------------------------------

@dataclass
class Entry:
    """One backup as the page lists it: the copy in BACKUP_FOLDER and/or on the mirror."""

    name: str
    made_at: dt.datetime  # aware, UTC (the folder's name)
    size: int = 0
    ok: bool | None = None  # the check recorded in check.json; None: no check recorded
    integrity: str = ""
    tables: dict[str, int] = field(default_factory=dict)
    mismatched: list[str] = field(default_factory=list)
    here: bool = False  # a copy in BACKUP_FOLDER
    mirror: bool | None = None  # a copy on the mirror; None when no mirror is set
    mirror_ok: bool | None = None

    @property
    def good(self) -> bool:
        return bool(self.ok or self.mirror_ok)


@dataclass
class Listing:
    """Every backup, newest first, and what the page's headline says about them."""

    entries: list[Entry]
    warn_days: int
    mirror_error: str = ""  # the mirror is set but cannot be read (a USB drive not mounted)

    @property
    def last_good(self) -> Entry | None:
        return next((e for e in self.entries if e.good), None)

    @property
    def too_old(self) -> bool:
        last = self.last_good
        return last is None or clock.utcnow() - last.made_at > dt.timedelta(days=self.warn_days)


def listing(warn_days: int | None = None) -> Listing:
    """The backups of BACKUP_FOLDER and of the mirror, merged by name, newest first."""
    found: dict[str, Entry] = {}
    for path, moment in backups.backups():
        entry = found.setdefault(path.name, _entry(path, moment))
        entry.here = True
    mirror_error, place = "", None
    try:
        place = backups.mirror_folder()
        mirrored = backups.backups(place) if place else []
    except OSError as error:
        mirror_error, mirrored = _reason(error), []
    for path, moment in mirrored:
        entry = found.setdefault(path.name, Entry(path.name, moment.replace(tzinfo=dt.UTC)))
        entry.mirror, entry.mirror_ok = True, _check(path).get("ok")
        if not entry.here:
            _fill(entry, path)
    for entry in found.values():
        if place is not None and entry.mirror is None:
            entry.mirror = False
    entries = sorted(found.values(), key=lambda e: e.made_at, reverse=True)
    return Listing(entries, warn_days or school_warn_days(), mirror_error)


def _entry(path: Path, moment: dt.datetime) -> Entry:
    entry = Entry(path.name, moment.replace(tzinfo=dt.UTC))
    _fill(entry, path)
    return entry


def _fill(entry: Entry, path: Path) -> None:
    """Size from the files themselves, the check as check.json recorded it."""
    check = _check(path)
    with contextlib.suppress(OSError):  # removed by a rotation while the page reads it
        entry.size = sum(f.stat().st_size for f in path.iterdir() if f.is_file())
    entry.ok, entry.integrity = check.get("ok"), str(check.get("integrity", ""))
    entry.tables, entry.mismatched = check.get("tables") or {}, check.get("mismatched") or []


def _check(path: Path) -> dict:
    try:
        data = json.loads((path / backups.CHECK_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def school_warn_days() -> int:
    """School.backup_warn_days (one query), or the default before the school card exists."""
    card = school.the_school()
    return card.backup_warn_days if card is not None and card.backup_warn_days \
        else DEFAULT_WARN_DAYS


def find(name: str) -> Path | None:
    """A backup folder by its name, here or else on the mirror; None for any other name."""
    if not NAME.match(name or ""):
        return None
    places = [backups.folder()]
    with contextlib.suppress(OSError):  # a mirror that cannot be read holds nothing to find
        places.append(backups.mirror_folder())
    for place in places:
        if place is not None and (place / name).is_dir() and not (place / name).is_symlink():
            return place / name
    return None


def files_of(path: Path) -> list[Path]:
    """The files a download of a backup carries: its regular files (no symlink can lead out
    of the folder), without SQLite's -shm index and an empty -wal, which opening the copy
    to check it leaves beside it and which a restore does not need."""
    def needed(file: Path) -> bool:
        if file.name.endswith("-shm"):
            return False
        return not file.name.endswith("-wal") or file.stat().st_size > 0
    return [f for f in sorted(path.iterdir())
            if f.is_file() and not f.is_symlink() and needed(f)]


def moment(name: str) -> dt.datetime | None:
    """When a backup was made (aware, UTC), read from its name."""
    try:
        return dt.datetime.strptime(name[len(backups.PREFIX):], backups.STAMP).replace(
            tzinfo=dt.UTC) if NAME.match(name) else None
    except ValueError:
        return None


@dataclass
class Contents:
    """What a journal file holds, as shown before and after a restore."""

    tables: dict[str, int]
    last_lesson: dt.date | None
    last_change: str | None  # the newest log row's time


def contents(db_file: Path, recorded: dict[str, int] | None = None) -> Contents:
    """Open a journal file read-only: the rows of the tables the page names, its latest
    lesson and its latest logged change. A copy that is no SQLite file (a PostgreSQL dump)
    or cannot be read shows the rows its check recorded."""
    tables: dict[str, int] = {}
    last = change = None
    try:
        con = sqlite3.connect(f"file:{db_file}?mode=ro", uri=True)
        try:
            for name in KEY_TABLES:
                tables[name] = con.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0]
            last = con.execute("SELECT MAX(date) FROM lesson").fetchone()[0]
            last = dt.date.fromisoformat(last[:10]) if last else None
            change = con.execute("SELECT MAX(at) FROM audit_event").fetchone()[0]
        finally:
            con.close()
    except (sqlite3.Error, ValueError):
        tables = {k: v for k, v in (recorded or {}).items() if k in KEY_TABLES}
    return Contents(tables, last, change)


def backup_contents(path: Path) -> Contents:
    """What a backup folder holds (before a restore)."""
    return contents(path / backups.DB_NAME, _check(path).get("tables"))


# -- a backup in the background ----------------------------------------------------------------

@dataclass
class Status:
    """The latest background backup: its stage, when it moved, the copy made or the error."""

    stage: str
    updated_at: dt.datetime
    name: str = ""
    error: str = ""

    @property
    def running(self) -> bool:
        return self.stage not in FINISHED

    @property
    def token(self) -> str:
        """Changes whenever the status does (the page's poll compares it)."""
        return f"{self.stage}-{self.updated_at.timestamp():.6f}"


def status() -> Status | None:
    """The latest run's status; a run whose lock is gone or stale reads as failed."""
    try:
        data = json.loads((backups.folder() / STATUS_NAME).read_text(encoding="utf-8"))
        state = Status(str(data["stage"]), dt.datetime.fromisoformat(data["updated_at"]),
                       str(data.get("name", "")), str(data.get("error", "")))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if state.running and (not _lock().exists() or _stale(state)):
        state.error = "no_worker" if state.stage == "queued" else "stopped"
        state.stage = "failed"
    return state


def _stale(state: Status) -> bool:
    return clock.utcnow() - state.updated_at > (STALE_QUEUED if state.stage == "queued"
                                                 else STALE)


def _lock() -> Path:
    return backups.folder() / LOCK_NAME


def _write(stage: str, name: str = "", error: str = "") -> None:
    """The status, replaced atomically (the page never reads half a file), owner-only."""
    target = backups.folder() / STATUS_NAME
    temporary = target.with_name(STATUS_NAME + ".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump({"stage": stage, "updated_at": clock.utcnow().isoformat(), "name": name,
                   "error": error[:REASON_MAX]}, out)
    os.replace(temporary, target)


def _claim() -> None:
    """Take the lock, or BackupJobError while another backup runs (a stale lock is taken
    over: its worker stopped)."""
    try:
        os.close(os.open(_lock(), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        return
    except FileExistsError:
        state = status()
        if state is not None and state.running:
            raise BackupJobError(_("A backup is being made already: wait until it "
                                   "finishes.")) from None
    _lock().unlink(missing_ok=True)  # a stopped worker's lock
    os.close(os.open(_lock(), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def start(user: User) -> None:
    """Queue a backup (SQLite's online copy, or pg_dump on PostgreSQL: services.backups
    chooses), or make it now in immediate mode; audited, not committed.
    Raises BackupJobError while one runs."""
    _claim()
    _write("queued")
    audit.record(user, "backup", None, "start", role="admin")
    use_app(current_app)
    try:
        make_backup_task()
    except Exception:  # the queue's file: disk full, no permission...
        log.exception("the backup could not be queued")
        _write("failed", error="queue")
        _lock().unlink(missing_ok=True)


@huey.task()
def make_backup_task() -> None:
    """The queued task: make a backup (see run)."""
    with _app().app_context():
        run()


def run() -> None:
    """Make a backup, telling each stage to status.json. Never raises: whatever goes
    wrong ends the status "failed" with the reason; the lock goes either way."""
    try:
        made = backups.make_backup(progress=_write)
        _write("done" if made.ok else "failed", made.path.name,
               "" if made.ok else "check")
    except Exception as error:
        log.exception("the background backup failed")
        _write("failed", error=_reason(error))
    finally:
        _lock().unlink(missing_ok=True)


def _reason(error: Exception) -> str:
    """What the administrator reads: the system's words for a disk error ("No space left on
    device"), never a path (the log has the whole error)."""
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    if isinstance(error, backups.BackupError):  # written for a person (e.g. pg_dump missing)
        return str(error)
    return type(error).__name__


@huey.on_startup()
def _on_worker_start() -> None:
    """A lock left by a worker that stopped mid-backup: the run failed, the lock goes. The
    database file's identity is noted, for _reopen_after_restore."""
    with _app().app_context():
        notice_restore()
        if _lock().exists():
            _write("failed", error="stopped")
            _lock().unlink(missing_ok=True)


@huey.pre_execute()
def _reopen_after_restore(_task) -> None:
    """The worker serves no request, so before each task: after a restore made by the server,
    its pooled connections would still read and write the replaced file."""
    with _app().app_context():
        notice_restore()


# -- a restore asked for from the page ---------------------------------------------------------

def restore(path: Path) -> backups.Restored:
    """Put a backup back (services.backups.restore: checked, the journal before it kept
    aside, the file swapped atomically), then make this process's engine open the new file.
    Raises BackupJobError on PostgreSQL, while a backup runs, or when the copy fails its
    check; nothing is changed then."""
    try:
        backups.database_file()
    except backups.BackupError:
        raise BackupJobError(_("On PostgreSQL a restore is done by the command line "
                               "(flask restore): see the README.")) from None
    state = status()
    if state is not None and state.running:
        raise BackupJobError(_("A backup is being made: restore when it has finished."))
    try:
        restored = backups.restore(path)
    except backups.BackupError:
        raise BackupJobError(_("This copy failed its check: nothing was restored.")) from None
    db.session.remove()
    db.engine.dispose()  # pooled connections still read the old file
    _seen_inode[current_app.config["SQLALCHEMY_DATABASE_URI"]] = _inode()
    return restored


def record_restore(user_id: int, name: str, aside: Path | None) -> None:
    """The restore's row in the restored journal's log (the user as that journal knows
    them, if it does); not committed."""
    user = db.session.get(User, user_id)
    audit.record(user, "backup", None, "restore",
                 {"name": name, "aside": aside.name if aside else ""}, role="admin")


def live_contents() -> Contents:
    """What the live journal holds (after a restore); nothing to show on PostgreSQL, where
    the page does not restore."""
    try:
        return contents(backups.database_file())
    except backups.BackupError:
        return Contents({}, None, None)


_seen_inode: dict[str, int | None] = {}


def _inode() -> int | None:
    try:
        return backups.database_file().stat().st_ino
    except (OSError, backups.BackupError):
        return None


def notice_restore() -> None:
    """Called before each request: when another process restored the database (the file's
    inode changed), drop this process's pooled connections so they open the new file."""
    key = current_app.config["SQLALCHEMY_DATABASE_URI"]
    inode = _inode()
    if key in _seen_inode and _seen_inode[key] != inode:
        db.engine.dispose()
    _seen_inode[key] = inode
