"""The journal in Chromium (issues 11 and 14): grid on screen after navigation, keypress to
saved, the keystrokes and clicks 32 marks of one lesson take, and on a 375 px touch screen
tap -> mark picker -> mark saved. Serves the bench page of bench/journal.py with waitress and
drives Debian's Chromium with Playwright. Saves go through htmx, as on the real page.
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
WAIT_MS = 10_000  # one save or one picker that takes longer than this is a failure, not a figure

# Today's column as the page shows it: the cells' texts and classes, top to bottom.
_COLUMN_JS = """() => {
    const grid = document.getElementById('jgrid');
    const col = grid.tHead.querySelector('th[data-t]').cellIndex;
    return [...grid.tBodies[0].rows].map(tr => ({
        text: tr.cells[col].textContent, cls: tr.cells[col].className}));
}"""


def run(h: Harness) -> None:
    """Open the 32 x 70 page 20 times, type three whole columns of marks, then mark one
    column by taps on a phone."""
    from playwright.sync_api import sync_playwright
    h.app(server_bench.DB_NAME, build=server_bench.build, today=server_bench.TODAY)
    page_id, lesson_id, pupils = server_bench.ids(h)
    base = h.server()
    h.baseline()
    client = h.login(server_bench.TEACHER)
    url = f"{base}/journal/pages/{page_id}"
    _clear_today(client, lesson_id, pupils)  # whatever an earlier run left in today's column
    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="ru-RU")
        pw = _signed_in(context, base, problems, "desktop")
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
        pw.wait_for_selector("#jgrid[data-ready='1']")
        _type_columns(h, pw, len(pupils))
        context.close()

        _clear_today(client, lesson_id, pupils)
        phone = browser.new_context(viewport={"width": 375, "height": 812}, has_touch=True,
                                    is_mobile=True, locale="ru-RU")
        _tap_column(h, _signed_in(phone, base, problems, "touch"), url, len(pupils))
        phone.close()
        browser.close()
    _clear_today(client, lesson_id, pupils)  # later runs start from an empty column
    for line in problems:
        print(f"  PROBLEM {line}")


def _signed_in(context, base: str, problems: list[str], label: str):
    """A page of the context signed in as the bench teacher; console errors, page errors and
    refused or failed saves are noted in problems."""
    pw = context.new_page()
    pw.on("console", lambda m: m.type == "error" and problems.append(
        f"{label} console error: {m.text} ({m.location.get('url', '')})"))
    pw.on("pageerror", lambda e: problems.append(f"{label} page error: {e}"))

    def failed(r) -> None:  # an image cut short by the bench's next navigation is no problem
        if r.resource_type in ("xhr", "fetch", "document") or "ERR_ABORTED" not in (r.failure or ""):
            problems.append(f"{label} request failed: {r.method} {r.url} {r.failure}")
    pw.on("requestfailed", failed)

    def answered(r) -> None:
        refused = r.headers.get("x-journal-refused")
        if refused or r.status >= 400:
            problems.append(f"{label} {r.request.method} {r.url}: {r.status}"
                            + (f" refused {refused}" if refused else ""))
    pw.on("response", answered)
    pw.goto(f"{base}/login")
    pw.fill("#username", server_bench.TEACHER)
    pw.fill("#password", BENCH_PASSWORD)
    with pw.expect_navigation():
        pw.press("#password", "Enter")
    return pw


def _clear_today(client, lesson_id: int, pupils: list[int]) -> None:
    """Today's column empty again (no marks, everyone present), as the grid's htmx saves it."""
    for pupil in pupils:
        server_bench.assert_fragment(client.post(
            f"/journal/lessons/{lesson_id}/cell", data={"pupil": pupil, "value": ""},
            headers=server_bench.HTMX))


def _check_column(pw, value: str, what: str, saved_class: bool = True) -> None:
    """Every cell of today's column shows value, saved (class "ok" unless just loaded)."""
    cells = pw.evaluate(_COLUMN_JS)
    wrong = [(i, c) for i, c in enumerate(cells) if c["text"] != value
             or any(s in c["cls"].split() for s in ("sv", "fl", "er"))
             or (saved_class and "ok" not in c["cls"].split())]
    assert not wrong, f"{what}: {len(wrong)} of {len(cells)} cells not saved as {value}: {wrong[:5]}"


