"""The kernel manager papermill uses for our workbooks.

Kernels talk to us over local IPC sockets instead of TCP: nothing listens on a port, and the
kernel's "running over TCP without encryption" warning never reaches a coordinator's terminal.
Each kernel gets its own socket prefix so parallel workers never share a socket.
"""
from __future__ import annotations

import os
import tempfile
import uuid

from jupyter_client.manager import AsyncKernelManager
from traitlets import CaselessStrEnum, default


class IpcKernelManager(AsyncKernelManager):
    """An ordinary kernel manager whose default transport is IPC (Unix sockets)."""

    transport = CaselessStrEnum(["tcp", "ipc"], default_value="ipc", config=True)

    @default("ip")
    def _unique_ipc_prefix(self) -> str:
        return os.path.join(tempfile.gettempdir(), f"ips-nb-kernel-{uuid.uuid4().hex}")
