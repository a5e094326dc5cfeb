"""The backups page in a browser (issue 19): the administrator follows the home page's warning,
starts a backup with the button, watches the stages go by (htmx polls) until "done", finds
the new copy in the list and the warning gone, and opens its restore page, where a wrong word
restores nothing; in Russian on a desktop and in Kazakh on a 375 px touch phone, with axe."""
from __future__ import annotations

import threading
import time

import pytest

from services import backup_jobs, backups
from tests.browser.variants import sign_in_as, variant_fixtures

pytestmark = pytest.mark.browser

variant, page = variant_fixtures()


@pytest.fixture
def slow_worker(browser_app, tmp_path, monkeypatch):
    """A worker thread instead of the queue, each stage held a moment so the page polls."""
    browser_app.config["BACKUP_FOLDER"] = str(tmp_path / "backups")
    stages: list[str] = []
    write = backup_jobs._write

    def slow_write(stage: str, *args, **kwargs) -> None:
        stages.append(stage)
        write(stage, *args, **kwargs)
        if stage not in backup_jobs.FINISHED:
            time.sleep(0.6)

    def worker() -> None:
        with browser_app.app_context():
            backup_jobs.run()
    monkeypatch.setattr(backup_jobs, "_write", slow_write)
    monkeypatch.setattr(backup_jobs, "make_backup_task",
                        lambda: threading.Thread(target=worker, daemon=True).start())
    return stages


def test_admin_makes_a_backup_and_watches_it_finish(page, live_server, browser_app, sign_in,
                                                    shot, axe_check, variant, slow_worker):
    lang, viewport, _touch = variant
    press = sign_in_as(page, sign_in, "admin", variant)
    page.goto(f"{live_server}/office")
    shot(page, f"backups-home-warning-{lang}", full_page=False)
    with page.expect_navigation():
        press("#backup-home-warning a")
    assert page.locator("[data-state=warning]").is_visible()
    press("form.backup-start button")
    # The stages go by while the page polls; the button waits until the run ends.
    page.wait_for_selector("#backup-progress[data-stage=copying], "
                           "#backup-progress[data-stage=packing], "
                           "#backup-progress[data-stage=checking]")
    assert page.locator("form.backup-start button").is_disabled()
    shot(page, f"backups-running-{lang}")
    page.wait_for_selector("#backup-progress[data-stage=done]", timeout=15000)
    assert slow_worker == ["queued", "copying", "packing", "checking", "done"]
    # The page's one live region says the stage (the swapped list is not read out).
    assert page.locator("#backup-announce").inner_text().strip() == \
        page.locator("#backup-progress strong").inner_text().strip()
    assert page.locator("#backup-announce").count() == 1
    with browser_app.app_context():
        name = backups.backups()[0][0].name
    assert page.locator(f"tr[data-name='{name}']").is_visible()
    assert page.locator("[data-state=good]").is_visible()
    assert page.locator("form.backup-start button").is_enabled()
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    shot(page, f"backups-done-{lang}")
    axe_check(page)
    page.goto(f"{live_server}/office")
    assert page.locator("#backup-home-warning").count() == 0

    page.goto(f"{live_server}/backups/{name}/restore")
    page.fill("#restore-confirm", "no")
    with page.expect_navigation():
        press("form button.danger")
    assert page.locator("#restore-error").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    shot(page, f"backups-restore-refused-{lang}")
    axe_check(page)

    page.fill("#restore-confirm", name)
    with page.expect_navigation():
        press("form button.danger")
    assert page.url.endswith(f"/backups/{name}/restored")
    assert page.locator("p.ok-line").is_visible()
    shot(page, f"backups-restored-{lang}")
    axe_check(page)
