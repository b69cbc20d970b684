"""reports/index.html and the coordinators' runs page: the newest period first, the site-wide
agenda before the team agendas (under the team's name), each site in its own language, PDFs
linked, and how the last run went kept off the index (one discreet link to the runs page)."""
from __future__ import annotations

import json
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from factory import make_params

from ips_nb.batch.jobs import slug
from ips_nb.pages.index import team_slug, write_index
from ips_nb.pages.titles import report_title


def _touch(folder, *names: str, text: str = "<html></html>") -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        (folder / name).write_text(text, encoding="utf-8")


def _site_part(html: str, site: str) -> str:
    return re.search(rf'<section class="ips-index-site" lang="\w+">\s*<h2 id="{site}">.*?</section>', html, re.S).group(0)


def _texts(markup: str) -> list[str]:
    return re.findall(r'<a href="[^"]+">([^<]+)</a>', markup)


def test_latest_period_leads_and_site_wide_agenda_comes_before_teams(tmp_path, params_dir):
    agenda = tmp_path / "malmo" / "agenda"
    _touch(agenda, *(f"{stem}.html" for stem in
                     ("2026-W47", "2026-W47-team-oster", "2026-W48", "2026-W48-team-oster", "2026-W48-team-vaster")))
    html = write_index(tmp_path, params_dir=params_dir).read_text(encoding="utf-8")
    line = re.search(r"<p><strong>[^<]*</strong> (.*?)</p>", html, re.S).group(1)
    latest, _, older = line.partition("<br>")
    hrefs = re.findall(r'href="([^"]+)"', latest)
    assert hrefs == ["malmo/agenda/2026-W48.html", "malmo/agenda/2026-W48-team-oster.html",
                     "malmo/agenda/2026-W48-team-vaster.html"]
    # the team's name as the parameters spell it, the week in the site's language
    assert _texts(latest) == ["vecka 48 · 2026", "Team Öster", "Team Väster"]
    assert _texts(older) == ["vecka 47 · 2026", "vecka 47 · 2026 · Team Öster"]
    assert "team-oster<" not in html and "IPS Malmö" in html and 'lang="sv"' in html
    assert "<strong>Dagordningar:</strong>" in html


def test_a_team_agenda_is_named_by_its_json_and_a_pdf_beside_it_is_linked(tmp_path, params_dir):
    agenda = tmp_path / "aarhus" / "agenda"
    _touch(agenda, "2026-W48.html", "2026-W48.pdf", "2026-W48-team-nord.html", "2026-W48-team-nord.pdf",
           "2026-W48-team-x.html")
    (agenda / "2026-W48-team-nord.json").write_text(json.dumps({"site": "aarhus", "team": "Team Nord"}), "utf-8")
    (agenda / "2026-W48-team-x.json").write_text(json.dumps({"site": "aarhus", "team": "Team X/Ø"}), "utf-8")
    _touch(tmp_path / "aarhus" / "supervision", "2026-10.html", "2026-09.html")
    html = write_index(tmp_path, params_dir=params_dir).read_text(encoding="utf-8")
    part = _site_part(html, "aarhus")
    assert _texts(part) == ["oktober 2026", "september 2026", "uge 48 · 2026", "Team Nord", "Team X/Ø"]
    pdfs = re.findall(r'<a class="ips-pdf" href="([^"]+)">\(PDF\)</a>', part)
    assert pdfs == ["aarhus/agenda/2026-W48.pdf", "aarhus/agenda/2026-W48-team-nord.pdf"]
    assert "<strong>Supervisionspakker:</strong>" in part and "Ældre rapporter" in part


def test_each_site_speaks_its_own_language_and_the_page_the_regions_never_english(tmp_path, params_dir):
    _touch(tmp_path / "aarhus" / "agenda", "2026-W48.html")
    _touch(tmp_path / "malmo" / "agenda", "2026-W48.html")
    html = write_index(tmp_path, params_dir=params_dir).read_text(encoding="utf-8")
    # one Danish site, one Swedish, no `lang` in access.yaml: the tie goes to Danish (da, sv, en)
    assert re.search(r'<html lang="da"', html) and "<h1>IPS-rapporter</h1>" in html
    assert 'lang="da">' in _site_part(html, "aarhus") and "uge 48 · 2026" in _site_part(html, "aarhus")
    assert 'lang="sv">' in _site_part(html, "malmo") and "vecka 48 · 2026" in _site_part(html, "malmo")
    only_da = tmp_path / "da"
    _touch(only_da / "aarhus" / "agenda", "2026-W48.html")
    assert '<html lang="da"' in write_index(only_da, params_dir=params_dir).read_text(encoding="utf-8")


