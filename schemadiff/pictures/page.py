"""The HTML report's page: escaping, small element builders, the colour palette and the CSS
made from it, and the document shell. Nothing here knows about schemas.

Every colour the CSS uses comes from PALETTE, and every text/background pair it puts text in
is listed in TEXT_PAIRS, so that a test can check each pair against WCAG AA (4.5:1)."""

from __future__ import annotations

from html import escape
from typing import Iterable, Optional
from urllib.parse import quote

PALETTE = {
    "text": "#1b1f24",
    "muted": "#57606a",
    "background": "#ffffff",
    "panel": "#f6f8fa",
    "border": "#d0d7de",
    "link": "#0550ae",
    "ok": "#116329",
    "ok-bg": "#dafbe1",
    "warning": "#7d4e00",
    "warning-bg": "#fff8c5",
    "critical": "#a40e26",
    "critical-bg": "#ffebe9",
    "unknown": "#6639ba",
    "unknown-bg": "#fbefff",
}

# (foreground, background) of every place the CSS puts text on a colour.
TEXT_PAIRS = (
    ("text", "background"), ("text", "panel"), ("muted", "background"), ("muted", "panel"),
    ("link", "background"), ("link", "panel"), ("background", "link"),
    ("ok", "ok-bg"), ("warning", "warning-bg"), ("critical", "critical-bg"), ("unknown", "unknown-bg"),
)

LEVELS = ("ok", "warning", "critical", "unknown")

_CSS = """
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;
color:var(--text);background:var(--background)}
main{max-width:75rem;margin:0 auto;padding:1rem}
a{color:var(--link)}
h1,h2,h3,h4{line-height:1.25;overflow-wrap:anywhere}
h2{margin-top:2.5rem;padding-bottom:.25rem;border-bottom:1px solid var(--border)}
h3{margin-top:2rem}
h4{margin:1rem 0 .25rem;font-size:1rem}
p,li,dd{overflow-wrap:anywhere}
.skip{position:absolute;left:-100rem;top:0;padding:.5rem 1rem;background:var(--link);color:var(--background)}
.skip:focus{left:1rem;top:1rem;z-index:1}
.muted{color:var(--muted)}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;margin:.25rem 0 1rem;font-size:.9375rem}
th,td{padding:.25rem .5rem;border:1px solid var(--border);text-align:left;vertical-align:top}
th{background:var(--panel)}
td.n{text-align:right;white-space:nowrap}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace;font-size:.875rem}
pre{background:var(--panel);padding:.5rem;overflow-x:auto;margin:.25rem 0}
nav ol{padding-left:1.25rem}
.toc-tables{columns:16rem}
figure{margin:0}
.diagram{overflow-x:auto;border:1px solid var(--border);padding:.5rem;background:var(--background)}
.diagram svg{max-width:100%;height:auto}
.placeholder{background:var(--panel);border:1px dashed var(--border);padding:1rem}
.level{display:inline-block;padding:0 .5rem;border-radius:.25rem;font-weight:600}
.level-ok{color:var(--ok);background:var(--ok-bg)}
.level-warning{color:var(--warning);background:var(--warning-bg)}
.level-critical{color:var(--critical);background:var(--critical-bg)}
.level-unknown{color:var(--unknown);background:var(--unknown-bg)}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.125rem 1rem;margin:.5rem 0}
dl.facts dt{font-weight:600}
dl.facts dd{margin:0}
@media (max-width:40rem){h1{font-size:1.5rem}main{padding:.75rem}}
"""


def css() -> str:
    """The stylesheet: PALETTE as custom properties, then the rules that use them."""
    colours = ";".join(f"--{name}:{value}" for name, value in PALETTE.items())
    return f":root{{{colours}}}{_CSS}"


def esc(text: object) -> str:
    return escape(str(text), quote=True)


def anchor(kind: str, name: object) -> str:
    """A fragment id for ``name`` that is safe in ``id`` and ``href`` whatever the name holds."""
    return f"{kind}-{quote(str(name), safe='')}".replace("%", "_")


def link(target: str, text: object) -> str:
    return f'<a href="#{target}">{esc(text)}</a>'


def code(text: object) -> str:
    return f"<code>{esc(text)}</code>"


def level(name: str, shade: Optional[str] = None) -> str:
    """A badge saying ``name`` (a status: ok, warning, critical, unknown) in its colours, or
    in those of ``shade``: the word itself, not only a colour."""
    wanted = shade or name
    cls = wanted if wanted in LEVELS else "unknown"
    return f'<span class="level level-{cls}">{esc(name.upper())}</span>'


def grid(headers: Iterable[str], rows: Iterable[Iterable[str]], numeric: Iterable[int] = ()) -> str:
    """A table that scrolls sideways on a narrow screen; cells are HTML already escaped."""
    right = set(numeric)
    head = "".join(f'<th scope="col">{esc(h)}</th>' for h in headers)
    body = "".join("<tr>" + "".join(f'<td class="n">{c}</td>' if i in right else f"<td>{c}</td>"
                                    for i, c in enumerate(row)) + "</tr>" for row in rows)
    return f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'


def facts(pairs: Iterable[tuple[str, str]]) -> str:
    """A definition list of (label, HTML value)."""
    return '<dl class="facts">' + "".join(f"<dt>{esc(k)}</dt><dd>{v}</dd>" for k, v in pairs) + "</dl>"


def section(ident: str, title: str, body: str) -> str:
    return f'<section id="{ident}" aria-labelledby="{ident}-h"><h2 id="{ident}-h">{esc(title)}</h2>{body}</section>'


def document(title: str, body: str, description: Optional[str] = None) -> str:
    """The whole page: one file, no script, nothing fetched."""
    meta = f'<meta name="description" content="{esc(description)}">' if description else ""
    return ("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<meta name=\"generator\" content=\"schemadiff\">{meta}<title>{esc(title)}</title>"
            f"<style>{css()}</style></head><body>"
            "<a class=\"skip\" href=\"#main\">Skip to content</a>"
            f"<main id=\"main\">{body}</main></body></html>\n")
