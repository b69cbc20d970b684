"""`ips-nb hub` for real: JupyterHub, configurable-http-proxy and the dashboard service on free
loopback ports, people logging in through headless Chromium.

One hub for the module (its state in a temporary folder), torn down with every process it started.
Who may see what comes from a test access.yaml: sup-aarhus and the group team-aarhus (beh-aarhus)
see Aarhus, sup-odense Odense, sup-malmo Malmö, the coordinator everything, guest is admitted but sees nothing.
"""
from __future__ import annotations

import contextlib
import json
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import psutil
import pytest
from browsing import free_port, stop_process, websocket_status
from conftest import DEMO_TODAY, ROOT, need_system

pytestmark = pytest.mark.system

PASSWORD = "test-hub-password-42"
WARM_POOL = 1
CULL_IDLE = 8
ACCESS = """\
sites:
  aarhus: [sup-aarhus, "@team-aarhus"]
  odense: [sup-odense]
  malmo: [sup-malmo]
coordinators: [coordinator]
groups:
  team-aarhus: [beh-aarhus]
  visitors: [guest]
"""
DRAWN = ".js-plotly-plot .main-svg"


def _proxy_installed() -> bool:
    from ips_nb.live.hub import HubError, proxy_command

    try:
        return bool(proxy_command())
    except HubError:
        return False


@pytest.fixture(scope="module")
def hub(demo_db, params_dir, tmp_path_factory):
    """The hub on a free port; yields (base URL, process, log path)."""
    from ips_nb.live.hub import HubOptions

    need_system("configurable-http-proxy (node_modules/, `make setup` runs npm ci)", _proxy_installed())
    tmp = tmp_path_factory.mktemp("hub")
    (tmp / "access.yaml").write_text(ACCESS, encoding="utf-8")
    reports = tmp / "reports"
    (reports / "overview").mkdir(parents=True)
    (reports / "index.html").write_text("<!DOCTYPE html><title>every report</title><p>runs</p>", encoding="utf-8")
    (reports / "overview" / "2026-10.html").write_text("<!DOCTYPE html><title>overview</title>", encoding="utf-8")
    options = HubOptions(port=free_port(), db=demo_db, params_dir=params_dir, access=str(tmp / "access.yaml"),
                         reports=str(reports), state_dir=str(tmp / "state"), warm_pool=WARM_POOL,
                         cull_idle=CULL_IDLE, cull_interval=2, today=DEMO_TODAY)
    log = tmp / "hub.log"
    with running_hub(options, log) as proc:
        yield options.url, proc, log


@contextlib.contextmanager
def running_hub(options, log, proc=None):
    """The hub `options` describe, started as `ips-nb hub` starts it (or `proc`, a hub started from
    a region's own config file, on `options.url`): its process once it answers.
    Afterwards it is stopped with every process it started (one that outlived it fails the test)."""
    from ips_nb.live.hub import launch_hub, wait_until_up

    own = proc is None  # a region's own hub listens for its API where its config says, not options'
    proc = proc or launch_hub(options, password=PASSWORD, stdout=log.open("w"), stderr=subprocess.STDOUT)
    started: set[int] = set()
    try:
        if not wait_until_up(options.url, proc, timeout=120, api_url=options.api_url if own else None):
            raise RuntimeError(f"the hub did not start:\n{log.read_text()}")
        yield proc
    finally:
        started |= {p.pid for p in _tree(proc.pid)}
        stop_process(proc, 60)
        left = [p for p in (psutil.Process(pid) for pid in started if psutil.pid_exists(pid))
                if p.status() != psutil.STATUS_ZOMBIE]
        for p in left:
            p.kill()
        assert not left, f"processes outlived the hub: {[p.cmdline()[:3] for p in left]}"


def _tree(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def _kernels(proc) -> list[psutil.Process]:
    """The dashboard kernels running under the hub's service right now."""
    def running_kernel(p: psutil.Process) -> bool:
        try:
            return p.status() != psutil.STATUS_ZOMBIE and "ipykernel_launcher" in " ".join(p.cmdline())
        except psutil.Error:  # ended meanwhile
            return False

    return [p for p in _tree(proc.pid) if running_kernel(p)]


def _wait_kernels_at_most(proc, n: int, timeout: float) -> int:
    end = time.monotonic() + timeout
    while True:
        count = len(_kernels(proc))
        if count <= n or time.monotonic() > end:
            return count
        time.sleep(0.5)


def _login(browser, base: str, user: str, password: str = PASSWORD):
    """A fresh browser context logged in as `user`: (page, requests that left, console errors)."""
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    context.set_default_navigation_timeout(90_000)  # a dashboard page arrives once its notebook ran
    page, left, errors = _open_in(context, base)
    page.wait_for_selector("input[name=username]")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", password)
    page.click("#login_submit")
    page.wait_for_load_state()
    return page, left, errors


def _open_in(context, url: str):
    """open_guarded in a context of its own (its cookies are one person's): nothing may leave 127.0.0.1."""
    page = context.new_page()
    left, errors = [], []
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("http://127.0.0.1:")
               else (left.append(route.request.url), route.abort()))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url)
    return page, left, errors


