"""The archive in a real browser: Debian's Chromium driven by Playwright.

Playwright is told to use /usr/bin/chromium (never to download a browser).
A screenshot of an alert page is saved to test-artifacts/ for people to look at.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_web import archive, ids  # noqa: F401 -- the module-scoped archive fixture

from conftest import ROOT, Watcher

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = ROOT / "test-artifacts"

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (bash .ci/run installs it)"
)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run", "--disable-quic"],
        )
        yield b
        b.close()


def test_browse_filter_open_and_search(archive: tuple[Watcher, str], browser) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    w, base = archive
    page = browser.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(base + "/")
    assert page.locator("h1").inner_text() == "Alertes"
    assert page.locator("li.alert").count() == 2
    # filter by topic with the form, by keyboard-reachable controls
    page.get_by_label("Thème", exact=True).select_option("secret-professionnel")
    page.get_by_role("button", name="Appliquer").click()
    page.wait_for_url("**topic=secret-professionnel**")
    assert page.locator("li.alert").count() == 1
    # open the alert and see its diff
    page.locator("li.alert h3 a").first.click()
    page.wait_for_url(f"**/alerts/{ids(w)['cp']}/")
    assert page.locator("h1").inner_text() == "Code pénal, art. 458"
    assert page.locator(".diff.side ins").first.inner_text() == "de deux ans"
    assert page.locator(".diff.side del").first.inner_text() == "d'un an"
    assert "de deux ans" in page.locator(".diff.inline ins").first.text_content()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "alert-page.png"), full_page=True)
    # the scraped <script> never runs: no dialog, shown as text on its page
    page.on("dialog", lambda d: errors.append("dialog: " + d.message))
    page.goto(f"{base}/alerts/{ids(w)['rwlp']}/")
    assert "<script>" in page.locator("h1").inner_text()
    # search a word from the diff and find the alert
    page.goto(base + "/search/")
    page.get_by_label("Mots recherchés").fill("cinq cents")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search/?q=cinq+cents")
    link = page.get_by_role("link", name="Code pénal, art. 458")
    assert link.count() >= 1
    assert "cinq cents" in page.locator("mark").first.inner_text().lower() or page.locator("mark").count() > 0
    assert errors == [], errors
    page.close()


def test_dutch_and_keyboard(archive: tuple[Watcher, str], browser) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    _, base = archive
    page = browser.new_page()
    page.goto(base + "/")
    page.keyboard.press("Tab")  # the skip link comes first
    assert page.evaluate("document.activeElement.textContent") == "Aller au contenu"
    page.get_by_role("link", name="Nederlands").click()
    page.wait_for_url("**/nl/")
    assert page.locator("h1").inner_text() == "Meldingen"
    page.close()


def test_static_export_in_the_browser_with_its_search(archive: tuple[Watcher, str], browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    import http.server
    import socketserver
    import threading
    from functools import partial

    w, _ = archive
    out = tmp_path / "site"
    assert w("export", str(out)).code == 0
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(out))
    handler.log_message = lambda *a: None  # type: ignore[assignment]
    with socketserver.TCPServer(("127.0.0.1", 0), handler) as httpd:
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        port = httpd.server_address[1]
        page = browser.new_page()
        page.goto(f"http://127.0.0.1:{port}/index.html")
        assert page.locator("li.alert").count() == 2
        page.locator("li.alert h3 a").first.click()
        assert page.locator(".diff.inline ins").count() >= 1 or page.locator("h1").count() == 1
        page.goto(f"http://127.0.0.1:{port}/search/index.html")
        page.get_by_label("Mots recherchés").fill("cinq cents")
        page.keyboard.press("Enter")
        page.wait_for_selector("#static-results li")
        assert "Code pénal, art. 458" in page.locator("#static-results").inner_text()
        page.close()
        httpd.shutdown()
