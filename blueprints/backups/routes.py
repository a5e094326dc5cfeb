"""The administrator's backups page (issue 19): the copies and their checks, a backup made in
the background (htmx polls its progress), a copy downloaded, a copy restored after a typed
confirmation. The work is services.backup_jobs' and services.backups'; who may is
services.policy's (the list: administrator and director; everything else: the administrator).
"""
from __future__ import annotations

import tarfile
from collections.abc import Iterator
from pathlib import Path

from flask import Blueprint, Response, abort, redirect, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from blueprints.common import is_htmx, render, require
from extensions import db
from services import audit, backup_jobs, clock, policy
from services.backup_jobs import BackupJobError

bp = Blueprint("backups", __name__, url_prefix="/backups")

# The names of services.backup_jobs.KEY_TABLES, in the order the page shows their counts.
KEY_TABLES = (("pupil", _l("Pupils")), ("lesson", _l("Lessons")), ("mark", _l("Marks")),
              ("attendance", _l("Attendance records")), ("audit_event", _l("Log entries")))
STAGES = {"queued": _l("Waiting for the worker"), "copying": _l("Copying the database"),
          "packing": _l("Packing the attachments"), "checking": _l("Checking the copy"),
          "mirroring": _l("Copying to the second medium"), "done": _l("Done"),
          "failed": _l("Failed")}
ERRORS = {"stopped": _l("The worker stopped before the backup was finished: start it again."),
          "queue": _l("The job queue is not available: check the server's worker."),
          "no_worker": _l("No worker took the backup: check that the server's worker runs."),
          "check": _l("The copy failed its check: see the list below.")}
CHUNK = 1 << 20


@bp.before_app_request
def _notice_restore() -> None:
    """Another process restored the database: drop connections that read the old file."""
    backup_jobs.notice_restore()


def size_text(size: int) -> str:
    """A file size in KB or MB, in the user's number format."""
    if size < 1 << 20:
        return _("%(n)s KB", n=format_decimal(max(1, round(size / 1024)) if size else 0))
    return _("%(n)s MB", n=format_decimal(round(size / (1 << 20), 1)))


def error_text(code: str) -> str:
    """A failed run's reason as the user reads it (a known code, else the error itself)."""
    return str(ERRORS[code]) if code in ERRORS else _("The backup failed: %(reason)s",
                                                       reason=code)


def _page(errors: list[str] | None = None, status: int = 200,
          state: backup_jobs.Status | None = None) -> Response:
    return render("backups/index.html", "live", status=status, listing=backup_jobs.listing(),
                  state=state or backup_jobs.status(), errors=errors or [], stages=STAGES,
                  key_tables=KEY_TABLES, size_text=size_text, error_text=error_text,
                  stamp=clock.stamp, announce=is_htmx())


@bp.get("/")
def index():
    """Every copy with its check and size, the last good one. htmx's poll names the state
    it shows (?seen=): unchanged, the answer is 204 and nothing is swapped, so a screen
    reader hears each stage once, not the page every second."""
    require(policy.can_read_backups(current_user))
    state = backup_jobs.status()
    if is_htmx() and state is not None and request.args.get("seen") == state.token:
        return Response(status=204)
    return _page(state=state)


@bp.post("/start")
def start():
    """Start a backup in the background; refused while one runs."""
    require(policy.can_manage_backups(current_user))
    try:
        backup_jobs.start(current_user)
    except BackupJobError as error:
        db.session.rollback()
        return _page([error.message], 422)
    db.session.commit()
    if is_htmx():
        return _page()
    return redirect(url_for("backups.index"), 303)


def _found(name: str) -> Path:
    """The administrator's backup folder by name, else 404 (after the 403 for others)."""
    require(policy.can_manage_backups(current_user))
    path = backup_jobs.find(name)
    if path is None:
        abort(404)
    return path


@bp.get("/<name>/download")
def download(name: str):
    """One backup as a .tar stream of its folder's files; audited."""
    path = _found(name)
    files = backup_jobs.files_of(path)
    audit.record(current_user, "backup", None, "download", {"name": name}, role="admin")
    db.session.commit()
    response = Response(_tar(name, files), mimetype="application/x-tar")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.tar"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _tar(name: str, files: list[Path]) -> Iterator[bytes]:
    """A tar written as it is sent: a header, the file in chunks, padding; never the
    whole backup in memory."""
    for file in files:
        info = tarfile.TarInfo(f"{name}/{file.name}")
        stat = file.stat()
        info.size, info.mtime, info.mode = stat.st_size, int(stat.st_mtime), 0o600
        yield info.tobuf(format=tarfile.PAX_FORMAT)
        with file.open("rb") as data:
            while chunk := data.read(CHUNK):
                yield chunk
        yield b"\0" * (-info.size % tarfile.BLOCKSIZE)
    yield b"\0" * (2 * tarfile.BLOCKSIZE)


@bp.route("/<name>/restore", methods=["GET", "POST"])
def restore(name: str):
    """What the copy holds and the confirmation; the typed name restores it."""
    path = _found(name)
    errors, status = [], 200
    if request.method == "POST":
        if request.form.get("confirm", "").strip() != name:
            errors, status = [_("The name typed is not this backup's name: nothing was "
                                "restored.")], 422
        else:
            try:
                _restore(path)
                return redirect(url_for("backups.restored", name=name), 303)
            except BackupJobError as error:
                errors, status = [error.message], 422
    return render("backups/restore.html", status=status, name=name, errors=errors,
                  made_at=backup_jobs.moment(name), key_tables=KEY_TABLES, stamp=clock.stamp,
                  contents=backup_jobs.backup_contents(path))


def _restore(path: Path) -> None:
    """Restore and audit it in the restored journal. The next request loads the user from
    that journal: this one's objects belong to the file that was replaced."""
    user_id = current_user.id
    restored = backup_jobs.restore(path)
    backup_jobs.record_restore(user_id, path.name, restored.aside)
    db.session.commit()


@bp.get("/<name>/restored")
def restored(name: str):
    """After a restore: what the journal holds now."""
    _found(name)
    return render("backups/restored.html", name=name, made_at=backup_jobs.moment(name),
                  contents=backup_jobs.live_contents(), key_tables=KEY_TABLES, stamp=clock.stamp)