def test_the_last_runs_failures_are_on_the_runs_page_not_on_the_index(tmp_path, params_dir):
    _touch(tmp_path / "aarhus" / "agenda", "2026-W48.html")
    runs = tmp_path / "runs"
    runs.mkdir()
    (runs / "20261123T070000000000Z.json").write_text(json.dumps({
        "finished": "2026-11-23T07:00:00+00:00", "counts": {"ok": 3, "failed": 0, "interrupted": 0},
        "results": []}), encoding="utf-8")
    (runs / "20261124T070000000000Z.json").write_text(json.dumps({
        "finished": "2026-11-24T07:05:00+00:00", "interrupted": None,
        "counts": {"ok": 1, "failed": 1, "interrupted": 0},
        "results": [{"kind": "agenda", "site": "aarhus", "period": "2026-W48", "team": None, "status": "ok"},
                    {"kind": "agenda", "site": "aarhus", "period": "2026-W48", "team": "Team Syd",
                     "status": "failed", "reason": "Chromium not found at /nowhere"}]}), encoding="utf-8")
    html = write_index(tmp_path, params_dir=params_dir).read_text(encoding="utf-8")
    assert "Chromium not found" not in html and "ips-failures" not in html
    assert '<p class="ips-note ips-runs"><a href="runs/index.html">Fejl ved seneste kørsel (1)</a></p>' in html
    page = (tmp_path / "runs" / "index.html").read_text(encoding="utf-8")
    assert '<html lang="da"' in page and "<h1>Kørsler (for koordinatorer)</h1>" in page
    assert "IPS Aarhus · Dagsordener · 2026-W48 (Team Syd): Chromium not found at /nowhere" in page
    assert '<a href="../index.html">' in page
    assert re.findall(r"<td>(2026-11-2\d \d\d:\d\d UTC)</td>", page) == ["2026-11-24 07:05 UTC", "2026-11-23 07:00 UTC"]
    assert 'href="20261123T070000000000Z.json"' in page

    (runs / "20261125T070000000000Z.json").write_text(json.dumps({
        "finished": "2026-11-25T07:00:00+00:00", "counts": {"ok": 2, "failed": 0}, "results": []}), "utf-8")
    html = write_index(tmp_path, params_dir=params_dir).read_text(encoding="utf-8")
    assert '<a href="runs/index.html">Kørsler (for koordinatorer)</a>' in html


def test_no_run_record_no_runs_link(tmp_path, params_dir):
    _touch(tmp_path / "aarhus" / "agenda", "2026-W48.html")
    html = write_index(tmp_path, params_dir=params_dir).read_text(encoding="utf-8")
    assert "runs/index.html" not in html and not (tmp_path / "runs").exists()


@pytest.mark.parametrize("team", ["Team Øster", "Team Väster", "Team Ærø/Syd", "Nord", "x"])
def test_the_index_reads_team_file_names_as_the_runner_writes_them(team):
    assert team_slug(team) == slug(team)


def test_report_titles_in_the_pages_language():
    da = make_params(language="da", name="IPS Aarhus", teams=["Team Nord"])
    sv = make_params(language="sv", name="IPS Malmö", teams=["Team Öster"])
    assert report_title("supervision", da, "2026-10") == "IPS Aarhus · Supervisionspakke · oktober 2026"
    assert report_title("agenda", sv, "2026-W48", "Team Öster") == \
        "IPS Malmö · Team Öster · Dagordning för behandlingskonferens · vecka 48 · 2026"
    assert report_title("agenda", da, "2026-W48") == \
        "IPS Aarhus · Dagsorden til behandlingskonference · uge 48 · 2026"
    regional = SimpleNamespace(name="Regional översikt", language="sv")  # as the runner passes it
    assert report_title("overview", regional, "2026-10") == "Regional översikt · oktober 2026"


def test_the_headings_around_the_sites_are_in_the_regions_language(tmp_path, params_dir):
    """Two Swedish sites and a Danish one: the title, the overview's heading and the runs link
    in Swedish; with `lang: da` in access.yaml, in Danish; English nowhere."""
    for site in ("malmo", "jonkoping", "aarhus"):
        _touch(tmp_path / site / "agenda", "2026-W48.html")
    _touch(tmp_path / "overview", "2026-10.html")
    (tmp_path / "runs").mkdir()
    (tmp_path / "runs" / "20261123T070000000000Z.json").write_text(json.dumps({
        "finished": "2026-11-23T07:12:00+00:00", "counts": {"ok": 3, "failed": 0}, "results": []}), "utf-8")
    html = write_index(tmp_path, params_dir=params_dir).read_text(encoding="utf-8")
    assert '<html lang="sv"' in html and "<h1>IPS-rapporter</h1>" in html
    assert "<h2>Regional översikt</h2>" in html and "Körningar (för samordnare)" in html
    assert "Regional overview" not in html and "Runs (for coordinators)" not in html
    params = tmp_path / "params"
    params.mkdir()
    for site in ("malmo", "jonkoping", "aarhus"):
        (params / f"{site}.yaml").write_text((Path(params_dir) / f"{site}.yaml").read_text("utf-8"), "utf-8")
    (params / "access.yaml").write_text("sites: {aarhus: [sup-aarhus]}\nlang: da\n", "utf-8")
    html = write_index(tmp_path, params_dir=params).read_text(encoding="utf-8")
    assert '<html lang="da"' in html and "<h2>Regionalt overblik</h2>" in html and "Kørsler (for koordinatorer)" in html
    assert 'lang="sv">' in _site_part(html, "malmo")  # each site's own part stays in its language
