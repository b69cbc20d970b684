"""`ips-nb serve`'s token never reaches the server's log.

Voila's server logs every request that fails (tornado's request log: method, URI, address), so
each 404 or 403 with `?token=` printed the token; so would a traceback naming the request. The
server is started as `serve()` starts it (`launch` with a token), its stdout and stderr kept;
requests with the token in the query, the path and the Referer are answered, then everything the
server printed is searched for the token."""
from __future__ import annotations

import http.client
import secrets
import subprocess
import time
from pathlib import Path

import pytest

from browsing import free_port, stop_process
from conftest import DEMO_TODAY

pytestmark = pytest.mark.system


def _get(port: int, path: str, headers: dict | None = None) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.putrequest("GET", path, skip_host=True, skip_accept_encoding=True)
    for name, value in {"Host": f"127.0.0.1:{port}", **(headers or {})}.items():
        conn.putheader(name, value)
    conn.endheaders()
    status = conn.getresponse().status
    conn.close()
    return status


def _wait_until_up(port: int, proc: subprocess.Popen, log: Path, timeout: float = 90) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end and proc.poll() is None:
        try:
            _get(port, "/")
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"the server did not start:\n{log.read_text()}")


def test_the_token_is_never_in_the_servers_log(demo_db, params_dir, tmp_path):
    from ips_nb.live.serve import launch

    token = secrets.token_urlsafe(24)
    port, log = free_port(), tmp_path / "voila.log"
    proc = launch("aarhus", port, demo_db, params_dir, today=DEMO_TODAY, token=token, preheat=False,
                  stdout=log.open("w"), stderr=subprocess.STDOUT)
    try:
        _wait_until_up(port, proc, log)
        paths = [f"/nowhere?token={token}", f"/voila/render/other.ipynb?token={token}",
                 f"/voila/static/missing.js?token={token}",
                 f"/api/kernels/00000000-0000-0000-0000-000000000000?token={token}",
                 f"/voila/tree?a=1&token={token}&b=2", f"/nowhere/{token}?token={token}",
                 "/voila/render/supervision.ipynb?token=not-the-token", f"/?token={token}"]
        # 404 (no such page), 403 (a wrong token), 302 (the token becomes a cookie and leaves the
        # address; the page behind it is then refused or missing as the next request finds it)
        statuses = {path: _get(port, path) for path in paths}
        assert set(statuses.values()) == {302, 403, 404}, statuses
        assert _get(port, f"/?token={token}", {"Host": "evil.example.com"}) == 403  # the Host check
        assert _get(port, "/nowhere", {"Referer": f"http://127.0.0.1:{port}/?token={token}"}) == 404
    finally:
        stop_process(proc, 30)
    printed = log.read_text()
    assert "404 GET /nowhere" in printed  # the failures are logged: only without the token
    assert token not in printed, [line for line in printed.splitlines() if token in line]
