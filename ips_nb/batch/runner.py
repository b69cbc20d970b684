"""Batch runs: one papermill kernel per site × period, in worker processes, outputs written atomically.

A failing site is recorded with a one-line reason and never stops the others; a report's files
appear only when complete, so an interrupted run leaves the previous good report in place.
Ctrl-C or SIGTERM at the coordinator kills the workers and their kernels (which jupyter_client
starts in their own sessions, so a terminal's Ctrl-C never reaches them) and records what finished.

Speed (benchmarks/batch.py): workers live for the whole run and import papermill and nbconvert
once; each worker keeps the next notebook's kernel starting while the current one runs; and
kernels are forked from a pre-imported process (kernels.Zygote), which saves the ~1.3 s of CPU
that starting ipykernel and importing pandas, plotly and ips_nb cost every notebook.
IPS_NB_FORK_KERNELS=0 launches every kernel the ordinary way instead.
"""
from __future__ import annotations

import json
import math
import logging
import os
import re
import shutil
import signal
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from multiprocessing import get_context
from pathlib import Path
from typing import Callable

from ips_nb import __version__
from ips_nb.data.params import ParamsError, SiteParams, load_params

WORKBOOKS = Path(__file__).resolve().parents[2] / "workbooks"
KINDS = {"supervision": "month", "agenda": "week", "overview": "month"}
OVERVIEW = "overview"  # the roll-up's pseudo-site: no params file, its own folder reports/overview/
INTERRUPTED = "interrupted"


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
        who = "" if self.kind == OVERVIEW else f"{self.site} "
        return f"{who}{self.kind} {self.period}" + (f" ({self.team})" if self.team else "")


@dataclass
class RunConfig:
    db_url: str
    params_dir: str
    out_dir: str
    timeout: float | None = 600  # seconds per notebook, not per cell
    verbose: bool = False
    workbooks_dir: str | None = None  # tests point this at their own workbooks
    pdf: bool = False  # agendas: also print <stem>.pdf beside the HTML (ips_nb.pages.pdf)
    lang: str = "en"  # the regional overview's language (it belongs to no one site)


@dataclass
class Result:
    job: Job
    status: str  # ok | failed | interrupted
    seconds: float
    reason: str = ""
    outputs: list[str] = field(default_factory=list)


class NotebookTimeout(Exception):
    """The whole notebook ran past --timeout."""


class Interrupted(BaseException):
    """SIGINT or SIGTERM reached the coordinator: stop, clean up, record what finished."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


_FOLD = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "ä": "a", "ö": "o", "ü": "u", "é": "e"})


def slug(text: str) -> str:
    """A file-name-safe team name: 'Team Öster' -> 'team-oster' (not 'team-ster')."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower().translate(_FOLD)).strip("-") or "team"


def workbooks_dir(cfg: RunConfig) -> Path:
    return Path(cfg.workbooks_dir or os.environ.get("IPS_NB_WORKBOOKS") or WORKBOOKS)


def _quiet_logs(verbose: bool) -> None:
    """Keep papermill's and the kernel's chatter off the coordinator's terminal."""
    level = logging.INFO if verbose else logging.CRITICAL
    for name in ("papermill", "traitlets", "nbclient", "asyncio", "jupyter_client"):
        logging.getLogger(name).setLevel(level)
    if not verbose:
        os.environ.setdefault("PYTHONWARNINGS", "ignore")


def _first_line(text: str, limit: int = 300) -> str:
    lines = [ln.strip() for ln in str(text).splitlines() if ln.strip()]
    return (lines[0] if lines else "")[:limit]


def _reason(exc: BaseException, timeout: float | None = None) -> str:
    """One line naming the cause: the cell and its exception, a timeout, a dead kernel."""
    from papermill.exceptions import PapermillExecutionError

    if isinstance(exc, PapermillExecutionError):
        src = _first_line(exc.source, 60)
        where = f"cell {exc.cell_index}" + (f" ({src})" if src else "")
        return _first_line(f"{where}: {exc.ename}: {_first_line(exc.evalue) or '(no message)'}")
    name = type(exc).__name__
    if isinstance(exc, NotebookTimeout) or "Timeout" in name:
        return f"timed out after {timeout:g} s" if timeout else "timed out"
    if "DeadKernel" in name:
        return "the kernel died"
    return _first_line(f"{name}: {exc}")


