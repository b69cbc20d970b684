"""Access lost is access gone, behind the hub: open pages of a user who may no longer see their
site are ended, and a conference save asks first.

Who may see a site is decided twice over: `params/access.yaml` (ips_nb.live.access) and the hub
(the user exists, is logged in, is in the groups the file names). A page checked both when it
opened; without more, it kept its kernel, and kept writing, for as long as it stayed open.

- **The patrol** (`AccessPatrol.check`, every `IpsVoila.access_check_interval` seconds, 3 by
  default): for every page kernel, its owner and its site, the rules of access.yaml as they are
  now (the file is read again when it changed) and the user as the hub knows them now: the
  user's own OAuth token (the one their browser's cookie carried when the page opened) is asked
  of the hub without a cache. The hub answers no user once that token is gone: the user
  deleted, logged out (the hub revokes the session's tokens), or the token expired; it answers
  their groups as they are now (an admin's or the authenticator's change). A kernel whose
  owner may no longer see its site is ended, page connected or not, and its page says why.
  So a change anywhere is seen within one interval plus the time to end a kernel (~3-6 s).
- **The save check** (`may_write`, asked by the kernel right before each conference write
  through `WriteCheckHandler`): the same question, asked at that moment. The kernel proves
  which kernel it is with a key the server put in its environment when it started (a page
  sends widget messages, never code, so it cannot read the key); an unknown key, an ended
  kernel, a user the hub no longer knows or a hub that does not answer: refused.

A hub that cannot be reached ends no page (a hub restart would otherwise end every page); it
refuses saves until it answers again.
"""
from __future__ import annotations

import asyncio
import hmac
import json
import logging
import secrets
from dataclasses import dataclass

import tornado.web
from tornado.ioloop import PeriodicCallback

KEY_HEADER = "X-Ips-Kernel-Key"
CHECK_PATH = "ips-kernel/may-write"  # under the service's base URL


@dataclass
class PageGrant:
    """What a page was let in with: the user's hub token (to ask the hub again) and the kernel's key."""

    token: str
    session_id: str
    key: str


class AccessPatrol:
    """Ends page kernels whose owner lost their site; answers a kernel's "may I still write?"."""

    def __init__(self, kernels, access, hub_auth, interval: float = 3.0,  # noqa: ANN001
                 log: logging.Logger | None = None) -> None:
        self.kernels, self.access, self.hub_auth = kernels, access, hub_auth
        self.interval = interval
        self.log = log or logging.getLogger("ips_nb.live.revocation")
        self.grants: dict[str, PageGrant] = {}  # kernel id -> its page's grant
        self._pending: dict[str, PageGrant] = {}  # key -> grant, until its kernel has an id
        self._timer: PeriodicCallback | None = None
        self._running = False

    # -- pages opening -------------------------------------------------------------------------
    def new_key(self, token: str, session_id: str) -> str:
        """A key for the kernel a page is about to start (it goes into that kernel's environment)."""
        key = secrets.token_urlsafe(32)
        self._pending[key] = PageGrant(token=token, session_id=session_id, key=key)
        return key

    def started(self, key: str, kernel_id: str) -> None:
        grant = self._pending.pop(key, None)
        if grant is not None:
            self.grants[kernel_id] = grant

    def forget(self, key: str) -> None:
        """The page's kernel did not start: its key opens nothing."""
        self._pending.pop(key, None)

    def kernel_for_key(self, key: str) -> str | None:
        found = None
        for kernel_id, grant in list(self.grants.items()):
            if hmac.compare_digest(grant.key.encode(), key.encode()):
                found = kernel_id
        return found

    # -- the question --------------------------------------------------------------------------
    async def _hub_groups(self, grant: PageGrant, owner: str) -> set[str] | None:
        """The owner's groups as the hub knows them now; None when the hub no longer knows them
        by this token (deleted, logged out, expired). Raises when the hub cannot be asked."""
        model = await self.hub_auth.user_for_token(grant.token, use_cache=False,
                                                   session_id=grant.session_id, sync=False)
        if not model or model.get("name") != owner:
            return None
        return set(model.get("groups") or [])

    async def still_allowed(self, kernel_id: str) -> bool:
        """May the owner of this page kernel still see (and so record the conference of) its
        site? Raises when the hub cannot be asked."""
        owner, site = self.kernels.owner(kernel_id), self.kernels.sites.get(kernel_id)
        grant = self.grants.get(kernel_id)
        if not owner or not site or grant is None or kernel_id not in self.kernels:
            return False
        groups = await self._hub_groups(grant, owner)
        return groups is not None and self.access.current().may_see(owner, groups, site)

    async def may_write(self, key: str) -> bool:
        kernel_id = self.kernel_for_key(key) if key else None
        if kernel_id is None:
            return False
        try:
            return await self.still_allowed(kernel_id)
        except Exception as exc:  # noqa: BLE001 - the hub did not answer: no save
            self.log.warning("ips-nb: save refused, the hub could not be asked: %s", exc)
            return False

    # -- the patrol ----------------------------------------------------------------------------
    async def check(self) -> list[str]:
        """One round: end every page kernel whose owner lost its site; the ids ended."""
        ended = []
        open_pages = set(self.kernels.page_kernels())
        for kernel_id in list(self.grants):
            if kernel_id not in open_pages:  # closed, or being ended for another reason
                self.grants.pop(kernel_id, None)
                continue
            try:
                allowed = await self.still_allowed(kernel_id)
            except Exception as exc:  # noqa: BLE001 - hub down: no page ended for that
                self.log.warning("ips-nb: access of kernel %s not checked: %s", kernel_id, exc)
                continue
            if not allowed:
                self.grants.pop(kernel_id, None)
                ended.append(kernel_id)
                await self.kernels.end(kernel_id, "closed('revoked')",
                                       f"may no longer see {self.kernels.sites.get(kernel_id)}")
        return ended

    async def _round(self) -> None:
        if self._running:  # a slow hub: rounds do not pile up
            return
        self._running = True
        try:
            await self.check()
        except Exception:  # noqa: BLE001 - the next round tries again
            self.log.exception("ips-nb: access check failed")
        finally:
            self._running = False

    def start(self) -> None:
        self._timer = PeriodicCallback(lambda: asyncio.ensure_future(self._round()), self.interval * 1000)
        self._timer.start()

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.stop()


class WriteCheckHandler(tornado.web.RequestHandler):
    """GET <base>/ips-kernel/may-write with the kernel's key in a header: {"may_write": bool}.

    Not behind the hub's login: the caller is a kernel, identified by its key alone (a GET, and
    no cookie is read, so no browser can make it answer for someone)."""

    async def get(self) -> None:
        patrol: AccessPatrol = self.settings["ips_patrol"]
        allowed = await patrol.may_write(self.request.headers.get(KEY_HEADER, ""))
        self.set_header("Content-Type", "application/json")
        self.set_header("Cache-Control", "no-store")
        self.finish(json.dumps({"may_write": allowed}))
