"""Plotly figures for the pack; each takes computed figures and labels, never the database.

Every colour in a chart has a legend entry that says what it means. Lines that are not data keep
one look everywhere: the site's own goal is a green dashed line, a benchmark from a named source
a purple dotted one; where both are drawn their labels sit on opposite sides of the plot, above
the higher line and below the lower, so they stay readable when the two nearly coincide.
Only scatter and bar traces are used: the inlined plotly.js basic bundle draws nothing else.

Numbers and dates read as the page's language writes them. Every figure carries the language's
decimal and thousands separators (`_layout`), and an axis that counts people has whole-number
ticks only (`_count_axis`: plotly's own choice may be 0.5 / 1.5 for small counts). Dates and
months are never a plotly date axis, whose month names would come from plotly.js's d3 locale
(English unless a locale bundle is loaded, and the pages are offline): they are written here,
with babel in the page's language, and drawn as categories.
"""
from __future__ import annotations

from collections.abc import Iterable

import plotly.graph_objects as go
from babel.numbers import get_decimal_symbol, get_group_symbol

from ips_nb.figures.metrics import RAPID_SEARCH_DAYS, UNASSIGNED
from ips_nb.pages.labels import Labels

COLOURS = {"bar": "#2b6cb0", "over": "#c53030", "goal": "#2f855a", "anchor": "#6b46c1",
           "muted": "#a0aec0", "limit": "#1a202c"}
GOAL_LINE = {"dash": "dash", "color": COLOURS["goal"], "width": 2}
ANCHOR_LINE = {"dash": "dot", "color": COLOURS["anchor"], "width": 2}
# Days from intake to the first employer contact, in the bins the chart shows (both ends count).
CONTACT_BINS = ((0, 10), (11, 20), (21, 30), (31, 40), (41, 50), (51, 60), (61, 90), (91, None))


def _layout(fig: go.Figure, title: str, labels: Labels | None = None, height: int = 340) -> go.Figure:
    """Title at the left, the legend under the plot (under the x axis's title when there is one),
    in the order the traces were added (plotly reverses it for stacked bars otherwise); with
    `labels`, the page language's decimal and thousands separators."""
    below = -0.3 if fig.layout.xaxis.title.text else -0.15
    fig.update_layout(title={"text": title, "x": 0}, height=height, template="plotly_white",
                      margin={"l": 50, "r": 20, "t": 50, "b": 40}, showlegend=True,
                      legend={"orientation": "h", "yanchor": "top", "y": below, "x": 0, "traceorder": "normal"})
    if labels is not None:
        fig.update_layout(separators=_separators(labels))
    return fig


def _separators(labels: Labels) -> str:
    """plotly's `separators`, the decimal sign then the thousands one, as the language writes
    them (babel's CLDR data): ",." in Danish (12,5 · 1.200), ", " with a no-break space in
    Swedish (12,5 · 1 200), ".," in English (12.5 · 1,200)."""
    return get_decimal_symbol(labels.locale) + get_group_symbol(labels.locale)


COUNT_STEPS = tuple(m * 10 ** e for e in range(7) for m in (1, 2, 5))  # 1, 2, 5, 10, 20, 50, …
COUNT_TICKS = 8  # at most this many steps up the axis


def count_step(top: float) -> int:
    """The tick step of an axis counting up to `top`: the smallest of 1, 2, 5, 10, 20, … that
    needs no more than COUNT_TICKS steps, so ticks are whole numbers and never crowded."""
    return next(step for step in COUNT_STEPS if top <= step * COUNT_TICKS)


def _count_axis(fig: go.Figure, values: Iterable[float | None]) -> None:
    """The y axis counts people: whole-number ticks from 0 (`values` are everything drawn on it,
    stacks summed, so the step fits the highest). With nothing to count it still reads 0 to 1,
    not plotly's −1 to 4 of an empty axis."""
    top = max((v for v in values if v is not None), default=0)
    fig.update_yaxes(rangemode="tozero", tickmode="linear", tick0=0, dtick=count_step(top),
                     tickformat=",d", **({} if top > 0 else {"range": [0, 1]}))


