"""Every private part of multiprocessing the batch layer relies on, fenced in one module.

The standard library gives no public way to: put the fork server's socket in a folder of the
run's (so no pymp-* folder outlives it), learn the fork server's pid (so the last sweep spares
it), stop it (its own tests use `_stop`), let a worker drop the server's "alive" pipe (so the
server, and the worker, end with the coordinator), or list a ProcessPoolExecutor's workers (to
kill them and their kernels, and tell which one broke the pool). Each is done here and nowhere
else; tests/unit/test_mp_internals.py checks that the attributes still exist, so a Python
upgrade that renames one fails a test, not a coordinator's run.
"""
from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager, suppress
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from multiprocessing.process import BaseProcess

# (object, attribute) pairs used below, for the test that they still exist
USED = (("multiprocessing.current_process()", "_config"),
        ("multiprocessing.forkserver", "_forkserver"),
        ("multiprocessing.forkserver.ForkServer", "_stop"),
        ("multiprocessing.forkserver.ForkServer()", "_forkserver_pid"),
        ("multiprocessing.forkserver.ForkServer()", "_forkserver_alive_fd"),
        ("multiprocessing.forkserver.ForkServer()", "_forkserver_address"),
        ("concurrent.futures.ProcessPoolExecutor()", "_processes"))


@contextmanager
def temp_folder(folder: str) -> Iterator[None]:
    """Inside, multiprocessing makes its sockets (the fork server's) in `folder`."""
    from multiprocessing import current_process

    config = current_process()._config  # noqa: SLF001 - where multiprocessing puts its sockets
    before = config.get("tempdir")
    config["tempdir"] = folder
    try:
        yield
    finally:
        if before is None:
            config.pop("tempdir", None)
        else:
            config["tempdir"] = before


def fork_server_pid() -> int | None:
    """The pid of multiprocessing's fork server in this process, if one runs."""
    from multiprocessing import forkserver

    return getattr(forkserver._forkserver, "_forkserver_pid", None)  # noqa: SLF001


def stop_fork_server() -> None:
    """Stop multiprocessing's fork server; the next run in this process starts a fresh one."""
    from multiprocessing import forkserver

    server = forkserver._forkserver  # noqa: SLF001
    pid = fork_server_pid()
    if pid is None:
        return
    with suppress(OSError):
        os.kill(pid, signal.SIGKILL)  # its workers are gone or die with it
    try:
        server._stop()  # noqa: SLF001 - closes our end of its pipe, reaps it, removes its socket
    except OSError:  # reaped already: forget it all the same
        with suppress(OSError, TypeError):
            os.close(server._forkserver_alive_fd)  # noqa: SLF001
        server._forkserver_pid = server._forkserver_alive_fd = server._forkserver_address = None  # noqa: SLF001


def leave_fork_server() -> None:
    """In a worker forked by the fork server: let go of the server's "alive" pipe, so that the
    server, and with it this worker, ends when the coordinator does (even killed with SIGKILL)."""
    from multiprocessing import forkserver

    server = forkserver._forkserver  # noqa: SLF001
    fd = getattr(server, "_forkserver_alive_fd", None)
    if fd is not None:
        with suppress(OSError):
            os.close(fd)
        server._forkserver_alive_fd = None  # noqa: SLF001


def pool_workers(pool: ProcessPoolExecutor) -> dict[int, BaseProcess]:
    """A pool's worker processes by pid (empty once it has let them go)."""
    return dict(getattr(pool, "_processes", None) or {})
