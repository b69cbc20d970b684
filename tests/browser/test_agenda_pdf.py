"""The printed agenda: a real PDF from headless Chromium, read back with pypdf.

A typical site (20 candidates to discuss, each with actions) must fit on two A4 pages with the
text selectable; `ips-nb run agenda --pdf` writes YYYY-Www[-team].pdf beside the HTML, and a PDF
that cannot be made fails that job with a one-line reason. A word breaks across lines only with a
hyphen, in the page's language, and a case id (`aar-c013`) never breaks.
"""
from __future__ import annotations

import html as htmllib
import json
import re
import unicodedata
from pathlib import Path

import pytest
from agendadata import WEEK, cand, day, view
from factory import make_params, site_data
from markupsafe import Markup
from pypdf import PdfReader

from ips_nb.batch.execute import execute
from ips_nb.batch.jobs import Job, RunConfig
from ips_nb.figures.agenda_rules import SECTIONS
from ips_nb.pages.agenda import ALSO_SHOWN, AgendaView
from ips_nb.pages.labels import Labels
from ips_nb.pages.pdf import PdfError, render_pdf
from ips_nb.pages.report import page

A4 = (595, 842)  # points, ±1


def html_of(v) -> str:
    return page(Markup(str(v.head()) + str(v.sections())), lang=v.params.language, title=v.title(), kind="agenda")


def pdf_of(v, tmp_path: Path, chromium: str, markup: str | None = None) -> PdfReader:
    html = tmp_path / "agenda.html"
    html.write_text(markup or html_of(v), encoding="utf-8")
    return PdfReader(render_pdf(html, tmp_path / "2026-W47.pdf", chromium=chromium))


def text(reader: PdfReader) -> str:
    return "\n".join(p.extract_text() for p in reader.pages)


def _pieces(page_html: str, ids: set[str]) -> set[str]:
    """Every piece of the page's text a PDF line may hold: each word whole, each part of it
    between soft hyphens, the parts of an ordinary word around a hard hyphen, but never a part
    of a case id. Upper case too (the overdue mark is `text-transform: uppercase`)."""
    body = re.sub(r"(?s)<style.*?</style>|<title>.*?</title>", " ", page_html)
    words = htmllib.unescape(re.sub(r"<[^>]+>", " ", body)).split()
    found = set()
    for word in words:
        for w in (word, word.upper()):
            parts = w.split("\u00ad")
            whole = "".join(parts)
            found.update([whole, *parts])
            if whole not in ids:
                found.update([p + "-" for p in whole.split("-")[:-1]] + whole.split("-"))
    return {p.rstrip(",;:.") for p in found}


def broken_words(pdf_text: str, page_html: str, ids: set[str]) -> list[str]:
    """The PDF's words that are no piece of the page's text: a word split without a hyphen
    ("arbejdsgiverkonta" + "kt") or an id split at its hyphen ("aar-" + "c013").

    pypdf gives a soft hyphen where no line broke as a space and one where a line broke as a
    separate "‐", so a hyphenated word comes back as its parts, each of them a piece."""
    pieces = _pieces(page_html, ids)
    bad = []
    for word in unicodedata.normalize("NFKC", pdf_text).split():  # NFKC: the ﬁ and ﬀ ligatures
        word = word.rstrip(",;:.") or word
        if word not in pieces and word not in ("\u2010", "-", "·", "!") \
                and not re.fullmatch(r"[\d.,/()·–-]+", word):
            bad.append(word)
    return bad


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
    words = " ".join(text(reader).split())
    titles = [Labels("sv")(f"section_{key}") for key in SECTIONS]  # Nya remisser, Att diskutera, …
    for expected in ("vecka 47", titles[0], f"{titles[1]} (20)", f"{titles[2]} (20)",
                     titles[3], "Update the CV", "c07"):
        assert expected in words, expected
    assert "FÖRSENAD" in words.upper()
    order = [words.index(t) for t in titles]
    assert order == sorted(order)


LONG = {  # free text a clinician writes, with the long compounds Danish and Swedish make
    "da": ("Arbejdsmarkedsuddannelse som lagerarbejder på Aarhus Havn",
           "Sygedagpengeopfølgning og arbejdsgiverkontakt med virksomhedskonsulenten"),
    "sv": ("Arbetsmarknadsutbildning till undersköterska inom äldreomsorgen",
           "Sjukpenningsuppföljning och arbetsgivarkontakt med Försäkringskassan"),
}


