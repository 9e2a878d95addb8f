"""Make the README's screenshots of the HTML report: the seven seed tables against a throwaway
database one column behind the file (so the health, history and plan sections have
something to show), full page at desktop width and at phone width, in headless Chromium.

    .venv/bin/python docs/report_screenshots.py          # writes docs/report-*.png
"""

from __future__ import annotations

import base64
import os
import struct
import subprocess
import sys
import tempfile
import zlib
from pathlib import Path

import psycopg
from playwright.sync_api import sync_playwright

from schemadiff.server.throwaway import throwaway_cluster

ROOT = Path(__file__).resolve().parent.parent
BEHIND = "      is_premium: {type: boolean, nullable: false, default: false}\n"
# Chromium's own PNGs of a long page are around 1 MB; the same pixels in the 216 "web-safe"
# colours (each channel rounded to a multiple of 51), as an indexed PNG, are a quarter of that.
WEB_SAFE_INDICES = """async (b64) => {
  const img = new Image(); img.src = 'data:image/png;base64,' + b64; await img.decode();
  const canvas = document.createElement('canvas'); canvas.width = img.width; canvas.height = img.height;
  const context = canvas.getContext('2d'); context.drawImage(img, 0, 0);
  const d = context.getImageData(0, 0, img.width, img.height).data;
  const out = new Uint8Array(img.width * img.height);
  for (let i = 0, j = 0; i < d.length; i += 4, j++)
    out[j] = 36 * Math.round(d[i] / 51) + 6 * Math.round(d[i + 1] / 51) + Math.round(d[i + 2] / 51);
  let text = '';
  for (let k = 0; k < out.length; k += 0x8000) text += String.fromCharCode.apply(null, out.subarray(k, k + 0x8000));
  return [img.width, img.height, btoa(text)];
}"""
# name: (viewport, what): the first screen at desktop and phone width, the database sections
# (health, history, pending changes) as one picture, and the whole page for scale.
SHOTS = {
    "report-top.png": ({"width": 1024, "height": 900}, "screen"),
    "report-database.png": ({"width": 1024, "height": 900}, "#health, #history, #plan"),
    "report-phone.png": ({"width": 390, "height": 844}, "screen"),
    "report-desktop.png": ({"width": 1024, "height": 800}, "page"),
}


def shot(page, what: str) -> bytes:
    if what in ("screen", "page"):
        return page.screenshot(full_page=what == "page")
    boxes = [page.locator(selector.strip()).bounding_box() for selector in what.split(",")]
    top, bottom = min(b["y"] for b in boxes), max(b["y"] + b["height"] for b in boxes)
    width = page.viewport_size["width"]
    return page.screenshot(full_page=True, clip={"x": 0, "y": top, "width": width, "height": bottom - top})


def schemadiff(url: str, schema: Path, *args: str, cwd: Path = None) -> None:
    env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
    subprocess.run([sys.executable, "-m", "schemadiff", "--schema", str(schema), *args], env=env, check=True,
                   cwd=cwd or schema.parent)


def small_png(page, png: bytes) -> bytes:
    """``png`` as an 8-bit indexed PNG in the web-safe palette."""
    width, height, data = page.evaluate(WEB_SAFE_INDICES, base64.b64encode(png).decode("ascii"))
    indices = base64.b64decode(data)
    rows = b"".join(b"\x00" + indices[y * width:(y + 1) * width] for y in range(height))
    palette = bytes(level * 51 for r in range(6) for g in range(6) for b in range(6) for level in (r, g, b))

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 3, 0, 0, 0))
            + chunk(b"PLTE", palette) + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b""))


def main() -> None:
    text = (ROOT / "schema.yaml").read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory() as tmp, throwaway_cluster("local") as admin:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute("CREATE DATABASE seed")
        url = admin.rsplit("/", 1)[0] + "/seed"
        behind, schema = Path(tmp) / "behind.yaml", Path(tmp) / "schema.yaml"
        behind.write_text(text.replace(BEHIND, ""))
        schema.write_text(text)
        schemadiff(url, behind, "apply")
        schemadiff(url, Path("schema.yaml"), "report", "--html", "report.html", cwd=Path(tmp))
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
            for name, (viewport, what) in SHOTS.items():
                page = chromium.new_page(viewport=viewport, device_scale_factor=1)
                page.goto((Path(tmp) / "report.html").as_uri())
                (ROOT / "docs" / name).write_bytes(small_png(page, shot(page, what)))
                page.close()
                print(f"docs/{name}: {(ROOT / 'docs' / name).stat().st_size // 1024} kB")
            chromium.close()


if __name__ == "__main__":
    main()
