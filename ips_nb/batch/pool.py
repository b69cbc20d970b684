"""The coordinator side of a run: the pool of workers, and what happens when one dies.

A failing site is recorded with a one-line reason and never stops the others. A worker that dies
costs only the job it was running: the jobs not yet done go on in a fresh pool. Ctrl-C or SIGTERM
at the coordinator kills the workers and their kernels (which jupyter_client starts in their own
sessions, so a terminal's Ctrl-C never reaches them) and records what finished.

Speed (benchmarks/batch.py): kernels are forked from the run's one pre-imported process
(zygote.serve_zygote), which saves the ~1.3 s of CPU that starting ipykernel and importing
pandas, plotly and ips_nb cost every notebook, and pays those imports once per run, not once per
worker. IPS_NB_FORK_KERNELS=0 launches every kernel the ordinary way.
"""
from __future__ import annotations

import json
import signal
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import TYPE_CHECKING

from ips_nb.batch.failure import failure_reason, first_line, keep_failed, left_by
from ips_nb.batch.files import remove_leftovers
from ips_nb.batch.jobs import OVERVIEW, Job, JobStatus, Result, RunConfig
from ips_nb.batch.mp_internals import pool_workers
from ips_nb.batch.place import Interrupted, Place, close_place, kill, open_place, sweep, workers_context
from ips_nb.batch.worker import work, worker_init
from ips_nb.data.params import ParamsError, SiteParams, load_params

if TYPE_CHECKING:
    from multiprocessing.process import BaseProcess


def _kill_pool(pool: ProcessPoolExecutor) -> None:
    """SIGKILL every worker and everything below it (kernels), then wait for them to go."""
    import psutil

    procs = []
    for pid in pool_workers(pool):
        try:
            worker = psutil.Process(pid)
            procs += worker.children(recursive=True) + [worker]
        except psutil.Error:
            continue
    kill(procs, timeout=10)


def _check_params(jobs: list[Job], cfg: RunConfig) -> tuple[dict[str, SiteParams], dict[str, str]]:
    """Validate each site's parameters once, before any kernel starts."""
    good, bad = {}, {}
    for site in dict.fromkeys(j.site for j in jobs):
        if site == OVERVIEW:
            good[site] = _overview_params(cfg)
            continue
        try:
            good[site] = load_params(cfg.params_dir, site)
        except ParamsError as exc:
            bad[site] = f"parameters: {first_line(exc)}"
    return good, bad


def _overview_params(cfg: RunConfig) -> SiteParams:
    """What the runner needs of a 'site' for the roll-up: the language its pages are made in
    (its title is the catalogue's, looked up by the worker that writes it)."""
    from types import SimpleNamespace

    return SimpleNamespace(language=cfg.lang)  # type: ignore[return-value]


def _new_pool(place: Place, size: int, verbose: bool, db_url: str | None = None) -> ProcessPoolExecutor:
    """A pool of `size` workers for this run, each told where the zygote listens and which
    database its kernels read (sent down the pool's pipe: on no command line, in no file)."""
    return ProcessPoolExecutor(max_workers=size, mp_context=workers_context(place), initializer=worker_init,
                               initargs=(verbose, place.scratch, place.sockets, place.zygote_address(), db_url))


def _ready() -> None:
    """A worker's first task when started early: nothing, but submitting it starts the process."""


def start_workers(place: Place, workers: int, verbose: bool = False, db_url: str | None = None) -> None:
    """Start the run's first `workers` workers now (they import papermill while the coordinator
    goes on); run_jobs takes them for its first round if it needs that many."""
    place.pool, place.pool_size = _new_pool(place, workers, verbose, db_url), workers
    for _ in range(workers):  # one submit per worker starts it (none is idle yet)
        place.pool.submit(_ready)