def month_tick(month: str, labels: Labels) -> str:
    from datetime import date

    from babel.dates import format_date

    y, m = (int(x) for x in month.split("-"))
    return format_date(date(y, m, 1), format="MMM yy", locale=labels.locale)


def _legend_line(fig: go.Figure, name: str, line: dict) -> None:
    """A legend entry for a line drawn as a shape (a shape has none, so an empty trace carries it)."""
    fig.add_scatter(x=[None], y=[None], mode="lines", name=name, line=line, hoverinfo="skip")


def _hline(fig: go.Figure, y: float, name: str, line: dict, note: str | None = None,
           position: str = "top right") -> None:
    """A reference line across the plot with its legend entry and, with `note`, a label at
    `position` ("top right": above the line at the right end, "bottom left": below it at the left)."""
    extra = {}
    if note:
        extra = {"annotation_text": note, "annotation_position": position,
                 "annotation_font": {"color": line["color"], "size": 11}}
    fig.add_hline(y=y, line=line, **extra)
    _legend_line(fig, name, line)


def outcome_trend(series: list[dict], goal: float | None, labels: Labels) -> go.Figure:
    """Monthly outcome rate (%) over the last months with the site's goal.

    No benchmark line: no published figure counts a month's caseload, so none may stand beside
    it (the 18-month figures carry the trials' numbers, in the table)."""
    x = [month_tick(s["month"], labels) for s in series]
    y = [None if s["outcome_rate"] is None else round(s["outcome_rate"] * 100, 1) for s in series]
    fig = go.Figure()
    fig.add_scatter(x=x, y=y, mode="lines+markers", name=labels("outcome_rate"),
                    line={"color": COLOURS["bar"], "width": 3},
                    customdata=[[s["outcome_in_month"], s["caseload_in_month"]] for s in series],
                    hovertemplate="%{y:.1f} % (%{customdata[0]}/%{customdata[1]})<extra></extra>")
    if goal is not None:
        text = f'{labels("goal_site")} {labels.percent(goal)}'
        _hline(fig, round(goal * 100, 1), text, GOAL_LINE, text, "top right")
    fig.update_yaxes(range=[0, 100], ticksuffix=" %")
    fig.update_xaxes(type="category")
    return _layout(fig, labels("chart_outcome_trend"), labels)


IPS25_CASELOAD = 20  # IPS-25 item 1: at most 20 per full-time consultant


def caseload_per_consultant(caseload: dict[str, int], fte: dict[str, float], names: dict[str, str],
                            caseload_max: int, labels: Labels) -> go.Figure:
    """Active caseload per consultant, each with a marker at the site's maximum scaled by that
    consultant's FTE (a marker per consultant: the maxima of two people are not joined by a line).
    Bars over the maximum are red; candidates without a consultant get a grey bar of their own."""
    ids = [c for c in caseload if c != UNASSIGNED]
    x = [names.get(c, c) for c in ids]
    limits = [caseload_max * float(fte.get(c, 1.0) or 1.0) for c in ids]
    over = [caseload[c] > lim for c, lim in zip(ids, limits)]
    fig = go.Figure()
    fig.add_bar(x=x, y=[None if o else caseload[c] for c, o in zip(ids, over)], name=labels("caseload_within"),
                marker_color=COLOURS["bar"])
    if any(over):
        fig.add_bar(x=x, y=[caseload[c] if o else None for c, o in zip(ids, over)], name=labels("caseload_over"),
                    marker_color=COLOURS["over"])
    if caseload.get(UNASSIGNED):
        fig.add_bar(x=[labels("unassigned")], y=[caseload[UNASSIGNED]], name=labels("unassigned"),
                    marker_color=COLOURS["muted"])
    fig.add_scatter(x=x, y=limits, mode="markers",
                    # the site's own maximum is its goal; only at 20 is it also IPS-25 item 1's
                    name=f'{labels("caseload_max_marker")} ('
                         f'{labels("source_ips25_1") if caseload_max == IPS25_CASELOAD else labels("goal_site")})',
                    marker={"symbol": "line-ew-open", "size": 34, "color": COLOURS["limit"],
                            "line": {"width": 3, "color": COLOURS["limit"]}},
                    hovertemplate="%{y}<extra></extra>")
    fig.update_layout(barmode="stack")
    fig.update_yaxes(title=labels("candidates_count"))
    _count_axis(fig, [*caseload.values(), *limits])
    return _layout(fig, labels("caseload_by_consultant"), labels)


