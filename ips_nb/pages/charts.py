"""Plotly figures for the pack; each takes computed figures and labels, never the database."""
from __future__ import annotations

import plotly.graph_objects as go

from ips_nb.pages.labels import Labels

COLOURS = {"bar": "#2b6cb0", "over": "#c53030", "goal": "#2f855a", "anchor": "#805ad5",
           "muted": "#a0aec0"}


def _layout(fig: go.Figure, title: str, height: int = 320) -> go.Figure:
    fig.update_layout(title={"text": title, "x": 0}, height=height, template="plotly_white",
                      margin={"l": 50, "r": 20, "t": 50, "b": 40}, showlegend=True,
                      legend={"orientation": "h", "y": -0.2})
    return fig


def caseload_per_consultant(caseload: dict[str, int], fte: dict[str, float], names: dict[str, str],
                            caseload_max: int, labels: Labels) -> go.Figure:
    """Active caseload per consultant against the site's maximum scaled by the consultant's FTE."""
    ids = list(caseload)
    limits = [caseload_max * float(fte.get(c, 1.0) or 1.0) for c in ids]
    colours = [COLOURS["over"] if caseload[c] > lim else COLOURS["bar"] for c, lim in zip(ids, limits)]
    fig = go.Figure()
    fig.add_bar(x=[names.get(c, c) for c in ids], y=[caseload[c] for c in ids],
                marker_color=colours, name=labels("candidates_count"))
    fig.add_scatter(x=[names.get(c, c) for c in ids], y=limits, mode="markers+lines",
                    line={"dash": "dash", "color": COLOURS["over"]}, name=labels("caseload_max"))
    return _layout(fig, labels("caseload_by_consultant"))


def _separators(labels: Labels) -> str:
    """Decimal comma in da/sv, point in en (plotly's `separators`: decimal then thousands)."""
    return ".," if labels.lang == "en" else ", "


def _month_tick(month: str, labels: Labels) -> str:
    from datetime import date

    from babel.dates import format_date

    y, m = (int(x) for x in month.split("-"))
    return format_date(date(y, m, 1), format="MMM yy", locale=labels.locale)


def _hline(fig: go.Figure, x: list, y: float, name: str, colour: str, dash: str = "dash") -> None:
    """A reference line across the whole plot, with a legend entry in the site's language
    (a shape has none, so an empty trace carries the name)."""
    fig.add_hline(y=y, line={"dash": dash, "color": colour, "width": 2})
    fig.add_scatter(x=[None], y=[None], mode="lines", name=name,
                    line={"dash": dash, "color": colour, "width": 2})


def outcome_trend(series: list[dict], goal: float | None, anchor: float, labels: Labels) -> go.Figure:
    """Monthly outcome rate (%) over the last months with the site's goal and the anchor line."""
    x = [_month_tick(s["month"], labels) for s in series]
    y = [None if s["outcome_rate"] is None else round(s["outcome_rate"] * 100, 1) for s in series]
    fig = go.Figure()
    fig.add_scatter(x=x, y=y, mode="lines+markers", name=labels("outcome_rate"),
                    line={"color": COLOURS["bar"], "width": 3},
                    customdata=[[s["outcome_in_month"], s["caseload_in_month"]] for s in series],
                    hovertemplate="%{y:.1f} % (%{customdata[0]}/%{customdata[1]})<extra></extra>")
    _hline(fig, x, round(anchor * 100, 1), labels("anchor_inklusion_short"), COLOURS["anchor"], "dot")
    if goal is not None:
        _hline(fig, x, round(goal * 100, 1), f'{labels("goal")} {labels.percent(goal)}', COLOURS["goal"])
    fig.update_yaxes(range=[0, 100], ticksuffix=" %")
    fig.update_layout(separators=_separators(labels))
    return _layout(fig, labels("chart_outcome_trend"))


def days_to_contact(days: list[float], limit: int, labels: Labels) -> go.Figure:
    """Days from intake to first employer contact per candidate, with the 30-day line."""
    fig = go.Figure()
    fig.add_histogram(x=days, xbins={"start": 0, "size": 10}, marker_color=COLOURS["bar"],
                      name=labels("candidates_count"))
    fig.add_vline(x=limit, line={"dash": "dash", "color": COLOURS["over"], "width": 2})
    fig.add_scatter(x=[limit], y=[0], mode="lines", line={"dash": "dash", "color": COLOURS["over"]},
                    name=labels("anchor_rapid"))
    fig.update_xaxes(title=labels("days_after_intake"), rangemode="tozero")
    fig.update_yaxes(title=labels("candidates_count"))
    fig.update_layout(separators=_separators(labels))
    return _layout(fig, labels("chart_days_to_contact"))


