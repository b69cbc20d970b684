"""The demo hub's password login, slowed down after failed attempts (per user name and per address).

`ips-nb hub` logs people in with JupyterHub's SharedPasswordAuthenticator: one password from
$IPS_NB_HUB_PASSWORD. JupyterHub itself does not limit failed logins (a region's LDAP or OAuth
login is limited by its directory or identity provider, docs/deployment.md), so a guesser could
try passwords as fast as the hub answers. `ThrottledSharedPasswordAuthenticator` counts failures:

- per user name (as the hub normalises it), and per client address, each counted separately;
- after `failures_per_user` failures for a name (`failures_per_address` from an address: more,
  as an office shares one address), every further attempt for that name (from that address) is
  refused, the right password too, for `lock_seconds`; each failure after a lock doubles it, up
  to `max_lock_seconds`. The login form says in words how long to wait (HTTP 429);
- a successful login resets its name's count; a count is forgotten `forget_seconds` after its
  last failure.

Nothing is stored: the counts live in the hub's memory and are gone when it restarts.

The address is the client's as configurable-http-proxy saw it: the proxy appends the address of
whoever connected to it to `X-Forwarded-For`, and we read that list from the right, skipping
the hub's `trusted_downstream_ips` (a TLS proxy in front of the hub). `X-Real-Ip`, which tornado
would otherwise believe although any client can send it, plays no part.
"""
from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from jupyterhub.authenticators.shared import SharedPasswordAuthenticator
from tornado import web
from traitlets import Float, Integer

from ips_nb.live.wording import live_labels

MAX_KEYS = 10_000  # names and addresses remembered at once: a flood of made-up names cannot fill memory
HUB_LANG = "en"  # the form's messages without ips_nb.live.hub's templates (a region's own setup)


@dataclass
class _Count:
    failures: int = 0
    locked_until: float = 0.0
    last: float = 0.0


class Throttle:
    """Failed attempts per key: after `allowed` in a row, each further failure locks the key for
    `lock` seconds, doubling up to `max_lock`; a key's count is forgotten `forget` seconds after
    its last failure."""

    def __init__(self, allowed: int, lock: float, max_lock: float, forget: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.allowed, self.lock, self.max_lock, self.forget, self.clock = allowed, lock, max_lock, forget, clock
        self._counts: dict[str, _Count] = {}

    def wait(self, key: str) -> float:
        """Seconds until `key` may try again (0: now)."""
        count = self._counts.get(key)
        return max(0.0, count.locked_until - self.clock()) if count else 0.0

    def failed(self, key: str) -> None:
        now = self.clock()
        count = self._counts.get(key)
        if count is None or now - count.last > self.forget:
            if len(self._counts) >= MAX_KEYS:
                self._prune(now)
            count = self._counts[key] = _Count()
        count.failures += 1
        count.last = now
        beyond = count.failures - self.allowed
        if beyond >= 0:
            count.locked_until = now + min(self.max_lock, self.lock * 2 ** min(beyond, 32))

    def succeeded(self, key: str) -> None:
        self._counts.pop(key, None)

    def _prune(self, now: float) -> None:
        for key in [k for k, c in self._counts.items() if now - c.last > self.forget and c.locked_until <= now]:
            del self._counts[key]
        if len(self._counts) >= MAX_KEYS:  # still full: forget the oldest half
            for key in sorted(self._counts, key=lambda k: self._counts[k].last)[:MAX_KEYS // 2]:
                del self._counts[key]


def client_address(request: object, trusted: list[str] | tuple[str, ...] | set[str]) -> str:
    """The address the proxy saw the login come from: `X-Forwarded-For` read from the right,
    skipping trusted proxies. Without the header (a request that did not pass the proxy: the hub
    listens on loopback only, so one from this machine) tornado's `remote_ip`."""
    forwarded = [a.strip() for a in (request.headers.get("X-Forwarded-For") or "").split(",") if a.strip()]  # type: ignore[attr-defined]
    for address in reversed(forwarded):
        if address not in trusted:
            return address
    return forwarded[0] if forwarded else str(request.remote_ip)  # type: ignore[attr-defined]


def wait_message(seconds: float, lang: str = HUB_LANG) -> str:
    """'Too many failed logins. Try again in 30 seconds.' – in minutes from 90 seconds on."""
    L = live_labels(lang)
    if seconds < 90:
        return L.count("login_locked_seconds", max(1, math.ceil(seconds)))
    return L.count("login_locked_minutes", math.ceil(seconds / 60))


class ThrottledSharedPasswordAuthenticator(SharedPasswordAuthenticator):
    """JupyterHub's shared-password login with failed attempts throttled per name and per address."""

    failures_per_user = Integer(5, config=True, help="Failed logins for one user name before it is locked.")
    failures_per_address = Integer(20, config=True, help="Failed logins from one address before it is locked.")
    lock_seconds = Float(30.0, config=True, help="The first lock; each further failure doubles it.")
    max_lock_seconds = Float(900.0, config=True, help="The longest lock.")
    forget_seconds = Float(3600.0, config=True, help="A count is forgotten this long after its last failure.")

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.users = Throttle(self.failures_per_user, self.lock_seconds, self.max_lock_seconds, self.forget_seconds)
        self.addresses = Throttle(self.failures_per_address, self.lock_seconds, self.max_lock_seconds,
                                  self.forget_seconds)

    def _lang(self) -> str:
        """The language of the login form the message is shown on: the hub's (the templates' `ips`,
        ips_nb.live.hub.hub_words, asked for no user, as the form is drawn)."""
        words = (getattr(self.parent, "template_vars", None) or {}).get("ips")
        return getattr(words(None), "lang", HUB_LANG) if callable(words) else HUB_LANG

    def _trusted(self) -> list[str]:
        return list(getattr(self.parent, "trusted_downstream_ips", None) or [])

    async def authenticate(self, handler, data: dict) -> dict | None:  # noqa: ANN001 - JupyterHub's handler
        name = self.normalize_username(str(data.get("username", "")))
        address = client_address(handler.request, self._trusted())
        wait = max(self.users.wait(name), self.addresses.wait(address))
        if wait > 0:
            # refused without looking at the password: a lock that a right guess could pass would tell
            self.log.warning("Login for %r from %s refused: locked for %.0f s after failed logins",
                             name[:32], address, wait)
            raise web.HTTPError(429, wait_message(wait, self._lang()).replace("%", "%%"))
        result = await super().authenticate(handler, data)
        if result is None:
            self.users.failed(name)
            self.addresses.failed(address)
        else:
            self.users.succeeded(name)
        return result
