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



PACK_LIMIT = 2_000_000  # bytes: a pack travels by mail


@pytest.mark.parametrize("site,lang", [("aarhus", "da"), ("malmo", "sv")])
def test_a_pack_copied_alone_draws_its_charts(browser, reports, site, lang, tmp_path):
    """The pack mailed or copied on its own: no folder beside it, every request but the file refused."""
    import shutil

    from ips_nb.pages.labels import Labels

    alone = tmp_path / "alone"
    alone.mkdir()
    pack = shutil.copyfile(reports / site / "supervision" / "2026-10.html", alone / "pack.html")
    assert pack.stat().st_size <= PACK_LIMIT, f"{pack.stat().st_size} bytes"
    page, left, errors = open_guarded(browser, pack.as_uri(), allowed=pack.as_uri())
    page.wait_for_selector(".js-plotly-plot .main-svg", timeout=20_000)
    charts = page.locator(".ips-chart")
    assert charts.count() == 8 and page.locator(".ips-chart .js-plotly-plot").count() == 8
    assert page.locator(".js-plotly-plot .bars path, .js-plotly-plot .point path").count() > 0
    assert page.locator(".ips-chart-missing:visible").count() == 0  # drawn: the fallback is hidden
    page.screenshot(path=str(tmp_path / f"{site}-alone.png"), full_page=True)
    assert not left, f"requests left the page: {left}"
    assert not errors, errors  # a script the policy refused would show here
    page.close()
    # Scripts off (a mail preview, a locked-down browser): each chart says so in words.
    context = browser.new_context(java_script_enabled=False)
    try:
        still = context.new_page()
        still.goto(pack.as_uri())
        missing = still.locator(".ips-chart-missing")
        assert missing.count() == 8 and still.locator(".ips-chart-missing:visible").count() == 8
        assert Labels(lang)("chart_missing") in missing.first.inner_text()
    finally:
        context.close()


def test_a_printed_pack_explains_every_figure_in_footnotes(browser, reports):
    page, left, errors = _open_offline(browser, (reports / "aarhus" / "supervision" / "2026-10.html").as_uri())
    page.wait_for_selector(".js-plotly-plot .main-svg", timeout=20_000)
    assert page.locator(".ips-footnotes").is_hidden()  # on screen: the meaning is the hover text
    first = page.locator("table.ips-figures .ips-meaning").first
    assert first.get_attribute("title")
    page.emulate_media(media="print")
    notes = page.locator(".ips-footnotes li")
    figures = page.locator("table.ips-figures tbody tr").count()
    # every JSON figure but the parameters, the review's band and date, days_in_phase, the two
    # "of n" denominators (shown inside their figures' rows) and the goals (their own section)
    assert figures == 29
    assert page.locator(".ips-footnotes").is_visible() and notes.count() == figures
    assert first.get_attribute("title") in notes.first.inner_text()
    assert not left and not errors, (left, errors)
    page.close()
