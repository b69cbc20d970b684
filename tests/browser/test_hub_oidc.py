"""A region's OpenID Connect login for real: npm's oidc-provider on a loopback port
(tests/oidc/provider.mjs, laid out as a Keycloak realm), oauthenticator's GenericOAuthenticator
configured exactly as docs/deployment.md shows, people logging in through headless Chromium: the
hub's login page, the provider's password form, back to the hub with the provider's groups.

The accounts: sup-aarhus in the provider's group ips-aarhus, beh-odense in ips-odense,
coordinator in ips-coordinators; sup-odense only in finance (and access.yaml names her: the
provider's groups still decide who logs in at all).
"""
from __future__ import annotations

import json
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from browsing import free_port, stop_process
from conftest import DEMO_TODAY, ROOT, need_system
from hubbing import dashboards, docs_block, put_in, region_hub
from test_hub import _open_in, _proxy_installed

pytestmark = pytest.mark.system

PROVIDER = ROOT / "tests" / "oidc" / "provider.mjs"
PASSWORD = "oidc-user-password-42"
CLIENT_SECRET = "oidc-client-secret-42"
ACCOUNTS = {"sup-aarhus": ["ips-aarhus"], "beh-odense": ["ips-odense"],
            "coordinator": ["ips-coordinators", "finance"], "sup-odense": ["finance"]}
ACCESS = """\
sites:
  aarhus: ["@ips-aarhus"]
  odense: ["@ips-odense", sup-odense]
coordinators: ["@ips-coordinators"]
"""


def _provider_installed() -> bool:
    return bool(shutil.which("node")) and (ROOT / "node_modules" / "oidc-provider" / "package.json").is_file()


@pytest.fixture(scope="module")
def hub(demo_db, params_dir, tmp_path_factory):
    """The provider and the hub with docs/deployment.md's OAuth login, the region's addresses put
    in for the test's: yields (hub base URL, provider base URL, hub log)."""
    need_system("configurable-http-proxy (node_modules/, `make setup` runs npm ci)", _proxy_installed())
    need_system("Node.js and oidc-provider (package.json devDependencies: `make setup` runs npm ci)",
                _provider_installed())
    tmp = tmp_path_factory.mktemp("oidc")
    hub_port, port = free_port(), free_port()
    base, provider = f"http://127.0.0.1:{hub_port}/", f"http://127.0.0.1:{port}"
    setup = {"client": {"id": "ips-dashboards", "secret": CLIENT_SECRET, "redirect_uri": f"{base}hub/oauth_callback"},
             "accounts": {name: {"password": PASSWORD, "groups": groups} for name, groups in ACCOUNTS.items()}}
    (tmp / "setup.json").write_text(json.dumps(setup), encoding="utf-8")
    log = (tmp / "provider.log").open("w")
    proc = subprocess.Popen(["node", str(PROVIDER), str(port), str(tmp / "setup.json")], cwd=str(ROOT),
                            stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_for_provider(provider, proc, tmp / "provider.log")
        login = put_in(docs_block("**OAuth / OpenID Connect**"), {
            "https://login.region.example": provider, "https://ips.region.example/": base})
        (tmp / "access.yaml").write_text(ACCESS, encoding="utf-8")
        with region_hub(tmp, login, {"OAUTH_CLIENT_SECRET": CLIENT_SECRET}, port=hub_port,
                        params_dir=params_dir, access=str(tmp / "access.yaml"), db=demo_db,
                        reports=str(tmp / "reports"), warm_pool=0, today=DEMO_TODAY) as (url, hub_log):
            assert url == base
            yield base, provider, hub_log
    finally:
        stop_process(proc, 10)


def _wait_for_provider(provider: str, proc: subprocess.Popen, log: Path) -> None:
    end = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(f"{provider}/.well-known/openid-configuration", timeout=2).read()
            return
        except OSError:
            if proc.poll() is not None or time.monotonic() > end:
                raise RuntimeError(f"the provider did not start:\n{log.read_text()}") from None
            time.sleep(0.3)


def _sign_in(browser, base: str, provider: str, user: str, password: str = PASSWORD):
    """From the hub's login page to the provider's form, and the form sent: (page, requests that
    left 127.0.0.1, the answer of the hub's OAuth callback or None if the provider kept the page)."""
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    context.set_default_navigation_timeout(90_000)
    page, left, _ = _open_in(context, base)
    page.click("a[href*='oauth_login']")  # "Sign in with the region's login"
    page.wait_for_url(f"{provider}/interaction/**")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", password)
    callbacks = []
    page.on("response", lambda r: callbacks.append(r) if "/hub/oauth_callback" in r.url else None)
    page.click("#kc-login")
    page.wait_for_load_state()
    return page, left, (callbacks[0] if callbacks else None)


def test_the_providers_groups_decide_the_sites(hub, browser, params_dir):
    from ips_nb.data.params import site_ids

    base, provider, log = hub
    page, left, _ = _sign_in(browser, base, provider, "sup-aarhus")
    page.wait_for_url(f"{base}services/ips/")
    assert dashboards(page) == ["/services/ips/aarhus/supervision", "/services/ips/aarhus/agenda"]
    assert page.goto(f"{base}services/ips/odense/supervision").status == 403
    assert not left, left
    page.context.close()
    assert "Adding user sup-aarhus to group(s): {'ips-aarhus'}" in log.read_text()

    page, _, _ = _sign_in(browser, base, provider, "beh-odense")
    page.wait_for_url(f"{base}services/ips/")
    assert dashboards(page) == ["/services/ips/odense/supervision", "/services/ips/odense/agenda"]
    page.context.close()

    page, _, _ = _sign_in(browser, base, provider, "coordinator")
    page.wait_for_url(f"{base}services/ips/")
    links = dashboards(page)
    assert all(f"/services/ips/{site}/agenda" in links for site in site_ids(params_dir))
    page.context.close()


def test_a_wrong_password_or_a_person_outside_the_groups_is_refused(hub, browser):
    base, provider, log = hub
    page, _, callback = _sign_in(browser, base, provider, "sup-aarhus", "not-the-password")
    assert callback is None and page.url.startswith(f"{provider}/interaction/")  # the provider said no
    assert page.locator("#refused").inner_text() == "Invalid username or password."
    page.context.close()

    # the right password at the provider, and named in access.yaml: in none of the allowed groups
    page, _, callback = _sign_in(browser, base, provider, "sup-odense")
    assert callback is not None and callback.status == 403
    assert page.goto(f"{base}services/ips/odense/supervision").url.startswith(f"{base}hub/login")
    page.context.close()
    assert "User 'sup-odense' not allowed." in log.read_text()
