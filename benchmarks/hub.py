"""What `ips-nb hub` costs: memory at rest and per open dashboard, time to the first drawn chart
through the hub against the standalone server, and what 20 page views in a row leave behind.

A 30-site region: the four demo sites plus 26 more made from Aarhus's parameters (they have no
rows; only the demo sites' dashboards are opened), one user per site and a coordinator. The hub,
its proxy, the dashboard service and its kernels are measured as one process tree by PSS (a
forked or shared page counts once, split between its users), not RSS.

    .venv/bin/python benchmarks/hub.py [--rounds 3] [--views 20] [--open 3]
"""
from __future__ import annotations

import argparse
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from browsing import CHROMIUM_ARGS, stop_process  # noqa: E402 - shared with the tests

CHROMIUM = "/usr/bin/chromium"
DRAWN = ".js-plotly-plot .main-svg"
TODAY = date(2026, 11, 23)  # the demo's anchor day
PASSWORD = "benchmark-password"
SITES = 30
CULL_IDLE, CULL_INTERVAL = 30, 5
DEMO = ("aarhus", "odense", "jonkoping", "malmo")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def region(tmp: Path) -> tuple[Path, Path]:
    """params/ with 30 sites and an access.yaml naming sup-<site> for each and a coordinator."""
    params = tmp / "params"
    params.mkdir()
    for p in (ROOT / "params").glob("*.yaml"):
        if p.name != "access.yaml":
            shutil.copy(p, params / p.name)
    template = (ROOT / "params" / "aarhus.yaml").read_text(encoding="utf-8")
    extra = [f"site{i:02d}" for i in range(len(DEMO) + 1, SITES + 1)]
    for site in extra:
        text = template.replace("site: aarhus", f"site: {site}").replace("name: IPS Aarhus", f"name: IPS {site}")
        (params / f"{site}.yaml").write_text(text, encoding="utf-8")
    lines = ["sites:"] + [f"  {s}: [sup-{s}]" for s in (*DEMO, *extra)] + ["coordinators: [coordinator]"]
    (params / "access.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return params, params / "access.yaml"


def tree(pid: int) -> list[psutil.Process]:
    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def pss_mb(pid: int) -> float:
    total = 0
    for p in tree(pid):
        try:
            total += p.memory_full_info().pss
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            pass
    return total / 2**20


def is_kernel(p: psutil.Process) -> bool:
    try:
        return p.status() != psutil.STATUS_ZOMBIE and "ipykernel_launcher" in " ".join(p.cmdline())
    except psutil.Error:  # ended meanwhile
        return False


def kernels(pid: int) -> int:
    return sum(is_kernel(p) for p in tree(pid)[1:])


def settle(pid: int, want: int, timeout: float = 180, quiet: float = 3.0) -> int:
    """Wait until the tree runs exactly `want` kernels and has been (nearly) idle for `quiet` seconds."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if kernels(pid) == want:
            procs = tree(pid)
            for p in procs:
                try:
                    p.cpu_percent(interval=None)
                except psutil.Error:
                    pass
            time.sleep(quiet)
            busy = 0.0
            for p in procs:
                try:
                    busy += p.cpu_percent(interval=None)
                except psutil.Error:
                    pass
            if busy < 20 and kernels(pid) == want:
                return want
        else:
            time.sleep(0.5)
    return kernels(pid)


def login(browser, base: str, user: str):
    ctx = browser.new_context()
    ctx.route("**/*", lambda r: r.continue_() if r.request.url.startswith("http://127.0.0.1") else r.abort())
    page = ctx.new_page()
    page.goto(base + "hub/login")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", PASSWORD)
    page.click("#login_submit")
    page.wait_for_url("**/services/ips/")
    return ctx, page


def first_chart(page, url: str) -> float:
    t0 = time.perf_counter()
    page.goto(url, wait_until="commit")
    page.wait_for_selector(DRAWN, timeout=120_000)
    return time.perf_counter() - t0


def stop(proc: subprocess.Popen) -> None:
    stop_process(proc, 60)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3, help="timed first charts per server")
    ap.add_argument("--views", type=int, default=20, help="page views in a row for the kernel count")
    ap.add_argument("--open", type=int, default=3, help="dashboards open at once for memory per dashboard")
    ap.add_argument("--pool", type=int, default=None, help="the hub's warm pool (default: as ips-nb hub)")
    args = ap.parse_args()

    from playwright.sync_api import sync_playwright

    from ips_nb.demo import build_demo_db
    from ips_nb.live.hub import WARM_POOL, HubOptions, launch_hub, wait_until_up
    from ips_nb.live.serve import launch

    pool = WARM_POOL if args.pool is None else args.pool
    out: dict[str, object] = {"pool": pool}
    with tempfile.TemporaryDirectory(prefix="ips-bench-hub-") as t, sync_playwright() as pw:
        tmp = Path(t)
        db = f"sqlite:///{tmp / 'demo.db'}"
        build_demo_db(db, TODAY)
        params, access = region(tmp)
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)

        # -- the hub -----------------------------------------------------------------------------
        options = HubOptions(port=free_port(), db=db, params_dir=str(params), access=str(access),
                             state_dir=str(tmp / "hub"), warm_pool=pool, cull_idle=CULL_IDLE,
                             cull_interval=CULL_INTERVAL, today=TODAY)
        hub = launch_hub(options, password=PASSWORD, stdout=(tmp / "hub.log").open("w"), stderr=subprocess.STDOUT)
        try:
            assert wait_until_up(options.url, hub), (tmp / "hub.log").read_text()
            base = options.url
            settle(hub.pid, pool)
            out["rest_mb"] = pss_mb(hub.pid)
            out["rest_kernels"] = kernels(hub.pid)

            ctx, page = login(browser, base, "coordinator")
            hub_times = []
            for _ in range(args.rounds):  # a warm kernel each time: wait for the pool to refill
                hub_times.append(first_chart(page, f"{base}services/ips/aarhus/supervision"))
                page.goto(f"{base}services/ips/")
                settle(hub.pid, pool)  # the used kernel ends, the pool refills
            out["hub_first_chart"] = hub_times
            cold = []
            for site in DEMO[: args.rounds]:  # the first pages take the warm kernels, the last starts cold
                pages = [ctx.new_page() for _ in range(pool + 1)]
                for p in pages[:-1]:
                    first_chart(p, f"{base}services/ips/{site}/supervision")
                cold.append(first_chart(pages[-1], f"{base}services/ips/{site}/supervision"))
                for p in pages:
                    p.goto(f"{base}services/ips/")  # leaving it: its closing call ends the kernel
                    p.close()
                settle(hub.pid, pool)
            out["hub_cold_first_chart"] = cold

            # memory per open dashboard: N pages open at once, each with its kernel
            before = pss_mb(hub.pid)
            opened = []
            for site in (DEMO * 3)[: args.open]:
                p = ctx.new_page()
                p.goto(f"{base}services/ips/{site}/supervision")
                p.wait_for_selector(DRAWN, timeout=120_000)
                opened.append(p)
            settle(hub.pid, args.open + pool)  # the pool refilled: what the open pages hold, beside it
            out["open_mb"] = (pss_mb(hub.pid) - before) / args.open
            out["open_kernels"] = kernels(hub.pid)
            for p in opened:
                p.goto(f"{base}services/ips/")  # leaving it: its closing call ends the kernel
                p.close()

            # N views in a row, each left for the next (as a person clicks through)
            most = 0
            views = ctx.new_page()
            t0 = time.monotonic()
            for i in range(args.views):
                views.goto(f"{base}services/ips/{DEMO[i % len(DEMO)]}/{('supervision', 'agenda')[i % 2]}")
                views.wait_for_selector(DRAWN if i % 2 == 0 else ".ips-section", timeout=120_000)
                most = max(most, kernels(hub.pid))
            views.goto(f"{base}services/ips/")  # leaving the last one
            out["views_seconds"] = time.monotonic() - t0
            out["views_most_kernels"] = most
            end = time.monotonic() + CULL_IDLE + 60
            while kernels(hub.pid) > pool and time.monotonic() < end:
                time.sleep(1)
            out["views_after"] = kernels(hub.pid)
            out["views_after_wait"] = CULL_IDLE + 60 - max(0, end - time.monotonic())
            ctx.close()
        finally:
            stop(hub)

        # -- standalone, preheated ---------------------------------------------------------------
        port = free_port()
        log = tmp / "serve.log"
        proc = launch("aarhus", port, db, str(ROOT / "params"), today=TODAY, stdout=log.open("w"),
                      stderr=subprocess.STDOUT)
        try:
            while "Kernel pool of supervision.ipynb is filled" not in log.read_text():
                time.sleep(0.5)
            settle(proc.pid, 2)
            out["serve_rest_mb"] = pss_mb(proc.pid)
            page = browser.new_page()
            serve_times = []
            for i in range(args.rounds):
                serve_times.append(first_chart(page, f"http://127.0.0.1:{port}/voila/render/supervision.ipynb"))
                page.goto(f"http://127.0.0.1:{port}/")  # leaving it: its closing call ends the kernel
                while log.read_text().count("Kernel pool of supervision.ipynb is filled") < i + 2:
                    time.sleep(0.5)
                settle(proc.pid, 2)
            out["serve_first_chart"] = serve_times
        finally:
            stop(proc)
            browser.close()

    med = {k: statistics.median(out[k]) for k in ("hub_first_chart", "hub_cold_first_chart", "serve_first_chart")}
    print(f"ips-nb hub, {SITES} sites, 2 cores; memory as PSS of the whole process tree")
    print(f"  at rest (hub + proxy + service + {out['rest_kernels']} warm kernels): "
          f"{out['rest_mb']:.0f} MB   (target <= 1024)")
    print(f"  standalone ips-nb serve at rest (1 site, 2 preheated kernels):   {out['serve_rest_mb']:.0f} MB")
    print(f"  per open dashboard: {out['open_mb']:.0f} MB   "
          f"({args.open} open; {out['open_kernels']} kernels incl. the pool)")
    print(f"first drawn chart, median of {args.rounds} (s)")
    print(f"  standalone, preheated      {med['serve_first_chart']:5.2f}   runs: "
          + ", ".join(f"{x:.2f}" for x in out["serve_first_chart"]))
    print(f"  hub, warm kernel           {med['hub_first_chart']:5.2f}   runs: "
          + ", ".join(f"{x:.2f}" for x in out["hub_first_chart"]))
    print(f"  hub, pool used up (cold)   {med['hub_cold_first_chart']:5.2f}   runs: "
          + ", ".join(f"{x:.2f}" for x in out["hub_cold_first_chart"]))
    print(f"  hub warm / standalone      {med['hub_first_chart'] / med['serve_first_chart']:.2f}x")
    print(f"{args.views} page views in a row ({out['views_seconds']:.0f} s): "
          f"at most {out['views_most_kernels']} kernels "
          f"at once; after the last page closed: {out['views_after']} (the pool is {pool}), "
          f"{out['views_after_wait']:.0f} s later")
    return 0


if __name__ == "__main__":
    sys.exit(main())
