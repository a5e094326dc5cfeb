"""A light load generator for bench/load.py and tests/test_crash.py: asyncio, raw HTTP/1.1.

One event loop drives hundreds of users, each on a keep-alive connection of its own with a
cookie jar and the page's CSRF token, at a few tens of microseconds of CPU per request, so on
a 2-core machine the server, not the generator, is what is measured.

A connection the server closed while it sat idle (gunicorn's keep-alive timeout) is opened
again before the next request, and a request that finds it closed before any byte of an
answer came back is sent again once on a new connection, as browsers do; both are counted
(`reconnects`), neither is an error.
"""
from __future__ import annotations

import asyncio
import contextlib
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent

_FORM_CSRF = re.compile(rb'name="csrf_token"[^>]*value="([^"]+)"')
_PAGE_CSRF = re.compile(rb'X-CSRFToken&#34;: &#34;([^&]+)&#34;|X-CSRFToken": "([^"]+)"')
HTMX = {"HX-Request": "true"}


class Closed(Exception):
    """The server closed the connection before answering."""


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def refused(self) -> str | None:
        """The real status of an htmx refusal sent as 200 (X-Journal-Refused or
        X-Refused-Status), or None for an answer that did what was asked."""
        return self.headers.get("x-journal-refused") or self.headers.get("x-refused-status")


@dataclass
class Conn:
    """One keep-alive HTTP/1.1 connection with a cookie jar."""
    host: str
    port: int
    timeout: float = 30.0
    cookies: dict[str, str] = field(default_factory=dict)
    csrf: str = ""
    reconnects: int = 0
    _reader: asyncio.StreamReader | None = None
    _writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, form: dict | None = None,
                      headers: dict[str, str] | None = None) -> Answer:
        """Send one request; reopen and resend once if a reused connection was closed."""
        fresh = self._writer is None or self._reader.at_eof()
        if fresh:
            await self._open()
        payload = self._encode(method, path, form, headers)
        try:
            return await asyncio.wait_for(self._exchange(payload), self.timeout)
        except (Closed, ConnectionResetError, BrokenPipeError):
            if fresh:
                raise
            self.reconnects += 1
            await self._open()
            return await asyncio.wait_for(self._exchange(payload), self.timeout)

    async def get(self, path: str, **kw) -> Answer:
        return await self.request("GET", path, **kw)

    async def post(self, path: str, form: dict, **kw) -> Answer:
        return await self.request("POST", path, form=form, **kw)

    async def sign_in(self, username: str, password: str) -> None:
        """Sign in through the form and keep the CSRF token the home page carries."""
        page = await self.get("/login")
        token = _FORM_CSRF.search(page.body)
        answer = await self.post("/login", {"username": username, "password": password,
                                            "csrf_token": token.group(1).decode() if token else ""})
        if answer.status != 302:
            raise RuntimeError(f"sign-in as {username} failed ({answer.status})")
        path = "/"
        for _ in range(4):  # "/" sends each role to its home page
            home = await self.get(path)
            location = home.headers.get("location")
            if home.status not in (301, 302, 303) or not location:
                break
            path = urlsplit(location).path or "/"
        match = _PAGE_CSRF.search(home.body)
        if match:
            self.csrf = (match.group(1) or match.group(2)).decode()

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
        self._reader = self._writer = None

    async def _open(self) -> None:
        self.close()
        self._reader, self._writer = await asyncio.wait_for(
            asyncio.open_connection(self.host, self.port), self.timeout)

    def _encode(self, method: str, path: str, form: dict | None,
                headers: dict[str, str] | None) -> bytes:
        body = urlencode(form, doseq=True).encode() if form is not None else b""
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}",
                 f"Content-Length: {len(body)}"]
        if form is not None:
            lines.append("Content-Type: application/x-www-form-urlencoded")
        if self.cookies:
            lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        if method != "GET" and self.csrf:
            lines.append(f"X-CSRFToken: {self.csrf}")
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body

    async def _exchange(self, payload: bytes) -> Answer:
        self._writer.write(payload)
        await self._writer.drain()
        status_line = await self._reader.readline()
        if not status_line.endswith(b"\n"):
            raise Closed()
        status = int(status_line.split(b" ", 2)[1])
        headers: dict[str, str] = {}
        while (line := await self._reader.readline()) not in (b"\r\n", b"\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            name, value = name.strip().lower(), value.strip()
            if name == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key.strip()] = rest.split(";", 1)[0]
            headers[name] = value
        body = await self._body(headers)
        if headers.get("connection", "").lower() == "close":
            self.close()
        return Answer(status, headers, body)

    async def _body(self, headers: dict[str, str]) -> bytes:
        if "content-length" in headers:
            return await self._reader.readexactly(int(headers["content-length"]))
        if headers.get("transfer-encoding", "").lower() == "chunked":
            chunks = []
            while size := int((await self._reader.readline()).split(b";")[0], 16):
                chunks.append(await self._reader.readexactly(size))
                await self._reader.readline()
            await self._reader.readline()
            return b"".join(chunks)
        return await self._reader.read()


