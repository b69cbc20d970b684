"""The kernel manager papermill uses for our workbooks.

Kernels talk to us over local IPC sockets instead of TCP: nothing listens on a port, and the
kernel's "running over TCP without encryption" warning never reaches a coordinator's terminal.
Each kernel gets its own socket prefix so parallel workers never share a socket; a batch run puts
them in its own scratch folder (IPS_NB_KERNEL_DIR), removed when the run ends, even an interrupted one.
"""
from __future__ import annotations

import contextlib
import functools
import os
import tempfile
import uuid
from collections.abc import Callable

from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.manager import AsyncKernelManager
from traitlets import CaselessStrEnum, Type, default


class ReadyClient(AsyncKernelClient):
    """A kernel client whose ready check ends as soon as the kernel has shown it is connected.

    jupyter_client's check (kernel_info answered on the shell channel, then one IOPub message)
    ends with reading IOPub until it has been quiet for 0.2 s: a fixed 0.2 s added to every
    notebook. That silence proves nothing more: nbclient reads only the IOPub messages of its own
    requests, so what the kernel published before (its start-up status) is never taken for a
    cell's output. The rest of the check is jupyter_client's, step for step.
    """

    async def _ready_when_connected(self, timeout: float | None = None) -> None:
        import time
        from queue import Empty

        deadline = time.monotonic() + (float("inf") if timeout is None else timeout)
        while True:
            self.kernel_info()
            try:
                reply = await self.shell_channel.get_msg(timeout=1)
            except Empty:
                reply = None
            if reply is not None and reply["msg_type"] == "kernel_info_reply":
                try:  # IOPub subscribed? the kernel's status for that request proves it
                    await self.iopub_channel.get_msg(timeout=0.2)
                except Empty:
                    pass  # subscribed too late for it: ask again, as jupyter_client does
                else:
                    self._handle_kernel_info_reply(reply)
                    return
            if not await self._async_is_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")
            if time.monotonic() > deadline:
                raise RuntimeError(f"Kernel didn't respond in {timeout:.0f} seconds")

    wait_for_ready = _ready_when_connected


class IpcKernelManager(AsyncKernelManager):
    """An ordinary kernel manager whose default transport is IPC (Unix sockets), with ReadyClient."""

    transport = CaselessStrEnum(["tcp", "ipc"], default_value="ipc", config=True)
    client_factory = Type(default_value=ReadyClient, klass=AsyncKernelClient)

    @default("connection_file")
    def _connection_file_in_run_folder(self) -> str:
        """In a batch run, beside the run's other scratch files (else jupyter_client's temp file)."""
        folder = os.environ.get("IPS_NB_RUNTIME_DIR")
        return os.path.join(folder, f"kernel-{uuid.uuid4().hex}.json") if folder else ""

    @default("ip")
    def _unique_ipc_prefix(self) -> str:
        folder = os.environ.get("IPS_NB_KERNEL_DIR") or tempfile.gettempdir()
        return os.path.join(folder, f"ips-nb-kernel-{uuid.uuid4().hex}")


def start_kernel(kernel_name: str = "python3") -> IpcKernelManager:
    """Launch a kernel now and return its manager; it boots while the caller does other work.

    A batch worker starts the next notebook's kernel while the current notebook ends, so the
    kernel's start-up fills time the CPU would otherwise spend waiting on messages. A forked
    kernel's manager returns before the zygote has answered (ForkedProcess).
    """
    from jupyter_core.utils import run_sync

    km = ForkingKernelManager(kernel_name=kernel_name)
    run_sync(km.start_kernel)(extra_arguments=[] if ForkingKernelManager.zygote else [WARM_UP])
    return km


# Run by a launched kernel (no zygote) before it reports ready (ipykernel's exec_lines, out of
# history): the imports and first-use work of every workbook's first cells, paid while the
# previous notebook still runs.
WARM_UP = "--IPKernelApp.exec_lines=from ips_nb.batch.kernels import warm_up as _w; _w(); del _w"
# In steps, the agenda's first (pandas, SQLAlchemy, its templates, no charts): a zygote serves
# the kernels asked for between steps, so a run's first notebook, an agenda, need not wait for the
# charts. The longest step, a chart drawn once, comes last, once every worker has its first kernel.
WARM_STEPS = (("ips_nb.pages.agenda",),
              ("ips_nb.pages.pack", "ips_nb.pages.overview", "plotly.graph_objects", "plotly.io", "nbformat"))


