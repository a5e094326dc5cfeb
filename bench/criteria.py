"""The criteria-based journal (issue 21) against the classic grid's budgets, in the same run.

The 1,000-pupil benchmark school (harness._default_build) with two Kazakh-language classes made
criteria-based by bench/_criteria_seed.py: 4 «Б» topped up to 32 pupils with a full quarter of
ФО marks (1-10) on its Russian page (5 lessons a week), 4 СОР with different maxima and 1 СОЧ,
points for every pupil; 7 «Б» (~22 pupils) with ФО, 1 СОР and 1 СОЧ. "Today" is late in
quarter 2, so the quarter is full.

Over real HTTP against waitress, as bench/journal.py measures the classic 32 x 70 grid: the
grid page (p95 40 ms), one ФО mark saved through htmx and one pupil's points saved (p95 15 ms,
the classic cell save's budget), each with its SQL statements, counted on both classes (the
count must not grow with pupils or works). Then in Chromium the grid on screen, ready to type
(median 100 ms) and keypress -> ФО mark shown saved (p95 50 ms), as bench/journal_browser.py.
"""
from __future__ import annotations

import datetime as dt
import random
import statistics
from dataclasses import dataclass

import _criteria_seed as seeding
from harness import BENCH_PASSWORD, Harness, _default_build
from journal import HTMX, assert_fragment

DB_NAME = "criteria"
TODAY = dt.date(2026, 12, 24)  # a Thursday of quarter 2 (5 November - 28 December)
GRID_MS, SAVE_MS, SCREEN_MS, KEY_MS = 40, 15, 100, 50  # the classic grid's budgets
LOADS = 20


def build(app) -> None:
    """The benchmark school with its two criteria-based classes."""
    _default_build(app)
    seeded = seeding.seed(TODAY, random.Random(21))
    print(f"  seeded {seeded}")


@dataclass
class Target:
    """One criteria class as the bench uses it."""

    label: str
    page_id: int
    teacher: str
    pupils: list[int]
    lessons: int
    works: list[tuple[int, str, int]]  # (id, kind, max points) by date
    lesson_id: int  # the latest lesson up to today: the ФО save's column

    @property
    def soch(self) -> tuple[int, str, int]:
        return next(w for w in self.works if w[1] == "soch")


def targets(h: Harness) -> dict[str, Target]:
    """The two classes' pages, teachers, pupils, works and today's lesson, from the database."""
    from sqlalchemy import select

    from extensions import db
    from models import Enrolment, Lesson, SchoolClass, Staff, SummativeWork, User
    out = {}
    with h.app(DB_NAME).app_context():
        for key, (grade, letter) in (("big", seeding.BIG), ("small", seeding.SMALL)):
            cls = db.session.scalar(select(SchoolClass).where(
                SchoolClass.grade == grade, SchoolClass.letter == letter))
            quarter = seeding.quarter_of(cls, TODAY)
            page = seeding.page_of(cls, quarter)
            teacher = db.session.scalar(select(User.username).join(
                Staff, Staff.person_id == User.person_id).where(Staff.id == page.teacher_id))
            pupils = list(db.session.scalars(select(Enrolment.pupil_id).where(
                Enrolment.class_id == cls.id, Enrolment.end_date.is_(None))
                .order_by(Enrolment.pupil_id)))
            works = list(db.session.execute(select(
                SummativeWork.id, SummativeWork.kind, SummativeWork.max_points).where(
                SummativeWork.page_id == page.id, SummativeWork.period_id == quarter.id)
                .order_by(SummativeWork.date)))
            lessons = list(db.session.execute(select(Lesson.id, Lesson.date).where(
                Lesson.page_id == page.id, Lesson.date >= quarter.start_date,
                Lesson.date <= quarter.end_date,
                Lesson.cancelled.is_(False))
                .order_by(Lesson.date, Lesson.lesson_number)))
            latest = [lid for lid, day in lessons if day <= TODAY][-1]
            out[key] = Target(f"{grade} «{letter}», {len(pupils)} pupils, "
                              f"{len(works)} works", page.id, teacher, pupils,
                              len(lessons), [tuple(w) for w in works], latest)
    return out


def run(h: Harness) -> None:
    """Server figures on both classes, then the browser on the big one."""
    h.app(DB_NAME, build=build, today=TODAY)
    found = targets(h)
    big, small = found["big"], found["small"]
    clients = {t.teacher: h.login(t.teacher) for t in (big, small)}
    grid_sql = {k: grid_page(h, clients[t.teacher], t, timed=k == "big") for k, t in found.items()}
    same_sql(h, "criteria grid page SQL statements", grid_sql, big, small)
    fo_sql = {k: fo_save(h, clients[t.teacher], t, timed=k == "big") for k, t in found.items()}
    same_sql(h, "criteria ФО mark save SQL statements", fo_sql, big, small)
    if points_route(h):
        pts_sql = {k: points_save(h, clients[t.teacher], t, timed=k == "big")
                   for k, t in found.items()}
        same_sql(h, "criteria points save SQL statements", pts_sql, big, small)
    else:
        print("  PROBLEM no points route in the app: the points save is not measured")
    browser(h, big)


