"""How fast is a batch run? `ips-nb run month` against the naive loop and against the floor.

For each N of --sites (default 6, 12 and 100): N sites (copies of the four demo sites, with their
own ids and parameters files, in a temporary folder and a temporary SQLite database) get both
workbooks (the pack for one month, the site-wide agenda for one week) and the region its
overview, i.e. 2 × N + 1 notebooks, run three ways in the same process:

  (a) one `ips-nb run month MONTH --week WEEK --jobs 2` (notebook, HTML, index, run record);
  (b) the naive loop: the `papermill` command line, then `jupyter nbconvert --to html`, one
      notebook after the other (above --naive-max notebooks: timed on that many, extrapolated);
  (c) the floor: as many empty notebooks through the papermill API over 2 processes.

Printed: (b)/(a) (target >= 5 at 12 site-periods, i.e. 6 sites) and (a)/(c) (target <= 2); the
time to the first finished notebook of (a) against (c)'s, the median of 5 pairs of runs (a run of
(a) stopped with Ctrl-C once it has one, the floor's pool on two empty notebooks; target: within
0.5 s); one site's pack from the N-site database against the same site's pack from a one-site
database, each run alone so that only the database differs (median of three months; target <= 1.2
at 100 sites); the overview's time; peak memory per worker (PSS where the system gives it), alone
and with its kernel, of the run's zygote and of the workers' fork server.
Times are wall seconds and noisy; compare the ratios of one run.

    .venv/bin/python benchmarks/batch.py [--sites 6 12 100] [--skip-naive] [--naive-max 24]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
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

    from ips_nb.data import connection, store
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
    engine = connection.connect(url)
    try:
        store.write_sites(engine, {n: pd.concat(f, ignore_index=True) for n, f in frames.items() if f}, b"bench")
    finally:
        engine.dispose()
    return url, params, sites


class MemorySampler(threading.Thread):
    """Peak memory of a running `ips-nb`'s workers (and the fork server they are forked from),
    its zygote and the kernels forked from it.
    PSS (shared pages split between their users: a forked kernel shares most of the zygote's)
    where /proc gives it, else RSS."""

    def __init__(self, pid: int, every: float = 0.5) -> None:
        super().__init__(daemon=True)
        self.pid, self.every = pid, every
        self.workers: dict[int, int] = {}
        self.kernels: dict[int, int] = {}
        self.zygote = 0
        self.server = 0
        self.kind = "PSS"
        self.done = threading.Event()

    def _size(self, proc) -> int:  # noqa: ANN001
        import psutil

        try:
            return proc.memory_full_info().pss
        except (AttributeError, psutil.AccessDenied):
            self.kind = "RSS"
            return proc.memory_info().rss

    def _sample(self, top) -> None:  # noqa: ANN001
        for child in top.children():
            line = " ".join(child.cmdline())
            if "resource_tracker" in line:
                continue
            if "serve_zygote" in line:
                self.zygote = max(self.zygote, self._size(child))
                for k in child.children():
                    self.kernels[k.pid] = max(self.kernels.get(k.pid, 0), self._size(k))
            elif "forkserver" in line:  # the workers are its children (forked, sharing its imports)
                self.server = max(self.server, self._size(child))
                for w in child.children():
                    self.workers[w.pid] = max(self.workers.get(w.pid, 0), self._size(w))
            elif "spawn_main" in line:  # workers started with "spawn" (IPS_NB_FORK_KERNELS=0)
                self.workers[child.pid] = max(self.workers.get(child.pid, 0), self._size(child))
            # anything else is a child between fork and exec (the fork server being started)

    def run(self) -> None:
        import psutil

        try:
            top = psutil.Process(self.pid)
        except psutil.Error:
            return
        while not self.done.is_set():
            try:
                self._sample(top)
            except psutil.Error:
                pass
            self.done.wait(self.every)

    def summary(self) -> str:
        mb = 1 << 20
        worker = max(self.workers.values(), default=0)
        kernel = max(self.kernels.values(), default=0)
        return (f"peak memory ({self.kind}): per worker {worker / mb:.0f} MB alone, "
                f"{(worker + kernel) / mb:.0f} MB with its kernel ({len(self.workers)} workers, "
                f"{len(self.kernels)} kernels seen); the run's zygote {self.zygote / mb:.0f} MB, "
                f"the workers' fork server {self.server / mb:.0f} MB")


def run_month(url: str, params: Path, out: Path, sample: bool = False) -> dict:
    """(a): one `ips-nb run month`; its wall time and the time to its first finished notebook.
    With `sample`, the peak memory of its processes instead (sampling /proc costs CPU, so a
    sampled run is not the timed one)."""
    cmd = [str(BIN / "ips-nb"), "run", "month", MONTH, "--week", WEEK, "--db", url, "--params", str(params),
           "--out", str(out), "--jobs", "2"]
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    sampler = MemorySampler(proc.pid)
    if sample:
        sampler.start()
    first, lines = None, []
    for line in proc.stdout:  # off a terminal: one line per finished notebook, "[k/n] …"
        lines.append(line)
        if first is None and line.startswith("[1/"):
            first = time.monotonic() - start
    err = proc.stderr.read()
    code = proc.wait()
    wall = time.monotonic() - start
    if sample:
        sampler.done.set()
        sampler.join()
    if code != 0:
        sys.exit(f"ips-nb run month failed ({code}):\n{''.join(lines)}{err}")
    return {"wall": wall, "first": first or wall, "memory": sampler, "record": _record(out)}


def first_reports(url: str, params: Path, out: Path, rounds: int = 5) -> list[tuple[float, float]]:
    """`rounds` pairs, one after the other, of the time to the first finished notebook of (a),
    `ips-nb run month` stopped with Ctrl-C (SIGINT) once it has one, and of (c), the floor's pool
    running two empty notebooks. One pair alone is noisy on a shared machine."""
    import signal

    pairs = []
    for i in range(rounds):
        cmd = [str(BIN / "ips-nb"), "run", "month", MONTH, "--week", WEEK, "--db", url, "--params", str(params),
               "--out", str(out / f"a{i}"), "--jobs", "2"]
        start = time.monotonic()
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        first = None
        for line in proc.stdout:
            if line.startswith("[1/"):
                first = time.monotonic() - start
                proc.send_signal(signal.SIGINT)  # the rest is not timed: stop it as a coordinator would
                break
        proc.communicate()
        if first is None:
            sys.exit(f"ips-nb run month finished no notebook ({proc.returncode})")
        pairs.append((first, run_floor(2, out / f"c{i}")[1]))
    return pairs


def _record(out: Path) -> dict:
    return json.loads(sorted((out / "runs").glob("*.json"))[-1].read_text(encoding="utf-8"))


def _seconds(record: dict, kind: str, site: str, period: str) -> float:
    return next(r["seconds"] for r in record["results"]
                if (r["kind"], r["site"], r["period"]) == (kind, site, period))


PACK_MONTHS = ("2026-07", "2026-08", "2026-09", MONTH)


def pack_alone(url: str, params: Path, out: Path, site: str) -> float:
    """`site`'s pack on its own: one worker, nothing else running; the median of its last three
    months' jobs (warm kernels, as in a big run; the first job pays the worker's start)."""
    proc = subprocess.run([str(BIN / "ips-nb"), "run", "supervision", "--month", f"{PACK_MONTHS[0]}..{MONTH}",
                           "--site", site, "--db", url, "--params", str(params), "--out", str(out), "--jobs", "1"],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"one-site run failed ({proc.returncode}):\n{proc.stdout}{proc.stderr}")
    record = _record(out)
    return statistics.median(_seconds(record, "supervision", site, m) for m in PACK_MONTHS[1:])


def _naive_jobs(sites: list[str]) -> list[tuple[str, str | None, str, str]]:
    jobs = [("overview", None, "month", MONTH)]
    for site in sites:
        jobs += [("supervision", site, "month", MONTH), ("agenda", site, "week", WEEK)]
    return jobs


def run_naive(url: str, params: Path, sites: list[str], out: Path, limit: int | None = None) -> tuple[float, int]:
    """(b): the papermill CLI then nbconvert, one notebook after the other; (seconds, notebooks run)."""
    out.mkdir(parents=True)
    jobs = _naive_jobs(sites)[:limit] if limit else _naive_jobs(sites)
    start = time.monotonic()
    for i, (kind, site, key, period) in enumerate(jobs):
        nb = out / f"{i}-{kind}.ipynb"
        cmd = [str(BIN / "papermill"), str(ROOT / "workbooks" / f"{kind}.ipynb"), str(nb),
               "-p", key, period, "-p", "db_url", url,
               "-p", "params_dir", str(params), "-p", "json_path", str(out / f"{i}-{kind}.json"),
               "--no-progress-bar"]
        if site:
            cmd += ["-p", "site", site]
        if kind == "agenda":
            cmd += ["-p", "team", ""]
        if kind == "overview":
            cmd += ["-p", "lang", "en"]
        subprocess.run(cmd, check=True, capture_output=True)
        subprocess.run([str(BIN / "jupyter"), "nbconvert", "--to", "html", str(nb)],
                       check=True, capture_output=True)
    return time.monotonic() - start, len(jobs)


def _empty(path: str) -> None:
    """One empty notebook through papermill's API as it comes: jupyter_client's own kernel client
    (its ready check included); only the sockets are ours, IPC with a prefix of their own (two
    kernels starting at once on TCP can race for a port, and one then dies before it answers)."""
    import papermill as pm
    from jupyter_client.asynchronous import AsyncKernelClient
    from traitlets import Type

    from ips_nb.batch.kernels import IpcKernelManager

    class FloorKernelManager(IpcKernelManager):
        client_factory = Type(default_value=AsyncKernelClient, klass=AsyncKernelClient)

    pm.execute_notebook(path, path.replace(".ipynb", "-out.ipynb"), kernel_name="python3",
                        progress_bar=False, shutdown_kernel="immediate", kernel_manager_class=FloorKernelManager)


def run_floor(count: int, folder: Path) -> tuple[float, float]:
    """(c): empty notebooks through the papermill API over 2 processes; (seconds, first finished)."""
    import nbformat

    folder.mkdir(parents=True)
    paths = []
    for i in range(count):
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("")])
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        paths.append(str(folder / f"empty{i}.ipynb"))
        nbformat.write(nb, paths[-1])
    start = time.monotonic()
    first = None
    with ProcessPoolExecutor(2, mp_context=get_context("spawn")) as pool:
        for fut in as_completed([pool.submit(_empty, p) for p in paths]):
            fut.result()
            if first is None:
                first = time.monotonic() - start
    return time.monotonic() - start, first or 0.0


def bench(n_sites: int, skip_naive: bool, naive_max: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="ips-nb-bench-"))
    try:
        url, params, sites = make_region(folder, n_sites)
        n = 2 * len(sites) + 1
        print(f"\n== {len(sites)} sites: {n} notebooks (a pack and an agenda a site, the overview); "
              f"{os.cpu_count()} cores", flush=True)
        a = run_month(url, params, folder / "reports")
        reports = folder / "reports"
        html = len(list(reports.glob("*/*/*.html"))) + len(list(reports.glob("overview/*.html")))
        assert html == n, f"ips-nb run month wrote {html} HTML files, expected {n}"
        wall, rec = a["wall"], a["record"]
        print(f"(a) ips-nb run month --jobs 2:       {wall:7.1f} s  ({wall / n:.2f} s a notebook; "
              f"first finished after {a['first']:.2f} s)", flush=True)
        c, c_first = run_floor(n, folder / "floor")
        print(f"(c) floor, empty notebooks, 2 procs: {c:7.1f} s  ({c / n:.2f} s a notebook; "
              f"first finished after {c_first:.2f} s)", flush=True)
        if not skip_naive:
            limit = naive_max if n > naive_max else None
            b, done = run_naive(url, params, sites, folder / "naive", limit)
            b_total = b / done * n
            how = f"timed on {done} notebooks, extrapolated to {n}" if limit else "measured"
            print(f"(b) naive papermill + nbconvert CLI: {b_total:7.1f} s  ({b / done:.2f} s a notebook; {how})")
            print(f"(b)/(a) = {b_total / wall:.2f}   (target >= 5)")
        print(f"(a)/(c) = {wall / c:.2f}   (target <= 2)")
        pairs = first_reports(url, params, folder / "first")
        a_first, c_first = (statistics.median(p[k] for p in pairs) for k in (0, 1))
        print(f"first notebook, median of {len(pairs)} pairs: (a) {a_first:.2f} s vs (c) {c_first:.2f} s: "
              f"{statistics.median(p[0] - p[1] for p in pairs):+.2f} s   (target <= +0.5 s; pairs: "
              + ", ".join(f"{p[0] - p[1]:+.2f}" for p in pairs) + ")")
        site = sites[0]
        mine = _seconds(rec, "supervision", site, MONTH)
        one_url, one_params, _ = make_region(folder / "one", 1)
        big, small = (pack_alone(u, p, folder / name, site)
                      for u, p, name in ((url, params, "alone-big"), (one_url, one_params, "alone-small")))
        print(f"{site}'s pack, run alone: {big:.2f} s from the {len(sites)}-site database vs {small:.2f} s from a "
              f"one-site database: {big / small:.2f}x   (target <= 1.2 at 100 sites); in the run above: {mine:.2f} s")
        print(f"overview of {len(sites)} sites: {_seconds(rec, 'overview', 'overview', MONTH):.2f} s")
        print(run_month(url, params, folder / "sampled", sample=True)["memory"].summary())
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sites", type=int, nargs="+", default=[6, 12, 100], help="region sizes (default 6 12 100)")
    ap.add_argument("--skip-naive", action="store_true", help="leave out (b), the slow one")
    ap.add_argument("--naive-max", type=int, default=25,
                    help="time (b) on at most this many notebooks and extrapolate (default 25)")
    args = ap.parse_args()
    os.environ.setdefault("PYTHONWARNINGS", "ignore")
    for n in args.sites:
        bench(n, args.skip_naive, args.naive_max)


if __name__ == "__main__":
    main()