def _long_word_agenda(lang: str) -> AgendaView:
    """24 candidates `aar-c0nn`, taken in 60 days ago without an employer contact (a reason with
    the language's longest word), each with a long goal and two actions, one overdue: every one
    is to discuss and has actions due, so "actions due" names five of the 24 ids in one line."""
    ids = [f"aar-c{i:03d}" for i in range(24)]
    goal, action = LONG[lang]
    data = site_data(
        candidates=[cand(i, consultant_id="k1", clinician_id="b1" if n % 2 else "b2", intake_date=day(60))
                    for n, i in enumerate(ids)],
        contacts=[{"candidate_id": i, "date": day(1)} for i in ids],
        conferences=[{"candidate_id": i, "date": day(6)} for i in ids],
        consultants=[{"consultant_id": "k1", "name": "Mette Kjær"}],
        clinicians=[{"clinician_id": "b1", "name": "Nikolaj Hvid"}, {"clinician_id": "b2", "name": "Louise Krogh"}],
        goals=[{"candidate_id": i, "kind": "job", "set_date": day(50), "description": goal} for i in ids],
        actions=[{"candidate_id": i, "due_date": day(d), "description": action, "owner": "clinician"}
                 for i in ids for d in (4, -3)])
    return AgendaView.of(data, make_params(language=lang, name="IPS Aarhus"), WEEK)


@pytest.mark.system
@pytest.mark.parametrize("lang", ["da", "sv"])
def test_a_word_breaks_only_with_a_hyphen_and_a_case_id_never(tmp_path, chromium_path, lang):
    v = _long_word_agenda(lang)
    ids = {e["candidate_id"] for s in v.agenda["sections"] for e in s["candidates"]}
    markup = html_of(v)
    words = text(pdf_of(v, tmp_path, chromium_path, markup))
    assert broken_words(words, markup, ids) == []
    assert "\u2010" in words  # long words did break, with a hyphen
    flat = words.split()
    assert not [w for w in flat if re.fullmatch(r"aar-?", w)], "a case id broke at its hyphen"
    also = set(re.findall(r'<span class="ips-id">([^<]+)</span>', re.search(r'<p class="ips-also">.*?</p>', markup).group(0)))
    assert len(also) == ALSO_SHOWN  # the "actions due" line names the first five, counts the rest
    for i in ids:  # its row and, for the first five, the "actions due" line, whole
        assert sum(w.rstrip(",") == i for w in flat) == (2 if i in also else 1), i

    # the check itself: without the soft hyphens the same page splits words without a hyphen
    control = markup.replace("\u00ad", "")
    bare = text(pdf_of(v, tmp_path, chromium_path, control))
    assert broken_words(bare, control, ids), "the control page should split a word without a hyphen"


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
    assert json.loads((folder / "2026-W48-team-oster.json").read_text("utf-8"))["team"] == "Team Öster"

    # the demo's Danish and Swedish site-wide agendas: no word split without a hyphen, no id split
    aarhus = execute(Job("agenda", "aarhus", "2026-W48"), cfg)
    assert aarhus.status == "ok", aarhus.reason
    for agenda in (folder / "2026-W48", tmp_path / "aarhus" / "agenda" / "2026-W48"):
        printed = text(PdfReader(agenda.with_suffix(".pdf")))
        made = json.loads(agenda.with_suffix(".json").read_text("utf-8"))
        ids = {e["candidate_id"] for s in made["sections"] for e in s["candidates"]}
        assert broken_words(printed, agenda.with_suffix(".html").read_text("utf-8"), ids) == [], agenda
        assert not re.search(r"\b(aar|mal)-\s", printed), agenda

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


# -- page breaks: a trailing note never alone, a continued group says whose it is -------------

def pages_text(pdf: Path) -> list[list[str]]:
    """Each page's lines as poppler's `pdftotext -layout` lays them out (column 0 is the page's
    left margin, so a group's header line starts there and a row's second line is indented)."""
    import shutil
    import subprocess

    from conftest import need_system

    exe = shutil.which("pdftotext")
    need_system("poppler's pdftotext", exe is not None)
    pages = subprocess.run([exe, "-layout", str(pdf), "-"], capture_output=True, text=True,
                           check=True).stdout.split("\f")
    return [[line.rstrip() for line in page.splitlines() if line.strip()] for page in pages if page.strip()]


def _trailing_agenda(n: int, extra: int) -> AgendaView:
    """A team's agenda of `n` candidates to discuss (each with an overdue action, so "actions
    due" is one "also under …" line), no good news (an empty section's one line) and one
    candidate left out without consent (the trailing note); the first goal `extra` lines longer,
    so a sweep of (n, extra) moves the end of the agenda down the page a line at a time."""
    people = [cand(f"c{i:02d}", consultant_id="k1", clinician_id="b1") for i in range(n)]
    people.append(cand("nocons", consultant_id="k1", clinician_id="b1", consent_date=None))
    return view(people, team="North", lang="da", **_goal_and_overdue_action(people, extra))