# -- the server ----------------------------------------------------------------------------

def grid_page(h: Harness, client, t: Target, timed: bool) -> int:
    """The grid page of the class's quarter: 200, its size, its SQL; timed on the big class."""
    url = f"/journal/pages/{t.page_id}"
    first = client.get(url)
    assert first.status == 200, (url, first.status)
    missing = [wid for wid, _kind, _most in t.works if f'data-k="{wid}"' not in first.text]
    if missing:  # measured all the same: the figure then is the grid without its works
        print(f"  PROBLEM works {missing} are not columns of the grid of {t.label}")
    kb = round(len(first.body) / 1024, 1)
    sql = h.count_sql(lambda: client.get(url))
    if timed:
        h.time(f"criteria grid page, {t.label}, {t.lessons} lessons", lambda: client.get(url),
               GRID_MS, n=100, sql_statements=sql, kb=kb, note=_classic(h, "journal grid page"))
        h.note("criteria grid page HTML KB", kb, 100)
    return sql


def fo_save(h: Harness, client, t: Target, timed: bool) -> int:
    """One ФО mark (1-10) saved through htmx on the latest lesson, switching 7 / 10."""
    url = f"/journal/lessons/{t.lesson_id}/cell"
    pupil = t.pupils[0]
    assert_fragment(client.post(url, data={"pupil": pupil, "value": ""}, headers=HTMX))
    state = {"old": ""}

    def save() -> None:
        value = "10" if state["old"] != "10" else "7"
        r = client.post(url, data={"pupil": pupil, "value": value, "old": state["old"]},
                        headers=HTMX)
        assert_fragment(r)
        assert f">{value}<" in r.text, r.text[:300]
        state["old"], state["bytes"] = value, len(r.body)
    sql = h.count_sql(save)
    if timed:
        h.time("criteria one ФО mark (1-10) saved", save, SAVE_MS, n=200, sql_statements=sql,
               note=_classic(h, "journal one mark saved") + f"; answer {state['bytes']} bytes")
    assert_fragment(client.post(url, data={"pupil": pupil, "value": "", "old": state["old"]},
                                headers=HTMX))
    return sql


POINTS_URL = "/journal/works/{work}/points"


def points_route(h: Harness) -> bool:
    """Whether the app has the grid's points save (the grid's POST for one pupil's points)."""
    app = h.app(DB_NAME)
    probe = POINTS_URL.format(work=1)
    adapter = app.url_map.bind("localhost")
    try:
        adapter.match(probe, method="POST")
    except Exception:  # noqa: BLE001 - NotFound or MethodNotAllowed: not there (yet)
        return False
    return True


def points_save(h: Harness, client, t: Target, timed: bool) -> int:
    """One pupil's points for the СОЧ saved through htmx, switching between two values."""
    work, _kind, most = t.soch
    url = POINTS_URL.format(work=work)
    pupil = t.pupils[0]
    state = {"old": _points_now(h, work, pupil)}

    def save() -> None:
        value = str(most) if state["old"] != str(most) else str(most - 1)
        r = client.post(url, data={"pupil": pupil, "value": value, "old": state["old"]},
                        headers=HTMX)
        assert_fragment(r)
        assert f"{value}/{most}" in r.text, r.text[:300]
        state["old"], state["bytes"] = value, len(r.body)
    save()  # the parents' notice of these points exists from now on: count a steady save
    sql = h.count_sql(save)
    if timed:
        h.time("criteria one pupil's СОЧ points saved", save, SAVE_MS, n=200,
               sql_statements=sql, note=f"answer {state['bytes']} bytes")
    return sql


def _points_now(h: Harness, work: int, pupil: int) -> str:
    from sqlalchemy import select

    from extensions import db
    from models import WorkPoints
    with h.app(DB_NAME).app_context():
        now = db.session.scalar(select(WorkPoints.points).where(
            WorkPoints.work_id == work, WorkPoints.pupil_id == pupil))
    return "" if now is None else str(now)


def same_sql(h: Harness, operation: str, counts: dict[str, int], big: Target,
             small: Target) -> None:
    """One row: the statements on the big class, ok when the small class runs as many."""
    h.note(operation, counts["big"], None, ok=counts["big"] == counts["small"],
           sql_statements=counts["big"],
           note=f"{big.label}: {counts['big']}; {small.label}: {counts['small']}")
    if counts["big"] != counts["small"]:
        print(f"  PROBLEM {operation}: {counts} (grows with pupils or works)")


def _classic(h: Harness, prefix: str) -> str:
    """The classic figure of the same run (bench/journal.py), when it ran."""
    row = next((r for r in h.results if r["operation"].startswith(prefix)
                and r.get("median_ms") is not None), None)
    if row is None:
        return "classic not run"
    return f"classic in this run: median {row['median_ms']} ms, p95 {row['p95_ms']} ms"


# -- the browser ---------------------------------------------------------------------------