def warm_up(between: Callable[[], None] | None = None) -> None:
    """Import what the workbooks import, and run once what their first cells run (a site's read,
    the pages' templates and catalogues, a chart) on made-up data, so that pandas', SQLAlchemy's,
    Jinja2's and plotly's first-use work is done before any kernel is forked. No real data is
    touched. A step that fails here fails again, visibly, in the cell. `between` runs after each.
    """
    import importlib

    def _import_all(names: tuple[str, ...]) -> None:
        for name in names:
            importlib.import_module(name)

    def _agenda() -> None:
        _import_all(WARM_STEPS[0])
        _warm_read()
        _warm_pages(("agenda",))

    steps = [_agenda, functools.partial(_import_all, WARM_STEPS[1]),
             functools.partial(_warm_pages, ("pack", "overview", "."), hyphenation=True), _warm_chart]
    for step in steps:
        try:
            step()
        except Exception:  # noqa: BLE001 - warming is optional; a real error shows in the notebook
            pass
        if between is not None:
            between()


def _warm_pages(folders: tuple[str, ...], hyphenation: bool = False) -> None:
    """Compile the templates of these folders of templates/, and load every language's catalogue,
    date and number formats and (with `hyphenation`) hyphenation patterns: each kernel would
    otherwise do it all again for its first page. The patterns come later than the rest: a
    kernel needs only its own language's, and two of them take ~0.06 s each to load."""
    from datetime import date

    from babel.dates import format_date, format_skeleton

    from ips_nb.pages import agenda, labels, render

    for lang in labels.LANGS:
        words = labels.Labels(lang)
        day = date(2026, 1, 5)
        words.date(day), words.number(1234.5, 1), words.month_name(2026, 1)
        format_skeleton("MMMd", day, locale=words.locale), format_date(day, "EEEE", locale=words.locale)
        if hyphenation:
            agenda.soft_hyphens("beskæftigelsesindsatsen", lang)
    env = render.environment()
    for folder in folders:
        for path in sorted((render.TEMPLATES / folder).glob("*.j2")):
            env.get_template(path.relative_to(render.TEMPLATES).as_posix())


def _warm_chart() -> None:
    """A figure with the trace kinds and layout the packs use, rendered as a notebook shows it."""
    import plotly.graph_objects as go

    from ips_nb.pages import charts
    from ips_nb.pages.fragments import Chart

    fig = go.Figure([go.Scatter(x=["2026-01", "2026-02"], y=[0.1, 0.2], mode="lines+markers", name="a"),
                     go.Bar(x=["a", "b"], y=[1, 2], name="b", text=["1", "2"], hovertext=["x", "y"])])
    charts._layout(fig, "warm-up")
    fig.add_hline(y=0.3, line={"dash": "dash"})
    Chart(fig, "warm-up")._repr_mimebundle_()


def _warm_read() -> None:
    """A site's read from an empty in-memory database: the queries and frames of the first cell."""
    from ips_nb.data import store

    engine = store.connect("sqlite://")
    try:
        store.create_schema(engine)
        store.load_site(engine, "warm-up")
    finally:
        engine.dispose()


def stop_kernel(km: IpcKernelManager) -> None:
    """Kill a kernel that will not be used (a spare at the end of a run) and remove its files."""
    from jupyter_core.utils import run_sync

    try:
        if km.has_kernel:
            run_sync(km.shutdown_kernel)(now=True)
    except Exception:  # noqa: BLE001 - a spare that is already gone is fine
        pass


# What our engine is executing in this process: the notebook (its cells as far as they ran, with
# their outputs) and the index of the cell running (None between cells). papermill writes nothing
# until the notebook ends, so after a timeout or a dead kernel this is all that shows what ran;
# the runner keeps it as <stem>.failed.ipynb (runner.execute).
EXECUTING: dict = {"nb": None, "cell": None}
# Run once when the notebook's last cell starts (the runner asks for the next notebook's kernel
# there: it starts while papermill and the runner write this notebook's files, and takes no CPU
# from this notebook's own cells; asking does not wait, the zygote forks it when it can). Without
# a zygote, kernels are launched, which takes longer: then when the first cell starts.
WHEN_RUNNING: list[Callable[[], None]] = []