def execute(job: Job, cfg: RunConfig, params: SiteParams | None = None, km=None) -> Result:  # noqa: ANN001
    """Run one workbook, export HTML in-process, then move the files into place.

    `km` is a kernel started beforehand (see kernels.start_kernel); without it papermill starts one.
    """
    import papermill as pm

    from ips_nb.batch.kernels import IpcKernelManager, register_engine
    from ips_nb.pages.report import ensure_assets, notebook_html

    _quiet_logs(cfg.verbose)
    start = time.monotonic()
    if params is None:
        try:
            params = load_params(cfg.params_dir, job.site)
        except ParamsError as exc:
            return Result(job, "failed", time.monotonic() - start, f"parameters: {exc}")
    out_root = Path(cfg.out_dir)
    final_dir = out_root / OVERVIEW if job.kind == OVERVIEW else out_root / job.site / job.kind
    tmp_dir = final_dir / f".tmp-{job.stem}-{os.getpid()}"
    tmp_dir.mkdir(parents=True, exist_ok=True)
    nb_tmp, json_tmp, html_tmp = (tmp_dir / f"{job.stem}{ext}" for ext in (".ipynb", ".json", ".html"))
    parameters = {"site": job.site, KINDS[job.kind]: job.period, "db_url": cfg.db_url,
                  "params_dir": str(Path(cfg.params_dir).resolve()), "json_path": str(json_tmp)}
    if job.kind == OVERVIEW:
        del parameters["site"]
        parameters["lang"] = cfg.lang
    if job.kind == "agenda":
        parameters["team"] = job.team or ""
    try:
        with _deadline(cfg.timeout):
            nb = pm.execute_notebook(str(workbooks_dir(cfg) / f"{job.kind}.ipynb"), str(nb_tmp),
                                     parameters=parameters, kernel_name="python3", progress_bar=False,
                                     log_output=cfg.verbose, request_save_on_cell_execute=False,
                                     execution_timeout=math.ceil(cfg.timeout) + 5 if cfg.timeout else None,
                                     shutdown_kernel="immediate",
                                     kernel_manager_class=IpcKernelManager,
                                     **({"engine_name": register_engine(), "km": km} if km else {}))
            ensure_assets(out_root)
            title = f"{params.name} · {job.kind} · {job.period}"
            html = notebook_html(nb, lang=params.language, title=title, kind=job.kind,
                                 plotly_src=("../" if job.kind == OVERVIEW else "../../") + "assets/plotly.min.js")
        html_tmp.write_text(html, encoding="utf-8")
        if not json_tmp.exists():
            raise RuntimeError("the workbook wrote no JSON")
        if cfg.pdf and job.kind == "agenda":
            from ips_nb.pages.pdf import render_pdf

            render_pdf(html_tmp, tmp_dir / f"{job.stem}.pdf")
    except BaseException as exc:  # noqa: BLE001 - every failure becomes a one-line reason
        failed = final_dir / f"{job.stem}.failed.ipynb"
        if nb_tmp.exists():
            nb_tmp.replace(failed)
        shutil.rmtree(tmp_dir, ignore_errors=True)
        if isinstance(exc, (KeyboardInterrupt, Interrupted)):
            raise
        return Result(job, "failed", time.monotonic() - start, _reason(exc, cfg.timeout))
    outputs = []
    pdf_tmp = [tmp_dir / f"{job.stem}.pdf"] if cfg.pdf and job.kind == "agenda" else []
    for tmp in (nb_tmp, json_tmp, html_tmp, *pdf_tmp):
        target = final_dir / tmp.name
        tmp.replace(target)
        outputs.append(str(target))
    (final_dir / f"{job.stem}.failed.ipynb").unlink(missing_ok=True)
    shutil.rmtree(tmp_dir, ignore_errors=True)
    return Result(job, "ok", time.monotonic() - start, outputs=outputs)


