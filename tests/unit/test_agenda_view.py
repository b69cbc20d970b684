"""The agenda page a clinician scans: team split, the order of docs/agenda.md, empty lines, no names, files.

Week 2026-W47 (Mon 16 – Sun 22 Nov 2026); the test site confers on Wednesday, so the conference
is 18 Nov and as_of 17 Nov. Candidates are consented and taken in 90 days ago unless a test says.
"""
from __future__ import annotations

import re

import pytest
from agendadata import cand, day, view

from ips_nb.figures.agenda_rules import SECTIONS
from ips_nb.pages.agenda import AgendaView
from ips_nb.cli import UsageError, agenda_teams
from ips_nb.pages.labels import Labels
from ips_nb.batch.runner import Job, slug


def html(v: AgendaView) -> str:
    return str(v.head()) + str(v.sections())


def keys_in_page(page: str) -> list[str]:
    return re.findall(r'data-key="([a-z_]+)"', page)


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


def test_actions_due_names_candidates_already_listed_above_in_one_line():
    people = [cand("c1", clinician_id="b1"), cand("c2", clinician_id="b1")]
    v = view(people, actions=[{"candidate_id": "c1", "due_date": day(3), "description": "Overdue task"},
                              {"candidate_id": "c2", "due_date": day(-2), "description": "Due Friday"}])
    due = re.search(r'data-key="actions_due".*?</section>', html(v)).group(0)
    assert "Actions due (2)" in due
    assert "Due Friday" in due and "Overdue task" not in due  # c1's action is shown under To discuss
    assert re.search(r'class="ips-also">Also under “To discuss” above[^<]*<strong>C1</strong>', due)
    assert v.agenda["sections"][2]["candidates"][0]["actions"][0]["description"] == "Overdue task"  # JSON whole


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
