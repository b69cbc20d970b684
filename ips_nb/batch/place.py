"""Where a run's processes live, and the end of them.

A run has a scratch folder (kernel connection files, which worker runs which job), a short
folder for its Unix sockets, one zygote (zygote.serve_zygote) that forks every kernel, and
multiprocessing's fork server, which forks every worker. All of them are marked in the
environment the run's processes start with, so that whatever is left alive at the end (a kernel
whose worker was killed) is found and killed.

Kept light (no papermill, no pandas, no jupyter_client) so the coordinator can open a run's
place before anything else: the zygote's imports (~1 s) then overlap the coordinator's own.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing import get_context
from multiprocessing.context import BaseContext

from ips_nb.batch.mp_internals import fork_server_pid, stop_fork_server, temp_folder
from ips_nb.settings import env_name, settings  # env_name: another process's environment

# Before any import: die with the coordinator (Linux), and leave at once if it is already gone.
ZYGOTE_CODE = ("import ctypes, os, signal, sys\n"
               "try:\n"
               "    ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL))\n"
               "except (OSError, AttributeError):\n"
               "    pass\n"
               "if os.getppid() != int(sys.argv[2]):\n"
               "    os._exit(0)\n"
               "from ips_nb.batch.zygote import serve_zygote\n"
               "serve_zygote()\n")


class Interrupted(BaseException):
    """SIGINT or SIGTERM reached the coordinator: stop, clean up, record what finished."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _raise_interrupted(signum: int, frame: object) -> None:
    raise Interrupted(signum)


@contextmanager
def _signals_handled(handler: object) -> Iterator[None]:
    """SIGINT and SIGTERM go to `handler` inside (main thread only; elsewhere they stay as they are)."""
    try:
        old = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    except ValueError:
        old = {}
    try:
        yield
    finally:
        for s, previous in old.items():
            signal.signal(s, previous)


def ignoring_signals():  # noqa: ANN201 - a context manager
    """Inside, SIGINT and SIGTERM are ignored: for the clean-up and record a stop must not cut short."""
    return _signals_handled(signal.SIG_IGN)


def stopped_by_signals():  # noqa: ANN201 - a context manager
    """Inside, SIGINT and SIGTERM raise Interrupted instead of ending the process, so that a run's
    place is closed (zygote, workers, folders) whatever moment the signal comes."""
    return _signals_handled(_raise_interrupted)


@dataclass
class Place:
    """A run's folders, its zygote, and (once started) its first pool of workers."""

    scratch: str
    sockets: str
    zygote: subprocess.Popen | None
    saved_env: dict[str, str | None]
    pool: ProcessPoolExecutor | None = None  # workers started early, for the run's first round
    pool_size: int = 0
    closed: bool = False
    fork_server: bool = False  # started for this run's workers (workers_context)
    workers_failed: bool = False  # it could not start: spawn instead

    def zygote_address(self) -> tuple[str, int] | None:
        """(socket path, pid) of the zygote for the workers, while it lives."""
        if self.zygote is None or self.zygote.poll() is not None:
            return None
        return str(self.zygote.args[3]), self.zygote.pid


def start_zygote(path: str, quiet: bool = True) -> subprocess.Popen:
    """Start the run's zygote, listening on `path`; it dies with the process that started it.

    A fresh interpreter, not a fork of the caller: it holds nothing of the coordinator's (open
    database connections, threads), and its environment is the run's, so every kernel it forks
    carries the run's marks for the last sweep.
    """
    out = subprocess.DEVNULL if quiet else None
    return subprocess.Popen([sys.executable, "-c", ZYGOTE_CODE, path, str(os.getpid())],
                            stdin=subprocess.DEVNULL, stdout=out, stderr=out, close_fds=True)


def _zygote(sockets: str, verbose: bool) -> subprocess.Popen | None:
    """The run's zygote, unless IPS_NB_FORK_KERNELS=0 or the system cannot fork()."""
    if not settings().fork_kernels or not hasattr(os, "fork"):
        return None
    try:
        return start_zygote(os.path.join(sockets, "zygote"), quiet=not verbose)
    except OSError:
        return None


