"""Every demo account signs in on a phone-sized screen, in Russian, then in Kazakh."""
from __future__ import annotations

import threading

import pytest
from werkzeug.serving import make_server

from app import create_app
from tests.conftest import TODAY

DEMO_ACCOUNTS = ("admin", "director", "deputy", "secretary", "teacher", "classteacher",
                 "parent", "pupil")


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory):
    """The demo school (small), built by the real CLI command on an empty database."""
    mp = pytest.MonkeyPatch()
    mp.setattr("services.clock.today", lambda: TODAY)
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
    app = create_app({"SECRET_KEY": "browser", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    result = app.test_cli_runner().invoke(args=["demo", "--pupils", "60"])
    assert result.exit_code == 0, result.output
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    mp.undo()


@pytest.mark.parametrize("username", DEMO_ACCOUNTS)
def test_demo_account_signs_in_in_russian_then_kazakh(page, demo_server, shot, axe_check,
                                                      username):
    page.goto(f"{demo_server}/login")
    assert page.locator("html").get_attribute("lang") == "ru"
    page.fill("#username", username)
    page.fill("#password", "demo-password")
    page.click("main button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "/login" not in page.url, f"{username} could not sign in"
    assert page.locator("html").get_attribute("lang") == "ru"
    assert page.locator("h1").first.is_visible()
    assert "Табель" in page.title()
    # Nothing scrolls sideways on a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    shot(page, f"home-{username}-ru")
    axe_check(page)

    page.click(".lang-switch button")
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == "kk"
    assert page.get_by_role("button", name="Рус").is_visible()
    page.click(".account-menu summary")
    assert page.get_by_role("button", name="Шығу").is_visible()
    shot(page, f"home-{username}-kk")


# A wrong password is answered 401 on purpose; Chromium logs any 4xx document.
@pytest.mark.console_errors("status of 401")
def test_sign_in_page_language_switch_and_error(page, demo_server, shot):
    page.goto(f"{demo_server}/login")
    page.click(".lang-switch button")
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Журналға кіру").is_visible()
    page.fill("#username", "teacher")
    page.fill("#password", "wrong")
    page.click("main button[type=submit]")
    assert page.get_by_role("alert").inner_text().startswith("Пайдаланушы аты немесе")
    shot(page, "login-error-kk")
