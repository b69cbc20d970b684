"""The culler never logs a traceback for a kernel ended while it was looking at the others.

jupyter_server's `cull_kernels` lists the kernels, then checks each in turn, awaiting each; a
kernel ended in the meantime (culling the one before it takes a moment, in which a page may
close and end its own) answered `KeyError` with a traceback in the server's log (issue 24)."""
from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from types import SimpleNamespace

from jupyter_server._tz import utcnow

from ips_nb.live.kernels import DashboardKernels


def _idle_kernel() -> SimpleNamespace:
    return SimpleNamespace(execution_state="idle", kernel_name="python3",
                           kernel_spec=SimpleNamespace(metadata={}), last_activity=utcnow() - timedelta(hours=1))


def test_a_kernel_ended_while_the_culler_looks_at_another_is_no_traceback(caplog):
    kernels = DashboardKernels(cull_idle_timeout=60)
    kernels._kernels.update(first=_idle_kernel(), second=_idle_kernel())
    ended = []

    async def shutdown_kernel(kernel_id, *args, **kwargs):  # noqa: ANN001
        await asyncio.sleep(0)
        ended.append(kernel_id)
        kernels._kernels.pop(kernel_id, None)
        kernels._kernels.pop("second", None)  # meanwhile the second one's page closed

    kernels.shutdown_kernel = shutdown_kernel
    kernels.log = logging.getLogger("test.culling")
    with caplog.at_level(logging.WARNING, logger="test.culling"):
        asyncio.run(kernels.cull_kernels())
    assert ended == ["first"]
    assert not [r for r in caplog.records if r.exc_info], [r.getMessage() for r in caplog.records]
    assert asyncio.run(kernels.cull_kernel_if_idle("never-there")) is None


def test_a_kernel_a_page_takes_from_the_pool_is_not_culled_before_the_page_connects():
    """A preheated kernel waited in the pool longer than cull_idle; the page that takes it needs a
    moment to connect. Its idle time counts from the page, so the culler leaves it alone."""
    kernels = DashboardKernels(cull_idle_timeout=60)
    kernels._kernels["pooled"] = _idle_kernel()  # warmed an hour ago
    ended = []

    async def shutdown_kernel(kernel_id, *args, **kwargs):  # noqa: ANN001
        ended.append(kernel_id)

    async def take() -> str:
        return "pooled"

    kernels.shutdown_kernel = shutdown_kernel
    asyncio.run(kernels.open_page("sup-aarhus", "aarhus", take))
    asyncio.run(kernels.cull_kernels())
    assert ended == []
