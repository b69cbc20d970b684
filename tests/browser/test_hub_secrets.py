"""Behind the real hub: the dashboards' kernels never see the hub's secrets, and the demo's password
login slows down after failed attempts, per user name and per address.

The hub (JupyterHub, configurable-http-proxy, the `ips` service) is started as in test_hub.py,
with a short first lock (LOCK seconds) and the loopback address as a trusted proxy, so that a
test can stand for other addresses with `X-Forwarded-For` (as a TLS proxy in front of the hub
would send it; docs/deployment.md).
"""
from __future__ import annotations

import http.cookiejar
import json
import re
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request

import psutil
import pytest
from browsing import free_port, stop_process
from conftest import DEMO_TODAY, need_system
from jupyter_client import BlockingKernelClient
from test_hub import ACCESS, DRAWN, PASSWORD, _kernels, _login, _proxy_installed, _tree

pytestmark = pytest.mark.system

LOCK = 15.0  # the first lock, seconds: long enough for a slow machine to see it, short to wait out
PER_USER, PER_ADDRESS = 5, 20  # ips_nb.live.login's defaults
KERNEL_OWN = {"JPY_PARENT_PID", "JPY_SESSION_NAME"}  # what jupyter_client tells the kernel it starts


@pytest.fixture(scope="module")
def hub(demo_db, params_dir, tmp_path_factory):
    """(base URL, hub process, log path) of a hub that trusts 127.0.0.1 as a proxy."""
    from ips_nb.live.hub import HubOptions, launch_hub, wait_until_up

    need_system("configurable-http-proxy (node_modules/, `make setup` runs npm ci)", _proxy_installed())
    tmp = tmp_path_factory.mktemp("hub-secrets")
    (tmp / "access.yaml").write_text(ACCESS, encoding="utf-8")
    options = HubOptions(port=free_port(), db=demo_db, params_dir=params_dir, access=str(tmp / "access.yaml"),
                         reports=str(tmp / "reports"), state_dir=str(tmp / "state"), warm_pool=1,
                         today=DEMO_TODAY, login_lock=LOCK, trusted_proxies=("127.0.0.1",))
    log = tmp / "hub.log"
    proc = launch_hub(options, password=PASSWORD, stdout=log.open("w"), stderr=subprocess.STDOUT)
    try:
        if not wait_until_up(options.url, proc, timeout=120):
            raise RuntimeError(f"the hub did not start:\n{log.read_text()}")
        yield options.url, proc, log
    finally:
        started = [p.pid for p in _tree(proc.pid)]
        stop_process(proc, 60)
        for pid in started:
            if psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                psutil.Process(pid).kill()


def _service(proc) -> psutil.Process:
    """The `ips` service (the Voila server) among the hub's children."""
    return next(p for p in _tree(proc.pid) if "ips_nb.live.voila_app" in " ".join(p.cmdline()))


def _kernel_environ(kernel: psutil.Process) -> dict[str, str]:
    """The kernel's os.environ as its code sees it now, asked through its connection file."""
    cmd = kernel.cmdline()
    client = BlockingKernelClient(connection_file=cmd[cmd.index("-f") + 1])
    client.load_connection_file()
    client.start_channels()
    out: list[str] = []
    try:
        client.wait_for_ready(timeout=60)
        client.execute_interactive("import json as _j, os as _o; print(_j.dumps(dict(_o.environ)))",
                                   store_history=False, timeout=60, output_hook=lambda m: out.append(
                                       m["content"].get("text", "")) if m["msg_type"] == "stream" else None)
    finally:
        client.stop_channels()
    return json.loads("".join(out))


def test_a_dashboard_kernel_never_sees_the_hubs_secrets(hub, browser):
    base, proc, log = hub
    token = _service(proc).environ()["JUPYTERHUB_API_TOKEN"]  # what the hub gave its service
    assert len(token) >= 16
    page, _, _ = _login(browser, base, "sup-odense")
    page.goto(f"{base}services/ips/odense/supervision")
    page.wait_for_selector(DRAWN, timeout=60_000)
    kernels = _kernels(proc)
    assert len(kernels) >= 2  # the page's, and the warm pool's refill (or the one warming)
    for kernel in kernels:
        for env in (kernel.environ(), _kernel_environ(kernel)):  # as started, and as the code sees it now
            assert [k for k in env if k.startswith(("JUPYTERHUB_", "JPY_")) and k not in KERNEL_OWN] == []
            assert not [k for k, v in env.items() if token in v], "the hub's API token"
            assert "IPS_NB_HUB_PASSWORD" not in env and PASSWORD not in "".join(env.values())
            assert env["IPS_NB_SERVE_DB_URL"]  # what the kernel does need: where the data is
    page.context.close()
    assert token not in log.read_text()  # nor in the log of the hub, its proxy and the service


