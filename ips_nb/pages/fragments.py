"""Small HTML pieces for notebook outputs: escaped tables, headline cards, chart bundles.

Outputs are plain HTML so nbconvert keeps them in static packs; charts carry both the plotly
mimetype (drawn by Voila/JupyterLab) and an HTML div (drawn offline in the static page from the
shared local plotly.js the page template loads).
"""
from __future__ import annotations

from html import escape
from typing import Iterable, Sequence

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


def esc(value: object) -> str:
    return escape("" if value is None else str(value))


def table(header: Sequence[str], rows: Iterable[Sequence[object]], css: str = "ips-table",
          raw_cols: Sequence[int] = (), row_css: Sequence[str] | None = None) -> str:
    """An HTML table; cells are escaped except the columns named in raw_cols (already markup).

    `row_css` gives each body row a class (empty for none), so a row needing attention can stand out.
    """
    rows = list(rows)
    classes = list(row_css) if row_css is not None else [""] * len(rows)
    body = "".join(
        (f'<tr class="{esc(k)}">' if k else "<tr>")
        + "".join(f"<td>{c if i in raw_cols else esc(c)}</td>" for i, c in enumerate(r)) + "</tr>"
        for r, k in zip(rows, classes))
    head = "".join(f"<th>{esc(h)}</th>" for h in header)
    return f'<table class="{css}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def card(label: str, value: str, detail: str = "", status: str = "") -> str:
    """A headline figure: big value, its label, and a line of goal/benchmark context."""
    return (f'<div class="ips-card {esc(status)}"><div class="ips-card-value">{esc(value)}</div>'
            f'<div class="ips-card-label">{esc(label)}</div>'
            f'<div class="ips-card-detail">{esc(detail)}</div></div>')


class Chart:
    """A plotly figure that renders in Voila (mimetype) and in static HTML (div + local plotly.js)."""

    def __init__(self, fig: go.Figure, div_id: str) -> None:
        self.fig = fig
        self.div_id = div_id

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        div = self.fig.to_html(full_html=False, include_plotlyjs=False, div_id=self.div_id,
                               config={"displaylogo": False, "responsive": True})
        return {"application/vnd.plotly.v1+json": self.fig.to_plotly_json(),
                "text/html": str(render("chart.html.j2", plotly_div=Markup(div)))}
