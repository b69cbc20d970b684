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

import jinja2
import nbformat

from ips_nb import __version__

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
PLOTLY_ASSET = "assets/plotly.min.js"


@functools.lru_cache(maxsize=1)
def _env() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=False)


@functools.lru_cache(maxsize=1)
def css() -> str:
    return (TEMPLATES / "ips.css").read_text(encoding="utf-8")


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


def page(body: str, *, lang: str, title: str, kind: str, plotly_src: str | None = None) -> str:
    return _env().get_template("report.html.j2").render(
        body=body, lang=lang, title=title, kind=kind, plotly_src=plotly_src, css=css(),
        version=__version__)


@functools.lru_cache(maxsize=1)
def _exporter():
    """One exporter per process: a batch worker compiles nbconvert's templates once, not per notebook."""
    from nbconvert import HTMLExporter

    return HTMLExporter(template_name="basic", exclude_input=True, exclude_input_prompt=True,
                        exclude_output_prompt=True, exclude_markdown=False)


def notebook_html(nb: nbformat.NotebookNode, *, lang: str, title: str, kind: str,
                  plotly_src: str | None) -> str:
    """The executed notebook as a static page without code, prompts or stderr."""
    nb = _strip_noise(nb)
    body, _ = _exporter().from_notebook_node(nb)
    return page(body, lang=lang, title=title, kind=kind,
                plotly_src=plotly_src if _has_plotly(nb) else None)