@dataclass
class Tally:
    """What one profile measured: durations per kind, errors by kind, who was served."""
    samples: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    served: set[str] = field(default_factory=set)
    started: float = field(default_factory=time.perf_counter)
    ended: float = 0.0

    def ok(self, kind: str, user: str, ms: float) -> None:
        self.samples.setdefault(kind, []).append(ms)
        self.served.add(user)

    def error(self, kind: str, reason: str) -> None:
        key = f"{kind}: {reason}"
        self.errors[key] = self.errors.get(key, 0) + 1


async def timed(tally: Tally, kind: str, user: str, call) -> Answer | None:
    """Await call(); a 200 that was not refused counts as served, anything else as an error."""
    t0 = time.perf_counter()
    try:
        answer = await call()
    except TimeoutError:
        tally.error(kind, "timeout")
        return None
    except (OSError, Closed, asyncio.IncompleteReadError) as error:
        tally.error(kind, f"connection {type(error).__name__}")
        return None
    ms = (time.perf_counter() - t0) * 1000
    refused = answer.refused()
    if answer.status != 200:
        tally.error(kind, f"HTTP {answer.status}")
    elif refused:
        tally.error(kind, f"refused {refused}")
    else:
        tally.ok(kind, user, ms)
    return answer


async def paced(deadline: float, period: float, offset: float, step) -> None:
    """Call `await step()` every `period` seconds (0: back to back) from `offset` on, until
    the deadline; a late step is not made up for (a person waits for the page)."""
    await asyncio.sleep(offset)
    start = time.perf_counter()
    n = 0
    while time.perf_counter() < deadline:
        await step()
        n += 1
        if period:
            wait = start + n * period - time.perf_counter()
            if wait > 0:
                await asyncio.sleep(min(wait, max(0.0, deadline - time.perf_counter())))
            else:
                start, n = time.perf_counter(), 0


class Server:
    """The production server (gunicorn with deploy/gunicorn.conf.py) on a SQLite file, on
    127.0.0.1 and a free port, in a process group of its own so it can be killed whole."""

    def __init__(self, db_path: Path, folder: Path, workers: int | None = None,
                 app: str = "app:create_app()"):
        self.db_path, self.folder, self.workers = Path(db_path), Path(folder), workers
        self.app = app  # the WSGI app as gunicorn names it (the test's pins the date)
        self.log_path = self.folder / "server.log"
        self.port = 0
        self.proc: subprocess.Popen | None = None
        # One key for every worker: each would otherwise read (or race to write)
        # instance/secret_key at its own start.
        self.secret = secrets.token_hex(32)

    def start(self, wait: float = 60.0) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{self.db_path}",
               "TABEL_BIND": f"127.0.0.1:{self.port}", "SECRET_KEY": self.secret,
               "TABEL_JOBS_DB": str(self.folder / "jobs.sqlite3")}
        if self.workers:
            env["TABEL_WORKERS"] = str(self.workers)
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py",
                 self.app], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True)
        self._wait_ready(wait)

    def _wait_ready(self, wait: float) -> None:
        until = time.monotonic() + wait
        while time.monotonic() < until:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server stopped at its start:\n{self.log()[-3000:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                    sock.sendall(b"GET /login HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    if sock.recv(12).startswith(b"HTTP/1.1 200"):
                        return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"the server did not answer in {wait} s:\n{self.log()[-3000:]}")

    def kill(self) -> None:
        """SIGKILL to the whole process group: the master and every worker at once."""
        self._signal(signal.SIGKILL)

    def stop(self) -> None:
        """A graceful stop (TERM), then KILL if the workers have not finished in 30 s."""
        self._signal(signal.SIGTERM, 30)

    def _signal(self, sig: int, wait: float = 10) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, sig)
        try:
            self.proc.wait(wait)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def cpu_seconds(self) -> float:
        """CPU time (user + system) the server's processes have used so far."""
        total = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue  # a process that ended meanwhile
            if int(fields[2]) == self.proc.pid:  # the process group: the master and workers
                total += int(fields[11]) + int(fields[12])
        return total / os.sysconf("SC_CLK_TCK")

    def log(self) -> str:
        return self.log_path.read_text("utf-8", "replace") if self.log_path.exists() else ""
