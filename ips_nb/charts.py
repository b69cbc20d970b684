"""Plotly figures for the pack; each takes computed figures and labels, never the database."""
from __future__ import annotations

import plotly.graph_objects as go

from .i18n import Labels

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