class _Browserless:
    """The hub's login form without a browser, from an address: each login a fresh visitor
    (cookies of its own: the form's _xsrf, then the login's)."""

    def __init__(self, base: str, address: str | None = None, headers: dict | None = None) -> None:
        self.base = base
        self.headers = {**({"X-Forwarded-For": address} if address else {}), **(headers or {})}

    def _open(self, url: str, data: bytes | None = None) -> tuple[int, str]:
        req = urllib.request.Request(url, data=data, headers=self.headers)
        try:
            with self.opener.open(req, timeout=60) as resp:
                return resp.status, resp.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode(errors="replace")

    def login(self, user: str, password: str) -> tuple[int, str]:
        """(status, the form's error line or ""): 200 with "" is a login that worked."""
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        _, form = self._open(f"{self.base}hub/login")
        xsrf = re.search(r'name="_xsrf" value="([^"]+)"', form).group(1)
        body = urllib.parse.urlencode({"_xsrf": xsrf, "username": user, "password": password}).encode()
        status, page = self._open(f"{self.base}hub/login", body)
        error = re.search(r'<p class="login_error">\s*(.*?)\s*</p>', page, re.S)
        return status, error.group(1) if error else ""


def _wait_until_login(client: _Browserless, user: str, timeout: float) -> tuple[int, str]:
    """Try the right password until the lock has passed (no duration is asserted)."""
    end = time.monotonic() + timeout
    while True:
        status, error = client.login(user, PASSWORD)
        if status == 200 or time.monotonic() > end:
            return status, error
        time.sleep(1)


def test_a_user_name_is_locked_after_failed_logins(hub, browser):
    base, _, log = hub
    here = _Browserless(base)
    for _ in range(PER_USER):
        # the form in the hub's language (the region's: Danish, test_hub.py), its refusal too
        assert here.login("sup-aarhus", "wrong-password-1") == (403, "Forkert brugernavn eller adgangskode.")

    # the right password now is refused too, in words, in the browser as on the form
    page, _, _ = _login(browser, base, "sup-aarhus")
    assert "/hub/login" in page.url
    assert re.fullmatch(r"Der har været for mange mislykkede login\. Prøv igen om \d+ sekunder?\.",
                        page.locator(".login_error").inner_text().strip())
    page.context.close()
    status, error = _Browserless(base, "10.0.0.7").login("SUP-AARHUS", PASSWORD)  # any address, any case
    assert status == 429 and error.startswith("Der har været for mange mislykkede login.")
    assert "Login for 'sup-aarhus' from 10.0.0.7 refused" in log.read_text()

    # another user from the same address is not held up
    assert here.login("sup-odense", PASSWORD) == (200, "")

    # once the lock has passed the right password works, and a success starts the count afresh
    assert _wait_until_login(here, "sup-aarhus", timeout=LOCK * 4) == (200, "")
    assert here.login("sup-aarhus", "wrong-password-2")[0] == 403
    assert here.login("sup-aarhus", PASSWORD) == (200, "")


def test_an_address_is_locked_after_failed_logins_with_many_names(hub):
    base, _, _ = hub
    guesser = _Browserless(base, "10.0.0.5")
    for i in range(PER_ADDRESS):
        assert guesser.login(f"guess-{i}", "wrong-password-1")[0] == 403  # each name below its own limit
    status, error = guesser.login("sup-odense", PASSWORD)
    assert status == 429 and error.startswith("Der har været for mange mislykkede login.")
    # X-Real-Ip, which any client can send, does not get round it
    assert _Browserless(base, "10.0.0.5", {"X-Real-Ip": "10.9.9.9"}).login("sup-odense", PASSWORD)[0] == 429
    # the same user from another address logs in
    assert _Browserless(base, "10.0.0.6").login("sup-odense", PASSWORD) == (200, "")
