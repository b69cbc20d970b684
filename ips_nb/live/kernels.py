"""The dashboards' kernels: who owns each, a small shared warm pool, and short lives.

`DashboardKernels` is the kernel manager of the Voila server (VoilaConfiguration.multi_kernel_manager_class):

- **Owners.** The page handler records the logged-in user who started a kernel; behind the hub
  only that user may then reach it (`owner`, checked by `voila_app.KernelOwnerAuthorizer`).
- **A shared warm pool** (`warm_pool`, behind the hub). Voila's own preheat runs one dashboard
  per notebook before anyone asks; that cannot know the site or the user, and one pool per site
  would keep 60 kernels for 30 sites. Instead `warm_pool` kernels are started and have run the
  dashboard code once over no rows (`dashboard.warm_up`), for no site. A page takes one, and the
  server sets the page's values
  (site, user, periods) in it by executing one line itself, before the notebook runs: the same
  environment a freshly started kernel gets at its start (the page can send widget messages,
  never code). Then the pool is refilled after `fill_delay` seconds.
- **Short lives.** The culler (MappingKernelManager.cull_idle_timeout, cull_interval) ends a kernel
  that has no page connected and has been idle that long; idle time restarts when the last page
  disconnects, so a page's brief network loss does not lose its kernel. A page that closes
  normally ends its kernel at once (Voila's `beforeunload` call). Warm kernels are never culled.
  A page still connected but unused for `connected_idle_timeout` seconds is ended too (a tab
  left open over a weekend held its ~150 MB for good).
- **Limits** (`open_page`). One person holds at most `per_user` page kernels: a newer page ends
  their oldest first, and both pages say so in the site's language. The server holds at most
  `max_kernels` page kernels besides its warm/preheated ones; a page beyond that is refused
  (`ServerFull`, the page says the server is full). One person's page starts run one at a
  time, so twenty quick reloads cannot start twenty kernels before the first is counted.
- **Never a page older than the data** (`drop_stale`). Standalone, Voila's preheat runs each
  dashboard in a pooled kernel before anyone asks, reading the database then; a page saved and
  reloaded at once was served that earlier rendering, without the save. Each preheated kernel
  records the site's write stamp (ips_nb.data.freshness) read just before it starts, so before
  its notebook reads a row; before a page takes one, the stamp is read again, and a kernel
  prepared before a later write (or with no stamp to compare) is ended and a fresh one started at
  once for this page. Pages with no write since keep the preheated speed (one small SELECT).
- **Ending a kernel a page still uses** (`end`): revocation (ips_nb.live.revocation), the limit
  and the connected-idle rule end kernels whatever the connections; the page is told why first
  (one line run in the kernel, `dashboard.closed`), then the kernel is shut down at once.
"""
from __future__ import annotations

import asyncio
import itertools
import json
import os
from collections.abc import Awaitable, Callable

import sqlalchemy as sa
from jupyter_client.session import Session
from jupyter_server._tz import utcnow
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from traitlets import Float, Integer, Unicode

from ips_nb.data import freshness
from ips_nb.data.connection import connect, sqlite_file
from ips_nb.live.secrecy import kernel_env
from ips_nb.settings import settings

KERNEL_NAME = "python3"  # the dashboards' kernelspec (tools/make_dashboards.py)
TELL_TIMEOUT = 2.0  # seconds a kernel about to end gets to show the page why (a busy one does not)
PREHEAT_ENV = "VOILA_PREHEAT"  # Voila's mark (voila.utils.ENV_VARIABLE) on a kernel it starts for its pool


class ServerFull(Exception):
    """The server holds `max_kernels` page kernels: no room for one more page."""


def dashboard_call(call: str) -> str:
    """The line the server runs in a page's kernel to make its dashboard say something
    (`call`: a call of ips_nb.live.dashboard's `notify` or `closed`)."""
    return f"from ips_nb.live import dashboard as _d; _d.{call}; del _d"


