"""Backups of the journal (issue 19; DOMAIN.md 4 "Backups", 001 VI): a consistent copy of the
live SQLite database made while the app serves (SQLite's online backup, read inside one read
transaction so the row counts and the copy are the same snapshot), the attachments under the
uploads folder, a check of the copy (PRAGMA integrity_check, every table's row count
compared), owner-only permissions, a second copy on another medium, and a rotation.

A backup is a folder named by the moment (tabel-YYYYMMDD-HHMMSS) holding tabel.sqlite3,
uploads.tar and check.json (what was checked and the result). Nothing here commits or
touches the application's session: the copy reads the database file through its own
connection.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sqlite3
import tarfile
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from flask import current_app

from extensions import db
from services import backups_pg  # pg_dump copies on PostgreSQL (it imports this module back)

PREFIX = "tabel-"
STAMP = "%Y%m%d-%H%M%S"
DB_NAME = "tabel.sqlite3"
FILES_NAME = "uploads.tar"
CHECK_NAME = "check.json"
KEEP_DAILY = 14
KEEP_MONTHLY = 12


class BackupError(RuntimeError):
    """A backup could not be made here (e.g. the database is not a SQLite file)."""


@dataclass
class Check:
    """What one copy's check found."""

    ok: bool
    integrity: str
    tables: dict[str, int] = field(default_factory=dict)
    mismatched: list[str] = field(default_factory=list)
    size: int = 0


@dataclass
class Backup:
    """One backup folder and its check, and the same on the second medium (if any)."""

    path: Path
    made_at: dt.datetime
    check: Check
    mirror: Path | None = None
    mirror_check: Check | None = None
    removed: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.check.ok and (self.mirror is None or bool(self.mirror_check
                                                              and self.mirror_check.ok))


def database_file() -> Path:
    """The live SQLite file, or BackupError for another database."""
    url = db.engine.url
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        raise BackupError("Only a SQLite database file is copied by this command; on "
                          "PostgreSQL use pg_dump (see the README).")
    return Path(url.database)


def folder() -> Path:
    """Where backups go: BACKUP_FOLDER, by default instance/backups (owner-only)."""
    return _owner_only_dir(Path(current_app.config.get("BACKUP_FOLDER")
                                or Path(current_app.instance_path) / "backups"))


def mirror_folder() -> Path | None:
    """The second medium (another disk, a share, a USB drive): BACKUP_MIRROR, or none."""
    value = current_app.config.get("BACKUP_MIRROR") or os.environ.get("TABEL_BACKUP_MIRROR")
    return _owner_only_dir(Path(value)) if value else None


def make_backup(now: dt.datetime | None = None, keep_daily: int = KEEP_DAILY,
                keep_monthly: int = KEEP_MONTHLY, rotation: bool = True,
                progress: Callable[[str], None] | None = None) -> Backup:
    """Copy the database and the attachments, check the copy, mirror it, rotate old ones
    (rotation=False: the copy a restore keeps aside, which no rotation removes).
    `progress` hears each stage's name as it starts: copying, packing, checking, mirroring
    (the administrator's page shows them)."""
    stage = progress or (lambda _name: None)
    now = now or dt.datetime.now(dt.UTC)
    copy = _copier()
    target, work = _claim_name(now)
    stage("copying")
    counts = copy(work)
    stage("packing")
    _pack_uploads(work / FILES_NAME)
    stage("checking")
    check = verify(work, counts)
    _write_check(work, now, check)
    work.rename(target)  # a half-made copy never carries a backup's name
    backup = Backup(target, now, check)
    mirror = mirror_folder() if rotation else None
    if mirror is not None:
        stage("mirroring")
        backup.mirror = mirror / target.name
        shutil.copytree(target, backup.mirror, copy_function=shutil.copy2)
        _owner_only_tree(backup.mirror)
        backup.mirror_check = verify(backup.mirror, counts)
        _write_check(backup.mirror, now, backup.mirror_check)
    if rotation:
        backup.removed = rotate(folder(), keep_daily, keep_monthly)
    if mirror is not None:
        backup.removed += rotate(mirror, keep_daily, keep_monthly)
    return backup


