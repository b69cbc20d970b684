"""The checks every request to the dashboard server passes first: Host and Origin.

- **Host allow-list** (standalone `ips-nb serve`): a web page elsewhere can point a name it owns
  at 127.0.0.1 (DNS rebinding) and then read the dashboards as if it were this machine; its
  requests carry that name in `Host`, so only loopback names and addresses, and the names given
  with `--allow-host`, are answered.
- **Origin check** (always): a browser says which page sent a request in `Origin` (websockets,
  POSTs, cross-site fetches). One from another origin than the server's own is refused, so a page
  elsewhere cannot open a kernel's websocket with the visitor's cookie.

A refused request answers 403 before any handler's own code runs (`guarded` wraps every handler).
"""
from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlparse

from tornado import web

LOOPBACK_NAMES = ("localhost",)
_HOST = re.compile(r"^(\[[0-9a-f:.]+\]|[^:\[\]]*)(?::(\d{1,5}))?$")


def host_name(host_header: str | None) -> str | None:
    """The name part of a Host header (no port, IPv6 brackets removed), lower case; None if malformed."""
    if not host_header:
        return None
    m = _HOST.match(host_header.strip().lower())
    if not m or not m.group(1):
        return None
    return m.group(1).strip("[]").rstrip(".")


def host_allowed(host_header: str | None, extra: tuple[str, ...] | list[str] = ()) -> bool:
    """Loopback addresses, `localhost` and the `extra` names (e.g. `--allow-host`) are allowed."""
    name = host_name(host_header)
    if not name:
        return False
    try:
        return ipaddress.ip_address(name).is_loopback or name in {e.lower().rstrip(".") for e in extra}
    except ValueError:
        return name in LOOPBACK_NAMES or name in {e.lower().rstrip(".") for e in extra}


def origin_allowed(origin: str | None, host_header: str | None) -> bool:
    """No Origin (not a browser's cross-origin request), or the server's own (scheme://Host)."""
    if origin is None:
        return True
    netloc = urlparse(origin.strip().lower()).netloc
    if not netloc or not host_header:
        return False
    return netloc == host_header.strip().lower()


def refusal(request, allowed_hosts: tuple[str, ...] | list[str] | None) -> str | None:
    """Why `request` is refused, or None. `allowed_hosts` None: no Host check (behind the hub,
    where the hub's own name is whatever the region gives it and the login cookie is bound to it)."""
    host = request.headers.get("Host")
    if allowed_hosts is not None and not host_allowed(host, allowed_hosts):
        return f"host {host!r} is not allowed (ips-nb serve --allow-host NAME to add one)"
    origin = request.headers.get("Origin") or request.headers.get("Sec-Websocket-Origin")
    if not origin_allowed(origin, host):
        return f"origin {origin!r} is not this server's"
    return None


class HostOriginGuard:
    """Mixed in front of a handler class: Host and Origin are checked before its own `prepare`."""

    def prepare(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN201 - tornado's hook
        why = refusal(self.request, self.settings.get("ips_allowed_hosts"))  # type: ignore[attr-defined]
        if why:
            self._ips_refused = why
            raise web.HTTPError(403, why)
        return super().prepare(*args, **kwargs)  # type: ignore[misc]

    def write_error(self, status_code: int, **kwargs) -> None:  # noqa: ANN003
        if getattr(self, "_ips_refused", None):
            self.set_header("Content-Type", "text/plain; charset=utf-8")  # type: ignore[attr-defined]
            self.finish(f"{status_code}: refused\n")  # type: ignore[attr-defined]
            return
        try:
            super().write_error(status_code, **kwargs)  # type: ignore[misc]
        except Exception:  # noqa: BLE001
            # jupyter_server's error page for a kernel's API or websocket (a 403 to someone else's
            # kernel) needs its templates and static files, which Voila's server has not: it raised,
            # and tornado logged "Uncaught exception in write_error" with two tracebacks. The
            # refusal was logged already; the answer is its status in one line.
            if not self._finished:  # type: ignore[attr-defined]
                self.clear()  # type: ignore[attr-defined]
                self.set_status(status_code)  # type: ignore[attr-defined]
                self.set_header("Content-Type", "text/plain; charset=utf-8")  # type: ignore[attr-defined]
                self.finish(f"{status_code}: {self._reason}\n")  # type: ignore[attr-defined]


_GUARDED: dict[type, type] = {}


def guarded(cls: type) -> type:
    """`cls` with HostOriginGuard in front (one subclass per class)."""
    if issubclass(cls, HostOriginGuard):
        return cls
    if cls not in _GUARDED:
        _GUARDED[cls] = type(cls.__name__, (HostOriginGuard, cls), {"__module__": cls.__module__})
    return _GUARDED[cls]
