"""Batch runs: one papermill kernel per site × period, in worker processes, outputs written atomically.

A failing site is recorded with a one-line reason and never stops the others; a report's files
appear only when complete, so an interrupted run leaves the previous good report in place.
"""
from __future__ import annotations

import json
import logging
import os
import re
import shutil
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from multiprocessing import get_context
from pathlib import Path

from . import __version__
from .params import ParamsError, load_params

WORKBOOKS = Path(__file__).resolve().parent.parent / "workbooks"
KINDS = {"supervision": "month", "agenda": "week"}


@dataclass(frozen=True)
class Job:
    """One notebook to run: a kind of report for one site and one period (and maybe one team)."""

    kind: str
    site: str
    period: str
    team: str | None = None

    @property
    def stem(self) -> str:
        return self.period + (f"-{slug(self.team)}" if self.team else "")

    def label(self) -> str:
        return f"{self.site} {self.kind} {self.period}" + (f" ({self.team})" if self.team else "")


@dataclass
class RunConfig:
    db_url: str
    params_dir: str
    out_dir: str
    timeout: float | None = 600
    verbose: bool = False


@dataclass
class Result:
    job: Job
    status: str  # ok | failed
    seconds: float
    reason: str = ""
    outputs: list[str] = field(default_factory=list)


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "team"


def absolute_db_url(url: str) -> str:
    """Kernels may run elsewhere: make a relative SQLite path absolute before handing it on."""
    if url.startswith("sqlite:///") and not url.startswith("sqlite:////") and ":memory:" not in url:
        return "sqlite:///" + str(Path(url.removeprefix("sqlite:///")).resolve())
    return url


def _quiet_logs(verbose: bool) -> None:
    """Keep papermill's and the kernel's chatter off the coordinator's terminal."""
    level = logging.INFO if verbose else logging.CRITICAL
    for name in ("papermill", "traitlets", "nbclient", "asyncio"):
        logging.getLogger(name).setLevel(level)
    if not verbose:
        os.environ.setdefault("PYTHONWARNINGS", "ignore")


def _reason(exc: BaseException) -> str:
    from papermill.exceptions import PapermillExecutionError

    if isinstance(exc, PapermillExecutionError):
        return f"cell {exc.cell_index}: {exc.ename}: {exc.evalue}".splitlines()[0][:300]
    name = type(exc).__name__
    if "Timeout" in name:
        return "timed out"
    if "DeadKernel" in name:
        return "the kernel died"
    return f"{name}: {exc}".splitlines()[0][:300]


def execute(job: Job, cfg: RunConfig) -> Result:
    """Run one workbook, export HTML in-process, then move the files into place."""
    import papermill as pm

    from .kernels import IpcKernelManager
    from .report import ensure_assets, notebook_html

    _quiet_logs(cfg.verbose)
    start = time.monotonic()
    try:
        params = load_params(cfg.params_dir, job.site)
    except ParamsError as exc:
        return Result(job, "failed", time.monotonic() - start, f"parameters: {exc}")
    out_root = Path(cfg.out_dir)
    final_dir = out_root / job.site / job.kind
    tmp_dir = final_dir / f".tmp-{job.stem}-{os.getpid()}"
    tmp_dir.mkdir(parents=True, exist_ok=True)
    nb_tmp, json_tmp, html_tmp = (tmp_dir / f"{job.stem}{ext}" for ext in (".ipynb", ".json", ".html"))
    parameters = {"site": job.site, KINDS[job.kind]: job.period, "db_url": cfg.db_url,
                  "params_dir": str(Path(cfg.params_dir).resolve()), "json_path": str(json_tmp)}
    if job.kind == "agenda":
        parameters["team"] = job.team or ""
    try:
        nb = pm.execute_notebook(str(WORKBOOKS / f"{job.kind}.ipynb"), str(nb_tmp),
                                 parameters=parameters, kernel_name="python3", progress_bar=False,
                                 log_output=cfg.verbose, execution_timeout=cfg.timeout,
                                 shutdown_kernel="immediate",
                                 kernel_manager_class=IpcKernelManager)
        ensure_assets(out_root)
        title = f"{params.name} · {job.kind} · {job.period}"
        html_tmp.write_text(notebook_html(nb, lang=params.language, title=title, kind=job.kind,
                                          plotly_src="../../assets/plotly.min.js"), encoding="utf-8")
        if not json_tmp.exists():
            raise RuntimeError("the workbook wrote no JSON")
    except BaseException as exc:  # noqa: BLE001 - every failure becomes a one-line reason
        failed = final_dir / f"{job.stem}.failed.ipynb"
        if nb_tmp.exists():
            nb_tmp.replace(failed)
        shutil.rmtree(tmp_dir, ignore_errors=True)
        if isinstance(exc, KeyboardInterrupt):
            raise
        return Result(job, "failed", time.monotonic() - start, _reason(exc))
    outputs = []
    for tmp in (nb_tmp, json_tmp, html_tmp):
        target = final_dir / tmp.name
        tmp.replace(target)
        outputs.append(str(target))
    (final_dir / f"{job.stem}.failed.ipynb").unlink(missing_ok=True)
    shutil.rmtree(tmp_dir, ignore_errors=True)
    return Result(job, "ok", time.monotonic() - start, outputs=outputs)


def run_jobs(jobs: list[Job], cfg: RunConfig, workers: int = 1, report=print) -> list[Result]:
    """Run every job; a worker that fails or dies costs only its own job."""
    results: list[Result] = []
    if workers <= 1 or len(jobs) <= 1:
        for job in jobs:
            results.append(execute(job, cfg))
            report(results[-1])
        return results
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
        futures = {pool.submit(execute, job, cfg): job for job in jobs}
        for fut in as_completed(futures):
            try:
                res = fut.result()
            except Exception as exc:  # noqa: BLE001 - a dead worker is one failed job
                res = Result(futures[fut], "failed", 0.0, _reason(exc))
            results.append(res)
            report(res)
    order = {j: i for i, j in enumerate(jobs)}
    return sorted(results, key=lambda r: order[r.job])


def write_run_record(out_dir: str, command: list[str], cfg: RunConfig, results: list[Result],
                     fingerprint: str) -> Path:
    """reports/runs/<stamp>.json: what ran, on which data, how each site-period ended."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    path = Path(out_dir) / "runs" / f"{stamp}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    record = {"command": command, "version": __version__, "db_fingerprint": fingerprint,
              "params_dir": cfg.params_dir, "finished": stamp,
              "results": [{**asdict(r.job), "status": r.status, "seconds": round(r.seconds, 2),
                           "reason": r.reason} for r in results]}
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(record, ensure_ascii=False, indent=2), encoding="utf-8")
    tmp.replace(path)
    return path
