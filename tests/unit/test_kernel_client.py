"""The batch kernels' ready check (kernels.ReadyClient): done once the kernel has answered on
both channels, never waiting for IOPub to fall silent (jupyter_client's check: 0.2 s a notebook)."""
from __future__ import annotations

import asyncio
from queue import Empty

import pytest

from ips_nb.batch.kernels import ReadyClient


class Channel:
    """Hands out queued messages; an empty queue behaves as a real channel's wait running out."""

    def __init__(self, messages: list[dict]) -> None:
        self.messages, self.waits = list(messages), []

    async def get_msg(self, timeout: float | None = None) -> dict:
        self.waits.append(timeout)
        if not self.messages:
            raise Empty
        return self.messages.pop(0)


class Client(ReadyClient):
    """ReadyClient on made-up channels and a kernel that is alive or not."""

    shell_channel = iopub_channel = None  # instance attributes below, instead of ZMQ channels

    def __init__(self, shell: list[dict], iopub: list[dict], alive: bool = True) -> None:
        super().__init__()
        self.shell_channel, self.iopub_channel = Channel(shell), Channel(iopub)
        self.asked, self.alive = 0, alive

    def kernel_info(self) -> str:
        self.asked += 1
        return f"request-{self.asked}"

    async def _async_is_alive(self) -> bool:
        return self.alive


REPLY = {"msg_type": "kernel_info_reply", "content": {"protocol_version": "5.3", "status": "ok"}}
STATUS = {"msg_type": "status", "content": {"execution_state": "busy"}}


def test_ready_after_one_reply_and_one_iopub_message_without_waiting_for_silence():
    client = Client(shell=[REPLY], iopub=[STATUS, STATUS, STATUS])  # more is still queued on IOPub
    asyncio.run(client.wait_for_ready(timeout=10))
    assert client.asked == 1
    assert len(client.iopub_channel.waits) == 1, "it read IOPub again, waiting for it to fall silent"
    assert len(client.iopub_channel.messages) == 2  # left for nbclient, which reads only its own


def test_asks_again_when_iopub_was_not_connected_in_time():
    client = Client(shell=[REPLY, REPLY], iopub=[])
    client.iopub_channel.messages = []

    async def connected_on_the_second_try(timeout: float | None = None) -> dict:
        client.iopub_channel.waits.append(timeout)
        if len(client.iopub_channel.waits) == 1:
            raise Empty
        return STATUS

    client.iopub_channel.get_msg = connected_on_the_second_try
    asyncio.run(client.wait_for_ready(timeout=10))
    assert client.asked == 2


def test_a_dead_kernel_is_said_to_be_dead():
    client = Client(shell=[], iopub=[], alive=False)
    with pytest.raises(RuntimeError, match="died before replying"):
        asyncio.run(client.wait_for_ready(timeout=10))


def test_a_silent_kernel_times_out():
    client = Client(shell=[], iopub=[])
    with pytest.raises(RuntimeError, match="didn't respond"):
        asyncio.run(client.wait_for_ready(timeout=0))


def test_batch_kernel_managers_hand_out_this_client():
    from ips_nb.batch.kernels import IpcKernelManager

    assert isinstance(IpcKernelManager().client(), ReadyClient)
