"""Standalone `ips-nb serve` is safe by default: a token in the printed address, loopback Host
names only (DNS rebinding), a browser's Origin must be the server's own (websockets included).

The server is started as the command starts it (`ips_nb.live.serve.serve`, which prints the
addresses), in its own process, pinned to Aarhus on the demo's anchor day.
"""
from __future__ import annotations

import http.client
import re
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from browsing import free_port, open_guarded, stop_process, websocket_status
from conftest import DEMO_TODAY, ROOT

pytestmark = pytest.mark.system

DRAWN = ".js-plotly-plot .main-svg"
ALIAS = "dashboards.example"  # an --allow-host name (e.g. a reverse proxy's)


def _start(db: str, params_dir: str, log: Path, **options) -> tuple[subprocess.Popen, int]:
    port = free_port()
    code = ("import sys; from datetime import date; from ips_nb.live.serve import serve; "
            f"sys.exit(serve('aarhus', {port}, {db!r}, {params_dir!r}, today=date.fromisoformat({DEMO_TODAY.isoformat()!r}), "
            f"**{options!r}))")
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=log.open("w"), stderr=subprocess.STDOUT)
    return proc, port


def _ADDRESS_OF(url: str) -> str:  # noqa: N802 - reads as the table it stands for
    """Which printed address `url` is: a dashboard's by its notebook, else the chooser's."""
    if "/supervision.ipynb" in url:
        return "Supervision pack"
    return "Conference agenda" if "/agenda.ipynb" in url else "Dashboards"


def _printed(log: Path, proc: subprocess.Popen, timeout: float = 60) -> dict[str, str]:
    """The addresses the command printed, once the server answers them."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        text = log.read_text()
        # the lines are in the site's language (Aarhus: Danish): each address known by its page
        urls = {_ADDRESS_OF(u): u for u in re.findall(r"^[^:\n]+: (http://\S+)$", text, re.M)}
        if len(urls) == 3:
            host, port = re.match(r"http://([^:/]+):(\d+)", urls["Dashboards"]).groups()
            try:
                if _request(int(port), "/")[0] in (200, 403):
                    return urls
            except OSError:
                pass
        if proc.poll() is not None:
            raise RuntimeError(f"the server stopped:\n{text}")
        time.sleep(0.3)
    raise RuntimeError(f"the server did not start:\n{log.read_text()}")


def _stop(proc: subprocess.Popen) -> None:
    children = psutil.Process(proc.pid).children(recursive=True)
    stop_process(proc, 30)
    gone, alive = psutil.wait_procs(children, timeout=20)
    for p in alive:
        p.kill()
    assert not alive, f"left behind: {[p.cmdline()[:3] for p in alive]}"


def _request(port: int, path: str, headers: dict | None = None) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.putrequest("GET", path, skip_host=True, skip_accept_encoding=True)
    conn.putheader("Host", (headers or {}).pop("Host", f"127.0.0.1:{port}"))
    for name, value in (headers or {}).items():
        conn.putheader(name, value)
    conn.endheaders()
    resp = conn.getresponse()
    body = resp.read()
    conn.close()
    return resp.status, body


def _ws_status(url: str, headers: dict) -> int:
    return websocket_status(url, headers)


@pytest.fixture(scope="module")
def server(demo_db, params_dir, tmp_path_factory):
    """`ips-nb serve --site aarhus --allow-host dashboards.example`, as a person starts it."""
    log = tmp_path_factory.mktemp("secure") / "serve.log"
    proc, port = _start(demo_db, params_dir, log, allow_hosts=[ALIAS])
    try:
        urls = _printed(log, proc)
        yield port, urls, proc, log
    finally:
        _stop(proc)


def _token(urls: dict[str, str]) -> str:
    return re.search(r"[?&]token=([\w-]+)", urls["Supervision pack"]).group(1)


def test_the_printed_address_carries_a_token_and_draws_the_chart(server, browser):
    port, urls, _, _ = server
    assert all(re.search(r"\?token=[\w-]{20,}$", u) for u in urls.values()), urls
    assert urls["Supervision pack"].startswith(f"http://127.0.0.1:{port}/voila/render/supervision.ipynb?token=")
    page, left, errors = open_guarded(browser, urls["Supervision pack"], allowed="http://127.0.0.1:")
    page.wait_for_selector(DRAWN, timeout=60_000)
    assert "IPS Aarhus" in page.title()
    assert "token" not in page.url  # out of the address bar, history and Referer once it is a cookie
    page.locator(".ips-user").wait_for(timeout=30_000)  # the operating-system user, from the server
    assert not left and not errors, (left, errors)
    # the token became a cookie: the page's links work without it in the address
    assert page.goto(f"http://127.0.0.1:{port}/voila/render/agenda.ipynb").status == 200
    page.wait_for_selector(".ips-section", timeout=60_000)
    page.close()


@pytest.mark.parametrize("path", ["/", "/voila/render/supervision.ipynb", "/voila/render/agenda.ipynb",
                                  "/api/kernels/00000000-0000-0000-0000-000000000000"])
def test_no_token_no_page(server, path):
    port, urls, _, _ = server
    status, body = _request(port, path)
    assert status == 403, (path, status)
    assert b"language:" not in body and b"IPS Aarhus" not in body
    assert _request(port, path + "?token=wrong-token-000000000000")[0] == 403


@pytest.mark.parametrize("host", ["evil.example.com", "evil.example.com:{port}", "127.0.0.1.evil.example.com",
                                  "localhost.evil.example.com:{port}", "", "[::2]:{port}"])
def test_a_foreign_host_is_refused_even_with_the_token(server, host):
    port, urls, _, _ = server
    token = _token(urls)
    for path in (f"/?token={token}", f"/voila/render/supervision.ipynb?token={token}", "/voila/static/voila.js"):
        status, body = _request(port, path, {"Host": host.format(port=port)})
        assert status == 403, (host, path, status)
        assert b"IPS Aarhus" not in body


def test_loopback_names_and_the_allowed_host_are_answered(server):
    port, urls, _, _ = server
    token = _token(urls)
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}", f"{ALIAS}:{port}", ALIAS.upper()):
        # answered: the token sets the login cookie and is taken out of the address
        assert _request(port, f"/?token={token}", {"Host": host})[0] == 302, host


def test_a_foreign_origin_cannot_open_a_kernel_websocket(server, browser):
    """The rebinding attack's last step: a page elsewhere opening the kernel's websocket with the
    visitor's cookie to read its widgets. Same cookie, own Origin: open; foreign Origin: 403."""
    port, urls, _, _ = server
    page, _, _ = open_guarded(browser, urls["Supervision pack"], allowed="http://127.0.0.1:")
    page.wait_for_selector(DRAWN, timeout=60_000)
    import json

    kernel = json.loads(page.locator("#jupyter-config-data").text_content())["kernelId"]
    cookie = "; ".join(f"{c['name']}={c['value']}" for c in page.context.cookies())
    ws = f"ws://127.0.0.1:{port}/api/kernels/{kernel}/channels"
    own = f"http://127.0.0.1:{port}"
    assert _ws_status(ws, {"Cookie": cookie, "Origin": own}) == 101
    assert _ws_status(ws, {"Cookie": cookie, "Origin": "http://evil.example.com"}) == 403
    assert _ws_status(ws, {"Cookie": cookie, "Origin": "null"}) == 403
    assert _ws_status(ws, {"Cookie": cookie, "Origin": f"http://evil.example.com:{port}",
                           "Host": f"evil.example.com:{port}"}) == 403
    assert _ws_status(ws, {"Origin": own}) == 403  # no cookie, no token
    page.close()


