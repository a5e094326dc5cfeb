"""Browser tests: the app served in-process, driven by Playwright on Debian's Chromium."""
from __future__ import annotations

import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from app import create_app
from extensions import db
from tests.conftest import TODAY
from tests.factories import PASSWORD, tiny_school

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
SCREENSHOTS = Path(__file__).parent / "screenshots"
AXE = Path(__file__).parent / "vendor" / "axe-4.14.1.min.js"

pytestmark = pytest.mark.browser


@pytest.fixture(scope="session")
def browser_type_launch_args():
    return {"executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture
def console_errors() -> list[str]:
    """Console errors and uncaught exceptions the page produced in this test."""
    return []


@pytest.fixture(autouse=True)
def no_console_errors(request, console_errors):
    """Any console error or uncaught exception in the page fails the test (a CSP refusal,
    a script error, a failed request the page did not expect)."""
    if "page" not in request.fixturenames:
        yield
        return
    page = request.getfixturevalue("page")
    allowed = getattr(request.node.get_closest_marker("console_errors"), "args", ())
    page.on("console", lambda m: console_errors.append(f"console {m.type}: {m.text}")
            if m.type == "error" and not any(a in m.text for a in allowed) else None)
    page.on("pageerror", lambda e: console_errors.append(f"page error: {e}"))
    yield
    assert not console_errors, console_errors


@pytest.fixture(scope="session")
def browser_context_args():
    return {"viewport": {"width": 375, "height": 812}, "locale": "ru-RU"}


@pytest.fixture
def browser_app(tmp_path, monkeypatch):
    """An app on its own SQLite file with the tiny school; time fixed at TODAY."""
    monkeypatch.setattr("services.clock.today", lambda: TODAY)
    app = create_app({
        "TESTING": True, "SECRET_KEY": "browser-test",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'browser.sqlite3'}",
        "UPLOAD_FOLDER": str(tmp_path / "uploads"),
    })
    with app.app_context():
        db.create_all()
        app.config["TINY_SCHOOL_IDS"] = _ids(tiny_school(TODAY))
    return app


def _ids(school) -> dict[str, int]:
    return {k: v.id for k, v in vars(school).items() if hasattr(v, "id")}


@pytest.fixture
def live_server(browser_app):
    """Serve browser_app on 127.0.0.1 in a thread; yields the base URL."""
    server = make_server("127.0.0.1", 0, browser_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def sign_in(page, live_server):
    """Sign in through the form: sign_in("teacher")."""
    def do(username: str, password: str = PASSWORD):
        page.goto(f"{live_server}/login")
        page.fill("#username", username)
        page.fill("#password", password)
        page.click("main button[type=submit]")
        page.wait_for_load_state()
        return page
    return do


@pytest.fixture
def shot():
    """Save a screenshot under tests/browser/screenshots/<name>.png."""
    SCREENSHOTS.mkdir(exist_ok=True)

    def do(page, name: str, full_page: bool = True) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path
    return do


@pytest.fixture
def axe_check(console_errors):
    """Run axe-core on the page (WCAG 2.1 A/AA); fail on serious or critical violations.

    axe measures colours with elements it styles inline, which the app's CSP refuses: those
    refusals, made by the test's own tool while it runs, are not the page's errors.
    """
    source = AXE.read_text(encoding="utf-8")

    def do(page) -> list[dict]:
        before = len(console_errors)
        page.evaluate(source)
        result = page.evaluate(
            "() => axe.run(document, {runOnly: {type: 'tag', values: "
            "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})")
        page.wait_for_timeout(50)  # console messages arrive after the evaluation returns
        console_errors[before:] = [e for e in console_errors[before:]
                                   if "Applying inline style" not in e]
        bad = [v for v in result["violations"] if v["impact"] in ("serious", "critical")]
        assert not bad, [(v["id"], v["help"], [n["target"] for n in v["nodes"][:3]]) for v in bad]
        return result["violations"]
    return do




@pytest.fixture
def t(browser_app):
    """The Russian text the page shows for an English source string: t("Save")."""
    from flask_babel import force_locale, gettext, ngettext

    def do(source: str, plural: str | None = None, n: int | None = None, **params) -> str:
        with browser_app.app_context(), force_locale("ru"):
            if plural is not None:
                return ngettext(source, plural, n, **params)
            return gettext(source, **params)
    return do
