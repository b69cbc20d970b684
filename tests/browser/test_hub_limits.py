"""Behind the real hub: access lost is access gone, and one person holds at most 3 kernels.

A hub of this module's own (its access.yaml is rewritten by the tests, its database is written
to), started as `ips-nb hub` starts it, people in headless Chromium. Kernels are counted as the
processes under the hub (`ipykernel_launcher`), a page's kernel found by its id in the
connection file's name.
"""
from __future__ import annotations

import json
import time
import urllib.request

import psutil
import pytest
import sqlalchemy as sa
from browsing import free_port
from conftest import DEMO_TODAY
from test_hub import _kernel_id, _kernels, _login, _proxy_installed, running_hub

pytestmark = pytest.mark.system

WARM_POOL = 0  # every page kernel started with its page's environment: the test reads its key there
ACCESS = """\
sites:
  aarhus: [sup-aarhus]
  odense: [sup-odense]
coordinators: [coordinator]
"""
DRAWN = ".js-plotly-plot .main-svg"
REVOKED = "Din adgang til dette sted er fjernet, og siden er lukket."


@pytest.fixture(scope="module")
def hub(params_dir, tmp_path_factory):
    """The hub on a free port, on a demo database of its own: (base URL, process, access.yaml, db URL)."""
    from conftest import need_system

    from ips_nb.demo import build_demo_db
    from ips_nb.live.hub import HubOptions

    need_system("configurable-http-proxy (node_modules/, `make setup` runs npm ci)", _proxy_installed())
    tmp = tmp_path_factory.mktemp("hub-limits")
    db = f"sqlite:///{tmp / 'demo.db'}"
    build_demo_db(db, DEMO_TODAY)
    access = tmp / "access.yaml"
    access.write_text(ACCESS, encoding="utf-8")
    # the culler's idle time far off: every kernel ended here is ended by the limit or the patrol
    options = HubOptions(port=free_port(), db=db, params_dir=params_dir, access=str(access),
                         reports=str(tmp / "reports"), state_dir=str(tmp / "state"), warm_pool=WARM_POOL,
                         cull_idle=600, cull_interval=30, today=DEMO_TODAY)
    log = tmp / "hub.log"
    with running_hub(options, log) as proc:
        yield options.url, proc, access, db


def _kernel_process(proc, kernel_id: str) -> psutil.Process | None:
    for p in _kernels(proc):
        try:
            if f"kernel-{kernel_id}.json" in " ".join(p.cmdline()):
                return p
        except psutil.Error:
            pass
    return None


def _gone_within(proc, kernel_id: str, timeout: float) -> float | None:
    """Seconds until the kernel's process is gone; None if it outlived `timeout`."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if _kernel_process(proc, kernel_id) is None:
            return time.monotonic() - start
        time.sleep(0.25)
    return None


def _may_write(base: str, key: str) -> bool:
    """The question a kernel asks right before a save, asked with that kernel's own key."""
    req = urllib.request.Request(f"{base}services/ips/ips-kernel/may-write", headers={"X-Ips-Kernel-Key": key})
    with urllib.request.urlopen(req, timeout=30) as answer:
        return json.loads(answer.read())["may_write"]


def _decisions(db: str) -> int:
    engine = sa.create_engine(db)
    try:
        with engine.connect() as c:
            return c.execute(sa.text("SELECT count(*) FROM conferences WHERE origin = 'conference'")).scalar()
    finally:
        engine.dispose()


def test_five_pages_of_one_person_hold_at_most_three_kernels_and_the_fourth_says_so(hub, browser):
    base, proc, _, _ = hub
    first, _, _ = _login(browser, base, "sup-odense")
    pages, kernels = [first], []
    for n in range(5):
        page = pages[-1] if n == 0 else first.context.new_page()
        if n:
            pages.append(page)
        page.goto(f"{base}services/ips/odense/supervision")
        page.wait_for_selector(DRAWN, timeout=90_000)
        kernels.append(_kernel_id(page))
        mine = [k for k in kernels if _kernel_process(proc, k) is not None]
        assert len(mine) <= 3, (n, mine)
    # pages 4 and 5 each ended the oldest one then open (1, then 2); 3, 4 and 5 are left
    assert [k for k in kernels if _kernel_process(proc, k) is not None] == kernels[2:]
    assert len(_kernels(proc)) <= 3 + WARM_POOL
    said = "Din ældste åbne side er lukket: du kan have højst 3 sider åbne ad gangen."
    for page in pages[3:]:
        page.locator(".ips-notice", has_text=said).wait_for(timeout=30_000)
    assert pages[2].locator(".ips-notice").is_hidden()
    # the page ended first was told why, in the site's language
    pages[0].locator(".ips-error", has_text="fordi du har åbnet en ny").wait_for(timeout=30_000)
    first.context.close()


def test_a_user_taken_out_of_access_yaml_loses_the_open_page_and_its_saves(hub, browser):
    base, proc, access, db = hub
    page, _, _ = _login(browser, base, "sup-aarhus")
    page.goto(f"{base}services/ips/aarhus/agenda")
    page.wait_for_selector("text=Registrér konferencen", timeout=90_000)
    kernel = _kernel_id(page)
    key = _kernel_process(proc, kernel).environ()["IPS_NB_SERVE_KERNEL_KEY"]
    assert _may_write(base, key) is True
    assert _may_write(base, "not-the-key") is False
    before = _decisions(db)

    access.write_text(ACCESS.replace("[sup-aarhus]", "[]"), encoding="utf-8")
    assert _may_write(base, key) is False  # at once: the save-time check reads the file as it is now
    page.locator(".widget-textarea textarea").fill("Skrevet efter at adgangen var fjernet")
    page.get_by_role("button", name="Markér drøftet").click()  # refused, or the kernel is already gone
    took = _gone_within(proc, kernel, timeout=10)
    assert took is not None, "the revoked user's kernel outlived 10 s"
    print(f"the revoked user's kernel was gone {took:.1f} s after access.yaml changed")
    page.locator(".ips-error", has_text=REVOKED).wait_for(timeout=10_000)
    assert _decisions(db) == before  # nothing was written after the revocation
    assert page.goto(f"{base}services/ips/aarhus/agenda").status == 403
    access.write_text(ACCESS, encoding="utf-8")
    page.context.close()


def test_logging_out_of_the_hub_ends_the_pages_of_that_session(hub, browser):
    """A removal the hub makes (the session's tokens deleted: logout here; a deleted user or an
    expired token alike) is seen the same way: the hub no longer knows the page's token."""
    base, proc, _, _ = hub
    page, _, _ = _login(browser, base, "sup-odense")
    page.goto(f"{base}services/ips/odense/agenda")
    page.wait_for_selector(".ips-section", timeout=90_000)
    kernel = _kernel_id(page)
    other = page.context.new_page()
    other.goto(f"{base}hub/logout")
    assert _gone_within(proc, kernel, timeout=10) is not None
    page.context.close()
