"""Static HTML from an executed workbook: no code, the site's language, charts drawn offline.

nbconvert's `basic` template gives the cell outputs; we wrap them in our own page so nothing is
loaded from a CDN. plotly.js is copied once into `reports/assets/` and every page points at it.
"""
from __future__ import annotations

import functools
import os
import shutil
import uuid
from pathlib import Path

import nbformat
from markupsafe import Markup

from ips_nb import __version__
from ips_nb.pages.render import css, render

PLOTLY_ASSET = "assets/plotly.min.js"


def ensure_assets(reports_root: Path) -> Path:
    """Copy plotly.js into the reports tree once (about 5 MB shared by every page)."""
    import plotly

    target = reports_root / PLOTLY_ASSET
    source = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    if not target.exists() or target.stat().st_size != source.stat().st_size:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.{uuid.uuid4().hex}.tmp")
        shutil.copyfile(source, tmp)
        tmp.replace(target)
    return target


def _strip_noise(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Drop stderr streams (kernel warnings) so they never reach a reader."""
    for cell in nb.cells:
        if cell.get("cell_type") == "code":
            cell["outputs"] = [o for o in cell.get("outputs", [])
                               if not (o.get("output_type") == "stream" and o.get("name") == "stderr")]
    return nb


def _has_plotly(nb: nbformat.NotebookNode) -> bool:
    return any("application/vnd.plotly.v1+json" in o.get("data", {})
               for c in nb.cells if c.get("cell_type") == "code" for o in c.get("outputs", []))


def page(body: Markup, *, lang: str, title: str, kind: str, plotly_src: str | None = None) -> str:
    """A whole static page around `body`, which must be markup we made (a template's or nbconvert's).

    A page without charts runs no script at all, so its Content-Security-Policy forbids every
    script, frame and remote load: a defence behind the escaping, not instead of it.
    """
    if not isinstance(body, Markup):
        raise TypeError("page() takes Markup from a template or nbconvert, never a plain string")
    return str(render("report.html.j2", body=body, lang=lang, title=title, kind=kind,
                      plotly_src=plotly_src, css=Markup(css()), version=__version__))


@functools.lru_cache(maxsize=1)
def _exporter():
    """One exporter per process: a batch worker compiles nbconvert's templates once, not per notebook."""
    from nbconvert import HTMLExporter

    from traitlets.config import Config

    # A workbook's opening note (tagged `ips-about`) is for whoever opens the notebook, not the page.
    return HTMLExporter(config=Config({"TagRemovePreprocessor": {"remove_cell_tags": {"ips-about"}}}),
                        template_name="basic", exclude_input=True, exclude_input_prompt=True,
                        exclude_output_prompt=True, exclude_markdown=False)


def notebook_html(nb: nbformat.NotebookNode, *, lang: str, title: str, kind: str,
                  plotly_src: str | None) -> str:
    """The executed notebook as a static page without code, prompts or stderr."""
    nb = _strip_noise(nb)
    body, _ = _exporter().from_notebook_node(nb)
    # nbconvert's own rendering: its outputs are the library's template-made fragments and
    # plotly's divs (text in chart data is JSON-escaped by plotly), so it is taken as markup.
    return page(Markup(body), lang=lang, title=title, kind=kind,
                plotly_src=plotly_src if _has_plotly(nb) else None)