def contact_bins(days: list[float]) -> list[int]:
    """How many of `days` fall in each of CONTACT_BINS."""
    return [sum(1 for d in days if lo <= d and (hi is None or d <= hi)) for lo, hi in CONTACT_BINS]


def days_to_contact(days: list[float], labels: Labels) -> go.Figure:
    """Days from intake to first employer contact per candidate, in bins; within 30 days blue,
    later red, with the 30-day line between the bins (the IPS rule, always 30 days)."""
    ticks = [f"{lo}–{hi}" if hi is not None else f"> {lo - 1}" for lo, hi in CONTACT_BINS]
    counts = contact_bins(days)
    within = [hi is not None and hi <= RAPID_SEARCH_DAYS for _, hi in CONTACT_BINS]
    fig = go.Figure()
    fig.add_bar(x=ticks, y=[n if w else None for n, w in zip(counts, within)], name=labels("contact_within_30"),
                marker_color=COLOURS["bar"])
    fig.add_bar(x=ticks, y=[None if w else n for n, w in zip(counts, within)], name=labels("contact_after_30"),
                marker_color=COLOURS["over"])
    fig.add_vline(x=sum(within) - 0.5, line=ANCHOR_LINE)
    _legend_line(fig, f'{labels("anchor_rapid")} ({labels("source_ips25_15")})', ANCHOR_LINE)
    fig.update_xaxes(title=labels("days_after_intake"), type="category")
    fig.update_yaxes(title=labels("candidates_count"))
    _count_axis(fig, counts)
    fig.update_layout(barmode="stack")
    return _layout(fig, labels("chart_days_to_contact"), labels)


def employer_contacts(per_week: dict[str, float], names: dict[str, str], target: float,
                      labels: Labels) -> go.Figure:
    """Face-to-face employer contacts a week per consultant this month against IPS-25's 6."""
    ids = list(per_week)
    x = [names.get(c, c) for c in ids]
    reached = [per_week[c] >= target for c in ids]
    fig = go.Figure()
    fig.add_bar(x=x, y=[per_week[c] if r else None for c, r in zip(ids, reached)],
                name=labels("per_week_reached"), marker_color=COLOURS["bar"])
    fig.add_bar(x=x, y=[None if r else per_week[c] for c, r in zip(ids, reached)],
                name=labels("per_week_below"), marker_color=COLOURS["muted"])
    _hline(fig, target, f'{labels("anchor_face_to_face")} ({labels("source_ips25_17")})', ANCHOR_LINE)
    fig.update_layout(barmode="stack")
    return _layout(fig, labels("chart_face_to_face"), labels)


def by_phase(counts: dict[str, int], labels: Labels) -> go.Figure:
    """Active candidates by phase, in the order of the course."""
    from ips_nb.data.schema import PHASES

    order = [p for p in PHASES if p in counts] + [p for p in counts if p not in PHASES]
    fig = go.Figure()
    fig.add_bar(x=[labels.enum("phase", p) for p in order], y=[counts[p] for p in order],
                marker_color=COLOURS["bar"], name=labels("candidates_count"))
    _count_axis(fig, counts.values())
    return _layout(fig, labels("chart_by_phase"), labels)


