"""The project documents itself: docs/ is current, its links resolve, the workbooks point to it.

docs/exchange-format.md is generated from the schema declaration by tools/make_docs.py, so a
column added to the schema without regenerating the page fails here.
"""
import importlib.util
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
ABOUT_TAG = "ips-about"


def _make_docs():
    spec = importlib.util.spec_from_file_location("make_docs", ROOT / "tools" / "make_docs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _workbooks() -> list[Path]:
    return sorted((ROOT / "workbooks").glob("*.ipynb"))


def test_the_exchange_format_page_is_what_the_schema_makes_now():
    made = _make_docs().render()
    path = DOCS / "exchange-format.md"
    assert path.is_file(), "docs/exchange-format.md is missing: run .venv/bin/python tools/make_docs.py"
    assert path.read_text(encoding="utf-8") == made, \
        "docs/exchange-format.md is out of date: run .venv/bin/python tools/make_docs.py"


def test_the_settings_page_is_what_the_settings_module_makes_now():
    made = _make_docs().render_settings()
    path = DOCS / "settings.md"
    assert path.is_file(), "docs/settings.md is missing: run .venv/bin/python tools/make_docs.py"
    assert path.read_text(encoding="utf-8") == made, \
        "docs/settings.md is out of date: run .venv/bin/python tools/make_docs.py"


def test_the_settings_page_names_every_variable_with_its_default():
    from ips_nb.settings import Settings, env_name

    text = (DOCS / "settings.md").read_text(encoding="utf-8")
    for field in Settings.model_fields:
        assert f"| `{env_name(field)}` |" in text, field
    assert "| `IPS_NB_XLSX_MAX_ROWS` | whole number | `500,000` |" in text


def test_the_exchange_format_page_names_every_table_and_column():
    from ips_nb.data.schema import TABLES

    text = (DOCS / "exchange-format.md").read_text(encoding="utf-8")
    for name, table in TABLES.items():
        assert f"### {name}\n" in text, name
        for col in table.columns:
            assert f"| `{col.name}` |" in text, f"{name}.{col.name}"


def test_every_page_is_in_the_index_and_every_relative_link_resolves():
    pages = sorted(p.name for p in DOCS.glob("*.md"))
    assert {"README.md", "exchange-format.md", "figures.md", "agenda.md", "running.md"} <= set(pages)
    index = (DOCS / "README.md").read_text(encoding="utf-8")
    for page in pages:
        if page != "README.md":
            assert f"({page})" in index, f"docs/README.md does not link {page}"
    for page in DOCS.glob("*.md"):
        text = page.read_text(encoding="utf-8")
        for target in re.findall(r"\]\(([^)\s]+)\)", text):
            if re.match(r"[a-z]+:", target):
                continue
            file, _, anchor = target.partition("#")
            dest = (page.parent / file).resolve() if file else page
            assert dest.exists(), f"{page.name}: link to {target} points nowhere"
            if anchor and dest.suffix == ".md":
                headings = re.findall(r"^#+ (.+)$", dest.read_text(encoding="utf-8"), re.M)
                slugs = {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings}
                assert anchor in slugs, f"{page.name}: no heading for #{anchor} in {dest.name}"


def test_no_page_workbook_or_tool_points_to_the_teams_private_notes():
    """Users never see the team's working notes, so nothing they read may send them there."""
    private = re.compile(r"\bshared[/\\]|\b(?:DESIGN|METRICS|DOMAIN|FIDELITY|STACK|STYLE)\.md\b")
    files = [*DOCS.glob("*.md"), *(ROOT / "tools").glob("*.py"), *_workbooks()]
    for path in files:
        hit = private.search(path.read_text(encoding="utf-8"))
        assert not hit, f"{path.relative_to(ROOT)} mentions {hit.group()}"


@pytest.mark.parametrize("path", _workbooks(), ids=lambda p: p.name)
def test_each_workbook_opens_with_a_visible_note_on_what_it_makes(path):
    nb = nbformat.read(path, as_version=4)
    about, parameters = nb.cells[0], nb.cells[1]
    assert about.cell_type == "markdown" and ABOUT_TAG in about.metadata.get("tags", [])
    assert not about.source.lstrip().startswith("<!--"), "the note must be visible in JupyterLab"
    assert "docs/" in about.source
    assert "parameters" in parameters.metadata.get("tags", [])
    for name in re.findall(r"^(\w+)\s*=", parameters.source, re.M):
        assert f"`{name}`" in about.source, f"{path.name}: the note does not explain `{name}`"


@pytest.mark.parametrize("path", _workbooks(), ids=lambda p: p.name)
def test_the_note_stays_out_of_the_static_pages(path):
    from ips_nb.pages.report import notebook_html

    nb = nbformat.read(path, as_version=4)
    heading = nb.cells[0].source.splitlines()[0].lstrip("# ").strip()
    html = notebook_html(nb, lang="en", title="t", kind=path.stem)
    assert heading not in html
