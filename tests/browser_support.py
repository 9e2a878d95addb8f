"""A real browser for the tests of schemadiff's pictures: headless Chromium driven by Playwright.

`browser` is a session fixture; it skips, with the reason, where Playwright or a Chromium is
missing (`.ci/run` installs both: Debian's `chromium` package and the test extra). `mermaid_error`
parses Mermaid text with Mermaid itself (tests/browser/package.json, installed by `npm ci`), in
that browser, so the diagrams schemadiff writes are checked by the parser GitHub renders with.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Iterator, Optional

import pytest

MERMAID_JS = Path(__file__).parent / "browser" / "node_modules" / "mermaid" / "dist" / "mermaid.min.js"

# Root cannot use Chromium's sandbox; the background services would try to reach Google's hosts.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
    "--disable-background-networking", "--disable-component-update",
]


def chromium_executable() -> Optional[str]:
    explicit = os.environ.get("SCHEMADIFF_TEST_CHROMIUM")
    if explicit:
        return explicit
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.fixture(scope="session")
def browser(request) -> Iterator[object]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("Playwright is not installed (pip install -e '.[test]')")
    executable = chromium_executable()
    if executable is None:
        pytest.skip("no Chromium found (apt-get install chromium, or set SCHEMADIFF_TEST_CHROMIUM)")
    # Each test module that imports this fixture gets its own copy (two, when imported both as
    # browser_support and as tests.browser_support), and Playwright's sync API cannot run twice
    # at once: the copies share one Chromium, kept on the session, closed when the last ends.
    if not hasattr(request.session, "schemadiff_chromium"):
        request.session.schemadiff_chromium = {}
    shared = request.session.schemadiff_chromium
    if not shared:
        playwright = sync_playwright().start()
        shared.update(playwright=playwright, users=0,
                       chromium=playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS))
    shared["users"] += 1
    try:
        yield shared["chromium"]
    finally:
        shared["users"] -= 1
        if not shared["users"]:
            shared["chromium"].close()
            shared["playwright"].stop()
            shared.clear()


@pytest.fixture(scope="session")
def mermaid_page(browser) -> Iterator[object]:
    if not MERMAID_JS.is_file():
        pytest.skip("Mermaid is not installed (npm ci --prefix tests/browser)")
    page = browser.new_page()
    page.set_content("<!doctype html><html><body></body></html>")
    page.add_script_tag(content=MERMAID_JS.read_text(encoding="utf-8"))
    yield page
    page.close()


def mermaid_error(page, text: str) -> Optional[str]:
    """None when Mermaid parses `text`, else Mermaid's own error message."""
    return page.evaluate(
        "async (text) => { try { await mermaid.parse(text); return null }"
        " catch (error) { return String(error.message || error) } }",
        text,
    )
