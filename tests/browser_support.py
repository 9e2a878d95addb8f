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


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """One Chromium per test module, stopped when the module ends: Playwright's sync API keeps
    an event loop running in the main thread while it is started, so a session-long one made
    every later test calling asyncio.run() fail ("cannot be called from a running event loop")."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("Playwright is not installed (pip install -e '.[test]')")
    executable = chromium_executable()
    if executable is None:
        pytest.skip("no Chromium found (apt-get install chromium, or set SCHEMADIFF_TEST_CHROMIUM)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="module")
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
