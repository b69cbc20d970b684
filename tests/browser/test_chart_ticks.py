"""The charts as Chromium draws them: whole people on count axes, the page's decimal sign.

Hand-worked: 1 and 2 people by phase would get plotly's own ticks 0, 0.5, 1, 1.5, 2; an
employer-contacts chart of 1.5 and 2.25 a week gets ticks 0, 0.5, …, 2 with a decimal comma on a
Danish page ("0,5") and a point on an English one.
"""
from __future__ import annotations

import pytest
from browsing import open_guarded
from markupsafe import Markup

from ips_nb.pages import charts
from ips_nb.pages.fragments import Chart
from ips_nb.pages.labels import Labels
from ips_nb.pages.report import page

pytestmark = pytest.mark.system


def y_ticks(browser, tmp_path, fig, lang: str) -> list[str]:
    """The y axis's tick labels of `fig` drawn alone in a static page (offline, as a pack)."""
    html = tmp_path / f"chart-{lang}.html"
    body = Markup(Chart(fig, "chart")._repr_mimebundle_()["text/html"])
    html.write_text(page(body, lang=lang, title="chart", kind="supervision", charts=True), encoding="utf-8")
    tab, left, errors = open_guarded(browser, html.as_uri(), allowed=html.as_uri())
    tab.wait_for_selector(".js-plotly-plot .ytick text", timeout=20_000)
    found = tab.locator(".js-plotly-plot .ytick text").evaluate_all("els => els.map(e => e.textContent)")
    tab.close()
    assert not left and not errors, (left, errors)
    return found


@pytest.mark.parametrize("lang", ["da", "en"])
def test_a_phase_chart_of_one_and_two_people_reads_whole_numbers(browser, tmp_path, lang):
    fig = charts.by_phase({"job_search": 2, "employed": 1}, Labels(lang))
    assert y_ticks(browser, tmp_path, fig, lang) == ["0", "1", "2"]


@pytest.mark.parametrize("lang,half", [("da", "0,5"), ("sv", "0,5"), ("en", "0.5")])
def test_decimals_on_a_chart_use_the_pages_decimal_sign(browser, tmp_path, lang, half):
    fig = charts.employer_contacts({"k1": 1.5, "k2": 2.25}, {}, 2.5, Labels(lang))
    shown = y_ticks(browser, tmp_path, fig, lang)
    assert half in shown and "1" in shown, shown
    other = "0.5" if half == "0,5" else "0,5"
    assert other not in shown