def register_engine() -> str:
    """Our papermill engine: runs a notebook on a kernel started beforehand (`km=`) or its own.

    papermill's own engine hands `km` to nbclient, which then regards the kernel as someone
    else's and never shuts it down; ours makes nbclient own it, so it stops with the notebook.
    It also records what it executes in EXECUTING, so a failed run can keep what was done.
    """
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, papermill_engines
    from papermill.log import logger
    from papermill.utils import merge_kwargs, remove_args

    class RecordingClient(PapermillNotebookClient):
        def execute_cell(self, cell, cell_index, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
            # a forked kernel starts in ~0.1 s: at the last cell; a launched one needs ~0.7 s: at once
            if cell_index == len(self.nb.cells) - 1 or ForkingKernelManager.zygote is None:
                while WHEN_RUNNING:
                    WHEN_RUNNING.pop(0)()
            EXECUTING["cell"] = cell_index  # still set if the cell never returns (timeout, dead kernel)
            out = super().execute_cell(cell, cell_index, *args, **kwargs)
            EXECUTING["cell"] = None
            return out

    class PrestartedEngine(NBClientEngine):
        @classmethod
        def execute_notebook(cls, nb, kernel_name, **kwargs):  # noqa: ANN001, ANN003, ANN206
            EXECUTING.update(nb=nb, cell=None)  # papermill's manager and nbclient fill this very object
            return super().execute_notebook(nb, kernel_name, **kwargs)

        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None,  # noqa: ANN001
                                     stderr_file=None, start_timeout=60, execution_timeout=None,
                                     **kwargs):
            kwargs = remove_args(["input_path"], **kwargs)
            safe_kwargs = remove_args(["timeout", "startup_timeout"], **kwargs)
            final_kwargs = merge_kwargs(
                safe_kwargs, timeout=execution_timeout if execution_timeout else kwargs.get("timeout"),
                startup_timeout=start_timeout, kernel_name=kernel_name, log=logger,
                log_output=log_output, stdout_file=stdout_file, stderr_file=stderr_file)
            client = RecordingClient(nb_man, **final_kwargs)
            client.owns_km = True  # shut the kernel down and close its channels when done
            return client.execute()

    papermill_engines.register(ENGINE, PrestartedEngine)
    return ENGINE


ENGINE = "ips-nb-prestarted"


# --- kernels forked from a warm process ------------------------------------------------------
# Starting ipykernel and importing pandas, plotly and ips_nb costs ~1.3 s of CPU per notebook,
# more than most notebooks' own work. A batch run therefore starts, once, a "zygote": a
# single-threaded process that imports all of that and forks a fresh kernel process on request
# from any of the run's workers (over a Unix socket in the run's scratch folder). Every notebook
# still gets its own kernel process, started from the same kernel command line
# (`-f connection_file`); it only skips the imports. One zygote for the run, not one per worker:
# on two cores the imports paid once instead of per worker are what the first notebook waits for.


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
            except socket.timeout:
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
# worker keeps them here to kill one that outlives its notebook (runner._kill_children).
FORKED: list = []  # psutil.Process


class ForkingKernelManager(IpcKernelManager):
    """IpcKernelManager whose kernels are forked from a zygote when one is set (else launched)."""

    zygote: Zygote | None = None

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw):  # noqa: ANN003
        import psutil

        zygote = ForkingKernelManager.zygote
        if zygote is None or "ipykernel_launcher" not in kernel_cmd:
            return await super()._async_launch_kernel(kernel_cmd, **kw)
        prov = self.provisioner
        try:
            answer = zygote.request(kernel_cmd, kw.get("env"), str(kw.get("cwd") or os.getcwd()))
        except ZygoteGone:
            ForkingKernelManager.zygote = None  # slower, but the run goes on
            return await super()._async_launch_kernel(kernel_cmd, **kw)

        def _forked() -> int:
            try:
                return answer()
            except ZygoteGone:
                ForkingKernelManager.zygote = None  # this kernel counts as dead; the next is launched
                raise

        def _known(pid: int) -> None:
            prov.pid, prov.pgid = pid, pid  # the kernel leads its own session
            with contextlib.suppress(psutil.Error):
                FORKED.append(psutil.Process(pid))

        prov.process = ForkedProcess(_forked, _known)
        prov.cwd = kw.get("cwd") or os.getcwd()
        self._reconcile_connection_info(prov.connection_info)
