"""The production server under a school's load (issue 19): 30 teachers saving marks and 300
parents reading the diary at once, on the 1,000-pupil demo school, on this machine's cores.

gunicorn (deploy/gunicorn.conf.py, as `make run` starts it) serves bench/.cache/load.sqlite3
(the harness's 1,000-pupil demo school in a file of its own: the load writes to it, and a
cached demo.sqlite3 may predate the schema) on 127.0.0.1 in a process group of its own; one
asyncio process plays every person on a keep-alive connection of their own
(bench/loadgen.py), each signed in once. Two bounded profiles, LOAD_SECONDS each (default 60):

- school day: each teacher saves a mark every 3 s, each parent opens the diary's week every
  10 s (about 40 requests/s). Budget p95 < 150 ms.
- quarter end: the same people without a pause. Budget p95 < 1 s and every user served.

Both: 0 errors (HTTP status, refusal, connection), 0 "database is locked" in the server's
log, and every acknowledged save (200, not refused) found in the database with its value.
A teacher saves on six cells (no absence, at most one mark) of their own lesson of today,
values alternating 5 and 4, so every save is a real change.

To explain a miss it also reports: each kind alone on the idle server, the server's and the
generator's CPU per request, the share of time SQLite's write lock was held (a probe every
5 ms) and the machine's load average (other work on a shared machine slows the server).
"""
# No `from __future__ import annotations`: bench/run.py loads scripts outside sys.modules,
# where dataclasses cannot resolve string annotations.
import asyncio
import datetime as dt
import os
import random
import sqlite3
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from harness import BENCH_PASSWORD, CACHE, percentile
from loadgen import HTMX, Conn, Server, Tally, paced, timed

DB_NAME = "load"  # the demo school of the harness, in a file of its own: the load writes to it
TEACHERS, PARENTS, CELLS = 30, 300, 6
SIGN_IN_AT_ONCE = 8


@dataclass
class Cell:
    """One pupil's cell on a teacher's lesson: what the server holds, what it acknowledged."""
    lesson_id: int
    pupil_id: int
    shown: str = ""
    acked: str | None = None
    doubtful: set[str] = field(default_factory=set)  # sent, not answered: may be stored


@dataclass
class Teacher:
    username: str
    cells: list[Cell]
    conn: Conn | None = None
    turn: int = 0

    async def step(self, tally: Tally) -> None:
        """Save the next cell's other value (5 or 4) with what the page showed as `old`."""
        live = [c for c in self.cells if not c.doubtful]
        if not live:
            await asyncio.sleep(1)
            return
        cell = live[self.turn % len(live)]
        self.turn += 1
        value = "4" if cell.shown == "5" else "5"
        answer = await timed(tally, "save", self.username, lambda: self.conn.post(
            f"/journal/lessons/{cell.lesson_id}/cell",
            {"pupil": cell.pupil_id, "value": value, "old": cell.shown}, headers=HTMX))
        if answer is None or answer.status >= 500:
            cell.doubtful.add(value)
        elif answer.status == 200 and not answer.refused():
            cell.shown = cell.acked = value


@dataclass
class Parent:
    username: str
    pupil_id: int
    conn: Conn | None = None

    async def step(self, tally: Tally) -> None:
        await timed(tally, "diary", self.username,
                    lambda: self.conn.get(f"/diary/{self.pupil_id}/week"))


def run(h) -> None:
    """Serve the school with gunicorn, sign everyone in, run both profiles, check the saves."""
    seconds = float(os.environ.get("LOAD_SECONDS") or 60)
    teachers, parents = people(h)
    h.stop()
    with tempfile.TemporaryDirectory(prefix="tabel-load-") as folder:
        server = Server(CACHE / f"{DB_NAME}.sqlite3", Path(folder))
        server.start()
        try:
            asyncio.run(_profiles(h, server, teachers, parents, seconds))
        finally:
            server.stop()
        lost = lost_saves(server.db_path, teachers)
        h.note("load: lost acknowledged saves", lost, 0)
        h.note("load: server log tracebacks", server.log().count("Traceback"), 0)