class _deadline:
    """A per-notebook time limit: SIGALRM in the worker's main thread raises NotebookTimeout."""

    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds if seconds and seconds > 0 and hasattr(signal, "setitimer") else None

    def __enter__(self) -> None:
        if self.seconds:
            def _expired(signum, frame):  # noqa: ANN001
                raise NotebookTimeout()
            self._old = signal.signal(signal.SIGALRM, _expired)
            signal.setitimer(signal.ITIMER_REAL, self.seconds)

    def __exit__(self, *exc: object) -> None:
        if self.seconds:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self._old)


# --- the worker side -------------------------------------------------------------------------

def _worker_init(verbose: bool, scratch: str, sockets: str) -> None:
    """Runs once per worker: ignore Ctrl-C (the coordinator decides), silence, warm the imports."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from ips_nb.batch.kernels import die_with_parent

    die_with_parent()
    os.environ["IPS_NB_RUNTIME_DIR"] = scratch  # kernel connection files die with the run
    os.environ["IPS_NB_KERNEL_DIR"] = sockets  # and so do the IPC sockets
    if not verbose:
        # Kernels inherit these descriptors: their warnings never reach the terminal.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        os.close(devnull)
    _quiet_logs(verbose)
    from multiprocessing.util import Finalize

    from ips_nb.batch import kernels

    # multiprocessing workers leave through os._exit (no atexit): a Finalize still runs
    Finalize(None, _drop_spare, exitpriority=10)
    if os.environ.get("IPS_NB_FORK_KERNELS", "1") != "0" and hasattr(os, "fork"):
        try:  # before this worker has any threads or zmq contexts
            kernels.ForkingKernelManager.zygote = kernels.Zygote()
        except OSError:
            pass
    try:  # the first notebook's kernel boots while this worker imports papermill and nbconvert
        _SPARE.append(kernels.start_kernel())
    except Exception:  # noqa: BLE001 - the first job starts its own
        pass
    import nbconvert  # noqa: F401 - paid once per worker, not once per notebook
    import papermill  # noqa: F401

    from ips_nb.pages import report  # noqa: F401

    kernels.register_engine()


_SPARE: list = []  # this worker's pre-started kernel for its next notebook (at most one)


def _drop_spare() -> None:
    from ips_nb.batch.kernels import stop_kernel

    while _SPARE:
        stop_kernel(_SPARE.pop())


def _kernel_pid(km) -> int | None:  # noqa: ANN001
    return getattr(getattr(km, "provisioner", None), "pid", None)


def _kill(procs: list, timeout: float) -> None:
    """Kill every process given (gone ones are fine) and wait for them, so none is left behind."""
    import psutil

    for p in procs:
        try:
            p.kill()
        except psutil.Error:
            pass
    psutil.wait_procs(procs, timeout=timeout)


def _kill_children(keep: int | None = None) -> None:
    """A kernel outliving its notebook (a timeout, a crash) is killed with its own children."""
    import psutil

    from ips_nb.batch.kernels import ForkingKernelManager

    zygote = ForkingKernelManager.zygote
    spare = {keep, zygote.pid if zygote else None}
    procs = [p for p in psutil.Process().children(recursive=True) if p.pid not in spare]
    _kill(procs, timeout=5)


def _usable(km) -> bool:  # noqa: ANN001
    from jupyter_core.utils import run_sync

    try:
        return bool(run_sync(km.is_alive)())
    except Exception:  # noqa: BLE001
        return False


def _work(job: Job, cfg: RunConfig, params: SiteParams, prestart: bool = False) -> Result:
    """One job in a worker; with `prestart` the next job's kernel boots while this one runs."""
    from ips_nb.batch.kernels import start_kernel, stop_kernel

    km = _SPARE.pop() if _SPARE else None
    if km is not None and not _usable(km):
        stop_kernel(km)
        km = None
    try:
        if km is None:
            km = start_kernel()
        if prestart:
            try:
                _SPARE.append(start_kernel())
            except Exception:  # noqa: BLE001 - no spare: the next job starts its own kernel
                pass
        return execute(job, cfg, params, km=km)
    except Exception as exc:  # noqa: BLE001 - a kernel that cannot start is this job's failure
        return Result(job, "failed", 0.0, f"the kernel did not start: {_reason(exc)}")
    finally:
        _kill_children(keep=_kernel_pid(_SPARE[0]) if _SPARE else None)


