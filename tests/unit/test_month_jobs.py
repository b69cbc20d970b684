"""The order in which `ips-nb run month` hands its jobs to the workers."""
from __future__ import annotations

from ips_nb.batch.month import month_jobs
from ips_nb.demo import PARAMS_DIR


def test_an_agenda_per_worker_then_the_overview_then_packs_then_the_other_agendas():
    jobs = month_jobs("2026-10", ["aarhus", "odense"], str(PARAMS_DIR), weeks=["2026-W43"], workers=2)
    # aarhus lists two teams (Team Nord, Team Syd), odense one (Team Vest): 3 + 2 agendas for the week
    assert [(j.kind, j.site, j.team) for j in jobs] == [
        ("agenda", "aarhus", None),  # short and chart-free: the first finished reports come early
        ("agenda", "aarhus", "Team Nord"),
        ("overview", "overview", None),  # then the longest first
        ("supervision", "aarhus", None),
        ("supervision", "odense", None),
        ("agenda", "aarhus", "Team Syd"),
        ("agenda", "odense", None),
        ("agenda", "odense", "Team Vest"),
    ]


def test_one_worker_starts_with_one_agenda():
    jobs = month_jobs("2026-10", ["odense"], str(PARAMS_DIR), weeks=["2026-W43"], workers=1)
    assert [(j.kind, j.team) for j in jobs] == [
        ("agenda", None), ("overview", None), ("supervision", None), ("agenda", "Team Vest")]


def test_without_the_overview_the_first_agendas_still_come_first():
    jobs = month_jobs("2026-10", ["odense"], str(PARAMS_DIR), weeks=["2026-W43", "2026-W44"], overview=False)
    assert [(j.kind, j.period, j.team) for j in jobs] == [
        ("agenda", "2026-W43", None), ("agenda", "2026-W43", "Team Vest"), ("supervision", "2026-10", None),
        ("agenda", "2026-W44", None), ("agenda", "2026-W44", "Team Vest")]
