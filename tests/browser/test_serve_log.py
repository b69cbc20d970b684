"""`ips-nb serve`'s log: the token never reaches it, a start and a culled page leave no traceback
and no warning that says nothing, and the addresses are printed only once the server listens.

Voila's server logs every request that fails (tornado's request log: method, URI, address), so
each 404 or 403 with `?token=` printed the token; so would a traceback naming the request. The
server is started as `serve()` starts it (`launch` with a token), its stdout and stderr kept;
requests with the token in the query, the path and the Referer are answered, then everything the
server printed is searched for the token."""
from __future__ import annotations

import http.client
import os
import secrets
import socket
import subprocess
import time
from pathlib import Path

import pytest
from browsing import free_port, open_guarded, stop_process
from conftest import DEMO_TODAY, ROOT

IPS_NB = str(ROOT / ".venv" / "bin" / "ips-nb")

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


def test_a_culled_page_and_a_start_leave_no_traceback_and_no_noise(demo_db, params_dir, tmp_path, browser):
    """A page that vanishes without a word (its closing call never arrives) is culled; the log of
    the start, the page and the culling has no traceback and none of the warnings every start
    printed (an untrusted notebook, kernels over TCP, the websocket ping timeout)."""
    from ips_nb.live.serve import launch

    port, log = free_port(), tmp_path / "voila.log"
    proc = launch("aarhus", port, demo_db, params_dir, today=DEMO_TODAY, voila={"cull_idle": 6, "cull_interval": 1},
                  stdout=log.open("w"), stderr=subprocess.STDOUT)
    try:
        _wait_until_up(port, proc, log)
        page, _, _ = open_guarded(browser, f"http://127.0.0.1:{port}/voila/render/supervision.ipynb",
                                  f"http://127.0.0.1:{port}/")
        page.route("**/voila/api/shutdown/**", lambda route: route.abort())  # it vanishes, unannounced
        page.wait_for_selector(".js-plotly-plot .main-svg", timeout=120_000)
        page.close()
        end = time.monotonic() + 60
        while "Culling 'idle' kernel" not in log.read_text() and time.monotonic() < end:
            time.sleep(0.5)
    finally:
        stop_process(proc, 30)
    printed = log.read_text()
    assert "Culling 'idle' kernel" in printed
    assert "Traceback" not in printed and "KeyError" not in printed
    for noise in ("is not trusted", "without encryption", "websocket_ping_timeout"):
        assert noise not in printed, noise
    warnings = [line for line in printed.splitlines() if "WARNING" in line and "Culling" not in line]
    assert warnings == []


def test_serve_prints_its_addresses_only_once_it_listens(demo_db, tmp_path):
    port = free_port()
    proc = subprocess.Popen([IPS_NB, "serve", "--site", "aarhus", "--port", str(port), "--db", demo_db],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=ROOT)
    try:
        first = proc.stdout.readline()
        assert first.startswith(f"Dashboards: http://127.0.0.1:{port}/?token="), first
        with socket.create_connection(("127.0.0.1", port), timeout=2):  # listening as it was printed
            pass
        rest = [proc.stdout.readline().strip() for _ in range(3)]  # in Aarhus's language, Danish
        assert rest[0].startswith("Supervisionspakke: http://127.0.0.1:"), rest
        assert rest[1].startswith("Dagsorden til behandlingskonference: http://127.0.0.1:"), rest
        assert rest[2] == "Stop med Ctrl-C.", rest
    finally:
        stop_process(proc, 30)


def test_serve_on_a_taken_port_is_one_sentence_naming_port_and_no_address(demo_db):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run([IPS_NB, "serve", "--port", str(port), "--db", demo_db], capture_output=True,
                              text=True, cwd=ROOT, env={**os.environ, "LANG": "da_DK.UTF-8", "LC_ALL": ""},
                              timeout=120)
    assert done.returncode == 2
    assert done.stdout == "" and "http" not in done.stderr and "Traceback" not in done.stderr
    (line,) = done.stderr.splitlines()
    assert line.startswith(f"ips-nb: Port {port} er allerede i brug") and "--port" in line
    assert "make serve PORT=" in line
