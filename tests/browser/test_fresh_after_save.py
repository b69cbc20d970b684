"""A save never seems lost (issue 24): in a real Chromium, the agenda dashboard has been open long
enough for Voila's preheated kernel to have rendered the agenda again in the background; a
decision is saved ("Gemt.") and the page reloaded at once, three times. Every reload shows that
round's decision. Before, each reload was served the page prepared before the save, without it
(the rows were in the database; a reload 30 s later showed them)."""
from __future__ import annotations

import time

import pytest
from browsing import open_guarded, serving
from conftest import DEMO_TODAY, ROOT

pytestmark = pytest.mark.system

FILLED = "Kernel pool of agenda.ipynb is filled"  # Voila's log line: a pooled kernel has started
DROPPED = "was prepared before the last write to the site"  # ips_nb.live.kernels.drop_stale's line
# After its kernel starts, the pooled notebook still runs (reads the site, draws the agenda) for a
# few seconds on a small machine: waited out, so the reload meets a page prepared before the save.
SETTLE = 20.0


@pytest.fixture(scope="module")
def own_db(tmp_path_factory):
    """A demo database of this module's own: the test writes to it."""
    from ips_nb.demo import build_demo_db

    folder = tmp_path_factory.mktemp("fresh")
    url = f"sqlite:///{folder / 'demo.db'}"
    build_demo_db(url, DEMO_TODAY)
    return url, folder


def _wait_for_prepared_page(log, pages: int, timeout: float = 180) -> None:
    """Until the agenda's pool holds a kernel again after `pages` pages took one each (and the
    server ended those prepared before a write), then the time its notebook takes to render."""
    end = time.monotonic() + timeout
    while True:
        said = log.read_text(errors="replace")
        if said.count(FILLED) >= pages + said.count(DROPPED) + 1:
            break
        if time.monotonic() > end:
            raise TimeoutError(f"no refill of the agenda's pool:\n{said}")
        time.sleep(0.5)
    time.sleep(SETTLE)


def test_a_reload_right_after_a_save_shows_the_save_three_times(own_db, browser):
    url, folder = own_db
    log = folder / "voila.log"
    server = serving("aarhus", url, str(ROOT / "params"), log, DEMO_TODAY)
    base, _ = next(server)
    try:
        page, left, errors = open_guarded(browser, f"{base}/voila/render/agenda.ipynb", "http://127.0.0.1:")
        page.wait_for_selector("text=Registrér konferencen", timeout=120_000)
        for round_ in (1, 2, 3):
            _wait_for_prepared_page(log, pages=round_)  # the page open a while: a page prepared ahead
            chooser = page.get_by_label("Borger", exact=True)
            chooser.select_option(index=1)
            cid = chooser.evaluate("s => s.options[s.selectedIndex].text").split()[0]
            text = f"Runde {round_}: start praktik hos Netto"
            page.locator(".widget-textarea textarea").fill(text)
            page.get_by_role("button", name="Markér drøftet").click()
            page.wait_for_function("() => document.querySelector('.ips-conference-status')?.textContent === 'Gemt.'",
                                   timeout=60_000)
            page.reload()  # at once
            page.wait_for_selector("text=Registrér konferencen", timeout=120_000)
            row = page.locator("tbody.ips-cand", has=page.locator(f"text={cid}"))  # the line and the decision under it
            shown = row.locator(".ips-last-decision", has_text=text)
            shown.first.wait_for(timeout=30_000)  # a page prepared before the save never shows it
            assert shown.first.inner_text().replace("\u00ad", "").endswith(text)
        assert not left and not errors, (left, errors)
        page.close()
    finally:
        server.close()
    said = log.read_text(errors="replace")
    # the pool did hold pages prepared before a save, and the server did not hand them out
    assert said.count(DROPPED) == 3, said  # each round met one, and it was not handed out
