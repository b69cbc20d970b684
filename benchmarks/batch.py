"""How fast is a batch run? `ips-nb run` against the naive loop and against the floor.

N sites (default 12: copies of the four demo sites, with their own ids and parameters files, in a
temporary folder and a temporary SQLite database) get both workbooks (supervision for one month,
the agenda for one week), i.e. 2 × N notebooks, run three ways in the same process:

  (a) `ips-nb run supervision` + `ips-nb run agenda` with --jobs 2 (notebook and HTML each);
  (b) the naive loop: the `papermill` command line, then `jupyter nbconvert --to html`, one
      notebook after the other;
  (c) the floor: as many empty notebooks through the papermill API over 2 processes.

Targets: (b)/(a) >= 5 and (a)/(c) <= 2. Times are wall seconds and noisy; compare the ratios.

    .venv/bin/python benchmarks/batch.py [--sites 12] [--skip-naive]
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import date
from multiprocessing import get_context
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
TODAY = date(2026, 11, 23)
MONTH, WEEK = "2026-10", "2026-W47"
ID_COLUMNS = ("candidate_id", "consultant_id", "clinician_id", "action_id", "placement_id")


def make_region(folder: Path, n_sites: int) -> tuple[str, Path, list[str]]:
    """A SQLite region of n_sites copies of the demo sites, and a params/ folder for them."""
    import pandas as pd
    import yaml

    from ips_nb.data import store
    from ips_nb.demo import DEMO_SITES, PARAMS_DIR, generate

    demo = generate(TODAY)
    params = folder / "params"
    params.mkdir(parents=True)
    frames: dict[str, list[pd.DataFrame]] = {name: [] for name in demo}
    sites = []
    for i in range(n_sites):
        base, copy = DEMO_SITES[i % len(DEMO_SITES)], i // len(DEMO_SITES)
        site = f"{base}-{copy + 1}"
        sites.append(site)
        data = yaml.safe_load((Path(PARAMS_DIR) / f"{base}.yaml").read_text(encoding="utf-8"))
        # no teams: one site-wide agenda per site, so 2 notebooks a site in every variant
        data.update(site=site, name=f"{data['name']} {copy + 1}", teams=[])
        (params / f"{site}.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        for name, frame in demo.items():
            if "site" not in frame.columns:
                continue
            part = frame[frame["site"] == base].copy()
            part["site"] = site
            for col in ID_COLUMNS:
                if col in part.columns:
                    part[col] = part[col].map(lambda v, c=copy: None if pd.isna(v) else f"c{c}{v}")
            if copy and "cpr" in part.columns:
                part["cpr"] = None  # an identity number belongs to one person only
            frames[name].append(part)
    url = f"sqlite:///{folder / 'region.db'}"
    engine = store.connect(url)
    try:
        store.write_sites(engine, {n: pd.concat(f, ignore_index=True) for n, f in frames.items() if f}, b"bench")
    finally:
        engine.dispose()
    return url, params, sites


def run_ips_nb(url: str, params: Path, out: Path) -> float:
    start = time.monotonic()
    for kind, flag, period in (("supervision", "--month", MONTH), ("agenda", "--week", WEEK)):
        proc = subprocess.run([str(BIN / "ips-nb"), "run", kind, flag, period, "--db", url,
                               "--params", str(params), "--out", str(out), "--jobs", "2"],
                              capture_output=True, text=True)
        if proc.returncode != 0:
            sys.exit(f"ips-nb run {kind} failed ({proc.returncode}):\n{proc.stdout}{proc.stderr}")
    return time.monotonic() - start


def run_naive(url: str, params: Path, sites: list[str], out: Path) -> float:
    out.mkdir(parents=True)
    start = time.monotonic()
    for site in sites:
        for kind, key, period in (("supervision", "month", MONTH), ("agenda", "week", WEEK)):
            nb = out / f"{site}-{kind}.ipynb"
            cmd = [str(BIN / "papermill"), str(ROOT / "workbooks" / f"{kind}.ipynb"), str(nb),
                   "-p", "site", site, "-p", key, period, "-p", "db_url", url,
                   "-p", "params_dir", str(params), "-p", "json_path", str(out / f"{site}-{kind}.json"),
                   "--no-progress-bar"]
            if kind == "agenda":
                cmd += ["-p", "team", ""]
            subprocess.run(cmd, check=True, capture_output=True)
            subprocess.run([str(BIN / "jupyter"), "nbconvert", "--to", "html", str(nb)],
                           check=True, capture_output=True)
    return time.monotonic() - start


def _empty(path: str) -> None:
    import papermill as pm

    from ips_nb.batch.kernels import IpcKernelManager

    pm.execute_notebook(path, path.replace(".ipynb", "-out.ipynb"), kernel_name="python3",
                        progress_bar=False, shutdown_kernel="immediate",
                        kernel_manager_class=IpcKernelManager)


def run_floor(count: int, folder: Path) -> float:
    import nbformat

    folder.mkdir(parents=True)
    paths = []
    for i in range(count):
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("")])
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        paths.append(str(folder / f"empty{i}.ipynb"))
        nbformat.write(nb, paths[-1])
    start = time.monotonic()
    with ProcessPoolExecutor(2, mp_context=get_context("spawn")) as pool:
        list(pool.map(_empty, paths))
    return time.monotonic() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sites", type=int, default=12)
    ap.add_argument("--skip-naive", action="store_true", help="leave out (b), the slow one")
    args = ap.parse_args()
    os.environ.setdefault("PYTHONWARNINGS", "ignore")
    folder = Path(tempfile.mkdtemp(prefix="ips-nb-bench-"))
    try:
        url, params, sites = make_region(folder, args.sites)
        n = 2 * len(sites)
        print(f"{len(sites)} sites, {n} notebooks; {os.cpu_count()} cores")
        a = run_ips_nb(url, params, folder / "reports")
        html = len(list((folder / "reports").glob("*/*/*.html")))
        assert html == n, f"ips-nb run wrote {html} HTML files, expected {n}"
        print(f"(a) ips-nb run --jobs 2:           {a:7.1f} s  ({a / n:.2f} s a notebook)", flush=True)
        c = run_floor(n, folder / "floor")
        print(f"(c) floor, empty notebooks, 2 procs: {c:5.1f} s  ({c / n:.2f} s a notebook)", flush=True)
        if not args.skip_naive:
            b = run_naive(url, params, sites, folder / "naive")
            print(f"(b) naive papermill + nbconvert CLI: {b:5.1f} s  ({b / n:.2f} s a notebook)")
            print(f"(b)/(a) = {b / a:.2f}   (target >= 5)")
        print(f"(a)/(c) = {a / c:.2f}   (target <= 2)")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