def _goal_and_overdue_action(people: list[dict], extra: int = 0) -> dict[str, list[dict]]:
    """A three-line goal (the first one `extra` lines longer) and an overdue action each."""
    goal = "Work 20 hours a week in a supermarket near home"
    return {"goals": [{"candidate_id": c["candidate_id"], "kind": "job", "set_date": day(60),
                       "description": goal + (" job" * 7 * extra if not i else "")} for i, c in enumerate(people)],
            "actions": [{"candidate_id": c["candidate_id"], "due_date": day(3), "owner": "clinician",
                         "description": "Talk about medication and working hours"} for c in people]}


def _one_per_page(views: list[AgendaView], extra_css: str = "") -> str:
    """Several agendas in one document, each from the top of a new page: one Chromium run
    prints the whole sweep."""
    body = "".join(f'<div class="ips-variant">{v.head()}{v.sections()}</div>' for v in views)
    style = f"<style>.ips-variant {{ break-before: page; }} {extra_css}</style>"
    return page(Markup(style + body), lang="da", title=views[0].title(), kind="agenda")


@pytest.mark.system
def test_no_page_holds_only_what_ends_the_agenda(tmp_path, chromium_path):
    """Team Nord's agenda had "1 borger uden samtykke …" alone on page 2. Swept over 18 lengths
    around the foot of page 1: every page holds at least one candidate's row (their consultant's
    name), so neither the note nor the "also under" line or an empty section ends up alone."""
    views = [_trailing_agenda(n, extra) for n in (14, 15) for extra in range(9)]
    note = Labels("da").count("left_out_without_consent", 1)

    def lonely(markup: str) -> list[list[str]]:
        html = tmp_path / "sweep.html"
        html.write_text(markup, encoding="utf-8")
        pages = pages_text(render_pdf(html, tmp_path / "sweep.pdf", chromium=chromium_path))
        assert sum(note in "\n".join(p) for p in pages) == len(views)  # every agenda printed its note
        return [p for p in pages if not any("Kim Konsulent" in line for line in p)]

    assert lonely(_one_per_page(views)) == []
    # the check itself: without the rules that keep them with what precedes them, some pages
    # hold only the closing lines
    unkept = ".ips-also, .ips-consent, .ips-section-empty, .ips-section { break-before: auto !important; }"
    alone = lonely(_one_per_page(views, unkept))
    assert alone and all(note in "\n".join(p) for p in alone), alone


def _group_heads(lines: list[str], name: str) -> tuple[list[int], list[int]]:
    """Where `name` is a group's header (a line of its own at the left margin) and where it is
    the clinician in a row's staff column (an indented line)."""
    heads = [i for i, line in enumerate(lines) if line == name]
    in_rows = [i for i, line in enumerate(lines) if line[:1].isspace() and name in line]
    return heads, in_rows


@pytest.mark.system
def test_a_group_continued_on_a_new_page_repeats_its_clinician_and_a_decision_has_its_own_line(
        tmp_path, chromium_path):
    """Site-wide, 36 candidates of Bo North's and 3 of Bea South's: Bo North's group spans pages
    and each page it is on names him at its top; the latest decision runs across the columns
    on a line of its own (in the reasons column it took five lines)."""
    decision = "Start praktik hos Netto mandag og følg op med jobcentret om økonomien"
    people = [cand(f"c{i:02d}", consultant_id="k1", clinician_id="b1" if i < 36 else "b2") for i in range(39)]
    v = view(people, lang="da", **_goal_and_overdue_action(people),
             conferences=[{"candidate_id": "c03", "date": day(6), "decision": decision}])
    assert v.grouped
    html = tmp_path / "agenda.html"
    html.write_text(html_of(v), encoding="utf-8")
    pages = pages_text(render_pdf(html, tmp_path / "agenda.pdf", chromium=chromium_path))
    spanned = 0
    for lines in pages:
        for name in ("Bo North", "Bea South"):
            heads, in_rows = _group_heads(lines, name)
            if in_rows:
                assert heads and heads[0] < in_rows[0], (name, lines)
                spanned += name == "Bo North"
    assert spanned >= 3, "Bo North's rows should fill more than two pages"
    flat = [line for p in pages for line in p]
    assert [line for line in flat if decision in line.replace("\u00ad", "")], "the decision on one line"
