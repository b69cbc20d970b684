"""The printed agenda: a real PDF from headless Chromium, read back with pypdf.

A typical site (20 candidates to discuss, each with actions) must fit on two A4 pages with the
text selectable; `ips-nb run agenda --pdf` writes YYYY-Www[-team].pdf beside the HTML, and a PDF
that cannot be made fails that job with a one-line reason.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from markupsafe import Markup
from pypdf import PdfReader
from agendadata import cand, day, view

from ips_nb.pages.pdf import PdfError, render_pdf
from ips_nb.pages.report import page
from ips_nb.batch.runner import Job, RunConfig, execute

A4 = (595, 842)  # points, ±1


def pdf_of(v, tmp_path: Path, chromium: str) -> PdfReader:
    html = tmp_path / "agenda.html"
    html.write_text(page(Markup(str(v.head()) + str(v.sections())), lang=v.params.language,
                         title="agenda", kind="agenda"), encoding="utf-8")
    return PdfReader(render_pdf(html, tmp_path / "2026-W47.pdf", chromium=chromium))


def text(reader: PdfReader) -> str:
    return "\n".join(p.extract_text() for p in reader.pages)


@pytest.mark.system
def test_twenty_candidates_to_discuss_fit_on_two_a4_pages(tmp_path, chromium_path):
    people = [cand(f"c{i:02d}", consultant_id="k1", clinician_id="b1" if i % 2 else "b2") for i in range(20)]
    goals = [{"candidate_id": c["candidate_id"], "kind": "job", "set_date": day(60),
              "description": "Work 20 hours a week in a supermarket near home"} for c in people]
    actions = [{"candidate_id": c["candidate_id"], "due_date": day(d), "owner": o, "description": t}
               for c in people for d, o, t in ((9, "clinician", "Talk about medication and working hours"),
                                               (-3, "candidate", "Update the CV"))]
    v = view(people, lang="sv", goals=goals, actions=actions)
    reader = pdf_of(v, tmp_path, chromium_path)
    assert 1 <= len(reader.pages) <= 2
    box = reader.pages[0].mediabox
    assert abs(float(box.width) - A4[0]) <= 1 and abs(float(box.height) - A4[1]) <= 1
    words = text(reader)
    for expected in ("vecka 47", "Nya remisser", "Att diskutera (20)", "Åtgärder som förfaller (20)",
                     "Goda nyheter", "Update the CV", "c07"):
        assert expected in words, expected
    assert "FÖRSENAD" in words.upper()
    order = [words.index(t) for t in ("Nya remisser", "Att diskutera", "Åtgärder som förfaller", "Goda nyheter")]
    assert order == sorted(order)


def test_missing_chromium_is_one_line(tmp_path):
    html = tmp_path / "a.html"
    html.write_text("<p>x</p>", encoding="utf-8")
    with pytest.raises(PdfError) as err:
        render_pdf(html, tmp_path / "a.pdf", chromium=str(tmp_path / "no-chromium"))
    assert "Chromium not found" in str(err.value) and "\n" not in str(err.value)
    assert not (tmp_path / "a.pdf").exists()


@pytest.mark.system
def test_run_writes_team_pdf_beside_the_html_and_a_failed_print_fails_the_job(
        demo_db, params_dir, tmp_path, chromium_path, monkeypatch):
    monkeypatch.setenv("IPS_NB_CHROMIUM", chromium_path)
    cfg = RunConfig(demo_db, params_dir, str(tmp_path), pdf=True)
    res = execute(Job("agenda", "malmo", "2026-W48", "Team Öster"), cfg)
    assert res.status == "ok", res.reason
    folder = tmp_path / "malmo" / "agenda"
    assert sorted(p.name for p in folder.iterdir()) == [
        f"2026-W48-team-oster{ext}" for ext in (".html", ".ipynb", ".json", ".pdf")]
    reader = PdfReader(folder / "2026-W48-team-oster.pdf")
    assert len(reader.pages) <= 2
    words = text(reader)
    assert "Team Öster" in words and "vecka 48" in words

    site = execute(Job("agenda", "malmo", "2026-W48"), cfg)
    assert site.status == "ok", site.reason
    assert len(PdfReader(folder / "2026-W48.pdf").pages) <= 2  # the demo's busiest site-wide agenda

    monkeypatch.setenv("IPS_NB_CHROMIUM", str(tmp_path / "no-chromium"))
    failed = execute(Job("agenda", "malmo", "2026-W48", "Team Väster"), cfg)
    assert failed.status == "failed" and "Chromium not found" in failed.reason and "\n" not in failed.reason
    assert not any((folder / f"2026-W48-team-vaster{ext}").exists() for ext in (".html", ".json", ".pdf"))


@pytest.mark.system
def test_the_printing_chromium_reads_no_local_file_but_the_page(tmp_path, chromium_path):
    """Even a page that asks for them (an attacker's markup that got through) gets no local file:
    Chromium prints the page from a one-page loopback server, never from file://."""
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET-4711", encoding="utf-8")
    beside = tmp_path / "beside.html"
    beside.write_text("<p>BESIDE-4712</p>", encoding="utf-8")
    html = tmp_path / "agenda.html"
    html.write_text(f"""<!DOCTYPE html><html><body><p>visible-4713</p>
<iframe src="{secret.as_uri()}" width="600" height="100"></iframe>
<iframe src="beside.html" width="600" height="100"></iframe>
<object data="{secret.as_uri()}" width="600" height="100"></object>
<embed src="{secret.as_uri()}" width="600" height="100">
<img src="{secret.as_uri()}"></body></html>""", encoding="utf-8")
    words = text(PdfReader(render_pdf(html, tmp_path / "x.pdf", chromium=chromium_path)))
    assert "visible-4713" in words
    assert "TOPSECRET-4711" not in words and "BESIDE-4712" not in words
