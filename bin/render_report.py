#!/usr/bin/env python
"""Render an HTML page (an `nlpzero report`) to a PNG with headless Chromium,
as a person would see it, to look at or to check.

    python bin/render_report.py report.html -o shot.png [--width 1280] [--height 4000]

Uses the first of chromium, chromium-browser, google-chrome, google-chrome-stable
on PATH (Debian: `apt-get install chromium`).  Host lookups are disabled, so
the picture shows what the page holds offline.  Prints the PNG's size and,
when Pillow is installed, its number of distinct colours (a blank page has one).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def find_browser() -> str | None:
    """The path of a Chromium-family browser on PATH, or None."""
    return next((found for found in map(shutil.which, BROWSERS) if found), None)


def render(page: str, png: str, width: int = 1280, height: int = 4000, browser: str | None = None,
           timeout: float = 120) -> str:
    """Screenshot `page` (a path) into `png` at width x height CSS pixels; returns `png`."""
    browser = browser or find_browser()
    if browser is None:
        raise RuntimeError(f"no browser found: install one of {', '.join(BROWSERS)} (Debian: apt-get install chromium)")
    if not os.path.isfile(page):
        raise RuntimeError(f"{page}: no such file")
    url = "file://" + os.path.abspath(page)
    target = os.path.abspath(png)
    if os.path.exists(target):
        os.unlink(target)
    with tempfile.TemporaryDirectory(prefix="nlpzero-render-") as profile:
        command = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
                   "--disable-extensions", "--host-resolver-rules=MAP * ~NOTFOUND", f"--user-data-dir={profile}",
                   "--virtual-time-budget=5000", f"--window-size={width},{height}", f"--screenshot={target}", url]
        done = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    if not os.path.exists(target):
        raise RuntimeError(f"{os.path.basename(browser)} wrote no screenshot (exit {done.returncode}):\n"
                           + done.stderr.decode("utf-8", "replace")[-2000:])
    return target


def distinct_colours(png: str) -> int | None:
    """How many colours the picture has (None without Pillow)."""
    try:
        from PIL import Image
    except ImportError:
        return None
    with Image.open(png) as image:
        colours = image.convert("RGB").getcolors(maxcolors=1 << 24)
    return len(colours or ())


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("page", help="the HTML file")
    parser.add_argument("-o", "--output", default=None, help="the PNG to write  [default: PAGE with .png]")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=4000)
    parser.add_argument("--browser", default=None, help="the browser's path  [default: found on PATH]")
    args = parser.parse_args(argv)
    output = args.output or os.path.splitext(args.page)[0] + ".png"
    try:
        render(args.page, output, args.width, args.height, args.browser)
    except (RuntimeError, subprocess.TimeoutExpired, OSError) as exc:
        print(f"render_report: {exc}", file=sys.stderr)
        return 1
    colours = distinct_colours(output)
    extra = f", {colours:,} colours" if colours is not None else ""
    print(f"wrote {output} ({os.path.getsize(output):,} bytes, {args.width}x{args.height}{extra})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