async def _profiles(h, server: Server, teachers: list[Teacher], parents: list[Parent],
                    seconds: float) -> None:
    await sign_in_all(server.port, teachers + parents)
    await alone(h, teachers[0], parents[0])
    for name, save_every, read_every, budget in (("school day", 3.0, 10.0, 150),
                                                 ("quarter end", 0.0, 0.0, 1000)):
        log_from, cpu, own = len(server.log()), server.cpu_seconds(), time.process_time()
        with LockProbe(server.db_path) as probe:
            tally = await profile(teachers, parents, seconds, save_every, read_every)
        h.note(f"load {name}: write lock held (% of probes)", probe.busy_percent())
        h.note(f"load {name}: machine load average (1 min, {os.cpu_count()} cores)",
               round(os.getloadavg()[0], 1))
        locked = server.log()[log_from:].count("database is locked")
        report(h, name, tally, budget, locked, len(teachers) + len(parents))
        served = sum(len(s) for s in tally.samples.values()) or 1
        h.note(f"load {name}: server CPU ms per request",
               round((server.cpu_seconds() - cpu) * 1000 / served, 1))
        h.note(f"load {name}: load generator CPU ms per request",
               round((time.process_time() - own) * 1000 / served, 2))


async def alone(h, teacher: Teacher, parent: Parent, n: int = 40) -> None:
    """One save and one diary page at a time on the idle server: what the load adds to."""
    tally = Tally()
    for _ in range(n):
        await teacher.step(tally)
        await parent.step(tally)
    for kind in ("save", "diary"):
        h.record(f"load one user alone: {kind}", tally.samples.get(kind, []), None)


async def sign_in_all(port: int, users: list) -> None:
    """Every user signs in once, a few at a time (scrypt is slow on purpose), and keeps the
    connection; a teacher's cells are read back as the server holds them."""
    gate = asyncio.Semaphore(SIGN_IN_AT_ONCE)

    async def one(user) -> None:
        async with gate:
            user.conn = Conn("127.0.0.1", port)
            await user.conn.sign_in(user.username, BENCH_PASSWORD)
    await asyncio.gather(*(one(u) for u in users))


async def profile(teachers: list[Teacher], parents: list[Parent], seconds: float,
                  save_every: float, read_every: float) -> Tally:
    """Everyone at their pace until the deadline; steps under way then are finished."""
    tally = Tally()
    deadline = time.perf_counter() + seconds
    rnd = random.Random(19)
    steps = [paced(deadline, every, rnd.uniform(0, every), lambda u=u: u.step(tally))
             for users, every in ((teachers, save_every), (parents, read_every)) for u in users]
    await asyncio.gather(*steps)
    tally.ended = time.perf_counter()
    return tally


class LockProbe(threading.Thread):
    """Samples SQLite's write lock every 5 ms (BEGIN IMMEDIATE with no wait, then ROLLBACK):
    the share of samples that found it taken is how busy the one writer's seat is."""

    def __init__(self, path: Path):
        super().__init__(daemon=True)
        self.path, self.done, self.tries, self.busy = path, threading.Event(), 0, 0

    def run(self) -> None:
        con = sqlite3.connect(self.path, timeout=0, isolation_level=None)
        try:
            while not self.done.wait(0.005):
                self.tries += 1
                try:
                    con.execute("BEGIN IMMEDIATE")
                    con.execute("ROLLBACK")
                except sqlite3.OperationalError:
                    self.busy += 1
        finally:
            con.close()

    def busy_percent(self) -> float:
        return round(100 * self.busy / max(self.tries, 1), 1)

    def __enter__(self) -> "LockProbe":
        self.start()
        return self

    def __exit__(self, *_exc) -> None:
        self.done.set()
        self.join()


def report(h, name: str, tally: Tally, budget: float, locked: int, users: int) -> None:
    elapsed = tally.ended - tally.started
    for kind in ("save", "diary"):
        samples = tally.samples.get(kind, [])
        p99, per_s = round(percentile(samples, 99), 1), round(len(samples) / elapsed, 1)
        h.record(f"load {name}: {kind}", samples, budget, p99_ms=p99, per_s=per_s,
                 note=f"p99 {p99} ms, {per_s}/s")
    errors = sum(tally.errors.values())
    h.note(f"load {name}: requests/s (all kinds)",
           round(sum(len(s) for s in tally.samples.values()) / elapsed, 1))
    h.note(f"load {name}: errors", errors, 0, by_kind=tally.errors,
           note=", ".join(f"{k} x{v}" for k, v in sorted(tally.errors.items())) or None)
    h.note(f'load {name}: "database is locked" in the server log', locked, 0)
    h.note(f"load {name}: users never served", users - len(tally.served), 0)