def _links(page) -> list[str]:
    return page.locator("a").evaluate_all("els => els.map(e => new URL(e.href).pathname)")


def _kernel_id(page) -> str:
    return json.loads(page.locator("#jupyter-config-data").text_content())["kernelId"]


def _ws_from_page(page, url: str) -> str:
    """Open a websocket from the page (its origin, its cookies): "open" or "refused"."""
    return page.evaluate("""(url) => new Promise(done => {
        const ws = new WebSocket(url);
        ws.onopen = () => { done("open"); ws.close(); };
        ws.onerror = () => done("refused");
        setTimeout(() => done("timeout"), 15000); })""", url)


def _ws_status(url: str, cookies: list[dict], origin: str) -> int:
    """A websocket handshake with a browser's cookies and the given Origin: 101, or the refusal's status."""
    cookie = "; ".join(f"{c['name']}={c['value']}" for c in cookies)
    return websocket_status(url, {"Cookie": cookie, "Origin": origin})


def _get(url: str, cookies: list[dict] | None = None) -> tuple[int, str]:
    """A GET that does not follow redirects: (status, Location or body)."""
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    req = urllib.request.Request(url)
    if cookies:
        req.add_header("Cookie", "; ".join(f"{c['name']}={c['value']}" for c in cookies))
    try:
        with urllib.request.build_opener(NoRedirect).open(req, timeout=30) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Location") or exc.read().decode(errors="replace")


def test_a_site_user_sees_their_site_only_and_logs_out(hub, browser):
    base, proc, log = hub
    page, left, errors = _login(browser, base, "sup-aarhus")
    assert page.url == f"{base}services/ips/"
    assert page.evaluate("document.documentElement.lang") == "da"
    dashboards = [p for p in _links(page) if not p.endswith("/logout")]
    assert dashboards == ["/services/ips/aarhus/supervision", "/services/ips/aarhus/agenda"]
    assert "Logget ind som sup-aarhus" in page.inner_text("body")

    # the page's query string cannot change who or where: the server decides both
    page.goto(f"{base}services/ips/aarhus/supervision?site=odense&user=coordinator")
    page.wait_for_selector(DRAWN, timeout=60_000)
    page.locator(".ips-user", has_text="sup-aarhus").wait_for(timeout=30_000)
    assert "IPS Aarhus" in page.title() and "Odense" not in page.inner_text("body")
    assert page.evaluate("document.documentElement.lang") == "da"

    response = page.goto(f"{base}services/ips/odense/supervision")
    assert response.status == 403
    assert "Du har ikke adgang til denne side." in page.inner_text("body")
    assert page.goto(f"{base}services/ips/reports/index.html").status == 403  # coordinators only
    assert page.goto(f"{base}services/ips/nowhere/supervision").status == 404
    for path in ("voila/render/supervision.ipynb", "voila/tree", "voila/files/supervision.ipynb",
                 "api/contents", "reports/%2e%2e/access.yaml", "aarhus/overview"):
        assert page.goto(f"{base}services/ips/{path}").status in (403, 404), path

    page.goto(f"{base}services/ips/")
    page.click("a[href$='/logout']")
    page.wait_for_load_state()
    page.goto(f"{base}services/ips/aarhus/supervision")
    assert "/hub/login" in page.url, page.url  # logged out: the hub asks again
    assert not left, left
    assert [e for e in errors if "403" not in e and "404" not in e] == []
    page.context.close()


