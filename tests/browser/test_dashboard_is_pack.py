"""The live dashboards are the static pages, live: the same sections in the same order, the same
charts with the same titles and words, seen in a real headless Chromium.

The static pack and agenda are made as a coordinator makes them (`ips-nb run`), the dashboards
served as `ips-nb serve --site aarhus` serves them, both from the same demo rows, for the same
month (October 2026: the last complete month on the demo's day) and week (48)."""
from __future__ import annotations

from pathlib import Path

import pytest
from browsing import open_guarded, serving
from conftest import DEMO_TODAY

pytestmark = pytest.mark.system

# What a page shows, read from the page itself: its headings in order, and each chart's title
# and the sentence it has for a reader whose browser cannot draw it, and the paragraphs that
# explain the sections. The conference panel is the
# dashboard's own, so its heading is left out.
SHOWN = """() => {
    const outside = el => !el.closest('.ips-conference');
    return {
        headings: [...document.querySelectorAll('h1, h2, h3')].filter(outside)
            .map(h => h.innerText.trim()).filter(t => t),
        charts: [...document.querySelectorAll('.ips-chart')].map(c => {
            const gd = c.querySelector('.js-plotly-plot');
            const missing = c.querySelector('.ips-chart-missing');
            return {title: (gd && gd.layout.title && gd.layout.title.text) || '',
                    drawn: !!(gd && gd.querySelector('.main-svg')),
                    words: missing ? missing.textContent.trim() : ''};
        }),
        notes: [...document.querySelectorAll('p')].filter(outside)
            .filter(p => !p.closest('.ips-chart')).map(p => p.innerText.trim()).filter(t => t),
        sections: [...document.querySelectorAll('.ips-section')].length,
    };
}"""


@pytest.fixture(scope="module")
def pages(tmp_path_factory, demo_db, params_dir) -> Path:
    """Aarhus's pack for October 2026 and its site-wide agenda for week 48, as `ips-nb run` makes them."""
    from ips_nb.cli import run_reports

    out = tmp_path_factory.mktemp("static") / "reports"
    for kind, period in (("supervision", "2026-10"), ("agenda", "2026-W48")):
        assert run_reports(kind, ["aarhus"], [period], db=demo_db, params=params_dir, out=str(out),
                           jobs=1, command=["test"]) == 0
    return out


@pytest.fixture(scope="module")
def server(demo_db, params_dir, tmp_path_factory):
    yield from serving("aarhus", demo_db, params_dir, tmp_path_factory.mktemp("serve") / "voila.log",
                       DEMO_TODAY)


CHARTS_DRAWN = "document.querySelectorAll('.js-plotly-plot .main-svg').length >= 8"
AGENDA_SHOWN = "document.querySelectorAll('.ips-section').length > 0"


def _shown(browser, url: str, allowed: str, ready: str) -> dict:
    """What the page at `url` shows once `ready` (a script's condition) holds."""
    page, left, errors = open_guarded(browser, url, allowed=allowed)
    page.wait_for_function(f"() => {ready}", timeout=90_000)
    shown = page.evaluate(SHOWN)
    assert not left and not errors, (left, errors)
    page.close()
    return shown


def test_the_supervision_dashboard_shows_the_packs_sections_and_charts_in_its_order(pages, server, browser):
    pack = _shown(browser, (pages / "aarhus" / "supervision" / "2026-10.html").as_uri(), "file:", CHARTS_DRAWN)
    base, _ = server
    live = _shown(browser, f"{base}/voila/render/supervision.ipynb", "http://127.0.0.1:", CHARTS_DRAWN)
    assert len(pack["charts"]) == 8 and all(c["drawn"] for c in pack["charts"])
    assert len(pack["headings"]) >= 10 and len(pack["notes"]) >= 3
    assert live["headings"] == pack["headings"]
    assert live["charts"] == pack["charts"]  # the same 8, titled and worded alike, in the same order
    assert live["notes"] == pack["notes"]  # the explanations under the sections, word for word


def test_the_agenda_dashboard_shows_the_agendas_sections_in_its_order(pages, server, browser):
    agenda = _shown(browser, (pages / "aarhus" / "agenda" / "2026-W48.html").as_uri(), "file:", AGENDA_SHOWN)
    base, _ = server
    live = _shown(browser, f"{base}/voila/render/agenda.ipynb", "http://127.0.0.1:", AGENDA_SHOWN)
    assert agenda["sections"] > 0 and live["sections"] == agenda["sections"]
    assert live["headings"] == agenda["headings"] and live["charts"] == agenda["charts"] == []
    assert live["notes"] == agenda["notes"]