def lost_saves(db_path: Path, teachers: list[Teacher]) -> int:
    """Acknowledged saves whose value the database does not hold: a cell's last acknowledged
    value, or a later value sent without an answer (it may have been stored)."""
    con = sqlite3.connect(db_path)
    try:
        lost = 0
        for cell in (c for t in teachers for c in t.cells if c.acked is not None):
            row = con.execute("SELECT value FROM mark WHERE lesson_id = ? AND pupil_id = ? "
                              "AND position = 1", (cell.lesson_id, cell.pupil_id)).fetchone()
            held = str(row[0]) if row else ""
            lost += held != cell.acked and held not in cell.doubtful
        return lost
    finally:
        con.close()


def people(h) -> tuple[list[Teacher], list[Parent]]:
    """TEACHERS teachers with empty cells on a lesson of their own today (or the last school
    day), and PARENTS parents with a child each, read from the benchmark school."""
    from extensions import db
    from services import clock
    with h.app(DB_NAME).app_context():
        # The server's today is the real one: clock.now(), not clock.today(), which an
        # earlier bench script (diary.py) may have pinned in this process.
        day = db.session.execute(db.text(
            "SELECT max(date) FROM lesson WHERE date <= :d"), {"d": clock.now().date()}).scalar()
        teachers = [Teacher(username, _cells(db, lesson_id, class_id, day))
                    for username, lesson_id, class_id in db.session.execute(db.text(
                        _TEACHER_LESSONS), {"d": day}).all()]
        teachers = [t for t in teachers if len(t.cells) == CELLS][:TEACHERS]
        parents = [Parent(u, p) for u, p in db.session.execute(db.text(_PARENTS), {"n": PARENTS})]
        db.session.remove()
    assert len(teachers) == TEACHERS and len(parents) == PARENTS, (len(teachers), len(parents))
    return teachers, parents


def _cells(db, lesson_id: int, class_id: int, day: dt.date) -> list[Cell]:
    rows = db.session.execute(db.text(_CELLS), {"l": lesson_id, "c": class_id, "d": day,
                                                "n": CELLS})
    return [Cell(lesson_id, pupil_id, "" if value is None else str(value))
            for pupil_id, value in rows]


# One lesson of the day per teacher (a whole-class page of a class with marks, the teacher the
# page's own).
_TEACHER_LESSONS = """
SELECT u.username, min(l.id), min(p.class_id) FROM lesson l
JOIN subject_page p ON p.id = l.page_id AND p.subgroup_id IS NULL AND p.year_closed_on IS NULL
JOIN school_class c ON c.id = p.class_id AND c.grade >= 5
JOIN staff s ON s.id = p.teacher_id JOIN user u ON u.person_id = s.person_id AND u.active
JOIN user_role r ON r.user_id = u.id AND r.role = 'teacher'
WHERE l.date = :d GROUP BY u.id ORDER BY u.id"""
# Pupils of the class on that day with no more than one mark in the lesson's cell (an earlier
# run's), and no absence.
_CELLS = """
SELECT e.pupil_id, (SELECT m.value FROM mark m WHERE m.lesson_id = :l
AND m.pupil_id = e.pupil_id AND m.position = 1) FROM enrolment e WHERE e.class_id = :c
AND e.start_date <= :d AND (e.end_date IS NULL OR e.end_date >= :d)
AND NOT EXISTS (SELECT 1 FROM mark m WHERE m.lesson_id = :l AND m.pupil_id = e.pupil_id
AND m.position > 1)
AND NOT EXISTS (SELECT 1 FROM attendance a WHERE a.lesson_id = :l AND a.pupil_id = e.pupil_id)
ORDER BY e.pupil_id LIMIT :n"""
# Parents with one child each (the first), one account each.
_PARENTS = """
SELECT u.username, min(g.pupil_id) FROM user u JOIN user_role r ON r.user_id = u.id
AND r.role = 'parent' JOIN guardian g ON g.person_id = u.person_id WHERE u.active
GROUP BY u.id ORDER BY u.id LIMIT :n"""
