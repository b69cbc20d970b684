"""Kernels forked from a warm process: the run's zygote, and a worker's handle on it.

Starting ipykernel and importing pandas, plotly and ips_nb costs ~1.3 s of CPU per notebook,
more than most notebooks' own work. A batch run therefore starts, once, a "zygote": a
single-threaded process that imports all of that and forks a fresh kernel process on request
from any of the run's workers (over a Unix socket in the run's scratch folder). Every notebook
still gets its own kernel process, started from the same kernel command line
(`-f connection_file`); it only skips the imports. One zygote for the run, not one per worker:
on two cores the imports paid once instead of per worker are what the first notebook waits for.
The provisioner (batch.provisioner) asks it for kernels; batch.place starts and stops it.
"""
from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Callable


def die_with_parent() -> None:
    """Linux: this process is killed when its parent dies (a coordinator killed with SIGKILL)."""
    import ctypes
    import signal

    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL))  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


class ZygoteGone(RuntimeError):
    """The run's zygote is not there (killed): kernels are launched the ordinary way instead."""


class ForkedProcess:
    """The Popen-like handle jupyter_client's LocalProvisioner needs for a forked kernel.

    Made with the zygote's answer still to come (`answer`, a function that waits for it): the
    worker asks for a kernel and goes on, and the pid is read the first time it is needed. A
    zygote that never answers makes it a kernel that died at once.
    """

    def __init__(self, answer: Callable[[], int], on_pid: Callable[[int], None] | None = None) -> None:
        self._answer: Callable[[], int] | None = answer
        self._pid: int | None = None
        self._on_pid = on_pid
        self.returncode: int | None = None
        self.stdin = self.stdout = self.stderr = None

    @property
    def pid(self) -> int | None:
        """The kernel's pid (the zygote's child, not ours: we can signal it but never wait() for it).
        Waiting for it can be cut short (a notebook's time limit): it is then asked again next time."""
        if self._answer is not None:
            try:
                pid = self._answer()
            except ZygoteGone:
                self._answer, self.returncode = None, -9
            else:
                self._answer, self._pid = None, pid
                if self._on_pid is not None:
                    self._on_pid(pid)
        return self._pid

    def poll(self) -> int | None:
        pid = self.pid
        if self.returncode is None and pid is not None and not alive(pid):
            self.returncode = -9
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        import subprocess
        import time

        end = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if end is not None and time.monotonic() > end:
                raise subprocess.TimeoutExpired(str(self.pid), timeout)
            time.sleep(0.02)
        return self.returncode  # type: ignore[return-value]

    def send_signal(self, signum: int) -> None:
        """To the kernel's process group (it leads its own), so anything it started goes too."""
        pid = self.pid
        if pid is not None:
            try:
                os.killpg(pid, signum)
            except OSError:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signum)

    def kill(self) -> None:
        import signal

        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        import signal

        self.send_signal(signal.SIGTERM)


class Zygote:
    """A worker's handle on the run's zygote: asks it for a kernel, gets the kernel's pid back."""

    def __init__(self, path: str, pid: int, wait: float = 120.0) -> None:
        self.path, self.pid, self.wait = path, pid, wait

    def request(self, cmd: list[str], env: dict[str, str] | None, cwd: str | None) -> Callable[[], int]:
        """Ask for a kernel and return at once: the function returned waits for the kernel's pid.
        The zygote forks it between two of its own steps, while the worker goes on."""
        import json
        import socket
        import time

        request = json.dumps({"cmd": cmd, "env": env or dict(os.environ), "cwd": cwd}).encode() + b"\n"
        deadline = time.monotonic() + self.wait
        while True:  # the zygote may not be listening yet: it binds first thing, then imports
            conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                conn.settimeout(self.wait)  # a zygote that stops answering is a gone one
                conn.connect(self.path)
                conn.sendall(request)
                break
            except TimeoutError:
                conn.close()
                raise ZygoteGone("the kernel zygote does not answer") from None
            except (FileNotFoundError, ConnectionRefusedError, ConnectionResetError, BrokenPipeError):
                conn.close()
                if not alive(self.pid) or time.monotonic() > deadline:
                    raise ZygoteGone("the kernel zygote is gone") from None
                time.sleep(0.02)

        reader = conn.makefile("rb")

        def answer() -> int:
            try:  # anything else (a notebook's time limit) leaves the question open, to be read again
                line = reader.readline()
            except OSError:  # a timeout included
                line = b""
            reader.close()
            conn.close()
            if not line.strip().isdigit():
                raise ZygoteGone("the kernel zygote does not answer")
            return int(line)

        return answer


