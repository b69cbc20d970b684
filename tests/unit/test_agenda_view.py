"""The agenda page a clinician scans: team split, the order of docs/agenda.md, one row per candidate,
rows grouped by clinician, empty lines, no names, hyphenation, titles, files.

Week 2026-W47 (Mon 16 – Sun 22 Nov 2026); the test site confers on Wednesday, so the conference
is 18 Nov and as_of 17 Nov. Candidates are consented and taken in 90 days ago unless a test says.
"""
from __future__ import annotations

import html as htmllib
import re

import pytest
from agendadata import WEEK, cand, day, routine, view
from factory import make_params, site_data

from ips_nb.batch.jobs import Job, slug
from ips_nb.cli import UsageError, agenda_teams
from ips_nb.figures.agenda_rules import SECTIONS
from ips_nb.pages.agenda import AgendaView, clinician_choices, soft_hyphens
from ips_nb.pages.labels import Labels
from ips_nb.pages.titles import agenda_title as page_title


def html(v: AgendaView) -> str:
    return str(v.head()) + str(v.sections())


def keys_in_page(page: str) -> list[str]:
    return re.findall(r'data-key="([a-z_]+)"', page)


def section(page: str, key: str) -> str:
    return re.search(rf'data-key="{key}".*?</section>', page, re.S).group(0)


def plain(markup: str) -> str:
    """The text a reader sees: tags dropped, entities and soft hyphens resolved."""
    return htmllib.unescape(re.sub(r"<[^>]+>", "", markup)).replace("\u00ad", "")


def row_ids(markup: str) -> list[str]:
    """The case ids of the full rows (the first cell of each row), in order."""
    return re.findall(r'<td class="ips-who">.*?<span class="ips-id">([^<]+)</span>', markup)


def test_every_section_in_metrics_order_and_empty_ones_in_one_line():
    v = view([cand("c1", consultant_id="k1", clinician_id="b1")],
             actions=[{"candidate_id": "c1", "due_date": day(3), "description": "Call the employer"}])
    page = html(v)
    assert keys_in_page(page) == list(SECTIONS)
    empty = re.findall(r'<section class="ips-section ips-section-empty" data-key="(\w+)"><h2>[^<]+'
                       r'<span class="ips-empty">– None this week.</span></h2></section>', page)
    assert empty == ["new_referrals", "good_news"]
    assert "To discuss (1)" in page and "Actions due (1)" in page


def test_team_agenda_holds_only_that_teams_candidates():
    people = [cand("c1", clinician_id="b1"), cand("c2", clinician_id="b2")]
    overdue = [{"candidate_id": c, "due_date": day(3), "description": f"Task {c}"} for c in ("c1", "c2")]
    north, south, whole = (html(view(people, team=t, actions=overdue)) for t in ("North", "South", None))
    assert "c1" in north and "c2" not in north and "Task c2" not in north
    assert "c2" in south and "c1" not in south
    assert "c1" in whole and "c2" in whole
    assert "· Team North</h1>" in north  # 'North' gets the word 'Team' once
    assert "Team" not in re.search(r"<h1>(.*?)</h1>", whole).group(1)


def test_line_shows_goal_reasons_and_actions_with_owner_due_and_overdue_mark():
    v = view([cand("c1", consultant_id="k1", clinician_id="b1")],
             goals=[{"candidate_id": "c1", "kind": "job", "description": "Work in a bakery", "set_date": day(60)}],
             actions=[{"candidate_id": "c1", "due_date": day(3), "description": "Update the CV",
                       "owner": "candidate"},
                      {"candidate_id": "c1", "due_date": day(-30), "description": "Visit the workplace",
                       "owner": "consultant"}])
    row = re.search(r'data-key="to_discuss".*?</section>', html(v)).group(0)
    for text in ("<strong>C1</strong>", "Kim Konsulent", "Bo North", "Job search", "Work in a bakery",
                 "overdue action", "Update the CV", "candidate", "due 14 Nov", "Visit the workplace",
                 "due 17 Dec", '<strong class="ips-late">overdue</strong>'):
        assert text in row, text
    assert row.count("ips-late") == 1  # only the overdue action is marked
    assert row.index("Update the CV") < row.index("Visit the workplace")  # by due date


