"""The dashboards' kernels: who owns each, a small shared warm pool, and short lives.

`DashboardKernels` is the kernel manager of the Voila server (VoilaConfiguration.multi_kernel_manager_class):

- **Owners.** The page handler records the logged-in user who started a kernel; behind the hub
  only that user may then reach it (`owner`, checked by `voila_app.KernelOwnerAuthorizer`).
- **A shared warm pool** (`warm_pool`, behind the hub). Voila's own preheat runs one dashboard
  per notebook before anyone asks; that cannot know the site or the user, and one pool per site
  would keep 60 kernels for 30 sites. Instead `warm_pool` kernels are started and have run the
  dashboard code once over no rows (`dashboard.warm_up`), for no site. A page takes one, and the server sets the page's values
  (site, user, periods) in it by executing one line itself, before the notebook runs: the same
  environment a freshly started kernel gets at its start (the page can send widget messages,
  never code). Then the pool is refilled after `fill_delay` seconds.
- **Short lives.** The culler (MappingKernelManager.cull_idle_timeout, cull_interval) ends a kernel
  that has no page connected and has been idle that long; idle time restarts when the last page
  disconnects, so a page's brief network loss does not lose its kernel. A page that closes
  normally ends its kernel at once (Voila's `beforeunload` call). Warm kernels are never culled.
"""
from __future__ import annotations

import asyncio
import json
import os

from jupyter_server._tz import utcnow
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from traitlets import Float, Integer, Unicode

from ips_nb.live.secrecy import kernel_env

KERNEL_NAME = "python3"  # the dashboards' kernelspec (tools/make_dashboards.py)


class DashboardKernels(AsyncMappingKernelManager):
    """AsyncMappingKernelManager with owners, a site-independent warm pool and disconnect-aware culling."""

    warm_pool = Integer(0, config=True, help="Kernels kept started and warmed, for any site and user.")
    warm_code = Unicode("from ips_nb.live import dashboard as _d; _d.warm_up(); del _d",
                        config=True, help="What a warm kernel runs before anyone asks for it: the "
                        "dashboards' code over no rows (no site's data, no widget).")
    fill_delay = Float(8.0, config=True, help="Seconds to wait before refilling the warm pool: "
                       "a refill competes for the CPU with the page that took a kernel.")

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.owners: dict[str, str] = {}
        self._warm: list[asyncio.Task] = []
        self._warm_ids: set[str] = set()
        self._waiting: set[asyncio.Task] = set()  # warm-ups still in their fill delay
        self._closing = False
        if self.warm_pool > 0:
            self._fill(delay=0)

    # -- the warm pool -------------------------------------------------------------------------
    def _fill(self, delay: float) -> None:
        try:
            loop = asyncio.get_event_loop()
        except RuntimeError:
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
        for _ in range(self.warm_pool - len(self._warm)):
            self._warm.append(loop.create_task(self._warm_one(delay)))

    async def _warm_one(self, delay: float) -> str:
        task = asyncio.current_task()
        self._waiting.add(task)
        try:
            await asyncio.sleep(delay)
        finally:
            self._waiting.discard(task)
        if self._closing:
            raise RuntimeError("the server is stopping")
        kernel_id = await AsyncMappingKernelManager.start_kernel(
            self, kernel_name=KERNEL_NAME, path="", env=kernel_env(os.environ))
        self._warm_ids.add(kernel_id)
        try:
            await self.run_code(kernel_id, self.warm_code)
        except BaseException:
            await self.shutdown_kernel(kernel_id, now=True)  # not left behind, out of the culler's sight
            raise
        self.log.info("Warm kernel %s ready", kernel_id)
        return kernel_id

    async def _take_warm(self) -> str | None:
        """A warm kernel that is ready, or None: a page never waits for one still warming (a fresh
        kernel is as quick, and the warming one serves the next page)."""
        for task in list(self._warm):
            if not task.done():
                continue
            self._warm.remove(task)
            if task.cancelled() or task.exception() is not None:
                self.log.warning("A warm kernel failed to start: %s", None if task.cancelled() else task.exception())
                continue
            kernel_id = task.result()
            self._warm_ids.discard(kernel_id)
            kernel = self._kernels.get(kernel_id)
            if kernel is not None and await kernel.is_alive():
                return kernel_id
        return None

    async def run_code(self, kernel_id: str, code: str, timeout: float = 120) -> None:
        """Execute `code` in a kernel as the server (not a page); raise if it fails."""
        client = self.get_kernel(kernel_id).client()
        client.start_channels()
        try:
            await client.wait_for_ready(timeout=timeout)
            reply = await client.execute_interactive(code, store_history=False, timeout=timeout,
                                                     output_hook=lambda msg: None)
            if reply["content"].get("status") != "ok":
                raise RuntimeError(f"kernel {kernel_id}: {reply['content'].get('ename', 'error')}")
        finally:
            client.stop_channels()

    async def start_kernel(self, *, kernel_name: str | None = None, path: str | None = None,  # type: ignore[override]
                           env: dict | None = None, **kwargs: object) -> str:
        """A warm kernel given this request's environment, else a new kernel started with it.
        Either way without the server's secrets (ips_nb.live.secrecy: the hub's API token, ...)."""
        env = kernel_env(os.environ if env is None else env)
        if self.warm_pool > 0 and not self._closing and kernel_name in (None, KERNEL_NAME) and not kwargs.get("kernel_id"):
            kernel_id = await self._take_warm()
            self._fill(delay=self.fill_delay)
            if kernel_id is not None:
                # What differs from the server's own environment is this request's: set it as a
                # new kernel would have it from its start.
                extra = {k: str(v) for k, v in (env or {}).items() if os.environ.get(k) != v}
                try:
                    await self.run_code(kernel_id, "import json as _j, os as _o; "
                                        f"_o.environ.update(_j.loads({json.dumps(extra)!r})); del _j, _o")
                except Exception:
                    await self.shutdown_kernel(kernel_id, now=True)
                    raise
                return kernel_id
        return await super().start_kernel(kernel_name=kernel_name, path=path, env=env, **kwargs)

    # -- owners and lifetimes --------------------------------------------------------------------
    def owner(self, kernel_id: str) -> str | None:
        return self.owners.get(kernel_id)

    async def shutdown_kernel(self, kernel_id: str, *args: object, **kwargs: object) -> None:  # type: ignore[override]
        self.owners.pop(kernel_id, None)
        self._warm_ids.discard(kernel_id)
        return await super().shutdown_kernel(kernel_id, *args, **kwargs)

    async def shutdown_all(self, now: bool = False) -> None:  # type: ignore[override]
        self._closing = True
        pending, self._warm = self._warm, []
        for task in pending:
            if task in self._waiting:  # not started yet: nothing to wait for
                task.cancel()
                continue
            try:  # a kernel still starting would otherwise outlive the server
                await asyncio.wait_for(task, timeout=60)
            except Exception:  # noqa: BLE001
                pass
        await super().shutdown_all(now=now)

    def notify_disconnect(self, kernel_id: str) -> None:
        super().notify_disconnect(kernel_id)
        if self._kernel_connections.get(kernel_id) == 0 and kernel_id in self._kernels:
            # idle time counts from the moment the last page went away
            self._kernels[kernel_id].last_activity = utcnow()

    async def cull_kernel_if_idle(self, kernel_id: str) -> None:
        if kernel_id in self._warm_ids:
            return None
        return await super().cull_kernel_if_idle(kernel_id)
