"""The journal in Chromium (issue 11): grid on screen after navigation, keypress to saved,
and the keystrokes and clicks 32 marks of one lesson take. Serves the bench page of
bench/journal.py with waitress and drives Debian's Chromium with Playwright.
"""
from __future__ import annotations

import statistics

import journal as server_bench
from harness import BENCH_PASSWORD, Harness

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--no-first-run"]
LOADS = 20
COLUMNS = 3  # columns of 32 marks typed, one keystroke at a time


def run(h: Harness) -> None:
    """Open the 32 x 70 page 20 times, then type three whole columns of marks."""
    from playwright.sync_api import sync_playwright
    h.app(server_bench.DB_NAME, build=server_bench.build, today=server_bench.TODAY)
    page_id, lesson_id, pupils = server_bench.ids(h)
    base = h.server()
    h.baseline()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="ru-RU")
        pw = context.new_page()
        pw.goto(f"{base}/login")
        pw.fill("#username", server_bench.TEACHER)
        pw.fill("#password", BENCH_PASSWORD)
        with pw.expect_navigation():
            pw.press("#password", "Enter")
        url = f"{base}/journal/pages/{page_id}"
        ready, painted = [], []
        for i in range(LOADS + 2):
            # A teacher opens the grid from the journal index: start each load from that light
            # page, not from the previous grid (tearing down 2,240 cells is not part of opening).
            pw.goto(f"{base}/journal/")
            pw.goto(url)
            # readyMs: navigation start -> the first frame with the focused cell painted (set by
            # journal.js after the next paint); FCP: Chromium's own presentation time.
            pw.wait_for_function("() => document.getElementById('jgrid').dataset.readyMs")
            if i >= 2:  # the first loads fill the browser's cache of CSS and JS
                ready.append(float(pw.get_attribute("#jgrid", "data-ready-ms")))
                painted.append(pw.evaluate("""() => performance.getEntriesByName(
                    'first-contentful-paint')[0]?.startTime || 0"""))
        h.record("journal grid on screen, ready to type (Chromium)", ready, 100,
                 note=f"first contentful paint median {statistics.median(painted):.0f} ms")
        _type_columns(h, pw, len(pupils))
        browser.close()


def _type_columns(h: Harness, pw, n_pupils: int) -> None:
    pw.evaluate("""() => { window.__saved = [];
        document.getElementById('jgrid').addEventListener('journal:saved',
            e => window.__saved.push(e.detail.ms)); }""")
    samples: list[float] = []
    keystrokes = clicks = 0
    for col in range(COLUMNS):
        value = "54"[col % 2]
        for _ in range(n_pupils):
            before = pw.evaluate("window.__saved.length")
            pw.keyboard.press(value)
            keystrokes += 1
            # One at a time, so each figure is a single keypress -> saved, not a queue.
            pw.wait_for_function(f"() => window.__saved.length > {before}")
        samples = pw.evaluate("window.__saved")
        # Back to the first pupil of the column for the next round (arrow keys, not clicks).
        for _ in range(n_pupils - 1):
            pw.keyboard.press("ArrowUp")
    per_column = keystrokes // COLUMNS
    h.record("journal keypress -> mark shown saved (Chromium)", samples, 50,
             keystrokes=per_column, clicks=clicks,
             note=f"{per_column} keys, {clicks} clicks for {n_pupils} marks")
    h.note("journal keystrokes for 32 marks", per_column, 32)
    h.note("journal clicks for 32 marks", clicks, 0)
    if samples:
        print(f"  typed {len(samples)} marks, median {statistics.median(samples):.1f} ms")
