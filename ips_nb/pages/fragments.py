"""What notebook cells display: HTML fragments and chart bundles, their markup from templates.

Outputs are plain HTML so static packs show them as they are; charts carry both the plotly
mimetype (drawn by Voila/JupyterLab) and an HTML div (drawn offline in the static page by the
plotly.js the page carries inline). Tables and headline cards are the macros of
`templates/macros.html.j2`, called from the page templates.
"""
from __future__ import annotations

import plotly.graph_objects as go
from markupsafe import Markup

from ips_nb.pages.render import render


class Html:
    """A fragment that notebooks and Voila display as HTML."""

    def __init__(self, markup: str) -> None:
        self.markup = markup

    def _repr_html_(self) -> str:
        return self.markup

    def __str__(self) -> str:
        return self.markup


class Chart:
    """A plotly figure that renders in Voila (mimetype) and in static HTML (div + plotly.js).

    `missing` is the sentence shown, under the chart's title, in place of the chart where it cannot
    be drawn (scripts off or blocked, a mail preview); the stylesheet hides it once plotly has drawn.
    """

    def __init__(self, fig: go.Figure, div_id: str, missing: str | None = None) -> None:
        self.fig = fig
        self.div_id = div_id
        self.missing = missing

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        div = self.fig.to_html(full_html=False, include_plotlyjs=False, div_id=self.div_id,
                               config={"displaylogo": False, "responsive": True})
        return {"application/vnd.plotly.v1+json": self.fig.to_plotly_json(),
                "text/html": str(render("chart.html.j2", plotly_div=Markup(div), missing=self.missing,
                                        title=self.fig.layout.title.text or ""))}
