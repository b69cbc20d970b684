"""Batch runs: one papermill kernel per site × period, in worker processes, outputs written atomically.

A failing site is recorded with a one-line reason and never stops the others, and what it executed
is kept as <stem>.failed.ipynb with the failing cell marked. A report's files appear only when
complete (written in a temporary folder beside them, synced to disk, then renamed), so an
interrupted run, a dead worker or a full disk leaves the previous good report in place.
A worker that dies costs only the job it was running: the jobs not yet done go on in a fresh pool.
Ctrl-C or SIGTERM at the coordinator kills the workers and their kernels (which jupyter_client
starts in their own sessions, so a terminal's Ctrl-C never reaches them) and records what finished.

Speed (benchmarks/batch.py): workers live for the whole run and import papermill once (never
pandas or nbconvert: they run notebooks and write files; pages.report renders the outputs);
each worker keeps the next notebook's kernel starting while the current one runs; and kernels
are forked from the run's one pre-imported process (kernels.serve_zygote), which saves the
~1.3 s of CPU that starting ipykernel and importing pandas, plotly and ips_nb cost every
notebook, and pays those imports once per run, not once per worker. IPS_NB_FORK_KERNELS=0 launches every kernel the ordinary way.
"""
from __future__ import annotations

import contextlib
import errno
import json
import math
import logging
import os
import re
import shutil
import signal
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    from multiprocessing.process import BaseProcess

    from nbformat import NotebookNode

from ips_nb import __version__
from ips_nb.batch.place import (Interrupted, Place, close_place, kill, leave_fork_server, open_place, sweep,
                                workers_context)
from ips_nb.data.location import hide_password, redact
from ips_nb.data.modes import make_folder, open_new, set_mode
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


class DiskFull(OSError):
    """A write ran out of room (ENOSPC, or the quota); the file it would have replaced is untouched.

    str() is the one line a user reads: "the disk is full (No space left on device) writing <path>".
    """

    def __init__(self, path: str | Path, code: int = errno.ENOSPC) -> None:
        super().__init__(code, os.strerror(code), str(path))

    def __str__(self) -> str:
        return _disk_full(self.filename, self.errno)

    def __reduce__(self) -> tuple:
        return DiskFull, (self.filename, self.errno)


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


_FULL = (errno.ENOSPC, errno.EDQUOT)


def _disk_full(path: str | Path, code: int = errno.ENOSPC) -> str:
    return f"the disk is full ({os.strerror(code)}) writing {path}"


def _full_disk_error(exc: BaseException | None) -> tuple[int, str | None] | None:
    """(errno, file name or None) when `exc`, or what caused it, is a write that ran out of room.

    A workbook's own write failing that way reaches us as papermill's error naming the cell's OSError.
    """
    from papermill.exceptions import PapermillExecutionError

    for _ in range(5):  # the exception, then what it was raised from or during
        if exc is None:
            return None
        if isinstance(exc, OSError) and exc.errno in _FULL:
            return exc.errno, exc.filename
        if isinstance(exc, PapermillExecutionError) and exc.ename in ("OSError", "IOError"):
            for code in _FULL:
                if f"[Errno {code}]" in str(exc.evalue) or os.strerror(code) in str(exc.evalue):
                    named = re.search(r": '([^']+)'$", str(exc.evalue).strip())
                    return code, named.group(1) if named else None
        exc = exc.__cause__ or exc.__context__
    return None


def _report_path(name: str | Path) -> Path:
    """A file of a job's temporary folder named as the report file it was to become (the folder
    itself as the report's folder)."""
    path = Path(name)
    if path.name.startswith(".tmp-"):
        return path.parent
    return path.parent.parent / path.name if path.parent.name.startswith(".tmp-") else path


def _reason(exc: BaseException, timeout: float | None = None, writing: Path | None = None) -> str:
    """One line naming the cause: the cell and its exception, a timeout, a dead kernel, a full disk.

    `writing` is the file the job was writing when it failed, named in a full disk's reason when
    the error itself names none.
    """
    from papermill.exceptions import PapermillExecutionError

    full = _full_disk_error(exc)
    if full:
        code, name = full
        return _disk_full(_report_path(name) if name else writing or "a report", code)
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


