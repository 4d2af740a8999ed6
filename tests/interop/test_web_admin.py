"""The web admin at /admin in headless Chromium (Debian's, driven by Playwright) against a real ``syncmld
serve``, with SyncEvolution syncing: disabling an account stops its syncs and enabling it lets them go on,
forgetting a device makes its next sync slow, a session's timeline shows its commands, a backup restores;
a screenshot of each page is saved under the test's tmp directory (``screens/``). The login refuses a wrong
password, a plain account's credentials and a form without the session's CSRF token; the admin is off while
no admin user exists, and refused to addresses outside --admin-allow-ips."""

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from .client import Device, succeeded
from .server import SyncmldServer, syncmld

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

CHROMIUM = shutil.which("chromium")
ADMIN, ADMIN_PASSWORD = "root", "admin-secret"
EMAIL, PASSWORD = "web@example.org", "pw"


def cli(server: SyncmldServer, *args: str) -> str:
    done = syncmld(*args, "--data-dir", str(server.data_dir))
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.fixture
def served(tmp_path: Path) -> Iterator[SyncmldServer]:
    running = SyncmldServer(tmp_path / "data", options=("--log-messages", "--max-timeline-dump", "500"))
    running.data_dir.mkdir(parents=True)
    running.add_account(EMAIL, PASSWORD)
    running.start()
    try:
        yield running
    finally:
        running.stop()


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, page
    return found.group(1)


def test_the_admin_is_off_without_an_admin_and_refuses_bad_logins(served: SyncmldServer) -> None:
    admin = f"{served.base}/admin"
    assert httpx.get(f"{admin}/login").status_code == 404
    cli(served, "admin", "add", ADMIN, "--password", ADMIN_PASSWORD)
    with httpx.Client(base_url=admin) as browser:
        token = csrf_of(browser.get("/login").text)
        wrong = browser.post("/login", data={"csrf": token, "name": ADMIN, "password": "nope"})
        assert wrong.status_code == 403 and "wrong name or password" in wrong.text
        plain = browser.post("/login", data={"csrf": token, "name": EMAIL, "password": PASSWORD})
        assert plain.status_code == 403
        huge = browser.post("/login", data={"csrf": token, "name": ADMIN, "password": "x" * 70_000})
        assert huge.status_code == 413
        no_csrf = browser.post("/login", data={"name": ADMIN, "password": ADMIN_PASSWORD})
        assert no_csrf.status_code == 403 and "CSRF" in no_csrf.text
        assert browser.get("/accounts").status_code == 303
        good = browser.post("/login", data={"csrf": token, "name": ADMIN, "password": ADMIN_PASSWORD})
        assert good.status_code == 303
        assert EMAIL in browser.get("/accounts").text
        forged = browser.post("/accounts/enabled", data={"email": EMAIL, "enabled": "0"})
        assert forged.status_code == 403
    assert "(disabled)" not in cli(served, "account", "list")
    assert "wrong name or password" in served.log_path.read_text() or "refused" in served.log_path.read_text()


def test_an_address_outside_the_allowed_ones_is_refused(tmp_path: Path) -> None:
    running = SyncmldServer(tmp_path / "data", options=("--admin-allow-ips", "10.0.0.0/8"))
    running.data_dir.mkdir(parents=True)
    cli(running, "admin", "add", ADMIN, "--password", ADMIN_PASSWORD)
    running.start()
    try:
        refused = httpx.get(f"{running.base}/admin/login")
        assert refused.status_code == 403 and "not open to this address" in refused.text
    finally:
        running.stop()


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (Debian package chromium)")
def test_chromium_drives_the_admin_while_syncevolution_syncs(
    served: SyncmldServer, interop_dir: Path, tmp_path: Path
) -> None:
    from playwright.sync_api import sync_playwright

    cli(served, "admin", "add", ADMIN, "--password", ADMIN_PASSWORD)
    screens = tmp_path / "screens"
    device = Device(interop_dir, tmp_path / "se", "web-phone", f"{served.url}?backup=web", EMAIL, PASSWORD)
    device.generate(3)
    assert succeeded(device.sync()).server.added == 3
    [archive] = [line.split()[0] for line in cli(served, "backup", "list").splitlines()]

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page()

        def shot(name: str) -> None:
            page.screenshot(path=str(screens / f"{name}.png"), full_page=True)

        page.goto(f"{served.base}/admin/login")
        shot("login")
        page.fill("input[name=name]", ADMIN)
        page.fill("input[name=password]", "wrong")
        page.click("button[type=submit]")
        assert page.inner_text("#error") == "wrong name or password"
        shot("login-refused")
        page.fill("input[name=name]", ADMIN)
        page.fill("input[name=password]", ADMIN_PASSWORD)
        page.click("button[type=submit]")
        assert "active sessions" in page.inner_text("#summary")
        assert "web-phone" in page.inner_text("#recent")
        assert page.locator("#hourly rect.ok").count() == 1
        shot("dashboard")

        page.click("text=Accounts")
        page.click(f"tr:has-text('{EMAIL}') >> text=Disable")
        assert "disabled" in page.inner_text("#accounts")
        shot("account-disabled")
        refused = device.sync()
        assert not refused.ok and refused.status == 403, refused.describe()

        page.click("text=Enable")
        assert "enabled" in page.inner_text("#accounts")
        assert succeeded(device.sync()).mode == "two-way"

        page.click(f"text={EMAIL}")
        assert "contacts" in page.inner_text("#folders")
        shot("account")
        page.click("#sessions >> text=/Timeline [0-9a-f]{12}/")
        timeline = page.inner_text("#timeline")
        assert "Alert:1" in timeline and "Sync:1" in timeline, timeline
        assert "200:" in timeline
        assert page.locator("#timing rect.message").count() >= 2
        assert "more characters]" in page.locator("#timeline details pre").first.text_content()
        shot("session")
        page.go_back()
        page.click("text=/Forget .*web-phone/")
        assert "web-phone" not in page.inner_text("#devices")
        assert succeeded(device.sync()).mode == "slow"

        page.reload()
        page.click(f"text=Restore {archive}")
        assert re.search(r"contacts\s+6", page.inner_text("#folders")), page.inner_text("#folders")
        shot("restored")

        page.click("text=Settings")
        page.fill("#settings >> tr:has-text('history_days') >> input[name=value]", "soon")
        page.click("text=Set history_days")
        assert "history_days" in page.inner_text("#error")
        shot("settings")
        browser.close()
    assert sorted(path.name for path in screens.iterdir()) == [
        "account-disabled.png", "account.png", "dashboard.png", "login-refused.png", "login.png", "restored.png",
        "session.png", "settings.png",
    ]  # fmt: skip
    assert "contacts: 6 items" in cli(served, "folder", "list", EMAIL)