def browser(h: Harness, t: Target) -> None:
    """The criteria grid on screen (20 loads), a column of ФО marks and one of СОЧ points
    typed, in Chromium."""
    import journal_browser as jb
    from playwright.sync_api import sync_playwright
    base = h.server()
    url = f"{base}/journal/pages/{t.page_id}"
    client = h.login(t.teacher)
    _clear_column(client, t)
    problems: list[str] = []
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=jb.CHROMIUM, args=jb.ARGS)
        context = chromium.new_context(viewport={"width": 1280, "height": 800}, locale="kk-KZ")
        pw = _signed_in(context, base, t.teacher, problems)
        ready = []
        for i in range(LOADS + 2):
            pw.goto(f"{base}/journal/")
            pw.goto(url)
            pw.wait_for_function("() => document.getElementById('jgrid').dataset.readyMs")
            if i >= 2:  # the first loads fill the browser's cache
                ready.append(float(pw.get_attribute("#jgrid", "data-ready-ms")))
        h.record(f"criteria grid on screen, ready to type (Chromium), {t.label}", ready,
                 SCREEN_MS, note=_classic(h, "journal grid on screen"))
        pw.wait_for_selector("#jgrid[data-ready='1']")
        _type_column(h, pw, len(t.pupils))
        _type_points(h, pw, t)
        context.close()
        chromium.close()
    _clear_column(client, t)
    for line in problems:
        print(f"  PROBLEM {line}")


def _signed_in(context, base: str, username: str, problems: list[str]):
    pw = context.new_page()
    pw.on("console", lambda m: m.type == "error" and problems.append(f"console: {m.text}"))
    pw.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    pw.on("response", lambda r: (r.status >= 400 or r.headers.get("x-journal-refused"))
          and problems.append(f"{r.request.method} {r.url}: {r.status}"))
    pw.goto(f"{base}/login")
    pw.fill("#username", username)
    pw.fill("#password", BENCH_PASSWORD)
    with pw.expect_navigation():
        pw.press("#password", "Enter")
    return pw


def _typed(pw, keys: str, n_pupils: int) -> list[float]:
    """From the focused cell type `keys` for each pupil down the column, one pupil at a time;
    each figure is the last key's keydown -> the cell shown saved (journal.js's journal:saved,
    after which the focus has moved down)."""
    pw.evaluate("""() => { window.__saved = [];
        document.getElementById('jgrid').addEventListener('journal:saved',
            e => window.__saved.push(e.detail.ms)); }""")
    for _ in range(n_pupils):
        before = pw.evaluate("window.__saved.length")
        for key in keys:
            pw.keyboard.press(key)
        pw.wait_for_function(f"() => window.__saved.length > {before}", timeout=10_000)
    samples = pw.evaluate("window.__saved")
    assert len(samples) == n_pupils, f"{n_pupils} pupils typed, {len(samples)} saved"
    return samples


def _type_column(h: Harness, pw, n_pupils: int) -> None:
    """Today's column (focused on load, first pupil): a 7 for everyone."""
    samples = _typed(pw, "7", n_pupils)
    h.record("criteria keypress -> ФО mark shown saved (Chromium)", samples, KEY_MS,
             keystrokes=n_pupils, note=_classic(h, "journal keypress"))
    print(f"  typed {len(samples)} ФО marks, median {statistics.median(samples):.1f} ms")


def _type_points(h: Harness, pw, t: Target) -> None:
    """The СОЧ's column, reached from today's by arrow keys: two digits of points for each
    pupil (the first waits for the second while ten times it still fits the maximum), then
    the page reloaded shows them all."""
    work, _kind, most = t.soch
    pw.reload()
    pw.wait_for_selector("#jgrid[data-ready='1']")
    column = f"""() => {{ const g = document.getElementById('jgrid');
        const i = g.tHead.querySelector('th[data-k="{work}"]').cellIndex;
        return [...g.tBodies[0].rows].map(tr => tr.cells[i].textContent.trim()); }}"""
    value = str(most - 5) if not pw.evaluate(column)[0].startswith(f"{most - 5}/") else str(most - 6)
    steps = pw.evaluate(f"""() => {{ const g = document.getElementById('jgrid');
        return g.tHead.querySelector('th[data-t]').cellIndex
             - g.tHead.querySelector('th[data-k="{work}"]').cellIndex; }}""")
    for _ in range(steps):
        pw.keyboard.press("ArrowLeft")
    samples = _typed(pw, value, len(t.pupils))
    pw.reload()
    pw.wait_for_selector("#jgrid[data-ready='1']")
    shown = pw.evaluate(column)
    assert shown == [f"{value}/{most}"] * len(t.pupils), f"СОЧ after a reload: {shown}"
    h.record("criteria keypresses -> СОЧ points shown saved (Chromium)", samples, KEY_MS,
             keystrokes=len(value) * len(t.pupils),
             note=f"{len(value)} keys a pupil; the figure is from the last key")
    print(f"  typed {len(samples)} points, median {statistics.median(samples):.1f} ms")


def _clear_column(client, t: Target) -> None:
    """The latest lesson's ФО empty for every pupil (the browser types into it)."""
    url = f"/journal/lessons/{t.lesson_id}/cell"
    for pupil in t.pupils:
        assert_fragment(client.post(url, data={"pupil": pupil, "value": ""}, headers=HTMX))
