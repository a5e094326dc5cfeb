"""Hard copies of a parallel or the whole school, made in the background (issue 18, report 7).

A small job queue: Huey with its SQLite storage (no broker to run). The server writes a
ReportJob row and puts its id on the queue; the worker (`huey_consumer
services.reports.jobs.huey`, started by `make run`) prints each class with
services.reports.hardcopy.hard_copy_pdf into one ZIP under the instance folder, counting
progress on the row in a short transaction per class, so journal saves never wait behind it.

Settings: TABEL_JOBS_DB (environment) names the queue's file, by default
instance/jobs.sqlite3; the app config's JOBS_DB does the same for a process that enqueues,
and JOBS_IMMEDIATE (by default on under TESTING) runs each job at once in the asking process.

A class that cannot be printed does not stop the batch: the others are printed, the job ends
"done" and lists that class with its reason. The job ends "failed" only when not one class
could be printed or the file itself could not be written.
"""
from __future__ import annotations

import datetime as dt
import logging
import os
import secrets
import zipfile
from pathlib import Path

from flask import Flask, current_app, has_app_context
from flask_babel import force_locale
from flask_babel import gettext as _
from huey import SqliteHuey
from huey.storage import SqliteStorage
from sqlalchemy import select

from extensions import db
from models import SchoolClass, StudyPeriod, User
from models.jobs import ReportJob
from services.reports.filters import period_of_class

log = logging.getLogger(__name__)
REASON_MAX = 300
KEEP_DAYS = 14  # a finished batch's file is kept this long


def _queue_file() -> str:
    return os.environ.get("TABEL_JOBS_DB") or str(
        Path(__file__).resolve().parents[2] / "instance" / "jobs.sqlite3")


class _Storage(SqliteStorage):
    """Huey's SQLite storage whose file and tables are made on first use, not at import
    (the server, the tests and every CLI command import this module)."""

    def __init__(self, name: str, **kwargs):
        super().__init__(name, create_tables=False, **kwargs)

    def _create_connection(self):
        Path(self.filename).parent.mkdir(parents=True, exist_ok=True)
        conn = super()._create_connection()
        for sql in self.ddl:
            conn.execute(sql)
        return conn


huey = SqliteHuey("tabel-reports", filename=_queue_file(), storage_class=_Storage,
                  results=False)


class JobError(Exception):
    """A batch that cannot be asked for; .message is for the user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# -- the server's side ----------------------------------------------------------------------

def create(user: User, period: StudyPeriod, classes: list[SchoolClass], grade: int | None,
           locale: str) -> ReportJob:
    """A queued job for these classes (already checked by the caller); not committed.
    Raises JobError when there is no class to print."""
    if not classes:
        raise JobError(_("There are no classes to print for this choice."))
    job = ReportJob(kind="hardcopy", requested_by=user.id, class_ids=[c.id for c in classes],
                    period_id=period.id, grade=grade, locale=locale, total=len(classes),
                    failures=[], error="")
    db.session.add(job)
    db.session.flush()
    return job


def enqueue(job: ReportJob) -> None:
    """Hand a committed job to the worker (or run it now in immediate mode). A queue that
    cannot be reached fails the job with the reason instead of leaving it waiting."""
    use_app(current_app)
    try:
        make_hardcopies(job.id)
    except Exception:  # the queue's file: disk full, no permission...
        log.exception("report job %s could not be queued", job.id)
        db.session.rollback()
        _finish(db.session.get(ReportJob, job.id), "failed",
                _("The job queue is not available: ask the administrator to check the server."))


def use_app(app: Flask) -> None:
    """Point the queue at the app's settings (JOBS_IMMEDIATE, JOBS_DB; see the module)."""
    filename = app.config.get("JOBS_DB") or _queue_file()
    moved = huey.storage_kwargs.get("filename") != filename
    huey.storage_kwargs["filename"] = filename
    huey.immediate = bool(app.config.get("JOBS_IMMEDIATE", app.testing))
    if moved and not huey.immediate:
        huey.storage = huey.create_storage()


def recent(user: User, limit: int = 10) -> list[ReportJob]:
    """The user's latest jobs, newest first."""
    return list(db.session.scalars(
        select(ReportJob).where(ReportJob.requested_by == user.id)
        .order_by(ReportJob.created_at.desc(), ReportJob.id.desc()).limit(limit)))


def classes_of(job: ReportJob) -> list[SchoolClass]:
    """The job's classes that still exist, in the order they were asked."""
    found = {c.id: c for c in db.session.scalars(
        select(SchoolClass).where(SchoolClass.id.in_(job.class_ids)))}
    return [found[i] for i in job.class_ids if i in found]


def result_path(job: ReportJob) -> Path | None:
    """The finished ZIP of a job, or None (not done, or its file is gone)."""
    key = job.result_key or ""
    if job.status != "done" or not key or "/" in key or "\\" in key or key.startswith("."):
        return None
    path = folder() / key
    return path if path.is_file() else None


def download_name(job: ReportJob) -> str:
    """hardcopies-5-2026-11-23.zip (a parallel) or hardcopies-school-2026-11-23.zip."""
    scope = str(job.grade) if job.grade is not None else "school"
    return f"hardcopies-{scope}-{job.created_at.date().isoformat()}.zip"