# --- the coordinator side --------------------------------------------------------------------

def _kill_pool(pool: ProcessPoolExecutor) -> None:
    """SIGKILL every worker and everything below it (kernels), then wait for them to go."""
    import psutil

    procs = []
    for pid in list(getattr(pool, "_processes", None) or {}):
        try:
            worker = psutil.Process(pid)
            procs += worker.children(recursive=True) + [worker]
        except psutil.Error:
            continue
    _kill(procs, timeout=10)


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
            bad[site] = f"parameters: {_first_line(exc)}"
    return good, bad


def _overview_params(cfg: RunConfig) -> SiteParams:
    """What the runner needs of a 'site' for the roll-up: a display name and a language."""
    from types import SimpleNamespace

    from ips_nb.pages.labels import Labels

    return SimpleNamespace(name=Labels(cfg.lang)("overview_title"), language=cfg.lang)  # type: ignore[return-value]


def run_jobs(jobs: list[Job], cfg: RunConfig, workers: int = 1,
             report: Callable[[Result], None] = print) -> list[Result]:
    """Run every job in worker processes; a failing site costs only its own job.

    On SIGINT/SIGTERM the unfinished jobs come back with status "interrupted" and a reason
    naming the signal; no worker or kernel is left running.
    """
    results: dict[Job, Result] = {}
    params, bad = _check_params(jobs, cfg)
    for job in jobs:
        if job.site in bad:
            results[job] = Result(job, "failed", 0.0, bad[job.site])
            report(results[job])
    todo = [j for j in jobs if j not in results]
    stopped: int | None = None
    scratch = tempfile.mkdtemp(prefix="ips-nb-run-")
    # a Unix socket's path is limited to ~107 bytes: keep the sockets' folder short
    sockets = tempfile.mkdtemp(prefix="ips-nb-", dir="/tmp" if len(scratch) > 60 and os.path.isdir("/tmp") else None)

    def _stop(signum, frame):  # noqa: ANN001
        raise Interrupted(signum)

    old = {s: signal.signal(s, _stop) for s in (signal.SIGINT, signal.SIGTERM)}
    # in the workers' environment from their start, so the sweep below can recognise them
    marks = {"IPS_NB_RUNTIME_DIR": scratch, "IPS_NB_KERNEL_DIR": sockets}
    saved_env = {k: os.environ.get(k) for k in marks}
    os.environ.update(marks)
    pool = None
    try:
        if todo:
            pool = ProcessPoolExecutor(max_workers=max(1, min(workers, len(todo))),
                                       mp_context=get_context("spawn"), initializer=_worker_init,
                                       initargs=(cfg.verbose, scratch, sockets))
            last = len(todo) - max(1, workers)  # the final jobs need no kernel after them
            futures = {pool.submit(_work, job, cfg, params[job.site], i < last): job
                       for i, job in enumerate(todo)}
            for fut in as_completed(futures):
                try:
                    res = fut.result()
                except Exception as exc:  # noqa: BLE001 - a dead worker is a failed job
                    res = Result(futures[fut], "failed", 0.0, f"the worker process died ({type(exc).__name__})")
                results[res.job] = res
                report(res)
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
            _sweep(scratch)
            shutil.rmtree(scratch, ignore_errors=True)
            shutil.rmtree(sockets, ignore_errors=True)
            for job in jobs:
                if job not in results:
                    _remove_partial(job, cfg)
        finally:
            for s, handler in old.items():
                signal.signal(s, handler)
            for k, v in saved_env.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
    for job in jobs:
        if job not in results:
            name = signal.Signals(stopped).name if stopped else "interruption"
            results[job] = Result(job, INTERRUPTED, 0.0, f"not finished: stopped by {name}")
    return [results[j] for j in jobs]


