"""The production server killed in the middle of a stream of saves (issue 19): gunicorn with
deploy/gunicorn.conf.py on a SQLite file, killed whole (SIGKILL to its process group) while a
teacher's saves are in flight, started again: every acknowledged save is there with its last
acknowledged value and the file is intact, three times in a row.

The server runs the app of `pinned_app()` below: the production app with the school's today
pinned to the suite's TODAY, as every other test pins it, so the lessons' edit window is open
whatever the date of the run.
"""
from __future__ import annotations

import asyncio
import random
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from app import create_app
from bench.loadgen import HTMX, Closed, Conn, Server
from extensions import db
from tests.conftest import ON_POSTGRES, TODAY
from tests.factories import PASSWORD, tiny_school

pytestmark = pytest.mark.skipif(ON_POSTGRES, reason="kills a server on its own SQLite file")

ROUNDS, STREAMS = 3, 4


def pinned_app():
    """What the server under test serves: create_app() with today pinned to TODAY."""
    from services import clock
    clock.today = lambda: TODAY
    return create_app()


class Cell:
    """One pupil's cell of a lesson: what the server holds and what it acknowledged."""

    def __init__(self, lesson_id: int, pupil_id: int):
        self.lesson_id, self.pupil_id = lesson_id, pupil_id
        self.shown = ""
        self.acked: str | None = None
        self.unanswered: set[str] = set()  # sent after the last acknowledgement, no answer

    def allowed(self) -> set[str]:
        """What the file may hold: the last acknowledged value, or a value sent later whose
        answer the kill cut off (it may have been committed)."""
        return {self.acked or ""} | self.unanswered


def make_school(path: Path) -> list[Cell]:
    """The tiny school on the file, with three maths lessons today in 5 «А» and 6 «Б»."""
    from services import clock
    real_today = clock.today
    clock.today = lambda: TODAY
    try:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "SECRET_KEY": "t"})
        with app.app_context():
            db.create_all()
            school = tiny_school(TODAY)
            lessons = [school.builder.lesson(page, TODAY, number)
                       for page in (school.maths5, school.maths6) for number in (1, 2, 3)]
            db.session.commit()
            pupils = {school.maths5.id: [school.anna.id, school.vera.id],
                      school.maths6.id: [school.boris.id]}
            cells = [Cell(lesson.id, pupil) for lesson in lessons for pupil in pupils[lesson.page_id]]
            db.session.remove()
            db.engine.dispose()
    finally:
        clock.today = real_today
    return cells


async def stream(server: Server, cells: list[Cell], kill_after: int) -> int:
    """STREAMS connections of the teacher save marks without pause, each on cells of its own;
    the server is killed once kill_after saves have been acknowledged. Returns the count."""
    conns = [Conn("127.0.0.1", server.port, timeout=20) for _ in range(STREAMS)]
    acked = [0]
    try:
        for conn in conns:
            await conn.sign_in("teacher", PASSWORD)

        async def saves(conn: Conn, mine: list[Cell]) -> None:
            for n in range(100_000):
                cell = mine[n % len(mine)]
                value = "4" if cell.shown == "5" else "5"
                cell.unanswered.add(value)
                try:
                    answer = await conn.post(f"/journal/lessons/{cell.lesson_id}/cell", {
                        "pupil": cell.pupil_id, "value": value, "old": cell.shown}, headers=HTMX)
                except (OSError, EOFError, TimeoutError, Closed):
                    return  # the kill: this save's answer never came
                assert answer.status == 200 and not answer.refused(), answer.body[:300]
                cell.shown = cell.acked = value
                cell.unanswered = set()
                acked[0] += 1
                if acked[0] == kill_after:
                    server.kill()
        await asyncio.gather(*(saves(conn, cells[i::STREAMS]) for i, conn in enumerate(conns)))
    finally:
        for conn in conns:
            conn.close()
    return acked[0]


def held(path: Path, cells: list[Cell]) -> tuple[str, dict[Cell, str]]:
    """integrity_check's answer and every cell's value as the file holds it."""
    con = sqlite3.connect(path)
    try:
        check = con.execute("PRAGMA integrity_check").fetchone()[0]
        values = {}
        for cell in cells:
            row = con.execute("SELECT value FROM mark WHERE lesson_id = ? AND pupil_id = ? "
                              "AND position = 1", (cell.lesson_id, cell.pupil_id)).fetchone()
            values[cell] = str(row[0]) if row else ""
        return check, values
    finally:
        con.close()


def _run(coroutine):
    """asyncio.run in a thread of its own: after the browser tests, Playwright's event loop
    is still registered in this one, and asyncio.run refuses to start beside it."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def test_acknowledged_saves_survive_a_sigkill_of_the_server_three_times(tmp_path):
    path = tmp_path / "crash.sqlite3"
    cells = make_school(path)
    server = Server(path, tmp_path, workers=2, app="tests.test_crash:pinned_app()")
    rnd = random.Random(19)
    try:
        server.start()
        for round_no in range(ROUNDS):
            acked = _run(stream(server, cells, kill_after=rnd.randint(30, 80)))
            assert server.proc.poll() is not None, "the server outlived its SIGKILL"
            assert acked >= 30, f"round {round_no}: only {acked} saves acknowledged"
            server.start()  # over the killed server's -wal and -shm files; serves the next round
            check, values = held(path, cells)
            assert check == "ok", f"round {round_no}: integrity_check says {check}"
            lost = {(c.lesson_id, c.pupil_id): (c.acked, v) for c, v in values.items()
                    if v not in c.allowed()}
            assert not lost, f"round {round_no}: acknowledged saves lost {lost}"
            for cell, value in values.items():  # the next round's pages show what is held
                cell.shown = value
                cell.acked, cell.unanswered = value, set()
    finally:
        server.stop()
    assert "database is locked" not in server.log()