def test_the_hubs_own_pages_speak_the_regions_language(hub, browser):
    """JupyterHub's login page, its 404 and its error for a wrong password, through templates/hub/
    (c.JupyterHub.template_paths): Danish, as the region's (see the guest's test), not English."""
    base, _, _ = hub
    context = browser.new_context()
    page, left, errors = _open_in(context, f"{base}hub/login")
    assert page.evaluate("document.documentElement.lang") == "da"
    assert page.locator("h1").inner_text() == "Log ind"
    assert page.locator("label[for=username_input]").inner_text() == "Brugernavn"
    assert page.locator("label[for=password_input]").inner_text() == "Adgangskode"
    assert page.locator("#login_submit").get_attribute("value") == "Log ind"
    body = page.inner_text("body")
    assert "Sign in" not in body and "Username" not in body and "Password" not in body
    page.fill("input[name=username]", "sup-aarhus")
    page.fill("input[name=password]", "wrong-password-2")
    page.click("#login_submit")
    page.wait_for_load_state()
    assert page.locator(".login_error").inner_text() == "Forkert brugernavn eller adgangskode."
    response = page.goto(f"{base}hub/nowhere")
    assert response.status == 404 and page.evaluate("document.documentElement.lang") == "da"
    assert page.locator("h1").inner_text() == "Siden findes ikke."
    assert "moons" not in page.inner_text("body")
    assert not left, left
    assert [e for e in errors if "403" not in e and "404" not in e] == []  # the refused login, the 404
    context.close()

    # logged in as a Swedish site's user, the hub's pages and the landing page follow their site
    page, _, _ = _login(browser, base, "sup-malmo")
    assert page.evaluate("document.documentElement.lang") == "sv"
    page.goto(f"{base}hub/home")
    assert page.evaluate("document.documentElement.lang") == "sv"
    assert page.locator("#ips-dashboards").inner_text() == "Dina instrumentpaneler"
    page.goto(f"{base}hub/nowhere")
    assert page.locator("h1").inner_text() == "Sidan finns inte."
    page.context.close()


def test_a_group_member_sees_the_groups_site(hub, browser):
    base, _, _ = hub
    page, _, _ = _login(browser, base, "beh-aarhus")
    assert [p for p in _links(page) if not p.endswith("/logout")] == \
        ["/services/ips/aarhus/supervision", "/services/ips/aarhus/agenda"]
    page.goto(f"{base}services/ips/aarhus/agenda")
    page.wait_for_selector(".ips-section", timeout=60_000)
    assert page.goto(f"{base}services/ips/odense/agenda").status == 403
    page.context.close()


def test_the_coordinator_sees_every_site_the_overview_and_the_runs(hub, browser, params_dir):
    from ips_nb.data.params import site_ids

    base, _, _ = hub
    page, left, errors = _login(browser, base, "coordinator")
    # Danish and Swedish sites: the landing page in the region's language, sites by their names
    assert page.evaluate("document.documentElement.lang") == "da"
    assert page.locator("h2").first.inner_text() == "Dine dashboards"
    assert page.locator("li[data-site=malmo] strong").inner_text() == "IPS Malmö"
    assert "Alle rapporter og kørsler" in page.inner_text("body")
    links = _links(page)
    for site in site_ids(params_dir):
        assert f"/services/ips/{site}/supervision" in links and f"/services/ips/{site}/agenda" in links
    assert "/services/ips/reports/overview/2026-10.html" in links and "/services/ips/reports/index.html" in links
    assert page.goto(f"{base}services/ips/reports/index.html").status == 200
    page.goto(f"{base}services/ips/malmo/supervision")
    page.wait_for_selector(DRAWN, timeout=60_000)
    assert page.evaluate("document.documentElement.lang") == "sv"
    assert "IPS Malmö" in page.title()
    assert not left, left
    page.context.close()


def test_a_user_without_a_site_gets_one_sentence(hub, browser):
    base, _, _ = hub
    page, _, _ = _login(browser, base, "guest")
    assert page.url == f"{base}services/ips/"
    # no site of their own: the hub's language (params/ has two Danish and two Swedish sites and
    # access.yaml no `lang`: the tie goes to Danish, ips_nb.pages.index.region_lang)
    assert page.evaluate("document.documentElement.lang") == "da"
    assert page.locator(".ips-no-sites").inner_text() == \
        "Du har endnu ikke adgang til noget steds dashboards. Spørg koordinatoren."
    assert [p for p in _links(page) if "/services/ips/" in p and not p.endswith("/logout")] == []
    assert page.goto(f"{base}services/ips/aarhus/supervision").status == 403
    page.context.close()


def test_nobody_else_gets_in(hub, browser):
    base, _, _ = hub
    page, _, _ = _login(browser, base, "mallory")  # not in access.yaml: the hub admits nobody unnamed
    assert "/hub/login" in page.url
    page.context.close()
    page, _, _ = _login(browser, base, "sup-aarhus", password="wrong-password-1")
    assert "/hub/login" in page.url
    page.context.close()
    status, where = _get(f"{base}services/ips/aarhus/supervision")
    assert status == 302 and "/hub/api/oauth2/authorize" in where  # to the hub's login, not a page
    assert _get(f"{base}services/ips/api/kernels/00000000-0000-0000-0000-000000000000")[0] == 403


