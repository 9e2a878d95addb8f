"""Helpers for the HTML report's tests: the report of a schema file, the page's elements as
a parser sees them, and WCAG contrast arithmetic."""

from __future__ import annotations

import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Optional

from schemadiff import desired
from schemadiff.engine.reporting import ReportSources
from schemadiff.pictures.report import html_report

ROOT = Path(__file__).resolve().parent.parent
SEED_SCHEMA = ROOT / "schema.yaml"


def file_report(path: Path = SEED_SCHEMA) -> str:
    """The report of ``path`` built from the file alone."""
    return html_report(ReportSources(str(path.name), desired.load(str(path))))


def thousand_tables(tmp_path: Path) -> Path:
    """The benchmark generator's 1,000-table schema file."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import generate

    generate.write(1000, tmp_path)
    return tmp_path / "schema.yaml"


class Elements(HTMLParser):
    """Every start tag as (tag, attributes), and the text of each heading."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.headings: list[tuple[int, str]] = []
        self._heading: Optional[list] = None
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            self._heading = [int(tag[1]), ""]

    def handle_data(self, data):
        if self._heading is not None:
            self._heading[1] += data

    def handle_endtag(self, tag):
        if self._heading is not None and tag == f"h{self._heading[0]}":
            self.headings.append(tuple(self._heading))
            self._heading = None

    def all(self, tag: str) -> list[dict]:
        return [attrs for name, attrs in self.tags if name == tag]

    @property
    def ids(self) -> set:
        return {attrs["id"] for _, attrs in self.tags if "id" in attrs}


def luminance(colour: str) -> float:
    """WCAG relative luminance of #rrggbb."""
    def channel(hex2: str) -> float:
        c = int(hex2, 16) / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(colour[i:i + 2]) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(foreground: str, background: str) -> float:
    lighter, darker = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)
