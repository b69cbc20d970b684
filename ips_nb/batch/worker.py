"""The worker side of a run: a process of the pool that runs one job after another.

Workers live for the whole run and import papermill once (never pandas or nbconvert: they run
notebooks and write files; pages.report renders the outputs); each keeps the next notebook's
kernel starting while the current one runs, and kills whatever a notebook leaves running.
"""
from __future__ import annotations

import contextlib
import json
import os
import signal
from dataclasses import asdict
from pathlib import Path

from ips_nb.batch.execute import execute, kernel_database, quiet_logs
from ips_nb.batch.failure import NotebookTimeout, failure_reason, input_notebook, keep_failed, mark_failure
from ips_nb.batch.jobs import Job, JobStatus, Result, RunConfig
from ips_nb.batch.mp_internals import leave_fork_server
from ips_nb.batch.place import kill
from ips_nb.data.params import SiteParams


def worker_init(verbose: bool, scratch: str, sockets: str, zygote: tuple[str, int] | None = None,
                 db_url: str | None = None) -> None:
    """Runs once per worker: ignore Ctrl-C (the coordinator decides), silence, warm the imports.

    `zygote` is the run's zygote (socket path, pid); without one kernels are launched as usual.
    `db_url` is the run's database, for the kernels' environment (kernel_database) before the
    first kernel starts.
    """
    kernel_database(db_url)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from multiprocessing import get_start_method, parent_process

    from ips_nb.batch.zygote import alive, die_with_parent

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
    quiet_logs(verbose)
    from multiprocessing.util import Finalize

    from ips_nb.batch import engine, kernels  # noqa: F401 - importing engine registers it with papermill
    from ips_nb.batch.provisioner import ForkingProvisioner
    from ips_nb.batch.zygote import Zygote

    # multiprocessing workers leave through os._exit (no atexit): a Finalize still runs
    Finalize(None, _drop_spare, exitpriority=10)
    if zygote:
        ForkingProvisioner.zygote = Zygote(*zygote)
    # papermill is imported, and the page templates compiled, while the run's zygote imports
    # what kernels need: paid once per worker, not once per notebook
    import papermill  # noqa: F401

    from ips_nb.pages import report

    report.prepare()
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

    from ips_nb.batch.zygote import FORKED

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


def work(job: Job, cfg: RunConfig, params: SiteParams, prestart: bool = False,
          scratch: str | None = None) -> Result:
    """One job in a worker; with `prestart` the next job's kernel boots while this one runs.

    In `scratch` the worker notes which job it is running (worker-<pid>.job), so that if the
    worker dies the coordinator knows which job died with it.
    """
    from ips_nb.batch.engine import WHEN_RUNNING
    from ips_nb.batch.kernels import start_kernel, stop_kernel

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
        reason = f"the kernel did not start: {failure_reason(exc)}"
        nb = input_notebook(job, cfg)
        keep_failed(job, cfg, mark_failure(nb, reason) if nb is not None else None)
        return Result(job, JobStatus.FAILED, 0.0, reason)
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
