"""The year close at school scale (issue 16): "the year close on it (dry run and apply)
< 30 s" for the 1,000-pupil demo school.

The school is the demo (1,000 pupils, a whole year of journal, year marks set) on its
own cached file, bench/.cache/yearclose.sqlite3 (rebuilt when the schema has moved on).
Each run works on a copy (SQLite's backup API: the cache is never changed), in-process as
the wizard's views call the services, on the school's clock a few days after the year:
the check, the dry run, then apply + commit and undo + commit, RUNS times (undo puts every
row back, so each apply starts from the same school). Medians are what the table reports.
"""
from __future__ import annotations

import datetime as dt
import sqlite3
import tempfile
import time
from pathlib import Path

NAME = "yearclose"
RUNS = 3
BUDGET_MS = 30_000
ORDER_NO = "42-у"


def run(h) -> None:
    from harness import CACHE
    _drop_if_stale(CACHE / f"{NAME}.sqlite3")
    app = h.app(NAME, build=_build)
    with tempfile.TemporaryDirectory(prefix="tabel-yearclose-") as tmp:
        path = Path(tmp) / "close.sqlite3"
        with app.app_context():
            from extensions import db
            source = db.engine.raw_connection()
            try:
                with sqlite3.connect(path) as target:
                    source.driver_connection.backup(target)
            finally:
                source.close()
        figures = _close_runs(path)
    counts = figures.pop("counts")
    note = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
    h.record("year close: check of year marks (1,000 pupils)", figures["check"], None,
             note=f"{figures['missing']} missing")
    h.record("year close: dry run (1,000 pupils)", figures["dry"], BUDGET_MS, note=note)
    h.record("year close: apply + commit (1,000 pupils)", figures["apply"], BUDGET_MS,
             sql_statements=figures["sql"], note=f"{figures['pages']} pages closed")
    h.record("year close: undo + commit", figures["undo"], None)
    h.note("year close: every row back after undo", figures["restored"],
           ok=figures["restored"] == 1, note="1 = the tables compare equal row by row")


def _close_runs(path: Path) -> dict:
    """Time the check, the dry run, apply and undo on the copy; the figures in ms."""
    from sqlalchemy import select

    from app import create_app
    from extensions import db
    from models import AcademicYear, User
    from services import clock, yearclose
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    out: dict = {k: [] for k in ("check", "dry", "apply", "undo")}
    today = clock.today
    with app.app_context():
        year_id = db.session.scalar(select(AcademicYear.id).where(AcademicYear.is_current))
        end = yearclose.last_day(db.session.get(AcademicYear, year_id))
        clock.today = lambda: end + dt.timedelta(days=3)
        try:
            admin = db.session.scalar(select(User).where(User.username == "admin"))
            before = _dump(db)
            for _ in range(RUNS):
                _one_run(db, db.session.get(AcademicYear, year_id), admin, out)
            out["restored"] = int(_dump(db) == before)
            out["missing"] = len(yearclose.check(db.session.get(AcademicYear, year_id)))
        finally:
            clock.today = today
            db.session.remove()
            db.engine.dispose()
    return out


def _one_run(db, year, admin, out: dict) -> None:
    """One check, dry run, apply + commit (its SQL statements counted), undo + commit."""
    from sqlalchemy import event

    from services import clock, yearclose
    order_date = clock.today()
    out["check"].append(_ms(lambda: yearclose.check(year)))
    t0 = time.perf_counter()
    plan = yearclose.dry_run(year, ORDER_NO, order_date)
    out["dry"].append((time.perf_counter() - t0) * 1000)
    statements: list[int] = []

    def count(*_args) -> None:
        statements.append(1)
    event.listen(db.engine, "before_cursor_execute", count)
    t0 = time.perf_counter()
    close = yearclose.apply(admin, year, ORDER_NO, order_date)
    db.session.commit()
    out["apply"].append((time.perf_counter() - t0) * 1000)
    event.remove(db.engine, "before_cursor_execute", count)
    t0 = time.perf_counter()
    yearclose.undo(admin, close)
    db.session.commit()
    out["undo"].append((time.perf_counter() - t0) * 1000)
    out.update(counts=dict(plan.counts), pages=len(close.before["pages"]),
               sql=len(statements))


def _ms(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return (time.perf_counter() - t0) * 1000


def _dump(db) -> dict:
    """The tables the close changes and undo restores, row by row."""
    from sqlalchemy import select
    names = ("academic_year", "study_period", "school_class", "enrolment", "pupil",
             "subject_page", "promotion")
    tables = [t for t in db.metadata.sorted_tables if t.name in names]
    return {t.name: db.session.execute(select(t).order_by(*t.primary_key.columns)).all()
            for t in tables}


def _build(app) -> None:
    """The demo as on 2 June: every lesson of the year given and every year mark set."""
    from services import clock, demo
    today = clock.today()
    start = today.year if today.month >= 8 else today.year - 1
    demo.build_demo(pupils=1000, today=dt.date(start + 1, 6, 2))


def _drop_if_stale(path: Path) -> None:
    """Remove a cached school whose tables lack a column the models have now."""
    if not path.exists():
        return
    import models  # noqa: F401  (the tables on db.metadata)
    from extensions import db
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        have = {(t, row[1]) for (t,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")
            for row in conn.execute(f'PRAGMA table_info("{t}")')}
    want = {(t.name, c.name) for t in db.metadata.sorted_tables for c in t.columns}
    if want - have:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)

