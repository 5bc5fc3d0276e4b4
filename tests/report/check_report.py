#!/usr/bin/env python3
"""Opens a run's report in headless Chromium (Debian's chromium, driven by Playwright) and
checks every page: each image loads (natural width > 0), each link to a table or chart
resolves to a file on disk, and the console shows no errors.

Usage: check_report.py OUTPUT_DIR [CHROMIUM] [--require PATH]...
    (default CHROMIUM: /usr/bin/chromium). Each --require names a page or an image, relative
    to OUTPUT_DIR (a borough page, a map), that must be among those opened or loaded.
"""
import sys
from pathlib import Path
from urllib.parse import unquote, urlparse

from playwright.sync_api import sync_playwright

args = sys.argv[1:]
required = [args[i + 1] for i, a in enumerate(args) if a == "--require"]
args = [a for i, a in enumerate(args) if a != "--require" and (i == 0 or args[i - 1] != "--require")]
out = Path(args[0]).resolve()
chromium = args[1] if len(args) > 1 else "/usr/bin/chromium"
pages = [out / "index.html", out / "data-dictionary.html", *sorted((out / "forces").glob("*.html")),
         *sorted((out / "areas").glob("*.html"))]
seen = set()
assert (out / "index.html").exists(), "no index.html"

ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
failures = []
checked_images = checked_links = 0
with sync_playwright() as p:
    browser = p.chromium.launch(executable_path=chromium, headless=True, args=ARGS)
    for page_path in pages:
        page = browser.new_page()
        errors = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("requestfailed", lambda r: errors.append(f"request failed: {r.url}"))
        page.goto(page_path.as_uri(), wait_until="load")
        images = page.eval_on_selector_all(
            "img", "els => els.map(e => [e.getAttribute('src'), e.complete, e.naturalWidth])"
        )
        seen.add(page_path.relative_to(out).as_posix())
        for src, complete, width in images:
            checked_images += 1
            if complete and width > 0:
                seen.add((page_path.parent / src).resolve().relative_to(out).as_posix())
            if not complete or width <= 0:
                failures.append(f"{page_path.name}: image {src} did not load")
        links = page.eval_on_selector_all("a", "els => els.map(e => e.href)")
        for href in links:
            url = urlparse(href)
            if url.scheme != "file":
                failures.append(f"{page_path.name}: link leaves the report: {href}")
                continue
            checked_links += 1
            target = Path(unquote(url.path))
            if not target.exists():
                failures.append(f"{page_path.name}: link to a missing file: {target}")
        for e in errors:
            failures.append(f"{page_path.name}: console error: {e}")
        page.close()
    # A required SVG (a map for print) is opened on its own: it must parse and draw.
    for r in required:
        if r.endswith(".svg"):
            page = browser.new_page()
            page.goto((out / r).as_uri(), wait_until="load")
            box = page.eval_on_selector("svg", "e => [e.getBBox().width, e.childElementCount]")
            if box[0] <= 0 or box[1] == 0:
                failures.append(f"{r}: the SVG draws nothing")
            else:
                seen.add(r)
            page.close()
    browser.close()

for r in required:
    if r not in seen:
        failures.append(f"required page or image not opened or not loaded: {r}")
if failures:
    print("\n".join(failures))
    sys.exit(1)
print(f"report: {len(pages)} pages, {checked_images} images loaded, {checked_links} links resolve, no console errors")