def _claim_name(now: dt.datetime) -> tuple[Path, Path]:
    """The copy's name and its work folder, made here: two backups started in the same
    second (the nightly one and the page's button) take the next free second, never each
    other's folder (mkdir is atomic: only one process makes a given folder)."""
    _owner_only_dir(folder())
    for shift in range(60):
        target = folder() / f"{PREFIX}{(now + dt.timedelta(seconds=shift)).strftime(STAMP)}"
        work = target.with_name(target.name + ".partial")
        if target.exists():
            continue
        try:
            work.mkdir(mode=0o700)
        except FileExistsError:
            continue
        os.chmod(work, 0o700)
        return target, work
    raise BackupError("Too many backups are being made at once: try again in a minute.")


def _copier() -> Callable[[Path], dict[str, int]]:
    """How this database goes into a backup folder: pg_dump on PostgreSQL (services/
    backups_pg.py), else SQLite's online backup (BackupError before any folder is made)."""
    if backups_pg.active():
        return lambda work: backups_pg.dump(work / backups_pg.DUMP_NAME)
    source = database_file()
    return lambda work: _copy_database(source, work / DB_NAME)


def _copy_database(source: Path, target: Path) -> dict[str, int]:
    """SQLite's online backup of the live file, and the row count of every table, both read
    in one read transaction: the same snapshot, whatever the app writes meanwhile."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, isolation_level=None)
    dst = sqlite3.connect(target)
    try:
        src.execute("BEGIN")
        counts = _counts(src)
        src.backup(dst)
        src.execute("COMMIT")
        # The copy is a single file: checking or downloading it leaves no -wal/-shm beside it.
        dst.execute("PRAGMA journal_mode = DELETE")
    finally:
        dst.close()
        src.close()
    os.chmod(target, 0o600)
    return counts


def _counts(con: sqlite3.Connection) -> dict[str, int]:
    names = [r[0] for r in con.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "ORDER BY name")]
    return {n: con.execute(f'SELECT COUNT(*) FROM "{n}"').fetchone()[0] for n in names}


def _pack_uploads(target: Path) -> None:
    """The attachments (scanned documents, report files) as one tar, owner-only."""
    uploads = Path(current_app.config.get("UPLOAD_FOLDER")
                   or Path(current_app.instance_path) / "uploads")
    with tarfile.open(target, "w") as tar:
        if uploads.is_dir():
            tar.add(uploads, arcname="uploads")
    os.chmod(target, 0o600)


def verify(path: Path, expected: dict[str, int] | None = None) -> Check:
    """Check a backup folder: the copy opens, PRAGMA integrity_check says ok, and (when
    given) every table holds the rows the live database held at the copy's moment."""
    if (path / backups_pg.DUMP_NAME).is_file():
        return backups_pg.verify(path, expected)
    copy = path / DB_NAME
    if not copy.is_file():
        return Check(False, "missing")
    con = sqlite3.connect(f"file:{copy}?mode=ro", uri=True)
    try:
        integrity = con.execute("PRAGMA integrity_check").fetchone()[0]
        tables = _counts(con)
    except sqlite3.DatabaseError as error:
        return Check(False, str(error))
    finally:
        con.close()
    mismatched = sorted(n for n in set(tables) | set(expected or {})
                        if expected is not None and tables.get(n) != expected.get(n))
    size = sum(f.stat().st_size for f in path.iterdir() if f.is_file())
    return Check(integrity == "ok" and not mismatched, integrity, tables, mismatched, size)


def _write_check(path: Path, now: dt.datetime, check: Check) -> None:
    out = path / CHECK_NAME
    out.write_text(json.dumps({"made_at": now.isoformat(), **asdict(check)},
                              ensure_ascii=False, indent=1), encoding="utf-8")
    os.chmod(out, 0o600)


def backups(where: Path | None = None) -> list[tuple[Path, dt.datetime]]:
    """The backup folders of a place with their moments, newest first."""
    place = where or folder()
    found = []
    for entry in place.iterdir() if place.is_dir() else []:
        if entry.is_dir() and entry.name.startswith(PREFIX) and "." not in entry.name:
            try:
                moment = dt.datetime.strptime(entry.name[len(PREFIX):], STAMP)
            except ValueError:
                continue
            found.append((entry, moment))
    return sorted(found, key=lambda item: item[1], reverse=True)