def test_a_kernel_is_its_owners_alone(hub, browser):
    """Even the coordinator, who may see Aarhus, cannot reach sup-aarhus's kernel; nor can a page
    elsewhere with sup-aarhus's own cookie (Origin check)."""
    base, _, log = hub
    owner, _, _ = _login(browser, base, "sup-aarhus")
    owner.goto(f"{base}services/ips/aarhus/supervision")
    owner.wait_for_selector(DRAWN, timeout=60_000)
    kernel = _kernel_id(owner)
    ws = f"{base.replace('http', 'ws')}services/ips/api/kernels/{kernel}/channels"
    assert _ws_from_page(owner, ws) == "open"

    other, _, _ = _login(browser, base, "coordinator")
    assert _ws_from_page(other, ws) == "refused"
    assert other.request.get(f"{base}services/ips/api/kernels/{kernel}").status == 403
    assert other.request.post(f"{base}services/ips/voila/api/shutdown/{kernel}").status == 403

    cookies = owner.context.cookies()
    assert _ws_status(ws, cookies, origin=base.rstrip("/")) == 101
    assert _ws_status(ws, cookies, origin="http://evil.example.com") == 403
    other.context.close()
    owner.context.close()
    # each refusal is one warning line in the log, never a traceback of the error page
    assert "may not execute kernel" in log.read_text()
    assert "Uncaught exception" not in log.read_text() and "Traceback" not in log.read_text()


def test_closed_pages_leave_no_more_kernels_than_the_pool(hub, browser):
    base, proc, _ = hub
    page, _, _ = _login(browser, base, "sup-odense")
    for kind in ("supervision", "agenda", "supervision"):
        page.goto(f"{base}services/ips/odense/{kind}")
        page.wait_for_selector(DRAWN if kind == "supervision" else ".ips-section", timeout=60_000)
    page.goto(f"{base}services/ips/")  # leaving a page ends its kernel (Voila's beforeunload call)
    assert _wait_kernels_at_most(proc, WARM_POOL, timeout=30) <= WARM_POOL

    # a page that vanishes without a word (crash, lost network) is culled once idle
    page.goto(f"{base}services/ips/odense/supervision")
    page.wait_for_selector(DRAWN, timeout=60_000)
    page.context.close()
    assert _wait_kernels_at_most(proc, WARM_POOL, timeout=CULL_IDLE + 30) <= WARM_POOL


def test_the_kernels_know_the_user_and_never_the_hubs_token(hub, browser):
    base, proc, _ = hub
    page, _, _ = _login(browser, base, "sup-odense")
    page.goto(f"{base}services/ips/odense/supervision")
    page.wait_for_selector(DRAWN, timeout=60_000)
    page.locator(".ips-user", has_text="sup-odense").wait_for(timeout=30_000)  # from the kernel's Settings
    for kernel in _kernels(proc):
        env = kernel.environ()
        assert "JUPYTERHUB_API_TOKEN" not in env and "IPS_NB_HUB_PASSWORD" not in env
    page.context.close()


def test_the_hub_refuses_to_start_without_its_password(params_dir, tmp_path, monkeypatch, capsys):
    from ips_nb.cli import main

    monkeypatch.delenv("IPS_NB_HUB_PASSWORD", raising=False)
    assert main(["hub", "--params", params_dir, "--state", str(tmp_path / "state"),
                 "--port", str(free_port())]) == 2
    assert "IPS_NB_HUB_PASSWORD" in capsys.readouterr().err
    monkeypatch.setenv("IPS_NB_HUB_PASSWORD", "short")
    assert main(["hub", "--params", params_dir, "--state", str(tmp_path / "state"),
                 "--port", str(free_port())]) == 2
    assert not (tmp_path / "state" / "jupyterhub.sqlite").exists()


def test_the_shipped_access_file_names_real_sites(params_dir):
    from ips_nb.live.access import load_access

    rules = load_access(Path(params_dir) / "access.yaml", params_dir)
    assert rules.sites_for("sup-aarhus") == ["aarhus"] and rules.sites_for("coordinator") == list(rules.every_site)
    assert (ROOT / "package-lock.json").is_file()  # CI installs the proxy from the project's own files