def run_jobs(jobs: list[Job], cfg: RunConfig, workers: int = 1,
             report: Callable[[Result], None] = print, place: Place | None = None,
             refused: dict[str, str] | None = None) -> list[Result]:
    """Run every job in worker processes; a failing site costs only its own job.

    A worker that dies (killed, out of memory) costs only the job it was running, reported as
    such; the jobs not finished go on in a fresh pool. On SIGINT/SIGTERM the unfinished jobs
    come back with status "interrupted" and a reason naming the signal; no worker or kernel is
    left running. Leftovers of earlier runs' dead workers in the reports are removed.
    `place` is one opened beforehand (open_place); the run closes it. `refused` maps a site to
    why its jobs fail before any kernel starts (the command line found no rows for it); a site
    whose parameters do not load fails with that reason instead.
    """
    results: dict[Job, Result] = {}
    params, bad = _check_params(jobs, cfg)
    bad = {**(refused or {}), **bad}
    for job in jobs:
        if job.site in bad:
            results[job] = Result(job, JobStatus.FAILED, 0.0, bad[job.site])
            report(results[job])
    todo = [j for j in jobs if j not in results]
    stopped: int | None = None
    run = place or open_place(cfg.verbose)
    scratch, zygote = run.scratch, run.zygote

    def _stop(signum, frame):  # noqa: ANN001
        raise Interrupted(signum)

    old = {s: signal.signal(s, _stop) for s in (signal.SIGINT, signal.SIGTERM)}
    pool = None
    try:
        remove_leftovers(cfg.out_dir)
        fruitless = 0  # pools that broke with no job to blame (a worker dying idle, or at its start)
        while todo:
            size = max(1, min(workers, len(todo)))
            early, run.pool = run.pool, None
            if early is not None and run.pool_size != size:  # fewer jobs than expected (bad params)
                early.shutdown(wait=True, cancel_futures=True)
                early = None
            pool = early or _new_pool(run, size, cfg.verbose, cfg.db_url)
            last = len(todo) - size  # the final jobs need no kernel after them
            try:
                futures = {pool.submit(work, job, cfg, params[job.site], i < last, scratch): job
                           for i, job in enumerate(todo)}
            except BrokenProcessPool:  # an early worker died before its first job: start afresh
                pool.shutdown(wait=True, cancel_futures=True)
                sweep(scratch, keep=zygote.pid if zygote else None)  # kernels it had asked for
                pool = _new_pool(run, size, cfg.verbose, cfg.db_url)
                futures = {pool.submit(work, job, cfg, params[job.site], i < last, scratch): job
                           for i, job in enumerate(todo)}
            dead: dict[int, tuple[BaseProcess, bool]] | None = None  # its workers, seen when it broke
            for fut in as_completed(futures):
                try:
                    res = fut.result()
                except BrokenProcessPool:
                    if dead is None:
                        dead = _workers_when_broken(pool)
                    continue  # which job that costs is decided below, once the pool is down
                except Exception as exc:  # noqa: BLE001 - e.g. a job that cannot be sent to a worker
                    res = Result(futures[fut], JobStatus.FAILED, 0.0,
                                 f"the worker could not run it: {failure_reason(exc)}")
                results[res.job] = res
                report(res)
            if dead is None:
                break
            culprits = _bury(pool, dead, scratch, keep=zygote.pid if zygote else None)
            pool = None
            blamed = _blame(culprits, todo, results, cfg, scratch, report)
            todo = [j for j in todo if j not in results]
            fruitless = 0 if blamed else fruitless + 1
            if todo and fruitless >= 3:
                why = next(iter(culprits.values()), "unknown cause")
                for job in todo:
                    results[job] = Result(job, JobStatus.FAILED, 0.0, f"the worker processes keep dying ({why})")
                    report(results[job])
                todo = []
    except Interrupted as exc:
        stopped = exc.signum
    finally:
        for s in old:  # a second Ctrl-C must not cut the clean-up short
            signal.signal(s, signal.SIG_IGN)
        try:
            if pool is not None:
                if stopped is not None:
                    _kill_pool(pool)
                pool.shutdown(wait=True, cancel_futures=True)
            close_place(run)
            remove_leftovers(cfg.out_dir)  # this run's workers are gone: their folders are leftovers too
        finally:
            for s, handler in old.items():
                signal.signal(s, handler)
    for job in jobs:
        if job not in results:
            name = signal.Signals(stopped).name if stopped else "interruption"
            results[job] = Result(job, JobStatus.INTERRUPTED, 0.0, f"not finished: stopped by {name}",
                                  signum=stopped)
    return [results[j] for j in jobs]


def _workers_when_broken(pool: ProcessPoolExecutor) -> dict[int, tuple[BaseProcess, bool]]:
    """The pool's workers, each with whether it was already dead when the breakage was seen.

    The executor then terminates every other worker (SIGTERM); this tells them apart from the
    one that broke it if that one was itself killed by a SIGTERM.
    """
    from multiprocessing.connection import wait

    seen: dict[int, tuple[BaseProcess, bool]] = {}
    for pid, proc in pool_workers(pool).items():
        try:
            seen[pid] = (proc, bool(wait([proc.sentinel], timeout=0)))
        except (ValueError, OSError):
            seen[pid] = (proc, True)
    return seen


def _death(code: int | None) -> str:
    if code is None:
        return "unknown cause"
    return f"signal {-code}" if code < 0 else f"exit status {code}"


def _bury(pool: ProcessPoolExecutor, seen: dict[int, tuple[BaseProcess, bool]], scratch: str,
          keep: int | None = None) -> dict[int, str]:
    """Shut a broken pool down, kill its workers' kernels; the workers that broke it, with how they died.

    Those are the workers that did not die of the executor's own SIGTERM; if that leaves none
    (a worker was killed with SIGTERM from outside), those already dead when the breakage was seen.
    """
    pool.shutdown(wait=True, cancel_futures=True)  # the executor has terminated and joined them
    sweep(scratch, keep)  # their kernels; the zygote (`keep`) serves the next pool
    codes = {pid: proc.exitcode for pid, (proc, _) in seen.items()}
    culprits = {pid: code for pid, code in codes.items() if code != -signal.SIGTERM}
    if not culprits:
        culprits = {pid: codes[pid] for pid, (_, early) in seen.items() if early}
    return {pid: _death(code) for pid, code in culprits.items()}


def _blame(culprits: dict[int, str], todo: list[Job], results: dict[Job, Result], cfg: RunConfig,
           scratch: str, report: Callable[[Result], None]) -> bool:
    """Fail the job each dead worker was running (never to be retried); True if there was one.

    What the worker had written of that job (its temporary folder) is kept as <stem>.failed.ipynb,
    else the input, with the reason on top.
    """
    blamed = False
    for pid, how in culprits.items():
        note = Path(scratch, f"worker-{pid}.job")
        try:
            job = Job(**json.loads(note.read_text(encoding="utf-8")))
            seconds = max(0.0, time.time() - note.stat().st_mtime)
        except (OSError, ValueError, TypeError):
            continue
        if job not in todo or job in results:
            continue  # it had finished: the worker died between jobs
        reason = f"the worker running it died ({how})"
        keep_failed(job, cfg, left_by(job, cfg, pid, reason))
        results[job] = Result(job, JobStatus.FAILED, seconds, reason)
        report(results[job])
        blamed = True
    return blamed