def _reload_and_check(pw, value: str, what: str) -> None:
    """What the server holds: the page loaded again shows value in every cell of today."""
    pw.reload()
    pw.wait_for_selector("#jgrid[data-ready='1']")
    _check_column(pw, value, what + ", after a reload", saved_class=False)


def _type_columns(h: Harness, pw, n_pupils: int) -> None:
    pw.evaluate("""() => { window.__saved = [];
        document.getElementById('jgrid').addEventListener('journal:saved',
            e => window.__saved.push(e.detail.ms)); }""")
    samples: list[float] = []
    keystrokes = clicks = 0
    for col in range(COLUMNS):
        value = "54"[col % 2]
        start = pw.evaluate("window.__saved.length")
        for _ in range(n_pupils):
            before = pw.evaluate("window.__saved.length")
            pw.keyboard.press(value)
            keystrokes += 1
            # One at a time, so each figure is a single keypress -> saved, not a queue.
            pw.wait_for_function(f"() => window.__saved.length > {before}", timeout=WAIT_MS)
        samples = pw.evaluate("window.__saved")
        got = len(samples) - start
        assert got == n_pupils, f"column {col + 1}: {n_pupils} keys, {got} marks saved"
        _check_column(pw, value, f"typed column {col + 1}")
        # Back to the first pupil of the column for the next round (arrow keys, not clicks).
        for _ in range(n_pupils - 1):
            pw.keyboard.press("ArrowUp")
    _reload_and_check(pw, "54"[(COLUMNS - 1) % 2], "typed columns")
    per_column = keystrokes // COLUMNS
    h.record("journal keypress -> mark shown saved (Chromium)", samples, 50,
             keystrokes=per_column, clicks=clicks,
             note=f"{per_column} keys, {clicks} clicks for {n_pupils} marks")
    h.note("journal keystrokes for 32 marks", per_column, 32)
    h.note("journal clicks for 32 marks", clicks, 0)
    if samples:
        print(f"  typed {len(samples)} marks, median {statistics.median(samples):.1f} ms")


# In the page: when a finger touches the grid (tap) or the picker (mark), when the picker
# last showed mark buttons and for whom, and when the watched cell first showed the server's
# saved mark (a new <td>, not "saving", not failed or refused, the mark's text).
_TOUCH_JS = """() => {
    const grid = document.getElementById('jgrid'), pick = document.getElementById('jpick');
    const B = window.__bench = {col: grid.tHead.querySelector('th[data-t]').cellIndex,
                                tap: 0, mark: 0, pick: null, saved: 0, watch: null, events: 0};
    grid.addEventListener('pointerdown', () => { B.tap = performance.now(); }, true);
    pick.addEventListener('pointerdown', () => { B.mark = performance.now(); }, true);
    grid.addEventListener('journal:saved', () => { B.events += 1; });
    new MutationObserver(() => {
        const head = document.getElementById('jpick-h');
        if (head && pick.querySelector('button[data-v]')) {
            B.pick = {t: performance.now(), head: head.textContent.trim()};
        }
    }).observe(pick, {childList: true});
    new MutationObserver(() => {
        const w = B.watch;
        if (!w || B.saved) { return; }
        const td = grid.tBodies[0].rows[w.r].cells[B.col];
        const cls = td ? td.classList : null;
        // the server's answer applied to the cell: its text and the "ok" state, not "saving"
        if (td && td.textContent === w.text && cls.contains('ok') && !cls.contains('sv')
            && !cls.contains('fl') && !cls.contains('er')) { B.saved = performance.now(); }
    }).observe(grid.tBodies[0], {childList: true, subtree: true, characterData: true,
                                 attributes: true, attributeFilter: ['class']});
}"""

_PICKER_FOR = """([name, after]) => { const B = window.__bench;
    return !!(B.pick && B.pick.t > B[after] && B[after] > 0
              && B.pick.head.startsWith(name + ' ·')); }"""


