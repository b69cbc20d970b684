"""Static HTML from an executed workbook: no code, the site's language, charts drawn offline.

The cells' outputs go through our own template (`templates/notebook.html.j2`) into our own page,
so nothing is loaded from a CDN. Not nbconvert: our workbooks' outputs are already HTML made by
the library, and skipping nbconvert's copies, preprocessors and HTML parsing saves a batch worker
~0.15 s a notebook and ~0.4 s of imports. A page with charts carries plotly.js's basic bundle inline (1.2 MB: the charts
use only scatter and bar traces), so a pack copied or mailed on its own still draws its charts;
every chart also says in words when it cannot be drawn (`templates/chart.html.j2`).

Every page carries a Content-Security-Policy. A page without charts forbids every script; a page
with charts allows exactly its own inline scripts, by their SHA-256 (the bundle and each chart's
`Plotly.newPlot` call), and nothing remote: no other script, no connection, no frame.
"""
from __future__ import annotations

import base64
import functools
import hashlib
import re
from typing import TYPE_CHECKING

from markupsafe import Markup

from ips_nb import __version__
from ips_nb.pages.render import css, render
from ips_nb.resources import static_dir

if TYPE_CHECKING:  # a page needs no nbformat; a notebook handed in already is one
    import nbformat

PLOTLY_BASIC = static_dir() / "plotly-basic.min.js"
# A chart's own script, as plotly writes it (`Figure.to_html`): only these get a CSP hash.
_SCRIPT = re.compile(r"<script\b[^>]*>(.*?)</script\s*>", re.S | re.I)
_CHART_SCRIPT = re.compile(r"\s*window\.PLOTLYENV\s*=")


def script_text(js: str) -> str:
    """JavaScript that can sit between <script> and </script> without ending the element early.

    `</script` (any case) would close the element: it is written `<\\/script`, the same string to
    JavaScript. `<!--` would make the HTML parser read a later `<script` as nested, so a text
    holding it is refused rather than guessed at (the vendored bundle has neither).
    """
    if "<!--" in js:
        raise ValueError("script text holds '<!--'; it cannot be inlined safely")
    return re.sub(r"</(script)", r"<\\/\1", js, flags=re.I)


@functools.lru_cache(maxsize=1)
def plotly_inline() -> Markup:
    """plotly.js's basic bundle (the version plotly.py ships, MIT), ready to inline; read once per process."""
    return Markup(script_text(PLOTLY_BASIC.read_text(encoding="utf-8")))


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


@functools.lru_cache(maxsize=1)
def _plotly_hash() -> str:
    return _sha256(str(plotly_inline()))


def chart_script_hashes(body: str) -> list[str]:
    """CSP hashes of the chart scripts in `body` (plotly's `Plotly.newPlot` calls), in order."""
    return [_sha256(m.group(1)) for m in _SCRIPT.finditer(body) if _CHART_SCRIPT.match(m.group(1))]


def _has_plotly(nb: nbformat.NotebookNode) -> bool:
    return any("application/vnd.plotly.v1+json" in o.get("data", {})
               for c in nb.cells if c.get("cell_type") == "code" for o in c.get("outputs", []))


def page(body: Markup, *, lang: str, title: str, kind: str, charts: bool = False) -> str:
    """A whole static page around `body`, which must be markup we made (a template's).

    Without `charts` the page runs no script at all, so its Content-Security-Policy forbids every
    script, frame and remote load: a defence behind the escaping, not instead of it. With `charts`
    plotly.js is inlined and the policy allows that bundle and the charts' own scripts by hash.
    """
    if not isinstance(body, Markup):
        raise TypeError("page() takes Markup from a template, never a plain string")
    hashes = [_plotly_hash(), *chart_script_hashes(str(body))] if charts else []
    return str(render("report.html.j2", body=body, lang=lang, title=title, kind=kind,
                      plotly=plotly_inline() if charts else None, script_hashes=hashes,
                      css=Markup(css()), version=__version__))


# A workbook's opening note (tagged `ips-about`) is for whoever opens the notebook, not the page.
HIDDEN_TAG = "ips-about"
_SHOWN = ("display_data", "execute_result")


def _joined(value: str | list[str]) -> str:
    return "".join(value) if isinstance(value, list) else value


def _output(out: dict) -> dict | None:
    """One output as the page shows it: its HTML (the library's own), else its text; None if not shown."""
    kind = out.get("output_type")
    if kind in _SHOWN:
        data = out.get("data", {})
        if "text/html" in data:
            return {"html": Markup(_joined(data["text/html"])), "text": None}
        if "text/plain" in data:
            return {"html": None, "text": _joined(data["text/plain"])}
    if kind == "stream" and out.get("name") == "stdout":
        return {"html": None, "text": _joined(out.get("text", ""))}
    return None  # stderr, errors (a failed notebook gets no page), widgets' state


def _cells(nb: nbformat.NotebookNode) -> list[dict]:
    """The cells the page shows: code cells' outputs, markdown rendered; the opening note left out."""
    cells = []
    for cell in nb.cells:
        tags = list(cell.get("metadata", {}).get("tags", []))
        if HIDDEN_TAG in tags:
            continue
        if cell.get("cell_type") == "markdown":
            import mistune  # the workbook's own prose; rare, so imported only when there is some

            outputs = [{"html": Markup(mistune.html(_joined(cell.get("source", "")))), "text": None}]
        else:
            outputs = [o for o in map(_output, cell.get("outputs", [])) if o is not None]
        cells.append({"id": cell.get("id", ""), "tags": tags, "outputs": outputs})
    return cells


def prepare() -> None:
    """Compile the page templates and read plotly.js now: a batch worker does it while its first
    kernel starts, instead of in its first notebook's time."""
    from ips_nb.pages.render import environment

    for name in ("report.html.j2", "notebook.html.j2"):
        environment().get_template(name)
    plotly_inline()


def notebook_html(nb: nbformat.NotebookNode, *, lang: str, title: str, kind: str) -> str:
    """The executed notebook as a static page without code, prompts or stderr.

    A notebook with charts gives a page that draws them on its own (plotly.js inline).
    """
    body = render("notebook.html.j2", cells=_cells(nb))
    return page(body, lang=lang, title=title, kind=kind, charts=_has_plotly(nb))
