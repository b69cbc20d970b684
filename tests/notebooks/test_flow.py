"""The whole flow as a newcomer runs it: `ips-nb demo` → SQLite → both workbooks for every demo site.

One real run (papermill executes each workbook in a kernel) feeds every check in this file.
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest
from conftest import DEMO_TODAY, ROOT

from ips_nb.demo import DEMO_SITES, generate

LANG = {"aarhus": "da", "odense": "da", "jonkoping": "sv", "malmo": "sv"}
MONTH, WEEK = "2026-10", "2026-W48"  # latest complete month and current ISO week on 2026-11-23

PACK_KEYS = {"site", "month", "as_of", "active_caseload", "caseload_in_month", "caseload_by_consultant",
             "over_caseload_max", "referrals", "intakes", "discharges_by_reason", "job_starts",
             "education_starts", "outcome_in_month", "outcome_rate"}
SECTION_KEYS = ["new_referrals", "to_discuss", "actions_due", "good_news"]


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory) -> dict:
    """Run `ips-nb demo` exactly as `make demo` does, into a temporary folder."""
    tmp = tmp_path_factory.mktemp("flow")
    out, db = tmp / "reports", f"sqlite:///{tmp / 'ips.db'}"
    proc = subprocess.run(
        [sys.executable, "-m", "ips_nb.cli", "demo", "--today", DEMO_TODAY.isoformat(), "--db", db,
         "--params", str(ROOT / "params"), "--out", str(out), "--jobs", "2"],
        capture_output=True, text=True, timeout=600, cwd=tmp)
    return {"proc": proc, "out": out, "db": db}


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.scripts: list[str] = []
        self.styles: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.hrefs.append(a["href"])
        if tag == "script" and a.get("src"):
            self.scripts.append(a["src"])
        if tag == "link" and a.get("href"):
            self.styles.append(a["href"])


def _parse(path: Path) -> _Links:
    parser = _Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def test_demo_ends_and_says_where_to_look(demo_run):
    proc = demo_run["proc"]
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "index.html" in proc.stdout and "make serve" in proc.stdout
    assert "Traceback" not in proc.stdout + proc.stderr
    assert "without encryption" not in proc.stdout + proc.stderr, "kernel noise reached the terminal"


def test_index_links_every_pack_and_agenda(demo_run):
    index = demo_run["out"] / "index.html"
    hrefs = _parse(index).hrefs
    for site in DEMO_SITES:
        assert f"{site}/supervision/{MONTH}.html" in hrefs
        assert f"{site}/agenda/{WEEK}.html" in hrefs
    for href in hrefs:
        if not href.startswith(("http:", "https:", "#")):
            assert (index.parent / href).exists(), href


@pytest.mark.parametrize("site", DEMO_SITES)
def test_pages_speak_the_site_language_and_load_nothing_from_the_internet(demo_run, site):
    for kind, period in (("supervision", MONTH), ("agenda", WEEK)):
        page = demo_run["out"] / site / kind / f"{period}.html"
        text = page.read_text(encoding="utf-8")
        assert re.search(rf'<html[^>]*\blang="{LANG[site]}"', text), page
        links = _parse(page)
        for src in links.scripts + links.styles:
            assert not re.match(r"(https?:)?//", src), f"{page} loads {src}"
            assert (page.parent / src).resolve().exists(), f"{page}: {src} missing"
        assert "<pre" not in text or "Traceback" not in text
        assert "def " not in text and "import ips_nb" not in text, "code leaked into the report"


def test_pack_labels_are_translated(demo_run):
    da = (demo_run["out"] / "aarhus" / "supervision" / f"{MONTH}.html").read_text(encoding="utf-8")
    sv = (demo_run["out"] / "malmo" / "supervision" / f"{MONTH}.html").read_text(encoding="utf-8")
    assert "oktober 2026" in da and "oktober 2026" in sv
    assert "Henvisninger" in da and "Remisser" in sv
    assert "Referrals" not in da + sv


@pytest.mark.parametrize("site", DEMO_SITES)
def test_pack_json_holds_the_metrics_keys(demo_run, site):
    figures = json.loads((demo_run["out"] / site / "supervision" / f"{MONTH}.json").read_text("utf-8"))
    assert PACK_KEYS <= set(figures)
    assert figures["site"] == site and figures["month"] == MONTH and figures["as_of"] == "2026-10-31"
    assert figures["active_caseload"] == sum(figures["caseload_by_consultant"].values())
    assert 0 <= figures["outcome_in_month"] <= figures["caseload_in_month"]
    assert figures["outcome_rate"] == round(figures["outcome_in_month"] / figures["caseload_in_month"], 4)


@pytest.mark.parametrize("site", DEMO_SITES)
def test_agenda_json_has_the_four_sections_in_order(demo_run, site):
    agenda = json.loads((demo_run["out"] / site / "agenda" / f"{WEEK}.json").read_text("utf-8"))
    assert agenda["site"] == site and agenda["week"] == WEEK
    assert [s["key"] for s in agenda["sections"]] == SECTION_KEYS
    assert isinstance(agenda["left_out_without_consent"], int)
    assert any(s["candidates"] for s in agenda["sections"]), "the demo week should give a conference work"


@pytest.mark.parametrize("site", DEMO_SITES)
def test_executed_notebooks_carry_their_parameters(demo_run, site):
    nb = nbformat.read(demo_run["out"] / site / "supervision" / f"{MONTH}.ipynb", as_version=4)
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert injected and f"site = \"{site}\"" in injected[0].source
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert not errors


def test_no_identity_number_anywhere_in_reports_or_output(demo_run):
    """CPR/personnummer (with or without the dash) never reach a report, notebook, JSON or terminal."""
    candidates = generate(DEMO_TODAY)["candidates"]
    numbers = {str(n) for n in candidates["cpr"].dropna()}
    assert len(numbers) > 100
    needles = numbers | {n.replace("-", "") for n in numbers}
    pattern = re.compile("|".join(re.escape(n) for n in sorted(needles, key=len, reverse=True)))
    proc = demo_run["proc"]
    assert not pattern.search(proc.stdout + proc.stderr)
    files = [p for p in demo_run["out"].rglob("*") if p.is_file() and p.suffix != ".js"]
    assert len(files) >= 24
    for path in files:
        hit = pattern.search(_text_of(path))
        assert not hit, f"{path} holds an identity number"


def _text_of(path: Path) -> str:
    """A report's text: a PDF's as pypdf reads it (the demo prints agendas when Chromium is here)."""
    if path.suffix == ".pdf":
        from pypdf import PdfReader

        return "\n".join(page.extract_text() for page in PdfReader(path).pages)
    return path.read_text(encoding="utf-8")


def test_agenda_pdfs_beside_or_one_line_saying_how(demo_run):
    """README: "PDFs beside". With Chromium the demo prints every agenda and the index links each
    PDF; without, one line says how to get them (issue 24: the demo made none)."""
    from ips_nb.cli import _chromium_installed

    agendas = sorted((demo_run["out"]).glob("*/agenda/*.html"))
    assert agendas
    stdout = demo_run["proc"].stdout
    if _chromium_installed():
        hrefs = _parse(demo_run["out"] / "index.html").hrefs
        for html in agendas:
            assert html.with_suffix(".pdf").is_file(), html
        assert f"aarhus/agenda/{WEEK}.pdf" in hrefs
        assert "No PDFs" not in stdout
    else:
        assert not list(demo_run["out"].glob("*/agenda/*.pdf"))
        (line,) = [ln for ln in stdout.splitlines() if ln.startswith("No PDFs of the agendas")]
        assert line.endswith(f"run agenda --week {WEEK} --pdf")


def test_a_site_report_holds_only_its_own_candidates(demo_run):
    candidates = generate(DEMO_TODAY)["candidates"]
    for site in DEMO_SITES:
        others = set(candidates.loc[candidates["site"] != site, "candidate_id"])
        for path in (demo_run["out"] / site).rglob("*.json"):
            text = path.read_text(encoding="utf-8")
            leaked = [c for c in others if re.search(rf'"{re.escape(c)}"', text)]
            assert not leaked, f"{path} names {leaked[:3]}"


def test_help_explains_every_command_and_version_prints():
    from ips_nb import __version__

    helptext = subprocess.run([sys.executable, "-m", "ips_nb.cli", "--help"], capture_output=True,
                              text=True, check=True).stdout
    for command in ("demo", "run", "serve", "validate", "import", "export"):
        assert re.search(rf"^\s+{command}\s+\S", helptext, re.M), f"{command} lacks a sentence"
    version = subprocess.run([sys.executable, "-m", "ips_nb.cli", "--version"], capture_output=True,
                             text=True, check=True).stdout
    assert version.strip() == f"ips-nb {__version__}"


GOLDEN = ROOT / "tests" / "data" / "golden" / f"demo-{DEMO_TODAY.isoformat()}"


def test_the_demos_json_is_the_reviewed_golden_copy(demo_run):
    """Every figure and agenda of the demo, byte for byte as reviewed: a change of a figure shows
    as a diff of tests/data/golden/ in the same commit. UPDATE_GOLDEN=1 rewrites the copy."""
    import os
    import shutil

    out = demo_run["out"]
    made = {p.relative_to(out).as_posix() for p in [*out.glob("*/*/*.json"), *out.glob("overview/*.json")]}
    if os.environ.get("UPDATE_GOLDEN"):
        shutil.rmtree(GOLDEN, ignore_errors=True)
        for rel in made:
            (GOLDEN / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(out / rel, GOLDEN / rel)
    kept = {p.relative_to(GOLDEN).as_posix() for p in [*GOLDEN.glob("*/*/*.json"), *GOLDEN.glob("overview/*.json")]}
    assert made == kept
    for rel in sorted(made):
        assert json.loads((out / rel).read_text(encoding="utf-8")) == \
            json.loads((GOLDEN / rel).read_text(encoding="utf-8")), rel
        assert (out / rel).read_bytes() == (GOLDEN / rel).read_bytes(), rel
