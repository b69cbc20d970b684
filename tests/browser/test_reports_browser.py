"""The static reports in a real headless Chromium, offline: the charts must be drawn from local files."""
from __future__ import annotations

from pathlib import Path

import pytest
from browsing import open_guarded

pytestmark = pytest.mark.system



@pytest.fixture(scope="module")
def reports(tmp_path_factory, demo_db, params_dir) -> Path:
    """One site's pack and agenda, built through the same command a coordinator uses."""
    from ips_nb.cli import run_reports

    out = tmp_path_factory.mktemp("browser") / "reports"
    for kind, period in (("supervision", "2026-10"), ("agenda", "2026-W48")):
        status = run_reports(kind, ["aarhus", "malmo"], [period], db=demo_db, params=params_dir,
                             out=str(out), jobs=2, command=["test"])
        assert status == 0
    return out


def _open_offline(browser, url: str):
    return open_guarded(browser, url, allowed="file:")


@pytest.mark.parametrize("site,lang", [("aarhus", "da"), ("malmo", "sv")])
def test_pack_charts_are_drawn_offline(browser, reports, site, lang, tmp_path):
    page, left, errors = _open_offline(browser, (reports / site / "supervision" / "2026-10.html").as_uri())
    page.wait_for_selector(".js-plotly-plot .main-svg", timeout=20_000)
    bars = page.locator(".js-plotly-plot .bars path, .js-plotly-plot .point path")
    assert bars.count() > 0, "a chart frame without bars is not a drawn chart"
    assert page.evaluate("document.documentElement.lang") == lang
    page.screenshot(path=str(tmp_path / f"{site}-pack.png"), full_page=True)
    assert not left, f"requests left the machine: {left}"
    assert not errors, errors
    page.close()


def test_agenda_and_index_open_offline(browser, reports):
    page, left, errors = _open_offline(browser, (reports / "index.html").as_uri())
    links = page.locator("a").evaluate_all("els => els.map(e => e.getAttribute('href'))")
    assert "malmo/agenda/2026-W48.html" in links
    page.click("a[href='malmo/agenda/2026-W48.html']")
    page.wait_for_load_state()
    assert page.evaluate("document.documentElement.lang") == "sv"
    assert "vecka 48" in page.inner_text("body")
    assert not left and not errors, (left, errors)
    page.close()