def alive(pid: int) -> bool:
    """Whether process `pid` is running (not gone, not a zombie)."""
    try:
        os.kill(pid, 0)
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (ProcessLookupError, FileNotFoundError):
        return False
    except OSError:
        return True


def serve_zygote() -> None:  # pragma: no cover - runs in the zygote
    """The zygote's loop: bind, import what kernels need, then fork one kernel per request
    (between the import steps already, for requests that arrive early)."""
    import signal
    import socket
    import sys

    die_with_parent()  # and the kernels' parent poller sees the zygote go and exits too
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # kernels are reaped by the system
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the coordinator decides
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")  # no BLAS threads: a process with threads must not fork
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(sys.argv[1])
    listener.listen(64)  # workers may connect now: they wait while the imports below run
    import ipykernel.ipkernel  # noqa: F401 - every kernel needs these before it can be forked
    from ipykernel.kernelapp import IPKernelApp  # noqa: F401

    os.environ["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"  # its warning about frozen modules, not ours to show
    import ipykernel.debugger  # noqa: F401 - debugpy, which each kernel would import as it starts (~0.07 s)

    from ips_nb.batch.warmup import warm_up

    warm_up(between=functools.partial(_serve, listener, block=False))
    _serve(listener, block=True)


def _serve(listener, block: bool) -> None:  # noqa: ANN001 - a listening socket  # pragma: no cover
    """Fork a kernel for each request: those waiting now (`block=False`), or forever."""
    import json
    import select

    while block or select.select([listener], [], [], 0)[0]:
        try:
            conn, _ = listener.accept()
        except OSError:
            continue
        with conn:
            try:
                conn.settimeout(10)  # a worker that connects and stalls must not stall the others
                req = json.loads(conn.makefile("rb").readline())
            except (OSError, ValueError):
                continue
            pid = os.fork()
            if pid == 0:
                code = 1
                try:
                    _kernel_main(req)
                    code = 0
                finally:
                    os._exit(code)
            try:
                conn.sendall(f"{pid}\n".encode())
            except OSError:  # the worker died waiting: nobody will use or stop this kernel
                with contextlib.suppress(OSError):
                    os.kill(pid, 9)


def _kernel_main(req: dict) -> None:  # pragma: no cover - runs in the kernel
    import signal
    import sys

    os.setsid()
    for sig in (signal.SIGCHLD, signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, signal.SIG_DFL)
    os.closerange(3, 4096)  # the zygote's pipes and anything else inherited
    os.environ.clear()
    os.environ.update(req["env"])
    if req.get("cwd"):
        os.chdir(req["cwd"])
    cmd = req["cmd"]
    args = cmd[cmd.index("ipykernel_launcher") + 1:]
    sys.argv = [cmd[0], *args]
    from ipykernel.kernelapp import IPKernelApp

    app = IPKernelApp.instance()
    # read from JPY_PARENT_PID when ipykernel was imported (in the zygote): set it here, so the
    # kernel exits when the zygote (and so its worker) is gone
    app.parent_handle = os.getppid()
    app.initialize(args)
    app.start()


# The kernels this worker had the zygote fork: the zygote's children, not the worker's, so the
# worker keeps them here to kill one that outlives its notebook (worker._kill_children).
FORKED: list = []  # psutil.Process
