"""The shared benchmark harness: a cached database, a waitress server, HTTP timing.

Every bench script exposes `run(h: Harness) -> None` and records its figures through `h`.
`bench/run.py` discovers the scripts, runs them on one harness and prints one table; each
figure is compared with a bare Flask route measured in the same run on the same server, so
numbers compare across noisy machines.

Interface (stable: other bench scripts rely on it):
    h.app(name="demo", build=None, today=None) -> Flask   the app on bench/.cache/<name>.sqlite3
    h.server() -> "http://127.0.0.1:PORT"                 waitress serving h.app(), started once
    h.login(username, password=...) -> Client             signed-in keep-alive HTTP client
    h.time(operation, fn, budget_ms, n=100, warmup=10, **extra) -> list[float]
    h.record(operation, samples_ms, budget_ms, **extra)
    h.count_sql(fn) -> int                                SQL statements fn() ran in the server
"""
from __future__ import annotations

import datetime as dt
import http.client
import json
import re
import socket
import statistics
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CACHE = Path(__file__).resolve().parent / ".cache"
BENCH_PASSWORD = "bench-password"
BARE_PATH = "/_bench/bare"
_CSRF = re.compile(r'X-CSRFToken&#34;: &#34;([^&]+)&#34;|X-CSRFToken": "([^"]+)"')
_FORM_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def percentile(samples: list[float], q: float) -> float:
    """The q-th percentile (0-100) by linear interpolation between closest ranks."""
    data = sorted(samples)
    if not data:
        return float("nan")
    k = (len(data) - 1) * q / 100
    lo, hi = int(k), min(int(k) + 1, len(data) - 1)
    return data[lo] + (data[hi] - data[lo]) * (k - lo)


class Response:
    """What a Client request returned: status, headers (lower-case names), body text."""

    def __init__(self, status: int, headers: dict[str, str], body: bytes):
        self.status, self.headers, self.body = status, headers, body

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self) -> Any:
        return json.loads(self.body)


class Client:
    """A keep-alive HTTP/1.1 client with a cookie jar and the page's CSRF token."""

    def __init__(self, base_url: str):
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname, parts.port
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        self.cookies: dict[str, str] = {}
        self.csrf = ""

    def request(self, method: str, path: str, data: dict | None = None,
                json_body: Any = None, headers: dict[str, str] | None = None) -> Response:
        """Send one request on the kept-alive connection (reconnects once if it was closed)."""
        hdrs = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if data is not None:
            body = urlencode(data, doseq=True)
            hdrs["Content-Type"] = "application/x-www-form-urlencoded"
        elif json_body is not None:
            body = json.dumps(json_body)
            hdrs["Content-Type"] = "application/json"
        if method != "GET" and self.csrf:
            hdrs["X-CSRFToken"] = self.csrf
        hdrs.update(headers or {})
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=body, headers=hdrs)
                raw = self.conn.getresponse()
                payload = raw.read()
                break
            except (http.client.HTTPException, ConnectionError):
                self.conn.close()
                if attempt == 2:
                    raise
        for name, value in raw.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key.strip()] = rest.split(";", 1)[0]
        return Response(raw.status, {k.lower(): v for k, v in raw.getheaders()}, payload)

    def get(self, path: str, **kw) -> Response:
        return self.request("GET", path, **kw)

    def post(self, path: str, **kw) -> Response:
        return self.request("POST", path, **kw)

    def refresh_csrf(self, path: str = "/") -> None:
        """Read the CSRF token a page puts on <body hx-headers>."""
        response = self.get(path)
        for _ in range(3):  # "/" sends each role to its home page
            if response.status not in (301, 302, 303) or not response.headers.get("location"):
                break
            response = self.get(urlsplit(response.headers["location"]).path or "/")
        match = _CSRF.search(response.text)
        if match:
            self.csrf = match.group(1) or match.group(2)