def rotate(place: Path, keep_daily: int, keep_monthly: int) -> list[str]:
    """Keep the newest copy of each of the last keep_daily days that have one and of each
    of the last keep_monthly months; remove the rest. The names removed."""
    keep: set[Path] = set()
    days: list[dt.date] = []
    months: list[tuple[int, int]] = []
    for path, moment in backups(place):
        day, month = moment.date(), (moment.year, moment.month)
        if day not in days and len(days) < keep_daily:
            days.append(day)
            keep.add(path)
        if month not in months and len(months) < keep_monthly:
            months.append(month)
            keep.add(path)
    removed = []
    for path, _moment in backups(place):
        if path not in keep:
            shutil.rmtree(path)
            removed.append(path.name)
    return removed


def _owner_only_dir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, 0o700)
    return path


def _owner_only_tree(path: Path) -> None:
    os.chmod(path, 0o700)
    for item in path.rglob("*"):
        os.chmod(item, 0o700 if item.is_dir() else 0o600)


@dataclass
class Restored:
    """What a restore did and what the restored journal holds."""

    source: Path
    aside: Path | None
    tables: dict[str, int]
    last_change: str | None  # the newest audit row's time: the journal's last entry


def restore(path: Path, into: Path | None = None) -> Restored:
    """Put a backup back: check it, keep the current database aside (as a backup folder of
    its own), swap the file atomically, drop the old -wal and -shm files (they belong to
    the old file and would corrupt the new one) and unpack the attachments. `into` restores
    somewhere else instead (the restore drill); the live database is then untouched.
    Stop the server first: open connections would keep writing to the old file."""
    if backups_pg.active():
        return backups_pg.restore(path)
    expected = _expected(path)
    check = verify(path, expected)
    if not check.ok:
        raise BackupError(f"The copy in {path} failed its check ({check.integrity}; "
                          f"{', '.join(check.mismatched) or 'no table differs'}): nothing "
                          "was restored.")
    target = into or database_file()
    aside = None
    if into is None:
        aside = make_backup(rotation=False).path
        aside = aside.rename(aside.with_name(aside.name.replace(PREFIX, "before-restore-")))
        db.session.remove()
        db.engine.dispose()
    temporary = target.with_name(target.name + ".restoring")
    shutil.copyfile(path / DB_NAME, temporary)
    os.chmod(temporary, 0o600)
    for suffix in ("-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    os.replace(temporary, target)
    _unpack_uploads(path / FILES_NAME, target.parent / "uploads" if into else None)
    con = sqlite3.connect(f"file:{target}?mode=ro", uri=True)
    try:
        tables = _counts(con)
        last = con.execute("SELECT MAX(at) FROM audit_event").fetchone()[0] \
            if "audit_event" in tables else None
    finally:
        con.close()
    return Restored(path, aside, tables, last)


def _expected(path: Path) -> dict[str, int] | None:
    """The row counts the copy's check.json recorded when it was made."""
    try:
        return json.loads((path / CHECK_NAME).read_text(encoding="utf-8"))["tables"]
    except (OSError, ValueError, KeyError):
        return None


def _unpack_uploads(archive: Path, where: Path | None) -> None:
    """The attachments of the copy in place of the current ones (kept aside as .old)."""
    uploads = where or Path(current_app.config.get("UPLOAD_FOLDER")
                            or Path(current_app.instance_path) / "uploads")
    if not archive.is_file():
        return
    unpacked = uploads.with_name(uploads.name + ".restoring")
    shutil.rmtree(unpacked, ignore_errors=True)
    unpacked.mkdir(parents=True, mode=0o700)
    with tarfile.open(archive) as tar:
        tar.extractall(unpacked, filter="data")  # no absolute paths, no ../, no devices
    old = uploads.with_name(uploads.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if uploads.exists():
        uploads.rename(old)
    if (unpacked / "uploads").exists():
        (unpacked / "uploads").rename(uploads)
    else:
        uploads.mkdir(mode=0o700)
    shutil.rmtree(unpacked, ignore_errors=True)


def verify_restore() -> tuple[Path, Restored, bool]:
    """The restore drill: the newest backup restored into a temporary folder and compared
    with what its check recorded. (backup folder, what the restore holds, equal?)"""
    import tempfile
    found = backups()
    if not found:
        raise BackupError("There is no backup to try yet.")
    newest = found[0][0]
    if backups_pg.active():
        return backups_pg.verify_restore(newest)
    with tempfile.TemporaryDirectory() as place:
        restored = restore(newest, into=Path(place) / DB_NAME)
    return newest, restored, restored.tables == _expected(newest)
