"""How a batch kernel's process starts: forked from the run's zygote, else launched.

A jupyter_client kernel provisioner (its public seam for starting kernel processes, registered
under `jupyter_client.kernel_provisioners` in pyproject.toml and named on the kernel's spec by
kernels.start_kernel), not a kernel manager overriding jupyter_client's private launch: the
manager, its connection file and its IPC sockets stay jupyter_client's own.

Why a fork: see batch.zygote. A kernel that is not ipykernel, or a run without a zygote, or a
zygote gone meanwhile, is launched the ordinary way (LocalProvisioner), slower but the same.
"""
from __future__ import annotations

import contextlib
import os
from typing import Any, ClassVar

from jupyter_client.connect import KernelConnectionInfo
from jupyter_client.provisioning import LocalProvisioner

from ips_nb.batch.zygote import FORKED, ForkedProcess, Zygote, ZygoteGone

PROVISIONER = "ips-nb-forking"  # its entry point's name (pyproject.toml)


class ForkingProvisioner(LocalProvisioner):  # type: ignore[misc] - traitlets' metaclass
    """LocalProvisioner whose ipykernel processes are forked by the run's zygote when one is set."""

    # the worker's zygote (set once per worker: worker.worker_init); None launches every kernel
    zygote: ClassVar[Zygote | None] = None

    async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> KernelConnectionInfo:
        """Ask the zygote for the kernel and return at once: its pid is read when first needed."""
        import psutil

        zygote = ForkingProvisioner.zygote
        if zygote is None or "ipykernel_launcher" not in cmd:
            return await super().launch_kernel(cmd, **kwargs)
        cwd = kwargs.get("cwd") or os.getcwd()
        try:
            answer = zygote.request(cmd, kwargs.get("env"), str(cwd))
        except ZygoteGone:
            ForkingProvisioner.zygote = None  # slower, but the run goes on
            return await super().launch_kernel(cmd, **kwargs)

        def _forked() -> int:
            try:
                return answer()
            except ZygoteGone:
                ForkingProvisioner.zygote = None  # this kernel counts as dead; the next is launched
                raise

        def _known(pid: int) -> None:
            self.pid, self.pgid = pid, pid  # the kernel leads its own session
            with contextlib.suppress(psutil.Error):
                FORKED.append(psutil.Process(pid))

        self.process = ForkedProcess(_forked, _known)
        self.cwd = cwd
        return self.connection_info