# --- files written whole or not at all ---------------------------------------------------------

def _fsync(path: Path) -> None:
    """Flush a file's (or a folder's) data to the disk; a full disk or a bad one raises here."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError as exc:
        if path.is_file() or exc.errno not in (errno.EINVAL, errno.EBADF):
            raise  # some file systems cannot sync a folder: that one is fine
    finally:
        os.close(fd)


def _write_synced(path: Path, data: bytes) -> None:
    """Write a new file (owner-only, or group-readable: data.modes) and sync it; on any error no
    part of it is left."""
    try:
        with os.fdopen(open_new(path), "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
    except BaseException:
        with contextlib.suppress(OSError):
            path.unlink()
        raise


def _write_atomic(path: Path, data: bytes) -> None:
    """Replace `path` by `data` whole or not at all: a temporary file beside it, synced, renamed.

    On a full disk the temporary file is removed and the old `path` stays as it was. The temporary
    file's name, .<name>.<pid>.part, lets a later run remove it if this process is killed meanwhile.
    """
    tmp = path.with_name(f".{path.name}.{os.getpid()}.part")
    _write_synced(tmp, data)
    try:
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    with contextlib.suppress(OSError):
        _fsync(path.parent)  # the rename itself; the file is whole either way


def _check_json(path: Path) -> None:
    """The workbook's JSON exists and parses: a write cut short (a full disk) never replaces a good one.

    A workbook writing through a file it never closes loses the close's error, so on a full disk
    it may leave a truncated file without failing; the disk's free space then names the cause.
    """
    if not path.exists():
        raise RuntimeError("the workbook wrote no JSON")
    try:
        json.loads(path.read_bytes())
    except ValueError as exc:
        space = os.statvfs(path.parent)
        if space.f_bavail * space.f_frsize < 1 << 20:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path)) from exc
        raise RuntimeError(f"the workbook wrote JSON that does not parse ({_first_line(exc)})") from exc


# --- what a failed job keeps: <stem>.failed.ipynb ---------------------------------------------

def _final_dir(job: Job, cfg: RunConfig) -> Path:
    out_root = Path(cfg.out_dir)
    return out_root / OVERVIEW if job.kind == OVERVIEW else out_root / job.site / job.kind


def _mark_failure(nb: NotebookNode, reason: str, cell: int | None = None) -> NotebookNode:
    """papermill's way of marking a failure, for one papermill did not mark (timeout, dead kernel…).

    A red banner on top says what happened; with `cell` (the cell that was running) an anchor just
    before that cell says it again. Both carry papermill's error tag, so a re-run removes them.
    """
    import nbformat
    from markupsafe import Markup
    from papermill.execute import ERROR_MARKER_TAG, ERROR_STYLE, remove_error_markers

    from ips_nb.pages.render import environment

    marks = environment().get_template("batch/failure_marks.html.j2").module
    style = Markup(ERROR_STYLE)  # papermill's own attribute text
    running = nb.cells[cell] if cell is not None and 0 <= cell < len(nb.cells) else None
    nb = nbformat.v4.upgrade(remove_error_markers(nb))
    count = None
    if running is not None:
        index = next((i for i, c in enumerate(nb.cells) if c is running), 0)
        anchor = nbformat.v4.new_markdown_cell(str(marks.anchor(style, reason)))
        anchor.metadata["tags"] = [ERROR_MARKER_TAG]
        nb.cells.insert(index, anchor)
        count = running.get("execution_count")
        count = " " if count is None else count
    banner = nbformat.v4.new_markdown_cell(str(marks.banner(style, reason, count)))
    banner.metadata["tags"] = [ERROR_MARKER_TAG]
    nb.cells.insert(0, banner)
    return nb


def _input_notebook(job: Job, cfg: RunConfig) -> NotebookNode | None:
    """The workbook as it is, when nothing of it was executed; None if it cannot be read."""
    import nbformat

    try:
        return nbformat.read(workbooks_dir(cfg) / f"{job.kind}.ipynb", as_version=4)
    except Exception:  # noqa: BLE001 - then there is nothing to keep
        return None


def _keep_failed(job: Job, cfg: RunConfig, nb: NotebookNode | None) -> None:
    """Write <stem>.failed.ipynb beside the report, whole or not at all; the report is never touched.

    On a full disk (or any other error) an older failed notebook stays as it was: the job's reason
    already says what went wrong.
    """
    import warnings

    import nbformat

    if nb is None:
        return
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # nbformat's validation notes about old notebooks
            data = nbformat.writes(nb).encode("utf-8")
        folder = make_folder(_final_dir(job, cfg))
        _write_atomic(folder / f"{job.stem}.failed.ipynb", data)
    except Exception:  # noqa: BLE001 - see above
        pass


def _executed(exc: BaseException, ran: bool, nb_tmp: Path, reason: str, job: Job,
              cfg: RunConfig) -> NotebookNode | None:
    """What a failed job executed, its failing cell marked.

    papermill writes the notebook only when it ends: after a cell's error it has written it with
    its own marks, and after a whole run (a later step failed) it is complete. Otherwise (a
    timeout, a dead kernel, a full disk) the notebook the engine was executing holds the cells
    run so far, and failing that the input is kept with the reason on top.
    """
    import nbformat
    from papermill.exceptions import PapermillExecutionError

    from ips_nb.batch.kernels import EXECUTING

    papermill_marked = isinstance(exc, PapermillExecutionError)
    if papermill_marked or ran:
        with contextlib.suppress(Exception):
            nb = nbformat.read(nb_tmp, as_version=4)
            return nb if papermill_marked else _mark_failure(nb, reason)
    if EXECUTING["nb"] is not None:
        return _mark_failure(EXECUTING["nb"], reason, EXECUTING["cell"])
    nb = _input_notebook(job, cfg)
    return _mark_failure(nb, reason) if nb is not None else None


def execute(job: Job, cfg: RunConfig, params: SiteParams | None = None, km=None) -> Result:  # noqa: ANN001
    """Run one workbook, export HTML in-process, then move the files into place.

    `km` is a kernel started beforehand (see kernels.start_kernel); without it papermill starts one.
    Every file is written in a temporary folder beside the report and synced before the renames,
    so a failure at any point (a full disk included) leaves the previous report as it was.
    """
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    from ips_nb.batch.kernels import EXECUTING, IpcKernelManager, register_engine
    from ips_nb.pages.titles import report_title
    from ips_nb.pages.report import notebook_html

    _quiet_logs(cfg.verbose)
    start = time.monotonic()
    if params is None:
        try:
            params = load_params(cfg.params_dir, job.site)
        except ParamsError as exc:
            return Result(job, "failed", time.monotonic() - start, f"parameters: {exc}")
    final_dir = _final_dir(job, cfg)
    tmp_dir = final_dir / f".tmp-{job.stem}-{os.getpid()}"
    nb_tmp, json_tmp, html_tmp = (tmp_dir / f"{job.stem}{ext}" for ext in (".ipynb", ".json", ".html"))
    pdf_tmp = [tmp_dir / f"{job.stem}.pdf"] if cfg.pdf and job.kind == "agenda" else []
    # the notebook keeps the URL without its password; its kernel finds the whole URL in $IPS_NB_DB
    kernel_database(cfg.db_url)
    parameters = {"site": job.site, KINDS[job.kind]: job.period, "db_url": hide_password(cfg.db_url),
                  "params_dir": str(Path(cfg.params_dir).resolve()), "json_path": str(json_tmp)}
    if job.kind == OVERVIEW:
        del parameters["site"]
        parameters["lang"] = cfg.lang
    if job.kind == "agenda":
        parameters["team"] = job.team or ""
    EXECUTING.update(nb=None, cell=None)
    ran = False  # papermill returned: nb_tmp is the whole executed notebook
    writing = final_dir / nb_tmp.name  # the file being made, for a full disk's reason
    outputs: list[str] = []
    try:
        make_folder(tmp_dir)  # and the report's folders, each new one owner-only (data.modes)
        with _deadline(cfg.timeout):
            nb = pm.execute_notebook(str(workbooks_dir(cfg) / f"{job.kind}.ipynb"), str(nb_tmp),
                                     parameters=parameters, kernel_name="python3", progress_bar=False,
                                     log_output=cfg.verbose, request_save_on_cell_execute=False,
                                     execution_timeout=math.ceil(cfg.timeout) + 5 if cfg.timeout else None,
                                     shutdown_kernel="immediate",
                                     kernel_manager_class=IpcKernelManager,
                                     engine_name=register_engine(), **({"km": km} if km else {}))
            ran = True
            title = report_title(job.kind, params, job.period, job.team)
            html = notebook_html(nb, lang=params.language, title=title, kind=job.kind)
        writing = final_dir / html_tmp.name
        _write_synced(html_tmp, html.encode("utf-8"))
        writing = final_dir / json_tmp.name
        _check_json(json_tmp)
        if pdf_tmp:
            from ips_nb.pages.pdf import render_pdf

            writing = final_dir / pdf_tmp[0].name
            render_pdf(html_tmp, pdf_tmp[0])
        made = [nb_tmp, json_tmp, html_tmp, *pdf_tmp]
        for tmp in made:  # all on the disk before any replaces a good file
            writing = final_dir / tmp.name
            set_mode(tmp)  # papermill, the workbook and Chromium wrote them by the umask
            _fsync(tmp)
        for tmp in made:
            writing = final_dir / tmp.name
            tmp.replace(writing)
            outputs.append(str(writing))
        with contextlib.suppress(OSError):
            _fsync(final_dir)
    except BaseException as exc:  # noqa: BLE001 - every failure becomes a one-line reason
        if isinstance(exc, (KeyboardInterrupt, Interrupted)):
            shutil.rmtree(tmp_dir, ignore_errors=True)
            raise
        if isinstance(exc, PapermillExecutionError):
            writing = final_dir / json_tmp.name  # the one file a workbook writes itself
        reason = _reason(exc, cfg.timeout, writing)
        try:
            _keep_failed(job, cfg, _executed(exc, ran, nb_tmp, reason, job, cfg))
        finally:
            shutil.rmtree(tmp_dir, ignore_errors=True)
            EXECUTING.update(nb=None, cell=None)
        return Result(job, "failed", time.monotonic() - start, reason)
    EXECUTING.update(nb=None, cell=None)
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

def kernel_database(url: str | None) -> None:
    """Put a database URL that holds a password in $IPS_NB_DB of this process, for the kernels it
    starts from now on: their notebooks name it without the password (location.db_url).

    A kernel's environment is in no notebook papermill writes, nor in any log; only the same
    user (and root) can read it from /proc, as they can the command's own.
    """
    if url and hide_password(url) != url:
        os.environ["IPS_NB_DB"] = url


def _worker_init(verbose: bool, scratch: str, sockets: str, zygote: tuple[str, int] | None = None,
                 db_url: str | None = None) -> None:
    """Runs once per worker: ignore Ctrl-C (the coordinator decides), silence, warm the imports.

    `zygote` is the run's zygote (socket path, pid); without one kernels are launched as usual.
    `db_url` is the run's database, for the kernels' environment (kernel_database) before the
    first kernel starts.
    """
    kernel_database(db_url)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from multiprocessing import get_start_method, parent_process

    from ips_nb.batch.kernels import alive, die_with_parent

    if get_start_method(allow_none=True) == "forkserver":
        leave_fork_server()
    starter = os.getppid()  # the coordinator, or the fork server
    die_with_parent()
    parent = parent_process()
    if os.getppid() != starter or (parent is not None and not alive(parent.pid)):
        os._exit(0)  # the coordinator died while this worker started: nobody will send it work
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
    if zygote:
        kernels.ForkingKernelManager.zygote = kernels.Zygote(*zygote)
    # papermill is imported, and the page templates compiled, while the run's zygote imports
    # what kernels need: paid once per worker, not once per notebook
    import papermill  # noqa: F401

    from ips_nb.pages import report

    report.prepare()
    kernels.register_engine()
    try:  # the first notebook's kernel, ready when its job arrives
        _SPARE.append(kernels.start_kernel())
    except Exception:  # noqa: BLE001 - the first job starts its own
        pass


_SPARE: list = []  # this worker's pre-started kernel for its next notebook (at most one)


def _drop_spare() -> None:
    from ips_nb.batch.kernels import stop_kernel

    while _SPARE:
        stop_kernel(_SPARE.pop())


def _kernel_pid(km) -> int | None:  # noqa: ANN001
    """The kernel's pid if known; never waits for the zygote's answer (a kernel not known yet is
    in no list _kill_children goes through: it needs no sparing)."""
    return getattr(getattr(km, "provisioner", None), "pid", None)


def _kill_children(keep: int | None = None) -> None:
    """A kernel outliving its notebook (a timeout, a crash) is killed with its own children:
    this worker's children (launched kernels) and the kernels the zygote forked for it."""
    import psutil

    from ips_nb.batch.kernels import FORKED

    procs = [p for p in psutil.Process().children(recursive=True) if p.pid != keep]
    for kernel in [k for k in FORKED if k.pid != keep]:
        with contextlib.suppress(psutil.Error):
            if kernel.is_running():
                procs += [kernel, *kernel.children(recursive=True)]
    FORKED[:] = [k for k in FORKED if k.pid == keep]
    kill(procs, timeout=5)


