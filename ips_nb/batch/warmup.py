"""Warming up a kernel: the imports and first-use work of every workbook's first cells, done
once in the zygote before it forks kernels (or, without one, by each launched kernel as it starts).
"""
from __future__ import annotations

import functools
from collections.abc import Callable

# Run by a launched kernel (no zygote) before it reports ready (ipykernel's exec_lines, out of
# history): the imports and first-use work of every workbook's first cells, paid while the
# previous notebook still runs.
WARM_UP = "--IPKernelApp.exec_lines=from ips_nb.batch.warmup import warm_up as _w; _w(); del _w"
# In steps, the agenda's first (pandas, SQLAlchemy, its templates, no charts): a zygote serves
# the kernels asked for between steps, so a run's first notebook, an agenda, need not wait for the
# charts. The longest step, a chart drawn once, comes last, once every worker has its first kernel.
WARM_STEPS = (("ips_nb.pages.agenda",),
              ("ips_nb.pages.pack", "ips_nb.pages.overview", "plotly.graph_objects", "plotly.io", "nbformat"))


def warm_up(between: Callable[[], None] | None = None) -> None:
    """Import what the workbooks import, and run once what their first cells run (a site's read,
    the pages' templates and catalogues, a chart) on made-up data, so that pandas', SQLAlchemy's,
    Jinja2's and plotly's first-use work is done before any kernel is forked. No real data is
    touched. A step that fails here fails again, visibly, in the cell. `between` runs after each.
    """
    import importlib

    def _import_all(names: tuple[str, ...]) -> None:
        for name in names:
            importlib.import_module(name)

    def _agenda() -> None:
        _import_all(WARM_STEPS[0])
        _warm_read()
        _warm_pages(("agenda",))

    steps = [_agenda, functools.partial(_import_all, WARM_STEPS[1]),
             functools.partial(_warm_pages, ("pack", "overview", "."), hyphenation=True), _warm_chart]
    for step in steps:
        try:
            step()
        except Exception:  # noqa: BLE001 - warming is optional; a real error shows in the notebook
            pass
        if between is not None:
            between()


def _warm_pages(folders: tuple[str, ...], hyphenation: bool = False) -> None:
    """Compile the templates of these folders of templates/, and load every language's catalogue,
    date and number formats and (with `hyphenation`) hyphenation patterns: each kernel would
    otherwise do it all again for its first page. The patterns come later than the rest: a
    kernel needs only its own language's, and two of them take ~0.06 s each to load."""
    from datetime import date

    from babel.dates import format_date, format_skeleton

    from ips_nb.pages import agenda, labels, render

    for lang in labels.LANGS:
        words = labels.Labels(lang)
        day = date(2026, 1, 5)
        words.date(day), words.number(1234.5, 1), words.month_name(2026, 1)
        format_skeleton("MMMd", day, locale=words.locale), format_date(day, "EEEE", locale=words.locale)
        if hyphenation:
            agenda.soft_hyphens("beskæftigelsesindsatsen", lang)
    env = render.environment()
    for folder in folders:
        for path in sorted((render.TEMPLATES / folder).glob("*.j2")):
            env.get_template(path.relative_to(render.TEMPLATES).as_posix())


def _warm_chart() -> None:
    """A figure with the trace kinds and layout the packs use, rendered as a notebook shows it."""
    import plotly.graph_objects as go

    from ips_nb.pages import charts
    from ips_nb.pages.fragments import Chart

    fig = go.Figure([go.Scatter(x=["2026-01", "2026-02"], y=[0.1, 0.2], mode="lines+markers", name="a"),
                     go.Bar(x=["a", "b"], y=[1, 2], name="b", text=["1", "2"], hovertext=["x", "y"])])
    charts._layout(fig, "warm-up")
    fig.add_hline(y=0.3, line={"dash": "dash"})
    Chart(fig, "warm-up")._repr_mimebundle_()


def _warm_read() -> None:
    """A site's read from an empty in-memory database: the queries and frames of the first cell."""
    from ips_nb.data import connection
    from ips_nb.data.frames import load_site

    engine = connection.connect("sqlite://")
    try:
        connection.create_schema(engine)
        load_site(engine, "warm-up")
    finally:
        engine.dispose()
