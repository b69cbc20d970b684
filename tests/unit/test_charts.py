"""The charts' numbers and dates read as the page's language writes them, and people are whole.

Hand-worked: the phase chart of 1 and 2 people gets plotly's own ticks 0, 0.5, 1, 1.5, 2 unless
the axis is told otherwise; with a step of 1 from 0 it reads 0, 1, 2.
"""
from __future__ import annotations

import plotly.graph_objects as go
import pytest

from ips_nb.pages import charts
from ips_nb.pages.labels import Labels

SEPARATORS = {"da": ",.", "sv": ",\u00a0", "en": ".,"}  # decimal sign, then thousands


def every_chart(labels: Labels) -> dict[str, go.Figure]:
    """Each chart of charts.py on small data (counts of 0 to 3 people)."""
    series = [{"month": m, "outcome_rate": r, "outcome_in_month": n, "caseload_in_month": 8,
               "reasons": reasons}
              for m, r, n, reasons in (("2026-09", 0.25, 2, {"employed": 1}),
                                       ("2026-10", None, 0, {}),
                                       ("2026-11", 0.375, 3, {"employed": 1, "moved": 1}))]
    group = {"outcome_rate": 0.5, "caseload_in_month": 4}
    return {
        "outcome_trend": charts.outcome_trend(series, 0.4, labels),
        "caseload": charts.caseload_per_consultant({"k1": 3, "k2": 1}, {"k1": 1.0, "k2": 0.1},
                                                   {"k1": "Mette", "k2": "Ole"}, 3, labels),
        "days_to_contact": charts.days_to_contact([3, 12, 45], labels),
        "employer_contacts": charts.employer_contacts({"k1": 6.5, "k2": 2.25}, {}, 6, labels),
        "by_phase": charts.by_phase({"job_search": 2, "employed": 1}, labels),
        "discharges": charts.discharges(series, labels),
        "equal_chances": charts.equal_chances({"female": group}, {"18-29": group}, labels),
        "fidelity_trend": charts.fidelity_trend(
            [{"date": "2026-03-10", "total": 88, "complete": True},
             {"date": "2026-09-22", "total": 97, "complete": True}], 100, labels),
    }


COUNT_CHARTS = ("caseload", "days_to_contact", "by_phase", "discharges")  # y counts people


def ticks(axis, top: float) -> list[float]:
    """The tick values plotly draws on a linear axis from tick0 by dtick up to `top`."""
    values, v = [], float(axis.tick0)
    while v <= top + 1e-9:
        values.append(v)
        v += float(axis.dtick)
    return values


@pytest.mark.parametrize("lang", ["da", "sv", "en"])
@pytest.mark.parametrize("name", COUNT_CHARTS)
def test_a_count_axis_has_whole_number_ticks_from_zero(lang, name):
    fig = every_chart(Labels(lang))[name]
    y = fig.layout.yaxis
    assert y.tickmode == "linear" and y.tick0 == 0 and y.dtick == 1  # counts of 3 at most
    assert y.rangemode == "tozero" and "d" in y.tickformat
    assert all(float(t).is_integer() for t in ticks(y, 3))


def test_the_phase_chart_of_one_and_two_people_reads_0_1_2():
    y = charts.by_phase({"job_search": 2, "employed": 1}, Labels("da")).layout.yaxis
    assert ticks(y, 2) == [0, 1, 2]


@pytest.mark.parametrize("top,step", [(0, 1), (3, 1), (8, 1), (9, 2), (16, 2), (17, 5), (40, 5),
                                      (41, 10), (160, 20), (161, 50), (4000, 500)])
def test_the_count_step_keeps_at_most_eight_steps_and_whole_numbers(top, step):
    assert charts.count_step(top) == step


def test_an_empty_count_chart_reads_0_to_1_not_minus_1():
    y = charts.by_phase({}, Labels("da")).layout.yaxis
    assert list(y.range) == [0, 1] and y.dtick == 1


def test_a_caseload_axis_fits_the_highest_bar_or_maximum():
    # 12 candidates for a consultant whose maximum is 20: the step fits 20 (steps of 5), not 12
    fig = charts.caseload_per_consultant({"k1": 12}, {"k1": 1.0}, {}, 20, Labels("en"))
    assert fig.layout.yaxis.dtick == 5


@pytest.mark.parametrize("lang", ["da", "sv", "en"])
def test_every_chart_uses_the_pages_decimal_and_thousands_signs(lang):
    for name, fig in every_chart(Labels(lang)).items():
        assert fig.layout.separators == SEPARATORS[lang], name


def test_dates_on_a_danish_page_are_danish_and_never_a_plotly_date_axis():
    """plotly.js would name months in English (its d3 locale): the ticks are ours, as categories."""
    figs = every_chart(Labels("da"))
    for name in ("outcome_trend", "discharges"):
        fig = figs[name]
        assert fig.layout.xaxis.type == "category", name
        assert list(fig.data[0].x) == ["sep. 26", "okt. 26", "nov. 26"], name
    fidelity = figs["fidelity_trend"]
    assert fidelity.layout.xaxis.type == "category"
    assert list(fidelity.data[0].x) == ["10. mar. 2026", "22. sep. 2026"]
    assert list(every_chart(Labels("sv"))["fidelity_trend"].data[0].x) == ["10 mars 2026", "22 sep. 2026"]
