"""The kernel manager papermill uses for our workbooks, and its quick ready check.

Kernels talk to us over local IPC sockets instead of TCP: nothing listens on a port, and the
kernel's "running over TCP without encryption" warning never reaches a coordinator's terminal.
Each kernel gets its own socket prefix so parallel workers never share a socket; a batch run puts
them in its own scratch folder (IPS_NB_KERNEL_DIR), removed when the run ends, even an interrupted one.
How a kernel's process starts (forked from the run's zygote, or launched) is the provisioner's
(batch.provisioner), named on each kernel's spec.
"""
from __future__ import annotations

import os
import tempfile
import uuid

from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.manager import AsyncKernelManager
from traitlets import CaselessStrEnum, Type, default

from ips_nb.batch.provisioner import PROVISIONER, ForkingProvisioner
from ips_nb.batch.warmup import WARM_UP
from ips_nb.settings import settings


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
        folder = settings().runtime_dir
        return os.path.join(folder, f"kernel-{uuid.uuid4().hex}.json") if folder else ""

    @default("ip")
    def _unique_ipc_prefix(self) -> str:
        folder = settings().kernel_dir or tempfile.gettempdir()
        return os.path.join(folder, f"ips-nb-kernel-{uuid.uuid4().hex}")


def _provisioner_registered() -> None:
    """Make sure jupyter_client knows our provisioner by its name.

    It reads entry points from the installed metadata; a checkout whose metadata is older than
    the entry point (an `ips_nb.egg-info` left in the working folder shadows the installed one,
    or a `git pull` without reinstalling) would otherwise fail every kernel with "Kernel
    provisioner 'ips-nb-forking' has not been registered".
    """
    from importlib.metadata import EntryPoint

    from jupyter_client.provisioning.factory import KernelProvisionerFactory

    factory = KernelProvisionerFactory.instance()
    if PROVISIONER not in factory.provisioners:
        factory.provisioners[PROVISIONER] = EntryPoint(
            PROVISIONER, f"{ForkingProvisioner.__module__}:{ForkingProvisioner.__name__}",
            KernelProvisionerFactory.GROUP_NAME)


def start_kernel(kernel_name: str = "python3") -> IpcKernelManager:
    """Launch a kernel now and return its manager; it boots while the caller does other work.

    A batch worker starts the next notebook's kernel while the current notebook ends, so the
    kernel's start-up fills time the CPU would otherwise spend waiting on messages. The kernel's
    spec names our provisioner (jupyter_client's public seam for how a kernel process starts):
    with the run's zygote it forks the kernel and returns before the zygote has answered
    (zygote.ForkedProcess); without one it launches it, warming up as it starts (WARM_UP).
    """
    from jupyter_core.utils import run_sync

    _provisioner_registered()
    km = IpcKernelManager(kernel_name=kernel_name)
    km.kernel_spec.metadata["kernel_provisioner"] = {"provisioner_name": PROVISIONER}
    run_sync(km.start_kernel)(extra_arguments=[] if ForkingProvisioner.zygote else [WARM_UP])
    return km



def stop_kernel(km: IpcKernelManager) -> None:
    """Kill a kernel that will not be used (a spare at the end of a run) and remove its files."""
    from jupyter_core.utils import run_sync

    try:
        if km.has_kernel:
            run_sync(km.shutdown_kernel)(now=True)
    except Exception:  # noqa: BLE001 - a spare that is already gone is fine
        pass