def _usable(km) -> bool:  # noqa: ANN001
    from jupyter_core.utils import run_sync

    try:
        return bool(run_sync(km.is_alive)())
    except Exception:  # noqa: BLE001
        return False


def _work(job: Job, cfg: RunConfig, params: SiteParams, prestart: bool = False,
          scratch: str | None = None) -> Result:
    """One job in a worker; with `prestart` the next job's kernel boots while this one runs.

    In `scratch` the worker notes which job it is running (worker-<pid>.job), so that if the
    worker dies the coordinator knows which job died with it.
    """
    from ips_nb.batch.kernels import WHEN_RUNNING, start_kernel, stop_kernel

    if scratch:
        with contextlib.suppress(OSError):  # without it a death is blamed on no job, never on a wrong one
            Path(scratch, f"worker-{os.getpid()}.job").write_text(json.dumps(asdict(job)), encoding="utf-8")
    km = _SPARE.pop() if _SPARE else None
    if km is not None and not _usable(km):
        stop_kernel(km)
        km = None
    try:
        if km is None:
            km = start_kernel()
        if prestart:  # when this notebook's last cell starts
            WHEN_RUNNING.append(_start_spare)
        return execute(job, cfg, params, km=km)
    except Exception as exc:  # noqa: BLE001 - a kernel that cannot start is this job's failure
        reason = f"the kernel did not start: {_reason(exc)}"
        nb = _input_notebook(job, cfg)
        _keep_failed(job, cfg, _mark_failure(nb, reason) if nb is not None else None)
        return Result(job, "failed", 0.0, reason)
    finally:
        WHEN_RUNNING.clear()  # the notebook stopped before its hook ran: no spare for the next
        _kill_children(keep=_kernel_pid(_SPARE[0]) if _SPARE else None)