class DashboardKernels(AsyncMappingKernelManager):
    """AsyncMappingKernelManager with owners, a site-independent warm pool and disconnect-aware culling."""

    warm_pool = Integer(0, config=True, help="Kernels kept started and warmed, for any site and user.")
    warm_code = Unicode("from ips_nb.live import dashboard as _d; _d.warm_up(); del _d",
                        config=True, help="What a warm kernel runs before anyone asks for it: the "
                        "dashboards' code over no rows (no site's data, no widget).")
    fill_delay = Float(8.0, config=True, help="Seconds to wait before refilling the warm pool: "
                       "a refill competes for the CPU with the page that took a kernel.")
    per_user = Integer(3, config=True, help="Dashboard kernels one person may hold at once; a newer "
                       "page ends their oldest, and says so. Each holds ~150 MB.")
    max_kernels = Integer(30, config=True, help="Page kernels the whole server may hold (besides the "
                          "warm or preheated pool); a page beyond them says the server is full. Size "
                          "it to the memory: each holds ~150 MB.")
    connected_idle_timeout = Integer(4 * 3600, config=True, help="Seconds a page may stay connected "
                                     "without being used before its kernel is ended and the page "
                                     "says so (0: never). Pages no longer connected are culled "
                                     "after MappingKernelManager.cull_idle_timeout.")

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.owners: dict[str, str] = {}
        self.sites: dict[str, str | None] = {}  # the site each page kernel shows (None: unpinned)
        self._opened: dict[str, int] = {}  # page kernels in the order their pages opened
        self._order = itertools.count()
        self._one_at_a_time: dict[str, asyncio.Lock] = {}
        self._starting = 0  # page kernels being started right now (counted against max_kernels)
        self._telling: set[asyncio.Task] = set()
        self._warm: list[asyncio.Task] = []
        self._warm_ids: set[str] = set()
        self._waiting: set[asyncio.Task] = set()  # warm-ups still in their fill delay
        self._closing = False
        self.prepared_at: dict[str, freshness.Stamp | None] = {}  # preheated kernel: stamp before it ran
        self._stamp_engine = None
        self._dropping: set[asyncio.Task] = set()
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
        """Execute `code` in a kernel as the server (not a page); raise if it fails.

        The client has a session of its own: a kernel manager's clients share its session, whose id
        is their shell socket's identity, and the kernel answers only one socket of an identity, so
        this would hang while the page's notebook runs (Voila's client) on the same kernel."""
        kernel = self.get_kernel(kernel_id)
        session = Session(key=kernel.session.key, signature_scheme=kernel.session.signature_scheme)
        client = kernel.client(session=session)
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
        Either way without the server's secrets (ips_nb.live.secrecy: the hub's API token, ...).
        A kernel for Voila's preheat pool records the site's write stamp first (`drop_stale`)."""
        preheated = (env or {}).get(PREHEAT_ENV) == "True"
        seen = await self.site_stamp() if preheated else None  # before its notebook reads a row
        kernel_id = await self._start(kernel_name=kernel_name, path=path, env=env, **kwargs)
        if preheated:
            self.prepared_at[kernel_id] = seen
        return kernel_id

    async def _start(self, *, kernel_name: str | None, path: str | None, env: dict | None,
                     **kwargs: object) -> str:
        env = kernel_env(os.environ if env is None else env)
        if (self.warm_pool > 0 and not self._closing and kernel_name in (None, KERNEL_NAME)
                and not kwargs.get("kernel_id")):
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

    # -- prepared pages and the site's writes --------------------------------------------------
    async def site_stamp(self) -> freshness.Stamp | None:
        """The server's site's write stamp now (every site's when no site is pinned), read off the
        event loop; None when it cannot be read (then nothing prepared is trusted)."""
        url = settings().serve_db_url
        if not url:
            return None
        try:
            path = sqlite_file(url)
        except (ValueError, sa.exc.ArgumentError):
            return None
        if path is not None and not path.is_file():
            return None  # a reader never creates the database
        if self._stamp_engine is None:
            self._stamp_engine = connect(url)
        return await asyncio.to_thread(freshness.stamp, self._stamp_engine,
                                       settings().serve_site)

    async def drop_stale(self, notebook_name: str) -> int:
        """Before a page takes a preheated kernel of `notebook_name` (Voila's pool): end every
        ready one prepared before the site's last write, and start a fresh one at once, which this
        page then takes. Returns how many were ended.

        A pooled kernel still starting is left alone: its notebook has not read yet, and reads
        after this request came, so after any save the person saw confirmed."""
        pool = getattr(self, "_pools", {}).get(notebook_name)
        ready = [task for task in pool or () if task.done() and not task.cancelled() and task.exception() is None]
        if not ready:
            return 0
        now = await self.site_stamp()
        stale = [task for task in ready if task in pool
                 and not freshness.is_current(self.prepared_at.get(task.result()["kernel_id"]), now)]
        for task in stale:
            pool.remove(task)
            content = task.result()
            content["task"].cancel()  # its rendering, if still going, is not wanted
            self.log.info("Pre-heated kernel %s of %s was prepared before the last write to the "
                          "site: ended, a fresh one renders the page", content["kernel_id"], notebook_name)
            ending = asyncio.ensure_future(self.shutdown_kernel(content["kernel_id"], now=True))
            self._dropping.add(ending)  # held until done: the loop keeps only a weak reference
            ending.add_done_callback(self._dropping.discard)
        if stale:
            self.fill_if_needed(delay=0, notebook_name=notebook_name)  # type: ignore[attr-defined]
        return len(stale)

    # -- owners and lifetimes --------------------------------------------------------------------
    def owner(self, kernel_id: str) -> str | None:
        return self.owners.get(kernel_id)

    def page_kernels(self, owner: str | None = None) -> list[str]:
        """The kernels pages hold (all, or `owner`'s), oldest page first."""
        ids = [k for k in self._opened if owner is None or self.owners.get(k) == owner]
        return sorted(ids, key=self._opened.__getitem__)

    async def open_page(self, owner: str, site: str | None, start: Callable[[], Awaitable[str]]) -> tuple[str, int]:
        """A page's kernel for `owner`, from `start()`: (its id, how many of the owner's older
        pages were ended to stay within `per_user`). Raises ServerFull, ending nothing, when the
        server already holds `max_kernels` page kernels that this page would not free one of."""
        lock = self._one_at_a_time.setdefault(owner, asyncio.Lock())
        async with lock:  # one person's pages start one at a time: every count below is exact
            mine = self.page_kernels(owner)
            oldest = mine[:max(0, len(mine) - self.per_user + 1)]
            if len(self.page_kernels()) - len(oldest) + self._starting >= self.max_kernels:
                self.log.warning("ips-nb: the server holds %d page kernels (max_kernels): %s's page refused",
                                 len(self.page_kernels()) + self._starting, owner)
                raise ServerFull()
            for kernel_id in oldest:
                await self.end(kernel_id, f"closed('newer_page', {self.per_user})",
                               f"{owner} opened page {self.per_user + 1}")
            self._starting += 1
            try:
                kernel_id = await start()
            finally:
                self._starting -= 1
            self.owners[kernel_id], self.sites[kernel_id] = owner, site
            self._opened[kernel_id] = next(self._order)
            if kernel_id in self._kernels:
                # A preheated or warm kernel's idle time counts from the page that took it, not from
                # its warm-up: one idle past cull_idle in the pool was culled before its page connected.
                self._kernels[kernel_id].last_activity = utcnow()
        if oldest:  # the new page says why an older one went (not waited for: the page is loading)
            # (the kernel is busy running the page's notebook first: wait for it, not for TELL_TIMEOUT)
            task = asyncio.ensure_future(self.tell(kernel_id, f"notify('ended_oldest', {self.per_user})",
                                                       timeout=120, attempts=3))
            self._telling.add(task)  # held until done: the loop keeps only a weak reference
            task.add_done_callback(self._telling.discard)
        return kernel_id, len(oldest)

    async def tell(self, kernel_id: str, call: str, timeout: float = TELL_TIMEOUT,
                   attempts: int = 1) -> bool:
        """Make a page's dashboard say something (`call`, see `dashboard_call`); False if it did
        not run in time (a busy or dead kernel): telling is a courtesy, never a condition. A
        kernel still there is asked again (`attempts` in all: a page's notice, whose kernel has
        just started, may miss the first on a loaded machine; a kernel about to end gets one)."""
        for attempt in range(1, attempts + 1):
            try:
                await asyncio.wait_for(self.run_code(kernel_id, dashboard_call(call), timeout=timeout), timeout + 1)
                return True
            except Exception as exc:  # noqa: BLE001
                if kernel_id not in self._kernels or attempt == attempts:
                    self.log.warning("ips-nb: kernel %s not told (%s: %s)", kernel_id,
                                     type(exc).__name__, str(exc)[:200])
                    return False
                await asyncio.sleep(1)
        return False

    async def end(self, kernel_id: str, call: str, why: str) -> None:
        """End a page's kernel now, connected or not: its page is told first (`call`, see
        `dashboard_call`), then the kernel is shut down at once; `why` goes to the log."""
        if kernel_id not in self._kernels or kernel_id not in self._opened:
            return  # gone, or being ended already (the limit and the patrol may meet here)
        self.log.warning("ips-nb: ending kernel %s of %s: %s", kernel_id, self.owners.get(kernel_id), why)
        self._opened.pop(kernel_id, None)  # no longer counted, nor ended twice
        if await self.tell(kernel_id, call):
            await asyncio.sleep(0.3)  # the widgets' update on its way to the page before the socket closes
        if kernel_id in self._kernels:  # not ended meanwhile (the page closed)
            await self.shutdown_kernel(kernel_id, now=True)

    async def shutdown_kernel(self, kernel_id: str, *args: object, **kwargs: object) -> None:  # type: ignore[override]
        self.owners.pop(kernel_id, None)
        self.sites.pop(kernel_id, None)
        self._opened.pop(kernel_id, None)
        self._warm_ids.discard(kernel_id)
        self.prepared_at.pop(kernel_id, None)
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
        kernel = self._kernels.get(kernel_id)
        if kernel is None:
            # Ended since the culler listed the kernels (culling the one before it takes a moment, in
            # which a page may close): jupyter_server's own check would log a KeyError traceback.
            return None
        try:
            kernel.last_activity  # noqa: B018 - is it there yet?
        except Exception:  # noqa: BLE001 - traitlets' TraitError: no activity recorded yet
            # Still starting (a kernel replacing a stale preheated one, for instance): nothing to
            # cull yet, and jupyter_server's own check would log a KeyError traceback.
            return None
        if (self.connected_idle_timeout > 0 and kernel_id in self._opened
                and self._kernel_connections.get(kernel_id, 0) > 0
                and (utcnow() - kernel.last_activity).total_seconds() > self.connected_idle_timeout):
            await self.end(kernel_id, "closed('idle')", "connected but unused for "
                           f"more than {self.connected_idle_timeout} s")
            return None
        return await super().cull_kernel_if_idle(kernel_id)