def _tap_column(h: Harness, pw, url: str, n_pupils: int) -> None:
    """Today's column on a phone: per pupil, tap the cell, wait for that pupil's picker, tap
    5, wait until the cell shows the saved 5. Then a second pass as a teacher taps: the first
    cell once, then one tap per mark (the picker moves to the next pupil by itself)."""
    pw.goto(url)
    pw.wait_for_selector("#jgrid[data-ready='1']")
    pw.evaluate(_TOUCH_JS)
    names = pw.evaluate("""() => [...document.getElementById('jgrid').tBodies[0].rows].map(
        tr => tr.cells[0].textContent.trim().replace(/^\\d+\\.\\s*/, ''))""")
    col = pw.evaluate("window.__bench.col") + 1  # nth-child of today's cell in a row

    def cell(i: int) -> str:
        return f"#jgrid tbody tr:nth-child({i + 1}) > :nth-child({col})"

    def mark(i: int, value: str, next_picker: bool) -> tuple[float, float]:
        """Tap value in the open picker of pupil i; (mark tap time, saved time) in the page."""
        events = pw.evaluate(f"""() => {{ const B = window.__bench;
            const td = document.getElementById('jgrid').tBodies[0].rows[{i}].cells[B.col];
            B.watch = {{r: {i}, text: '{value}', el: td}}; B.saved = 0; B.mark = 0;
            return B.events; }}""")
        pw.tap(f"#jpick button[data-v='{value}']")
        pw.wait_for_function(f"""() => {{ const B = window.__bench;
            return B.saved > 0 && B.mark > 0 && B.events > {events}; }}""", timeout=WAIT_MS)
        if next_picker:  # the picker of the next pupil, opened by the tap on the mark
            pw.wait_for_function(_PICKER_FOR, arg=[names[i + 1], "mark"], timeout=WAIT_MS)
        return pw.evaluate("[window.__bench.mark, window.__bench.saved]")

    # Pass 1, the figure: tap the cell -> its picker (GET) -> tap 5 -> the cell saved (POST).
    samples, picker_ms, save_ms, wall_ms = [], [], [], []
    for i in range(n_pupils):
        pw.evaluate("() => { const B = window.__bench; B.tap = 0; B.pick = null; }")
        pw.tap(cell(i))
        pw.wait_for_function(_PICKER_FOR, arg=[names[i], "tap"], timeout=WAIT_MS)
        tap, shown = pw.evaluate("[window.__bench.tap, window.__bench.pick.t]")
        tapped, saved = mark(i, "5", i + 1 < n_pupils)
        picker_ms.append(shown - tap)
        save_ms.append(saved - tapped)
        # The time the page made the teacher wait; Playwright's own round trip between the
        # picker showing and the tap on 5 is left out (a thumb is not part of the figure).
        samples.append(shown - tap + saved - tapped)
        wall_ms.append(saved - tap)
    _check_column(pw, "5", "tapped column")
    assert pw.evaluate("window.__bench.events") == n_pupils, "not one journal:saved per mark"
    assert pw.evaluate("document.getElementById('jpick').hidden"), "picker open after the last pupil"

    # Pass 2, the taps a teacher needs: one on the first cell, then one per mark.
    pw.evaluate("() => { const B = window.__bench; B.tap = 0; B.pick = null; B.events = 0; }")
    taps = 1
    pw.tap(cell(0))
    pw.wait_for_function(_PICKER_FOR, arg=[names[0], "tap"], timeout=WAIT_MS)
    for i in range(n_pupils):
        mark(i, "4", i + 1 < n_pupils)
        taps += 1
    _check_column(pw, "4", "marked column (one tap per mark)")
    assert pw.evaluate("window.__bench.events") == n_pupils, "not one journal:saved per mark"
    _reload_and_check(pw, "4", "marked column (one tap per mark)")

    h.record("journal tap -> picker -> mark shown saved (375 px touch)", samples, 100,
             note=(f"picker GET median {statistics.median(picker_ms):.1f} ms, save median "
                   f"{statistics.median(save_ms):.1f} ms; tap to saved with Playwright's tap "
                   f"on the mark median {statistics.median(wall_ms):.0f} ms"))
    h.note("journal taps per mark (touch)", round(taps / n_pupils, 2), None,
           note=f"{taps} taps for {n_pupils} marks: the first cell, then the mark of each "
                f"pupil (the picker moves on by itself); {2 * n_pupils} in the figure's "
                f"tap-cell-then-mark way")
    print(f"  tapped {len(samples)} marks, median {statistics.median(samples):.1f} ms "
          f"(picker {statistics.median(picker_ms):.1f} + save {statistics.median(save_ms):.1f})")