def employer_contacts(per_week: dict[str, float], names: dict[str, str], target: float,
                      labels: Labels) -> go.Figure:
    """Employer contacts a week per consultant this month against the benchmark of 6."""
    ids = list(per_week)
    x = [names.get(c, c) for c in ids]
    colours = [COLOURS["bar"] if per_week[c] >= target else COLOURS["muted"] for c in ids]
    fig = go.Figure()
    fig.add_bar(x=x, y=[per_week[c] for c in ids], marker_color=colours,
                name=labels("employer_contacts_per_week"))
    _hline(fig, x, target, labels("anchor_employer"), COLOURS["goal"])
    fig.update_layout(separators=_separators(labels))
    return _layout(fig, labels("employer_contacts_per_week"))


def by_phase(counts: dict[str, int], labels: Labels) -> go.Figure:
    """Active candidates by phase, in the order of the course."""
    from ips_nb.data.schema import PHASES

    order = [p for p in PHASES if p in counts] + [p for p in counts if p not in PHASES]
    fig = go.Figure()
    fig.add_bar(x=[labels.enum("phase", p) for p in order], y=[counts[p] for p in order],
                marker_color=COLOURS["bar"], name=labels("candidates_count"))
    return _layout(fig, labels("chart_by_phase"))


def discharges(series: list[dict], labels: Labels) -> go.Figure:
    """Discharges per month by reason (stacked), the last months."""
    from ips_nb.data.schema import DISCHARGE_REASONS

    x = [_month_tick(s["month"], labels) for s in series]
    reasons = [r for r in DISCHARGE_REASONS if any(r in s["reasons"] for s in series)]
    fig = go.Figure()
    for r in reasons:
        fig.add_bar(x=x, y=[s["reasons"].get(r, 0) for s in series], name=labels.enum("discharge", r))
    fig.update_layout(barmode="stack")
    fig.update_yaxes(title=labels("candidates_count"), dtick=1)
    return _layout(fig, labels("chart_discharges"))


def equal_opportunities(eo: dict[str, dict[str, int]], labels: Labels) -> go.Figure:
    """Share of women, men and the 18–29 group in the caseload and among outcomes (%)."""
    groups = [g for g in ("female", "male", "other", "unknown") if eo["caseload"].get(g)] + ["age_18_29"]
    x = [labels("age_18_29") if g == "age_18_29" else labels.enum("gender", g) for g in groups]
    fig = go.Figure()
    for part, colour in (("caseload", COLOURS["muted"]), ("outcome", COLOURS["bar"])):
        total = eo[part]["total"]
        y = [None if not total else round(100 * eo[part].get(g, 0) / total, 1) for g in groups]
        text = [f"{eo[part].get(g, 0)}" for g in groups]
        fig.add_bar(x=x, y=y, name=labels(f"eo_{part}"), marker_color=colour, text=text,
                    textposition="outside")
    fig.update_yaxes(range=[0, 100], ticksuffix=" %")
    fig.update_layout(barmode="group", separators=_separators(labels))
    return _layout(fig, labels("chart_equal_opportunities"))


def fidelity_trend(reviews: list[dict], goal: int | None, labels: Labels) -> go.Figure:
    """IPS-25 totals of every complete review, with the band limits and the site's goal."""
    done = [r for r in reviews if r["complete"]]
    x = [labels.date(r["date"]) for r in done]
    fig = go.Figure()
    fig.add_scatter(x=x, y=[r["total"] for r in done], mode="lines+markers+text",
                    text=[str(r["total"]) for r in done], textposition="top center",
                    name=labels("fidelity_total"), line={"color": COLOURS["bar"], "width": 3})
    for low, band, colour in ((115, "band_exemplary", COLOURS["goal"]), (100, "band_good", COLOURS["anchor"]),
                              (74, "band_fair", COLOURS["muted"])):
        _hline(fig, x, low, f"{labels(band)} ≥ {low}", colour, "dot")
    if goal is not None and goal not in (115, 100, 74):
        _hline(fig, x, goal, labels("goal"), COLOURS["goal"])
    fig.update_yaxes(range=[60, 126])
    fig.update_xaxes(type="category")
    return _layout(fig, labels("chart_fidelity_trend"))