def _sweep(scratch: str) -> None:
    """Last line of defence: a kernel of this run still alive (its parent killed) is killed.

    Every worker and kernel of the run was started with IPS_NB_RUNTIME_DIR=`scratch` in its
    environment (a forked kernel inherits its worker's), and a launched kernel's command line
    names its connection file there.
    """
    import psutil

    procs = []
    for p in psutil.process_iter(["cmdline"]):
        try:
            cmdline = p.info["cmdline"] or []
            if "resource_tracker" in " ".join(cmdline):
                continue  # multiprocessing's own helper, started with the same environment
            if p.pid != os.getpid() and (any(scratch in part for part in cmdline)
                                         or p.environ().get("IPS_NB_RUNTIME_DIR") == scratch):
                procs.append(p)
        except psutil.Error:
            continue
    _kill(procs, timeout=5)


def _remove_partial(job: Job, cfg: RunConfig) -> None:
    """A killed worker leaves its temporary folder; the previous good report stays untouched."""
    final_dir = Path(cfg.out_dir) / job.site / job.kind
    for tmp in final_dir.glob(f".tmp-{job.stem}-*"):
        shutil.rmtree(tmp, ignore_errors=True)


def stop_signal(results: list[Result]) -> int | None:
    """The signal that stopped the run (for the exit status 128 + n), or None."""
    for r in results:
        if r.status == INTERRUPTED:
            name = r.reason.rsplit(" ", 1)[-1]
            return getattr(signal, name, signal.SIGINT)
    return None


class Progress:
    """A progress bar on a terminal; plain lines (one per site-period) when not on a terminal."""

    def __init__(self, total: int, stream=None) -> None:  # noqa: ANN001
        self.total, self.done = total, 0
        self.stream = stream or sys.stdout
        self.bar = None
        if hasattr(self.stream, "isatty") and self.stream.isatty():
            from tqdm import tqdm

            size = shutil.get_terminal_size((100, 24))  # a pty may report 0 × 0: tqdm then hides the bar
            self.bar = tqdm(total=total, file=self.stream, unit="notebook",
                            ncols=min(size.columns or 100, 120), nrows=max(size.lines, 24))

    def line(self, result: Result) -> str:
        mark = {"ok": "ok", "failed": "FAILED"}.get(result.status, result.status)
        text = f"[{self.done}/{self.total}] {result.job.label()}: {mark} ({result.seconds:.1f} s)"
        return text + (f" — {result.reason}" if result.reason else "")

    def __call__(self, result: Result) -> None:
        self.done += 1
        if self.bar is None:
            print(self.line(result), file=self.stream, flush=True)
            return
        if result.status != "ok":
            self.bar.write(self.line(result), file=self.stream)
        self.bar.set_postfix_str(result.job.label(), refresh=False)
        self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _safe_url(url: str) -> str:
    """A database URL without its password, fit for a file others read."""
    try:
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - an odd URL is recorded without its credentials part
        return re.sub(r"//[^@/]*@", "//***@", url)


def write_run_record(out_dir: str, command: list[str], cfg: RunConfig, results: list[Result],
                     fingerprint: str, started: datetime | None = None) -> Path:
    """reports/runs/<stamp>.json: what ran, on which data, how each site-period ended."""
    now = datetime.now(timezone.utc)
    stamp = now.strftime("%Y%m%dT%H%M%S%fZ")
    path = Path(out_dir) / "runs" / f"{stamp}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    stopped = stop_signal(results)
    record = {"command": command, "version": __version__, "db_fingerprint": fingerprint,
              "parameters": {"db_url": _safe_url(cfg.db_url), "params_dir": cfg.params_dir, "out_dir": cfg.out_dir,
                             "timeout": cfg.timeout},
              "params_dir": cfg.params_dir,
              "started": started.isoformat() if started else None, "finished": now.isoformat(),
              "seconds": round((now - started).total_seconds(), 2) if started else None,
              "interrupted": signal.Signals(stopped).name if stopped else None,
              "counts": {s: sum(r.status == s for r in results) for s in ("ok", "failed", INTERRUPTED)},
              "results": [{**asdict(r.job), "status": r.status, "seconds": round(r.seconds, 2),
                           "reason": r.reason} for r in results]}
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(record, ensure_ascii=False, indent=2), encoding="utf-8")
    tmp.replace(path)
    return path