class Harness:
    """One benchmark run: the app, its server, and the recorded figures."""

    def __init__(self, quiet: bool = False):
        self.results: list[dict[str, Any]] = []
        self.quiet = quiet
        self._app = None
        self._base: str | None = None
        self._server = None
        self._baseline_ms: float | None = None
        self._sql_count = 0
        self._counting = False

    # -- the app and its database -------------------------------------------------------
    def app(self, name: str = "demo", build: Callable | None = None,
            today: dt.date | None = None):
        """The app on bench/.cache/<name>.sqlite3, built by build(app) once and then reused.

        build defaults to services.demo.build_demo (a ~1000-pupil school). today, when
        given, fixes services.clock.today for the whole run (the server is in-process).
        Calling again with another name replaces the app (and stops the old server).
        """
        if self._app is not None and self._app.config.get("BENCH_NAME") == name:
            return self._app
        self.stop()
        CACHE.mkdir(exist_ok=True)
        if today is not None:
            from services import clock
            clock.today = lambda: today
        from app import create_app
        from extensions import db
        path = CACHE / f"{name}.sqlite3"
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "BENCH_NAME": name})
        app.add_url_rule(BARE_PATH, "bench_bare", lambda: "ok")
        self._public(app)
        with app.app_context():
            if not path.exists() or path.stat().st_size == 0 or not _built(db):
                db.drop_all()
                db.create_all()
                (build or _default_build)(app)
                db.session.commit()
                db.session.execute(db.text("CREATE TABLE IF NOT EXISTS _bench_built (x)"))
                db.session.commit()
        self._install_counter(app)
        self._app = app
        return app

    @staticmethod
    def _public(app) -> None:
        # The bare route must answer without a session: the same cost as the cheapest page.
        from blueprints import web
        web.PUBLIC_ENDPOINTS = web.PUBLIC_ENDPOINTS | {"bench_bare"}

    def _install_counter(self, app) -> None:
        from sqlalchemy import event

        from extensions import db

        def count(_conn, _cursor, statement, *_args):
            # BEGIN is sent as a statement on SQLite (services.transactions): not a query.
            if self._counting and not statement.startswith("BEGIN"):
                self._sql_count += 1
        with app.app_context():
            event.listen(db.engine, "before_cursor_execute", count)

    def count_sql(self, fn: Callable[[], Any]) -> int:
        """SQL statements the server ran while fn() made its request(s)."""
        self._sql_count, self._counting = 0, True
        try:
            fn()
        finally:
            self._counting = False
        return self._sql_count

    # -- the server ---------------------------------------------------------------------
    def server(self) -> str:
        """Serve the current app with waitress on 127.0.0.1 (a free port); the base URL."""
        if self._base:
            return self._base
        if self._app is None:
            self.app()
        from waitress import create_server
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        sock.close()
        self._server = create_server(self._app, host="127.0.0.1", port=port, threads=4)
        threading.Thread(target=self._server.run, daemon=True).start()
        self._base = f"http://127.0.0.1:{port}"
        self._baseline_ms = None
        return self._base

    def stop(self) -> None:
        """Stop the server (bench scripts need not call this)."""
        if self._server is not None:
            self._server.close()
        self._server, self._base, self._app = None, None, None

    def client(self) -> Client:
        return Client(self.server())

    def login(self, username: str, password: str = BENCH_PASSWORD) -> Client:
        """A client signed in as username, holding the CSRF token for its POSTs."""
        c = self.client()
        page = c.get("/login").text
        token = _FORM_CSRF.search(page)
        r = c.post("/login", data={"username": username, "password": password,
                                   "csrf_token": token.group(1) if token else ""})
        if r.status != 302:
            raise RuntimeError(f"bench sign-in as {username} failed ({r.status})")
        c.refresh_csrf()
        return c

    # -- timing -------------------------------------------------------------------------
    def baseline(self) -> float:
        """Median ms of the bare route on the current server (measured once per server)."""
        if self._baseline_ms is None:
            c = self.client()
            samples = _sample(lambda: c.get(BARE_PATH), 200, 20)
            self._baseline_ms = statistics.median(samples)
            self.record("bare Flask route", samples, None)
        return self._baseline_ms

    def time(self, operation: str, fn: Callable[[], Any], budget_ms: float | None,
             n: int = 100, warmup: int = 10, **extra) -> list[float]:
        """Call fn() warmup + n times, record the n durations in ms; returns them."""
        self.baseline()
        samples = _sample(fn, n, warmup)
        self.record(operation, samples, budget_ms, **extra)
        return samples

    def record(self, operation: str, samples_ms: list[float], budget_ms: float | None,
               **extra) -> dict[str, Any]:
        """Add one row: median, p95, budget and the ratio of the median to the bare route."""
        median = statistics.median(samples_ms) if samples_ms else float("nan")
        base = self._baseline_ms
        row = {"operation": operation, "median_ms": round(median, 2),
               "p95_ms": round(percentile(samples_ms, 95), 2), "budget_ms": budget_ms,
               "baseline_ratio": round(median / base, 2) if base else None,
               "n": len(samples_ms), **extra}
        if budget_ms is not None:
            row["ok"] = row["p95_ms"] <= budget_ms
        self.results.append(row)
        if not self.quiet:
            print(f"  {operation}: median {row['median_ms']} ms, p95 {row['p95_ms']} ms",
                  file=sys.stderr)
        return row

    def note(self, operation: str, value: float, budget: float | None = None, **extra) -> None:
        """A figure that is not a duration (a size, a count): kept in the table as is."""
        row = {"operation": operation, "median_ms": None, "p95_ms": None, "budget_ms": None,
               "baseline_ratio": None, "value": value, "budget": budget, **extra}
        if budget is not None:
            row["ok"] = value <= budget
        self.results.append(row)


def _sample(fn: Callable[[], Any], n: int, warmup: int) -> list[float]:
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def _built(db) -> bool:
    """Built, and with every table and column of the models: a database cached before a
    migration is built again (its pages would fail on the missing columns)."""
    from sqlalchemy import inspect
    inspector = inspect(db.engine)
    tables = set(inspector.get_table_names())
    return "_bench_built" in tables and all(
        table.name in tables and {c.name for c in table.columns}
        <= {c["name"] for c in inspector.get_columns(table.name)}
        for table in db.metadata.sorted_tables)


def _default_build(app) -> None:
    """The demo school of services/demo.py, with every password set to BENCH_PASSWORD."""
    from services import demo
    demo.build_demo(pupils=1000, weeks=34)
    from sqlalchemy import update
    from werkzeug.security import generate_password_hash

    from extensions import db
    from models import User
    hashed = generate_password_hash(BENCH_PASSWORD, method="scrypt")
    db.session.execute(update(User).values(password_hash=hashed))
