"""Time from navigation to the first drawn chart: cold Voila, preheated Voila, and the static pack.

All three in one run, same site and month, same headless Chromium, a fresh browser context (empty
cache) for every page. The static pack, built with `ips_nb.cli.run_reports` and served over
loopback HTTP, is the floor: the same plotly.js, no kernel. Target: preheated <= 1.5x the floor.

    .venv/bin/python benchmarks/dashboard.py [--rounds 3] [--site aarhus] [--month 2026-10]
"""
from __future__ import annotations

import argparse
import functools
import http.server
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from browsing import CHROMIUM_ARGS, stop_process  # noqa: E402 - shared with the tests

CHROMIUM = "/usr/bin/chromium"
DRAWN = ".js-plotly-plot .main-svg"
TODAY = date(2026, 11, 23)
POOL_FILLED = "Kernel pool of supervision.ipynb is filled"
# Voila logs "filled" when the kernel starts; the notebook then runs for a few seconds
# (the demo's anchor day: the default month is 2026-10)
SETTLE = 8.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_log(log: Path, text: str, count: int = 1, timeout: float = 120) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if log.exists() and log.read_text(errors="replace").count(text) >= count:
            return
        time.sleep(0.2)
    raise TimeoutError(f"{text!r} not seen in {log}")


def wait_for_http(url: str, timeout: float = 60) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(url)


def first_chart(browser, url: str) -> float:
    """Seconds from navigation to the first plotly chart drawn (its SVG present)."""
    ctx = browser.new_context()
    ctx.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("http://127.0.0.1", "file:"))
              else r.abort())
    page = ctx.new_page()
    t0 = time.perf_counter()
    page.goto(url, wait_until="commit")
    page.wait_for_selector(DRAWN, timeout=120_000)
    elapsed = time.perf_counter() - t0
    ctx.close()
    return elapsed


@functools.cache
def static_pack(tmp: Path, db: str, site: str, month: str) -> Path:
    from ips_nb.cli import run_reports

    out = tmp / "reports"
    status = run_reports("supervision", [site], [month], db=db, params=str(ROOT / "params"),
                         out=str(out), jobs=1, command=["benchmarks/dashboard.py"])
    if status != 0:
        raise SystemExit("the static pack failed")
    return out


def serve_static(folder: Path) -> tuple[http.server.ThreadingHTTPServer, int]:
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, server.server_address[1]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


def start_voila(tmp: Path, db: str, site: str, preheat: bool, name: str) -> tuple[subprocess.Popen, int, Path]:
    from ips_nb.live.serve import launch

    port = free_port()
    log = tmp / f"voila-{name}.log"
    proc = launch(site, port, db, str(ROOT / "params"), today=TODAY, preheat=preheat,
                  stdout=log.open("w"), stderr=subprocess.STDOUT)
    wait_for_http(f"http://127.0.0.1:{port}/")
    if preheat:
        wait_for_log(log, POOL_FILLED)
        time.sleep(SETTLE)
    return proc, port, log


def stop(proc: subprocess.Popen) -> None:
    stop_process(proc, 15)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--site", default="aarhus")
    ap.add_argument("--month", default="2026-10")
    args = ap.parse_args()

    from playwright.sync_api import sync_playwright

    from ips_nb.demo import build_demo_db

    with tempfile.TemporaryDirectory(prefix="ips-bench-dash-") as t, sync_playwright() as pw:
        tmp = Path(t)
        db = f"sqlite:///{tmp / 'demo.db'}"
        build_demo_db(db, TODAY)
        reports = static_pack(tmp, db, args.site, args.month)
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        times: dict[str, list[float]] = {"static": [], "cold": [], "preheated": []}
        httpd, sport = serve_static(reports)
        try:
            static_url = f"http://127.0.0.1:{sport}/{args.site}/supervision/{args.month}.html"
            first_chart(browser, static_url)  # warm the OS file cache, not the browser's
            for _ in range(args.rounds):
                times["static"].append(first_chart(browser, static_url))
            # cold: a fresh server without a pool for every round (kernel start + imports + run)
            for i in range(args.rounds):
                proc, port, _ = start_voila(tmp, db, args.site, preheat=False, name=f"cold{i}")
                try:
                    times["cold"].append(first_chart(
                        browser, f"http://127.0.0.1:{port}/voila/render/supervision.ipynb"))
                finally:
                    stop(proc)
            # preheated: one server; after each page, wait for the pool to refill
            proc, port, log = start_voila(tmp, db, args.site, preheat=True, name="warm")
            try:
                for i in range(args.rounds):
                    times["preheated"].append(first_chart(
                        browser, f"http://127.0.0.1:{port}/voila/render/supervision.ipynb"))
                    wait_for_log(log, POOL_FILLED, count=i + 2)
                    time.sleep(SETTLE)
            finally:
                stop(proc)
        finally:
            httpd.shutdown()
            browser.close()

    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"first drawn chart, median of {args.rounds} (s); site {args.site}, month {args.month}")
    for k in ("static", "cold", "preheated"):
        print(f"  {k:<10} {med[k]:5.2f}   runs: {', '.join(f'{x:.2f}' for x in times[k])}")
    print(f"  cold / static      {med['cold'] / med['static']:.2f}x")
    print(f"  preheated / static {med['preheated'] / med['static']:.2f}x   (target <= 1.5x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