def test_the_token_stays_out_of_the_command_line_and_the_kernels(server):
    port, urls, proc, _ = server
    token = _token(urls)
    found = 0
    for p in psutil.Process(proc.pid).children(recursive=True):
        assert token not in " ".join(p.cmdline())
        if "ipykernel_launcher" in " ".join(p.cmdline()):
            found += 1
            env = p.environ()
            assert "IPS_NB_SERVE_TOKEN" not in env and token not in "".join(env.values())
            assert env.get("IPS_NB_SERVE_USER")  # the operating-system user: the kernel's Settings.user
    assert found, "no kernel seen (the preheated pool)"


def test_no_token_only_when_asked_for(demo_db, params_dir, tmp_path):
    log = tmp_path / "serve.log"
    proc, port = _start(demo_db, params_dir, log, token=False)
    try:
        urls = _printed(log, proc)
        assert "token=" not in log.read_text()
        assert "Intet token (--no-token)" in log.read_text()  # Aarhus: Danish
        assert _request(port, "/")[0] == 200
        assert _request(port, "/", {"Host": "evil.example.com"})[0] == 403  # the Host check stays
        assert urls["Dashboards"] == f"http://127.0.0.1:{port}/"
    finally:
        _stop(proc)


def test_the_command_line_has_the_options():
    from ips_nb.cli import build_parser

    args = build_parser().parse_args(["serve", "--no-token", "--allow-host", "a.example", "--allow-host", "b"])
    assert args.no_token and args.allow_host == ["a.example", "b"]
    assert build_parser().parse_args(["serve"]).no_token is False