def candidate(page: str, initials: str) -> str:
    """A candidate's <tbody>: their line and, when there is one, the decision's line under it."""
    return re.search(rf'<tbody class="ips-cand"><tr><td class="ips-who"><strong>{initials}</strong>.*?</tbody>',
                     page, re.S).group(0)


def test_the_latest_decision_is_escaped_on_a_line_of_its_own_under_the_row():
    late = [{"candidate_id": c, "due_date": day(3), "description": "Call"} for c in ("c1", "c2")]
    v = view([cand("c1", clinician_id="b1"), cand("c2", clinician_id="b1"), cand("c3", clinician_id="b1")],
             lang="da", actions=late + [{"candidate_id": "c3", "due_date": day(-2), "description": "Ring"}],
             conferences=[{"candidate_id": "c1", "date": day(20), "decision": "Start praktik <b>mandag</b>"},
                          {"candidate_id": "c3", "date": day(-1), "decision": "Fortsæt som aftalt"}])
    page = html(v)
    assert "<b>" not in page and "Start praktik &lt;b&gt;mandag&lt;/b&gt;" in page
    c1 = candidate(page, "C1")
    # the decision is not squeezed into the reasons column: a row of its own across the five
    # columns after "who", in the candidate's <tbody> (never split from their line in print)
    assert plain(re.search(r'<td class="ips-why">(.*?)</td>', c1).group(1)) == "frist overskredet"
    decision = re.search(r'</tr><tr class="ips-decision"><td></td><td colspan="5">(<div class="ips-last-decision">.*?)</td></tr></tbody>$',
                         c1, re.S)
    assert plain(decision.group(1)) == "Seneste beslutning 28. okt.: Start praktik <b>mandag</b>"
    c3 = candidate(page, "C3")
    # no reason (its action is due this week, not overdue): a dash, and the decision under the row
    assert plain(re.search(r'<td class="ips-why">(.*?)</td>', c3).group(1)) == "–"
    assert plain(re.search(r'<tr class="ips-decision">.*?</tr>', c3).group(0)) == \
        "Seneste beslutning 18. nov.: Fortsæt som aftalt"
    c2 = candidate(page, "C2")
    assert "ips-decision" not in c2 and "Seneste beslutning" not in c2


def test_actions_due_names_candidates_already_listed_above_in_one_line():
    people = [cand("c1", clinician_id="b1"), cand("c2", clinician_id="b1")]
    v = view(people, actions=[{"candidate_id": "c1", "due_date": day(3), "description": "Overdue task"},
                              {"candidate_id": "c2", "due_date": day(-2), "description": "Due Friday"}])
    due = section(html(v), "actions_due")
    assert "Actions due (2)" in due
    assert "Due Friday" in due and "Overdue task" not in due  # c1's action is shown under To discuss
    assert re.search(r'class="ips-also">Also under “To discuss” above[^<]*<span class="ips-also-who">'
                     r'<strong>C1</strong>', due)
    assert v.agenda["sections"][2]["candidates"][0]["actions"][0]["description"] == "Overdue task"  # JSON whole