def open_place(verbose: bool = False) -> Place:
    """Make a run's folders, mark the environment with them, and start its zygote (the workers'
    fork server comes later: workers_context)."""
    scratch = tempfile.mkdtemp(prefix="ips-nb-run-")
    # a Unix socket's path is limited to ~107 bytes: keep the sockets' folder short
    sockets = tempfile.mkdtemp(prefix="ips-nb-", dir="/tmp" if len(scratch) > 60 and os.path.isdir("/tmp") else None)
    # in the workers' and the zygote's environment from their start, so the last sweep can
    # recognise them and every kernel forked from the zygote
    marks = {"IPS_NB_RUNTIME_DIR": scratch, "IPS_NB_KERNEL_DIR": sockets}
    saved_env = {k: os.environ.get(k) for k in marks}
    os.environ.update(marks)
    zygote = None
    try:
        zygote = _zygote(sockets, verbose)
        return Place(scratch, sockets, zygote, saved_env)
    except BaseException:  # a signal while starting it: nothing of the run stays behind
        _close(Place(scratch, sockets, zygote, saved_env))
        raise


# What a worker imports before its first job. Loaded once, by multiprocessing's fork server, and
# shared by every worker forked from it: started with "spawn", each worker imports it all again
# (~0.5 s of CPU each, which on two cores the run's first notebook waits for).
WORKER_IMPORTS = ["ips_nb.batch.pool", "ips_nb.batch.worker", "papermill", "ips_nb.pages.report"]


def workers_context(place: Place) -> BaseContext:
    """How to start the run's workers: forked by multiprocessing's fork server (started at the
    first call, its socket in the run's folder), or "spawn" where the system cannot fork or
    forking is off (IPS_NB_FORK_KERNELS=0) or the server cannot start.

    Called when the workers are wanted, after the coordinator's own checks: on two cores the
    zygote, whose imports the first notebook waits for, then shares the CPU with one process at
    a time (the coordinator, then the fork server), never with two.
    """
    if place.zygote is None or place.workers_failed:
        return get_context("spawn")
    from multiprocessing import forkserver

    try:
        with temp_folder(place.sockets):  # not a pymp-* folder of its own that outlives the run
            context = get_context("forkserver")
            context.set_forkserver_preload(WORKER_IMPORTS)
            place.fork_server = True  # from now on stopped with the place, even if a signal cuts in here
            forkserver.ensure_running()
        return context
    except (ValueError, OSError):
        place.workers_failed = True
        return get_context("spawn")


def close_place(place: Place) -> None:
    """Stop the zygote, kill whatever of the run is still alive, remove the folders; once."""
    if place.closed:
        return
    place.closed = True
    with ignoring_signals():  # a second Ctrl-C must not cut the clean-up short
        _close(place)


def _close(place: Place) -> None:
    try:
        if place.pool is not None:  # never used: the run stopped before its first job, or another size
            # not killed: a ProcessPoolExecutor whose workers die inside their initializer can
            # spin in its shutdown (CPython 3.11); they finish starting and leave on their own
            place.pool.shutdown(wait=True, cancel_futures=True)
        if place.zygote is not None:
            place.zygote.kill()
            place.zygote.wait()
        if place.fork_server:
            stop_fork_server()
        sweep(place.scratch)
        shutil.rmtree(place.scratch, ignore_errors=True)
        shutil.rmtree(place.sockets, ignore_errors=True)
    finally:
        for k, v in place.saved_env.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def kill(procs: list, timeout: float) -> None:
    """Kill every process given (gone ones are fine) and wait for them, so none is left behind."""
    import psutil

    for p in procs:
        try:
            p.kill()
        except psutil.Error:
            pass
    psutil.wait_procs(procs, timeout=timeout)


def sweep(scratch: str, keep: int | None = None) -> None:
    """Last line of defence: a process of this run still alive (its parent killed) is killed.

    Every worker, the zygote and every kernel of the run was started with
    IPS_NB_RUNTIME_DIR=`scratch` in its environment (a forked kernel inherits the zygote's), and a
    launched kernel's command line names its connection file there. `keep` is spared (the zygote,
    when a broken pool is replaced).
    """
    import psutil

    # the fork server too (its workers share its command line): it ends with the run's place, and
    # killed here it could not serve the pool that replaces a broken one
    spared = {os.getpid(), keep, fork_server_pid()}
    procs = []
    for p in psutil.process_iter(["cmdline"]):
        try:
            cmdline = p.info["cmdline"] or []
            if "resource_tracker" in " ".join(cmdline):
                continue  # multiprocessing's own helper, started with the same environment
            if p.pid not in spared and (any(scratch in part for part in cmdline)
                                                     or p.environ().get(env_name("runtime_dir")) == scratch):
                procs.append(p)
        except psutil.Error:
            continue
    kill(procs, timeout=5)
