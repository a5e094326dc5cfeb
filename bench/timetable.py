"""The timetable at school scale (issue 16): a year's lessons generated for the 1,000-pupil
demo school, and the timetable grid page.

Budgets from the issue: "generating a year's lessons for a 1,000-pupil school < 5 s"; "the
timetable grid page p95 < 50 ms" (with a fixed number of SQL statements).

Generation runs in-process, as a period or holiday change calls it
(services.lesson_gen.regenerate_year, then one commit), on a copy of the demo database whose
journal was emptied (no lessons, marks or absences), GEN_RUNS times; then once more on the
full copy (nothing to add: the cost of a regeneration that finds the journal in line).
The grid page is timed over HTTP against the demo school, signed in as its administrator.
"""
from __future__ import annotations

import re
import sqlite3
import tempfile
import time
from pathlib import Path

GEN_RUNS = 3
# Its own copy of the demo school (the shared "demo" cache may predate this schema).
DB = "timetable"
GRID_CLASSES = ((7, "А"), (11, "Б"))  # a basic and a senior class: same SQL count expected


def run(h) -> None:
    grid(h)
    generation(h)


# -- the grid page ----------------------------------------------------------------------------

def grid(h) -> None:
    """Time the grid page of a class in its current period; compare SQL counts of two."""
    h.app(DB)
    admin = h.login("admin")
    sql, sizes = {}, {}
    for grade, letter in GRID_CLASSES:
        class_id, name = _class(h, grade, letter)
        url = f"/timetable/classes/{class_id}"
        first = admin.get(url)
        assert first.status == 200, (url, first.status)
        sizes[name] = len(re.findall(r'<select name="pages"', first.text))
        sql[name] = h.count_sql(lambda u=url: admin.get(u))
        h.time(f"timetable grid page, {name} (editable, {sizes[name]} cells)",
               lambda u=url: admin.get(u), 50, n=100, sql_statements=sql[name],
               kb=round(len(first.body) / 1024, 1))
    # The floor: the same layout, menu and sign-in with a short list of classes.
    h.time("timetable index (the layout's floor, for comparison)",
           lambda: admin.get("/timetable/"), None, n=100,
           sql_statements=h.count_sql(lambda: admin.get("/timetable/")))
    h.note("timetable grid SQL statements (two classes)", max(sql.values()),
           ok=len(set(sql.values())) == 1, note=", ".join(f"{k} {n}" for k, n in sql.items()))


def _class(h, grade: int, letter: str) -> tuple[int, str]:
    from sqlalchemy import select

    from extensions import db
    from models import SchoolClass
    from services import school as school_service
    with h.app(DB).app_context():
        year = school_service.current_year()
        cls = db.session.scalar(select(SchoolClass).where(
            SchoolClass.year_id == year.id, SchoolClass.grade == grade,
            SchoolClass.letter == letter))
        return cls.id, cls.name


# -- generation -------------------------------------------------------------------------------

def generation(h) -> None:
    """A year's lessons for the whole demo school from its timetable, on copies."""
    source = Path(h.app(DB).config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"))
    runs, sql = [], 0
    with tempfile.TemporaryDirectory(prefix="tabel-timetable-") as tmp:
        copy = Path(tmp) / "demo.sqlite3"
        _copy(source, copy)
        demo_lessons = _count(copy, "lesson")
        for _ in range(GEN_RUNS):
            _empty_journal(copy)
            ms, added, sql = _generate(copy)
            runs.append(ms)
        again, again_added, again_sql = _generate(copy)
    h.record("generate a year's lessons, 1,000-pupil demo school", runs, 5000,
             sql_statements=sql, note=f"{added} lessons added (the demo wrote {demo_lessons}),"
                                      f" {GEN_RUNS} runs on an emptied journal")
    h.record("regenerate the year, journal already in line", [again], None,
             sql_statements=again_sql, note=f"{again_added} lessons added")


def _copy(source: Path, target: Path) -> None:
    """A consistent copy (the WAL included) through SQLite's backup."""
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    with dst:
        src.backup(dst)
    src.close()
    dst.close()


def _count(path: Path, table: str) -> int:
    con = sqlite3.connect(path)
    try:
        return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608
    finally:
        con.close()


def _empty_journal(path: Path) -> None:
    con = sqlite3.connect(path)
    with con:
        for table in ("mark", "attendance", "lesson"):
            con.execute(f"DELETE FROM {table}")  # noqa: S608
    con.close()


def _generate(path: Path) -> tuple[float, int, int]:
    """Regenerate the current year on the database at path: ms, lessons added, SQL."""
    from sqlalchemy import event

    from app import create_app
    from extensions import db
    from services import lesson_gen
    from services import school as school_service
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "SECRET_KEY": "bench"})
    with app.app_context():
        year = school_service.current_year()
        statements = []

        def count(*_args) -> None:
            statements.append(1)
        event.listen(db.engine, "before_cursor_execute", count)
        t0 = time.perf_counter()
        result = lesson_gen.regenerate_year(year)
        db.session.commit()
        ms = (time.perf_counter() - t0) * 1000
        event.remove(db.engine, "before_cursor_execute", count)
        db.session.remove()
        db.engine.dispose()
    return ms, result.added, len(statements)