def discharges(series: list[dict], labels: Labels) -> go.Figure:
    """Discharges per month by reason (stacked), the last months."""
    from ips_nb.data.schema import DISCHARGE_REASONS

    x = [month_tick(s["month"], labels) for s in series]
    reasons = [r for r in DISCHARGE_REASONS if any(r in s["reasons"] for s in series)]
    fig = go.Figure()
    for r in reasons:
        fig.add_bar(x=x, y=[s["reasons"].get(r, 0) for s in series], name=labels.enum("discharge", r))
    fig.update_layout(barmode="stack")
    fig.update_yaxes(title=labels("candidates_count"))
    fig.update_xaxes(type="category")
    _count_axis(fig, [sum(s["reasons"].get(r, 0) for r in reasons) for s in series])
    return _layout(fig, labels("chart_discharges"), labels)


def group_label(kind: str, key: str, labels: Labels) -> str:
    """A group's name: a gender in words ("Kvinder"), or an age group at intake ("18–29 år")."""
    return labels.enum("gender", key) if kind == "gender" else labels(f"age_group_{key}")


def group_rates(groups: dict[str, dict], kind: str, labels: Labels) -> str:
    """"Kvinder 42 % af 19 · Mænd 38 % af 21": each group's outcome rate with its size."""
    return " · ".join(f"{group_label(kind, k, labels)} {_rate_of(g, labels)}"
                      for k, g in groups.items() if g["caseload_in_month"])


def _rate_of(group: dict, labels: Labels) -> str:
    """"42 % af 19": a group's outcome rate and its size."""
    return labels("equal_rate_of", rate=labels.percent(group["outcome_rate"], 0),
                  n=labels.number(group["caseload_in_month"]))


def equal_chances(by_gender: dict[str, dict], by_age: dict[str, dict], labels: Labels) -> go.Figure:
    """The month's outcome rate of each gender and each age group at intake, side by side: a
    rate per group (of the group's own caseload), never the group's share of those in work. Each
    bar says its rate and its group's size ("42 % af 19"); empty groups are left out."""
    fig = go.Figure()
    for kind, groups, colour in (("gender", by_gender, COLOURS["bar"]), ("age", by_age, COLOURS["anchor"])):
        shown = {k: g for k, g in groups.items() if g["caseload_in_month"]}
        rates = [g["outcome_rate"] for g in shown.values()]
        fig.add_bar(x=[group_label(kind, k, labels) for k in shown], y=[round(100 * r, 1) for r in rates],
                    name=labels(f"equal_{kind}"), marker_color=colour, textposition="outside",
                    text=[_rate_of(g, labels) for g in shown.values()], hoverinfo="text+name")
    fig.update_yaxes(range=[0, 110], ticksuffix=" %", title=labels("eo_axis"))
    return _layout(fig, labels("equal_heading"), labels)


def fidelity_trend(reviews: list[dict], goal: int | None, labels: Labels) -> go.Figure:
    """IPS-25 totals of every complete review, with the band limits (IPS-25's own, dotted purple)
    and the site's goal (green dashed, always drawn, labelled at the right)."""
    done = [r for r in reviews if r["complete"]]
    x = [labels.date(r["date"]) for r in done]
    fig = go.Figure()
    fig.add_scatter(x=x, y=[r["total"] for r in done], mode="lines+markers+text",
                    text=[str(r["total"]) for r in done], textposition="top center",
                    name=labels("fidelity_total"), line={"color": COLOURS["bar"], "width": 3})
    for low, band, colour in ((115, "band_exemplary", "#44337a"), (100, "band_good", COLOURS["anchor"]),
                              (74, "band_fair", "#b794f4")):
        _hline(fig, low, f"IPS-25 {labels(band)} ≥ {low}", {"dash": "dot", "color": colour, "width": 2},
               f"{labels(band)} ≥ {low}", "bottom left")
    if goal is not None:
        text = f'{labels("goal_site")} {labels.number(goal)}'
        _hline(fig, goal, text, GOAL_LINE, text, "top right")
    fig.update_yaxes(range=[60, 126], tickformat="d")
    fig.update_xaxes(type="category")
    return _layout(fig, labels("chart_fidelity_trend"), labels)
