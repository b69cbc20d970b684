"""Take the README's picture of a conference being recorded: docs/img/conference.png.

What it does, all on this machine and on fictional data only:

1. builds the demo database (as `ips-nb demo` does, anchored on 23 November 2026 so the picture
   is the same every time) in a temporary folder;
2. serves the agenda dashboard standalone for the Aarhus site (Danish), as `ips-nb serve --site
   aarhus` does, on a free loopback port, for a made-up local user;
3. in headless Chromium (Debian's /usr/bin/chromium, the tests' flags): chooses the first
   candidate, records a decision, so the agenda row below shows it as the latest decision, then
   starts an action with a due date that is not in the calendar, so the message beside the
   field shows why it would be refused;
4. saves the panel and the first agenda row as a PNG (under 400 KB) and stops the server.

Run: .venv/bin/python tools/screenshot_conference.py            (writes docs/img/conference.png)
     .venv/bin/python tools/screenshot_conference.py --out x.png
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # the browser tests' server and Chromium flags, not copies

from browsing import CHROMIUM_ARGS, serving  # noqa: E402

from ips_nb.demo import build_demo_db  # noqa: E402

TODAY = date(2026, 11, 23)  # the tests' demo day: week 48, the Aarhus conference on Tuesday 24th
SITE = "aarhus"
USER = "mette"  # a made-up local user; the dashboard names whoever started the server
OUT = ROOT / "docs" / "img" / "conference.png"
MAX_BYTES = 400_000
CHROMIUM = os.environ.get("IPS_NB_CHROMIUM") or "/usr/bin/chromium"

DECISION = "Starter praktik hos Netto mandag; konsulenten følger op efter første uge."
ACTION = "Ring til Netto om arbejdstiderne"
IMPOSSIBLE_DUE = "2026-11-31"  # November has 30 days: the field says so beside it


def take(out: Path) -> Path:
    """Build, serve, record, photograph; returns the PNG's path."""
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="ips-nb-screenshot-") as tmp:
        folder = Path(tmp)
        url = f"sqlite:///{folder / 'demo.db'}"
        build_demo_db(url, TODAY)
        os.environ["LOGNAME"] = USER  # who the standalone server acts for (getpass reads it first)
        server = serving(SITE, url, str(ROOT / "params"), folder / "voila.log", TODAY)
        base, log = next(server)
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                try:
                    page = browser.new_page(viewport={"width": 1200, "height": 1000})
                    page.goto(f"{base}/voila/render/agenda.ipynb")
                    _record(page)
                    _photograph(page, out)
                finally:
                    browser.close()
        except Exception:
            sys.stderr.write(f"the dashboard's log:\n{Path(log).read_text(errors='replace')[-4000:]}\n")
            raise
        finally:
            server.close()
    size = out.stat().st_size
    if size >= MAX_BYTES:
        raise SystemExit(f"{out} is {size} bytes; keep it under {MAX_BYTES}")
    return out


def _record(page) -> None:  # noqa: ANN001 - a Playwright page
    """A decision saved for the first candidate, then an action with an impossible due date."""
    page.wait_for_selector("text=Registrér konferencen", timeout=120_000)
    chooser = page.get_by_label("Borger", exact=True)
    chooser.select_option(index=0)
    page.locator(".widget-textarea textarea").fill(DECISION)
    page.get_by_role("button", name="Markér drøftet").click()
    page.wait_for_function("() => document.querySelector('.ips-conference-status')"
                           " && document.querySelector('.ips-conference-status').textContent === 'Gemt.'"
                           " && document.querySelector('.ips-last-decision')", timeout=60_000)
    page.locator(".widget-text", has_text="Handling").locator("input").fill(ACTION)
    due = page.locator(".widget-text", has_text="Frist").locator("input")
    due.fill(IMPOSSIBLE_DUE)
    due.press("Tab")  # a date is checked when the field is left
    page.wait_for_selector(".ips-field-message", timeout=30_000)


def _photograph(page, out: Path) -> None:  # noqa: ANN001 - a Playwright page
    """From the top of the page down to the end of the row that shows the decision."""
    row = page.locator("tr", has=page.locator(".ips-last-decision")).first
    row.scroll_into_view_if_needed()
    bottom = row.bounding_box()
    panel = page.locator(".ips-conference").bounding_box()
    if bottom is None or panel is None:
        raise RuntimeError("the panel or the agenda row is not on the page")
    page.evaluate("window.scrollTo(0, 0)")
    height = bottom["y"] + bottom["height"] + 12
    out.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(out), full_page=True,
                    clip={"x": 0, "y": 0, "width": 1200, "height": height})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT, help=f"the PNG to write (default {OUT.relative_to(ROOT)})")
    args = parser.parse_args(argv)
    path = take(args.out)
    print(f"wrote {path} ({path.stat().st_size // 1000} KB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