def _start_spare() -> None:
    """Start the kernel of this worker's next notebook."""
    from ips_nb.batch.kernels import start_kernel

    try:
        _SPARE.append(start_kernel())
    except NotebookTimeout:
        raise  # the notebook's time ran out while the spare started: that is the notebook's failure
    except Exception:  # noqa: BLE001 - no spare: the next job starts its own kernel
        pass


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
            bad[site] = f"parameters: {_first_line(exc)}"
    return good, bad


def _overview_params(cfg: RunConfig) -> SiteParams:
    """What the runner needs of a 'site' for the roll-up: the language its pages are made in
    (its title is the catalogue's, looked up by the worker that writes it)."""
    from types import SimpleNamespace

    return SimpleNamespace(language=cfg.lang)  # type: ignore[return-value]


def _new_pool(place: Place, size: int, verbose: bool, db_url: str | None = None) -> ProcessPoolExecutor:
    """A pool of `size` workers for this run, each told where the zygote listens and which
    database its kernels read (sent down the pool's pipe: on no command line, in no file)."""
    return ProcessPoolExecutor(max_workers=size, mp_context=workers_context(place), initializer=_worker_init,
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
            results[job] = Result(job, "failed", 0.0, bad[job.site])
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
        _remove_leftovers(cfg.out_dir)
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
                futures = {pool.submit(_work, job, cfg, params[job.site], i < last, scratch): job
                           for i, job in enumerate(todo)}
            except BrokenProcessPool:  # an early worker died before its first job: start afresh
                pool.shutdown(wait=True, cancel_futures=True)
                sweep(scratch, keep=zygote.pid if zygote else None)  # kernels it had asked for
                pool = _new_pool(run, size, cfg.verbose, cfg.db_url)
                futures = {pool.submit(_work, job, cfg, params[job.site], i < last, scratch): job
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
                    res = Result(futures[fut], "failed", 0.0, f"the worker could not run it: {_reason(exc)}")
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
                    results[job] = Result(job, "failed", 0.0, f"the worker processes keep dying ({why})")
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
            _remove_leftovers(cfg.out_dir)  # this run's workers are gone: their folders are leftovers too
        finally:
            for s, handler in old.items():
                signal.signal(s, handler)
    for job in jobs:
        if job not in results:
            name = signal.Signals(stopped).name if stopped else "interruption"
            results[job] = Result(job, INTERRUPTED, 0.0, f"not finished: stopped by {name}")
    return [results[j] for j in jobs]


def _workers_when_broken(pool: ProcessPoolExecutor) -> dict[int, tuple[BaseProcess, bool]]:
    """The pool's workers, each with whether it was already dead when the breakage was seen.

    The executor then terminates every other worker (SIGTERM); this tells them apart from the
    one that broke it if that one was itself killed by a SIGTERM.
    """
    from multiprocessing.connection import wait

    seen: dict[int, tuple[BaseProcess, bool]] = {}
    for pid, proc in dict(getattr(pool, "_processes", None) or {}).items():
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
        _keep_failed(job, cfg, _left_by(job, cfg, pid, reason))
        results[job] = Result(job, "failed", seconds, reason)
        report(results[job])
        blamed = True
    return blamed


def _left_by(job: Job, cfg: RunConfig, pid: int, reason: str) -> NotebookNode | None:
    """The notebook a dead worker had written for `job` (all of it, if papermill had finished), marked."""
    import nbformat

    try:
        nb = nbformat.read(_final_dir(job, cfg) / f".tmp-{job.stem}-{pid}" / f"{job.stem}.ipynb", as_version=4)
    except Exception:  # noqa: BLE001 - papermill writes it only at the end: usually there is none
        nb = _input_notebook(job, cfg)
    return _mark_failure(nb, reason) if nb is not None else None


_PERIOD = r"\d{4}-(?:\d{2}|W\d{2})(?:-[a-z0-9]+(?:-[a-z0-9]+)*)?"  # Job.stem: a period, maybe -<team slug>
_TMP_DIR = re.compile(rf"\.tmp-(?P<stem>{_PERIOD})-(?P<pid>[1-9]\d*)")
_PART = re.compile(r"\.(?P<name>[^/]+)\.(?P<pid>[1-9]\d*)\.part")


def _gone(pid: int, changed: float) -> bool:
    """True only if process `pid` provably no longer runs: it does not exist, or it started after
    `changed` (the leftover's last change), so it is another process that got the same pid."""
    import psutil

    try:
        return psutil.Process(pid).create_time() > changed + 2  # boot time is known to the second
    except psutil.NoSuchProcess:
        return True
    except psutil.Error:
        return False


def _remove_leftovers(out_dir: str | Path) -> None:
    """Remove what runs' dead processes left in the reports, and only that.

    A worker that dies leaves its job's folder .tmp-<stem>-<pid> (<out>/<site>/<kind>/ or
    <out>/overview/); a coordinator or worker killed mid-write leaves .<name>.<pid>.part beside a
    failed notebook or a run record. Such a thing is removed only if its name is exactly one the
    runner makes, a folder holds nothing but that stem's files, and the pid's process is gone
    (see _gone): never a live run's, never anything else. The pid is this machine's: reports
    shared with another machine running at the same time would need a lock, not this.
    """
    out = Path(out_dir)
    folders = [d for d in out.glob("*/*") if d.parent.name != OVERVIEW and d.name in KINDS]
    folders += [out / OVERVIEW, out / "runs"]
    for folder in folders:
        try:
            entries = list(folder.iterdir()) if folder.is_dir() and not folder.is_symlink() else []
        except OSError:
            continue
        for entry in entries:
            try:
                st = entry.lstat()
                tmp_dir, part = _TMP_DIR.fullmatch(entry.name), _PART.fullmatch(entry.name)
                if tmp_dir and folder.name != "runs" and entry.is_dir() and not entry.is_symlink():
                    stem = tmp_dir["stem"]
                    inside = list(entry.iterdir())
                    if all(f.is_file() and not f.is_symlink() and
                           (f.name.startswith(f"{stem}.") or f.name.startswith(f".{stem}.")) for f in inside) \
                            and _gone(int(tmp_dir["pid"]), max([st.st_mtime] + [f.lstat().st_mtime for f in inside])):
                        shutil.rmtree(entry)
                elif part and entry.is_file() and not entry.is_symlink() \
                        and (part["name"].endswith(".failed.ipynb") or folder.name == "runs") \
                        and _gone(int(part["pid"]), st.st_mtime):
                    entry.unlink()
            except OSError:
                continue  # gone meanwhile, or not ours to remove


def stop_signal(results: list[Result]) -> int | None:
    """The signal that stopped the run (for the exit status 128 + n), or None."""
    for r in results:
        if r.status == INTERRUPTED:
            name = r.reason.rsplit(" ", 1)[-1]
            return getattr(signal, name, signal.SIGINT)
    return None


def _quiet_stdout() -> None:
    """Point standard output at /dev/null (its reader is gone), so no later print fails."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    with contextlib.suppress(OSError, ValueError):
        os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


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
            if self.stream is not None:
                try:
                    print(self.line(result), file=self.stream, flush=True)
                except BrokenPipeError:  # `ips-nb run … | head`: the reader left; the run goes on
                    self.stream = None
                    _quiet_stdout()
            return
        if result.status != "ok":
            self.bar.write(self.line(result), file=self.stream)
        self.bar.set_postfix_str(result.job.label(), refresh=False)
        self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def write_run_record(out_dir: str, command: list[str], cfg: RunConfig, results: list[Result],
                     fingerprint: str | None, started: datetime | None = None) -> Path:
    """reports/runs/<stamp>.json: what ran, on which data, how each site-period ended.

    Written whole or not at all; on a full disk it raises DiskFull (one line: the disk is full).
    """
    now = datetime.now(timezone.utc)
    stamp = now.strftime("%Y%m%dT%H%M%S%fZ")
    path = Path(out_dir) / "runs" / f"{stamp}.json"
    stopped = stop_signal(results)
    record = {"command": [redact(arg, cfg.db_url) for arg in command], "version": __version__,
              "db_fingerprint": fingerprint,
              "parameters": {"db_url": hide_password(cfg.db_url), "params_dir": cfg.params_dir, "out_dir": cfg.out_dir,
                             "timeout": cfg.timeout},
              "params_dir": cfg.params_dir,
              "started": started.isoformat() if started else None, "finished": now.isoformat(),
              "seconds": round((now - started).total_seconds(), 2) if started else None,
              "interrupted": signal.Signals(stopped).name if stopped else None,
              "counts": {s: sum(r.status == s for r in results) for s in ("ok", "failed", INTERRUPTED)},
              "results": [{**asdict(r.job), "status": r.status, "seconds": round(r.seconds, 2),
                           "reason": redact(r.reason, cfg.db_url)} for r in results]}
    try:
        make_folder(path.parent)
        _write_atomic(path, json.dumps(record, ensure_ascii=False, indent=2).encode("utf-8"))
    except OSError as exc:
        if exc.errno in _FULL:
            raise DiskFull(path, exc.errno) from exc
        raise
    return path
