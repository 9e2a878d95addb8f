"""The HTML report in headless Chromium: it renders without errors or requests, the diagram
and the health section show something, and a phone needs no sideways scrolling."""

from __future__ import annotations

import base64
import shutil

import pytest

from browser_support import browser  # noqa: F401  (the fixture)
from conftest import fresh_database
from html_report_support import SEED_SCHEMA, file_report, thousand_tables
from prodsafe_helpers import apply, cli, write

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
needs_graphviz = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz (dot) is not installed")

# The share of a PNG's pixels that differ from its most common colour (its background),
# counted by the browser itself from a canvas.
INK_JS = """async (b64) => {
  const img = new Image();
  img.src = 'data:image/png;base64,' + b64;
  await img.decode();
  const canvas = document.createElement('canvas');
  canvas.width = img.width; canvas.height = img.height;
  const context = canvas.getContext('2d');
  context.drawImage(img, 0, 0);
  const data = context.getImageData(0, 0, img.width, img.height).data;
  const counts = new Map();
  let top = 0;
  for (let i = 0; i < data.length; i += 4) {
    const key = (data[i] << 16) | (data[i + 1] << 8) | data[i + 2];
    const n = (counts.get(key) || 0) + 1;
    counts.set(key, n);
    if (n > top) top = n;
  }
  return 1 - top / (data.length / 4);
}"""
VISIBLE = 0.01  # at least 1% of a region's pixels drawn in something other than its background


@pytest.fixture(scope="module")
def seed_report_path(pg_server, tmp_path_factory):
    """The seven seed tables' report against a database one column behind the file: health
    has a finding, the plan a statement, the history a version."""
    tmp = tmp_path_factory.mktemp("report")
    text = SEED_SCHEMA.read_text(encoding="utf-8")
    with fresh_database(pg_server) as url:
        apply(url, text.replace("      is_premium: {type: boolean, nullable: false, default: false}\n", ""))
        result = cli(url, write(tmp, text), "report", "--html", str(tmp / "report.html"))
        assert result.returncode == 0, result.stderr
    return tmp / "report.html"


@pytest.fixture
def opened(browser, seed_report_path):  # noqa: F811
    """(page at desktop size with the report loaded, console errors, page errors, requests)."""
    page = browser.new_page(viewport=DESKTOP)
    errors, crashes, requests = [], [], []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: crashes.append(str(error)))
    page.on("request", lambda request: requests.append(request.url))
    page.goto(seed_report_path.as_uri())
    page.wait_for_load_state("load")
    yield page, errors, crashes, requests
    page.close()


def ink(page, png: bytes) -> float:
    return page.evaluate(INK_JS, base64.b64encode(png).decode("ascii"))


def test_the_report_renders_without_console_or_page_errors(opened):
    _, errors, crashes, _ = opened
    assert errors == [] and crashes == []


def test_opening_the_report_requests_nothing_but_the_file_itself(opened, seed_report_path):
    _, _, _, requests = opened
    assert requests == [seed_report_path.as_uri()]


@needs_graphviz
def test_the_diagram_is_drawn_where_it_should_be(opened):
    page, *_ = opened
    diagram = page.locator("#diagram svg")
    box = diagram.bounding_box()
    assert box is not None and box["width"] > 200 and box["height"] > 200
    assert ink(page, diagram.screenshot()) > VISIBLE


def test_the_health_section_is_drawn_with_its_finding(opened):
    page, *_ = opened
    health = page.locator("#health")
    assert health.is_visible() and "users.is_premium is missing" in health.inner_text()
    assert ink(page, health.screenshot()) > VISIBLE


def test_the_ink_measure_finds_a_blank_region_blank(opened):
    page, *_ = opened
    page.evaluate("""() => { const blank = document.createElement('div'); blank.id = 'blank';
        blank.style.cssText = 'width:300px;height:200px;background:#ffffff'; document.body.prepend(blank); }""")
    assert ink(page, page.locator("#blank").screenshot()) < VISIBLE


def test_on_a_phone_the_page_needs_no_sideways_scrolling(browser, seed_report_path):  # noqa: F811
    page = browser.new_page(viewport=PHONE, device_scale_factor=1, is_mobile=True)
    try:
        page.goto(seed_report_path.as_uri())
        # A phone zooms out to fit what overflows, so innerWidth too must stay the phone's.
        widths = page.evaluate("() => [document.documentElement.scrollWidth, document.body.scrollWidth,"
                               " window.innerWidth]")
        assert max(widths) <= PHONE["width"], widths
    finally:
        page.close()


def test_on_a_phone_wide_tables_scroll_inside_their_own_box(browser, seed_report_path):  # noqa: F811
    page = browser.new_page(viewport=PHONE, is_mobile=True)
    try:
        page.goto(seed_report_path.as_uri())
        columns = page.locator('article[aria-labelledby="table-public.users"] .scroll').first
        wide, shown, overflow = columns.evaluate("box => [box.scrollWidth, box.clientWidth, getComputedStyle(box).overflowX]")
        assert wide > shown and shown <= PHONE["width"] and overflow == "auto"
    finally:
        page.close()


@needs_graphviz
def test_a_thousand_table_report_opens_on_a_phone_without_errors_or_sideways_scrolling(browser, tmp_path):  # noqa: F811
    report = tmp_path / "report.html"
    report.write_text(file_report(thousand_tables(tmp_path)), encoding="utf-8")
    page = browser.new_page(viewport=PHONE, is_mobile=True)
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto(report.as_uri())
        assert errors == []
        assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
        assert page.locator("#diagram svg").is_visible()
    finally:
        page.close()