def folder() -> Path:
    """Where finished files live: UPLOAD_FOLDER (by default instance/uploads)/reports,
    readable by the server's user only."""
    base = Path(current_app.config.get("UPLOAD_FOLDER")
                or Path(current_app.instance_path) / "uploads") / "reports"
    base.mkdir(parents=True, exist_ok=True, mode=0o700)
    return base


# -- the worker's side ----------------------------------------------------------------------

@huey.task()
def make_hardcopies(job_id: int) -> None:
    """The queued task: print the job's classes (see run)."""
    with _app().app_context():
        run(job_id)


_worker_app: Flask | None = None


def _app() -> Flask:
    """The app to work in: the asking one when the job runs at once (tests, immediate
    mode), else one built once per worker process from the server's own settings. A new
    app context gives the job its own database session either way."""
    global _worker_app
    if has_app_context():
        return current_app._get_current_object()  # type: ignore[attr-defined]
    if _worker_app is None:
        from app import create_app  # only the worker process gets here: it has no app yet
        _worker_app = create_app()
    return _worker_app


@huey.on_startup()
def _on_worker_start() -> None:
    with _app().app_context():
        recover()


def recover() -> None:
    """At the worker's start: a job a stopped worker left "running" never finishes, so it
    fails with the reason; a ZIP no job names (half made when it stopped) is removed. One
    worker only (`make run` starts one): a second would fail the first one's job."""
    for job in list(db.session.scalars(select(ReportJob).where(ReportJob.status == "running"))):
        with force_locale(job.locale):
            _finish(job, "failed", _("The worker stopped while printing: print the batch "
                                     "again."))
    kept = set(db.session.scalars(select(ReportJob.result_key)
                                  .where(ReportJob.result_key.is_not(None))))
    for path in folder().glob("*.zip"):
        if path.name not in kept:
            path.unlink(missing_ok=True)


def run(job_id: int) -> None:
    """Print every class of a queued job into one ZIP, committing progress after each class.
    Never raises: whatever goes wrong ends the job "failed" with the reason."""
    job = db.session.get(ReportJob, job_id)
    if job is None or not job.active:
        return  # gone, or a message delivered twice: it was made already
    job.status, job.started_at = "running", _now()
    db.session.commit()
    _prune()
    with force_locale(job.locale):
        try:
            key = _print_all(job)
        except Exception as error:
            log.exception("report job %s failed", job_id)
            db.session.rollback()
            _finish(job, "failed", _("The file could not be made: %(reason)s",
                                     reason=_reason(error)))
            return
        if key is None:
            _finish(job, "failed", _("Not one class could be printed."))
        else:
            job.result_key = key
            _finish(job, "done", "")


def _prune() -> None:
    """Files of batches finished more than KEEP_DAYS ago go (a whole school's ZIP is large);
    their pages then say the file is no longer kept."""
    before = (_now() - dt.timedelta(days=KEEP_DAYS)).replace(tzinfo=None)  # stored naive UTC
    for key in db.session.scalars(select(ReportJob.result_key).where(
            ReportJob.finished_at < before, ReportJob.result_key.is_not(None))):
        (folder() / key).unlink(missing_ok=True)


def _print_all(job: ReportJob) -> str | None:
    """Write the ZIP, one PDF per class; the file's key, or None when no class printed."""
    from services.reports.hardcopy import hard_copy_pdf  # one class's copy (report 7)

    key = secrets.token_hex(16) + ".zip"
    path = folder() / key
    printed = 0
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
            for school_class in _classes_in_order(job):
                data = _one_class(job, school_class, hard_copy_pdf)
                if data is not None:
                    zf.writestr(_entry_name(school_class), data)
                    printed += 1
                job.done += 1
                db.session.commit()  # a short write: the journal's saves go on meanwhile
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    if not printed:
        path.unlink(missing_ok=True)
        return None
    return key


def _classes_in_order(job: ReportJob) -> list[SchoolClass]:
    """The job's classes; one removed since it was asked counts as a failed class."""
    found = classes_of(job)
    missing = len(job.class_ids) - len(found)
    if missing:
        job.failures = [*job.failures, *([None, _("The class no longer exists.")]
                                         for _i in range(missing))]
        job.done += missing
        db.session.commit()
    return found


def _one_class(job: ReportJob, school_class: SchoolClass, hard_copy_pdf) -> bytes | None:
    """One class's PDF, or None with the reason noted on the job."""
    period = period_of_class(school_class, job.period)
    if period is None:  # e.g. a half-year class in a year whose half-years are not set
        job.failures = [*job.failures, [school_class.id, _(
            "The class has no study period of its own for the period asked.")]]
        return None
    try:
        # The journal's own language, whoever asks: a Kazakh class's copy is in Kazakh.
        return hard_copy_pdf(school_class, period, locale=school_class.language)
    except Exception as error:
        log.exception("hard copy of class %s failed in job %s", school_class.id, job.id)
        db.session.rollback()
        job.failures = [*job.failures, [school_class.id, _reason(error)]]
        return None


def _entry_name(school_class: SchoolClass) -> str:
    # Zero-padded grades keep 5 «А» before 10 «А» in a file manager.
    return f"{school_class.grade:02d} {school_class.letter}.pdf"


def _reason(error: Exception) -> str:
    """What the user reads: a domain error's own message, else the kind of error."""
    text = str(getattr(error, "message", "") or error) or type(error).__name__
    return text[:REASON_MAX]


def _finish(job: ReportJob | None, status: str, error: str) -> None:
    if job is None:
        return
    job.status, job.error, job.finished_at = status, error[:2000], _now()
    db.session.commit()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