def test_one_row_per_candidate_with_every_reason_and_badge():
    # c1: overdue action, an action due this week, a job started 3 days ago: to discuss, actions
    #     due and good news in the JSON; on the page one row (under To discuss) with both reasons
    #     and the good-news badge, named once in each later section's "also" line
    # c3: discharged to a job since the previous conference: good news only, in full
    people = [cand("c1", clinician_id="b1"),
              cand("c3", clinician_id="b1", discharge_date=day(2), discharge_reason="employed")]
    v = view(people, actions=[{"candidate_id": "c1", "due_date": day(3), "description": "Overdue task"},
                              {"candidate_id": "c1", "due_date": day(-2), "description": "Due Friday"}],
             placements=[{"candidate_id": "c1", "kind": "job", "start_date": day(3)}])
    json_ids = {s["key"]: [e["candidate_id"] for e in s["candidates"]] for s in v.agenda["sections"]}
    assert json_ids == {"new_referrals": [], "to_discuss": ["c1"], "actions_due": ["c1"], "good_news": ["c1", "c3"]}
    page = html(v)
    assert row_ids(page) == ["c1", "c3"]  # each candidate's full row once on the page
    discuss = section(page, "to_discuss")
    assert "overdue action" in plain(discuss) and "new job/education: plan support" in plain(discuss)
    assert '<span class="ips-badge">good news</span>' in discuss
    news = section(page, "good_news")
    assert "Good news (2)" in news and row_ids(news) == ["c3"]
    assert "discharged into job/education" in plain(news) and "ips-badge" not in news
    assert plain(news).count("c1") == 1 and "Also under “To discuss” above" in plain(news)
    due = section(page, "actions_due")
    assert row_ids(due) == [] and plain(due).count("c1") == 1


def test_the_also_line_names_each_candidate_once_and_no_space_before_a_comma():
    people = [cand(f"c{i}", clinician_id="b1") for i in (1, 2, 3)]
    v = view(people, actions=[{"candidate_id": c["candidate_id"], "due_date": day(d)}
                              for c in people for d in (3, 4, -2)])
    line = plain(re.search(r'<p class="ips-also">.*?</p>', section(html(v), "actions_due")).group(0))
    assert line == ("Also under “To discuss” above, where their actions are listed: "
                    "C1 c1 overdue, C2 c2 overdue, C3 c3 overdue")
    assert " ," not in line


def test_site_wide_rows_are_grouped_under_the_clinicians_name_without_one_last():
    # c1 (Bea South), c2 and c4 (Bo North), c3 (no clinician), c5 (an unknown clinician id)
    people = [cand("c1", clinician_id="b2"), cand("c2", clinician_id="b1"), cand("c3"),
              cand("c4", clinician_id="b1"), cand("c5", clinician_id="b9")]
    overdue = [{"candidate_id": c["candidate_id"], "due_date": day(3)} for c in people]
    page = section(html(view(people, actions=overdue)), "to_discuss")
    # each group a table of its own whose <thead> (repeated by the browser on every printed page
    # the group spans) holds the clinician's name; the column labels once, in the first
    heads = re.findall(r'<table class="ips-agenda ips-group">.*?<thead>(.*?)</thead>', page, re.S)
    assert [re.search(r'<tr class="ips-group-head"><th colspan="6" scope="colgroup">([^<]+)</th></tr>$', h).group(1)
            for h in heads] == ["b9", "Bea South", "Bo North", "No clinician"]
    assert ['<tr class="ips-columns">' in h for h in heads] == [True, False, False, False]
    assert page.count("<table") == 4
    assert row_ids(page) == ["c5", "c1", "c2", "c4", "c3"]
    team = section(html(view(people, team="North", actions=overdue)), "to_discuss")
    assert "ips-group-head" not in team and row_ids(team) == ["c2", "c4"]
    assert team.count("<table") == 1 and team.count('<tr class="ips-columns">') == 1


@pytest.mark.parametrize("lang,more", [("da", "… og 9 andre"), ("sv", "… och 9 andra"), ("en", "… and 9 others")])
def test_a_long_also_line_names_the_first_five_and_counts_the_rest(lang, more):
    # 14 candidates to discuss, each with an overdue action: "actions due" names c00–c04, then
    # "… og 9 andre"; 6 are named in full (never "… og 1 anden")
    for n, shown, rest in ((14, 5, more), (6, 6, None)):
        people = [cand(f"c{i:02d}", clinician_id="b1") for i in range(n)]
        v = view(people, lang=lang, actions=[{"candidate_id": c["candidate_id"], "due_date": day(3)} for c in people])
        line = re.search(r'<p class="ips-also">.*?</p>', section(html(v), "actions_due")).group(0)
        assert re.findall(r'<span class="ips-id">([^<]+)</span>', line) == [f"c{i:02d}" for i in range(shown)]
        assert plain(line).endswith(f"{Labels(lang)('overdue_mark')} {rest}" if rest else "c05 " + Labels(lang)("overdue_mark"))
        assert len(v.agenda["sections"][2]["candidates"]) == n  # the JSON keeps everyone


