"""The order in which `ips-nb run month` hands its jobs to the workers."""
from __future__ import annotations

from ips_nb.batch.month import month_jobs
from ips_nb.demo import PARAMS_DIR


def test_overview_then_one_agenda_then_packs_then_the_other_agendas():
    jobs = month_jobs("2026-10", ["aarhus", "odense"], str(PARAMS_DIR), weeks=["2026-W43"])
    # aarhus lists two teams (Team Nord, Team Syd), odense one (Team Vest): 3 + 2 agendas for the week
    assert [(j.kind, j.site, j.team) for j in jobs] == [
        ("overview", "overview", None),
        ("agenda", "aarhus", None),  # short: the first finished report comes early
        ("supervision", "aarhus", None),
        ("supervision", "odense", None),
        ("agenda", "aarhus", "Team Nord"),
        ("agenda", "aarhus", "Team Syd"),
        ("agenda", "odense", None),
        ("agenda", "odense", "Team Vest"),
    ]


def test_without_the_overview_the_first_agenda_still_comes_first():
    jobs = month_jobs("2026-10", ["odense"], str(PARAMS_DIR), weeks=["2026-W43", "2026-W44"], overview=False)
    assert [(j.kind, j.period, j.team) for j in jobs] == [
        ("agenda", "2026-W43", None), ("supervision", "2026-10", None), ("agenda", "2026-W43", "Team Vest"),
        ("agenda", "2026-W44", None), ("agenda", "2026-W44", "Team Vest")]
