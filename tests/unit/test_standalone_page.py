"""A page with charts travels alone: plotly.js inline, safely, under a policy that allows only its
own scripts; a page without charts still forbids every script."""
from __future__ import annotations

import base64
import hashlib
import re

import nbformat
import pytest
from markupsafe import Markup

from ips_nb.pages.fragments import Chart
from ips_nb.pages.report import PLOTLY_BASIC, chart_script_hashes, notebook_html, page, plotly_inline, script_text

STRICT = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"


def _sha(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"


def _policy(html: str) -> str:
    """The policy as the browser reads the attribute (entities decoded)."""
    from html import unescape

    return unescape(re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', html).group(1))


def _inline_scripts(html: str) -> list[str]:
    return re.findall(r"<script>(.*?)</script>", html, re.S)


def _chart_nb() -> nbformat.NotebookNode:
    import plotly.graph_objects as go

    chart = Chart(go.Figure(go.Bar(x=["a"], y=[1])), "c1", "Cannot draw here.")
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("chart")
    cell.outputs = [nbformat.v4.new_output("display_data", data=chart._repr_mimebundle_())]
    nb.cells = [cell]
    return nb


def test_the_vendored_bundle_cannot_end_its_script_element_early():
    text = PLOTLY_BASIC.read_text(encoding="utf-8")
    assert "</script" not in text.lower() and "<!--" not in text
    assert str(plotly_inline()) == text  # nothing needed escaping
    assert 1_000_000 < len(text.encode("utf-8")) < 1_300_000


def test_script_text_escapes_a_closing_tag_and_refuses_a_comment_opener():
    assert script_text('var s = "</script><b>";') == 'var s = "<\\/script><b>";'
    assert script_text('x = "</SCRIPT >"') == 'x = "<\\/SCRIPT >"'
    with pytest.raises(ValueError):
        script_text('x = "<!--<script>"')


def test_a_chart_page_carries_plotly_inline_and_allows_exactly_its_own_scripts():
    html = notebook_html(_chart_nb(), lang="da", title="t", kind="supervision")
    assert not re.search(r"<(script|link)\b[^>]*\b(src|href)=", html)  # nothing linked
    assert "assets/plotly.min.js" not in html
    scripts = _inline_scripts(html)
    assert scripts[0] == str(plotly_inline()) and len(scripts) == 2
    policy = _policy(html)
    allowed = re.search(r"script-src ([^;]*)", policy).group(1).split()
    assert allowed == [_sha(s) for s in scripts]
    assert "default-src 'none'" in policy and "unsafe-eval" not in policy and "http" not in policy
    assert html.index("Content-Security-Policy") < html.index("<script>")
    assert 'class="ips-chart-missing">Cannot draw here.</p>' in html


def test_only_plotlys_own_chart_scripts_get_a_hash():
    body = ('<div><script>window.PLOTLYENV=window.PLOTLYENV || {}; Plotly.newPlot("x", [])</script>'
            '<script>alert(1)</script></div>')
    assert chart_script_hashes(body) == [_sha('window.PLOTLYENV=window.PLOTLYENV || {}; Plotly.newPlot("x", [])')]
    html = page(Markup(body), lang="en", title="t", kind="x", charts=True)
    assert _sha("alert(1)") not in _policy(html)


def test_a_page_without_charts_keeps_the_strict_policy():
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("x")
    cell.outputs = [nbformat.v4.new_output("display_data", data={"text/html": "<p>hello</p>"})]
    nb.cells = [cell]
    html = notebook_html(nb, lang="en", title="t", kind="agenda")
    assert _policy(html) == STRICT and "<script" not in html
    assert _policy(page(Markup("<p>x</p>"), lang="en", title="t", kind="index")) == STRICT


def test_the_page_shows_html_outputs_as_made_and_everything_else_as_text_or_not_at_all():
    nb = nbformat.v4.new_notebook()
    about = nbformat.v4.new_markdown_cell("How to run this workbook", metadata={"tags": ["ips-about"]})
    params = nbformat.v4.new_code_cell("site = 'x'", metadata={"tags": ["parameters"]})
    shown = nbformat.v4.new_code_cell("x")
    shown.outputs = [
        nbformat.v4.new_output("display_data", data={"text/html": "<p class='made'>made by the library</p>",
                                                      "text/plain": "<Fragment>"}),
        nbformat.v4.new_output("execute_result", data={"text/plain": "<script>alert(1)</script>"}, execution_count=1),
        nbformat.v4.new_output("stream", name="stdout", text="printed <b>here</b>"),
        nbformat.v4.new_output("stream", name="stderr", text="a kernel warning"),
        nbformat.v4.new_output("error", ename="ValueError", evalue="boom", traceback=["Traceback"]),
    ]
    nb.cells = [about, params, shown]
    html = notebook_html(nb, lang="en", title="t", kind="agenda")
    main = html[html.index("<main>"):html.index("</main>")]
    assert "<p class='made'>made by the library</p>" in main
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in main and "<script" not in html
    assert "printed &lt;b&gt;here&lt;/b&gt;" in main
    assert "a kernel warning" not in main and "boom" not in main and "Traceback" not in main
    assert "How to run this workbook" not in main  # the opening note is for the notebook's reader
    assert 'class="cell code_cell celltag_parameters"' in main  # the stylesheet hides it by tag
    assert "site = " not in main  # no code