def test_the_views_filters_for_the_dashboard():
    people = [cand("c1", clinician_id="b1"), cand("c2", clinician_id="b2", consultant_id="k2")]
    tables = {"candidates": people, **routine(["c1", "c2"]),
              "actions": [{"candidate_id": c, "due_date": day(3)} for c in ("c1", "c2")],
              "consultants": [{"consultant_id": "k1", "name": "Kim"}, {"consultant_id": "k2", "name": "Ann"}],
              "clinicians": [{"clinician_id": "b1", "name": "Bo North", "team": "North"},
                             {"clinician_id": "b2", "name": "Bea South", "team": "South"}]}
    data, params = site_data(**tables), make_params(teams=["North", "South"])
    assert row_ids(str(AgendaView.of(data, params, WEEK, clinician="b1").sections())) == ["c1"]
    assert row_ids(str(AgendaView.of(data, params, WEEK, consultant="k2").sections())) == ["c2"]
    south = AgendaView.of(data, params, WEEK, team="south")
    assert south.team == "South" and south.agenda["team"] == "South"
    assert row_ids(str(south.sections())) == ["c2"]
    assert clinician_choices(data) == [("Bea South", "b2"), ("Bo North", "b1")]
    assert clinician_choices(data, params, team="north") == [("Bo North", "b1")]


@pytest.mark.parametrize("lang, text, word", [
    ("da", "ingen arbejdsgiverkontakt i over 30 dage", "arbejdsgiverkontakt"),
    ("sv", "ingen arbetsgivarkontakt på över 30 dagar", "arbetsgivarkontakt"),
    ("en", "Talk about internationalisation", "internationalisation")])
def test_long_words_get_soft_hyphens_in_the_pages_language(lang, text, word):
    out = soft_hyphens(text, lang)
    assert out.replace("\u00ad", "") == text
    hyphenated = next(w for w in out.split() if w.replace("\u00ad", "") == word)
    pieces = hyphenated.split("\u00ad")
    assert len(pieces) >= 3 and len(pieces[0]) >= 3 and len(pieces[-1]) >= 3
    # a token shorter than 12 characters fits every column: left as it is
    for untouched in ("aar-c013", "Kortlægning", "23. nov. 2026", "overskredet", "<script>(window.__pwned"):
        assert soft_hyphens(untouched, lang) == untouched


def test_the_page_hyphenates_free_text_but_never_ids_or_names():
    # taken in 60 days ago, no employer contact: the reason's long Danish word is hyphenated too
    data = site_data(
        candidates=[cand("aar-c013", clinician_id="b1", consultant_id="k1", intake_date=day(60))],
        contacts=[{"candidate_id": "aar-c013", "date": day(1)}],
        conferences=[{"candidate_id": "aar-c013", "date": day(6)}],
        consultants=[{"consultant_id": "k1", "name": "Kirsten Kristoffersensdatter"}],
        clinicians=[{"clinician_id": "b1", "name": "Bo North"}],
        goals=[{"candidate_id": "aar-c013", "kind": "job", "set_date": day(50),
                "description": "Arbejdsmarkedsuddannelse som lagerarbejder"}],
        actions=[{"candidate_id": "aar-c013", "due_date": day(3), "description": "Sygedagpengeopfølgning"}])
    v = AgendaView.of(data, make_params(language="da"), WEEK)
    page = str(v.sections())
    assert "Arbejds\u00admar" in page and "Syge\u00addag" in page
    assert "ingen arbejds\u00adgi" in page  # the reason's own words, from the catalogue
    assert page.count('<span class="ips-id">aar-c013</span>') == 2  # the row and the "also" line
    assert "Kirsten Kristoffersensdatter" in page  # names are never hyphenated
    assert v.agenda["sections"][1]["candidates"][0]["goals"][0]["description"] == \
        "Arbejdsmarkedsuddannelse som lagerarbejder"  # the JSON is untouched


@pytest.mark.parametrize("lang, team, title", [
    ("da", "North", "Test site · Team North · Dagsorden til behandlingskonference · uge 47 · 2026"),
    ("sv", "south", "Test site · Team South · Dagordning för behandlingskonferens · vecka 47 · 2026"),
    ("en", None, "Test site · Weekly conference agenda · week 47 · 2026")])
def test_page_title_in_the_sites_language(lang, team, title):
    params = make_params(language=lang, teams=["North", "South"])
    assert page_title(params, "2026-W47", team) == title
    assert view([cand("c1")], team=team, lang=lang).title() == title


def test_no_name_without_consent_and_never_a_cpr():
    people = [cand("c1", clinician_id="b1", cpr_hash="hash0101901234"),
              cand("c9", clinician_id="b1", initials="ZZ", consent_date=None)]
    v = view(people, actions=[{"candidate_id": c, "due_date": day(3), "description": f"Task {c}"}
                              for c in ("c1", "c9")])
    page = html(v)
    assert "c9" not in page and "ZZ" not in page and "Task c9" not in page
    assert "1 candidate without consent is left off this agenda." in page
    assert "0101901234" not in page and "cpr" not in page.lower()


@pytest.mark.parametrize("lang, one, two", [
    ("da", "1 borger uden samtykke er ikke med på dagsordenen.",
     "2 borgere uden samtykke er ikke med på dagsordenen."),
    ("sv", "1 deltagare utan samtycke finns inte med på dagordningen.",
     "2 deltagare utan samtycke finns inte med på dagordningen."),
    ("en", "1 candidate without consent is left off this agenda.",
     "2 candidates without consent are left off this agenda.")])
def test_left_out_without_consent_counts_in_words_of_the_language(lang, one, two):
    people = [cand("c1", clinician_id="b1"), cand("c8", consent_date=None), cand("c9", consent_date=None)]
    actions = [{"candidate_id": c, "due_date": day(3), "description": f"Task {c}"} for c in ("c1", "c8", "c9")]
    assert one in html(view(people[:2], lang=lang, actions=actions[:2]))
    assert two in html(view(people, lang=lang, actions=actions))


@pytest.mark.parametrize("lang, week, conf", [("sv", "vecka 47", "onsdag 18 nov. 2026"),
                                              ("da", "uge 47", "onsdag 18. nov. 2026"),
                                              ("en", "week 47", "Wednesday 18 Nov 2026")])
def test_head_has_conference_day_and_week_in_the_sites_language(lang, week, conf):
    v = view([cand("c1", clinician_id="b1")], lang=lang)
    head = str(v.head())
    assert week in head and conf in head
    assert Labels(lang)("agenda_title") in head
    assert f"{week} · " in str(v.head())  # print footer: site · week · page n / m


def test_team_file_names_are_readable_slugs():
    assert Job("agenda", "malmo", "2026-W48", "Team Öster").stem == "2026-W48-team-oster"
    assert Job("agenda", "aarhus", "2026-W48", "Team Nord").stem == "2026-W48-team-nord"
    assert Job("agenda", "aarhus", "2026-W48").stem == "2026-W48"
    assert slug("Team Ærø/Syd") == "team-aero-syd"


def test_agenda_jobs_per_team_from_params_and_from_the_command_line(params_dir):
    every = agenda_teams(["aarhus", "malmo"], None, params_dir)
    assert every == [("aarhus", None), ("aarhus", "Team Nord"), ("aarhus", "Team Syd"),
                     ("malmo", None), ("malmo", "Team Öster"), ("malmo", "Team Väster")]
    assert agenda_teams(["aarhus", "malmo"], ["team öster"], params_dir) == [("malmo", "Team Öster")]
    with pytest.raises(UsageError, match="no site lists the team 'Team X'"):
        agenda_teams(["aarhus"], ["Team X"], params_dir)
