"""A coordinator's month as one job list: every site's pack, the agendas of the month's
conference weeks (site-wide and per team), and the regional overview.

The list goes to one `pool.run_jobs` call: one pool of workers, one run record, one index, so
the runner's start (spawning workers, forking and preheating kernels) is paid once a month, not
once per command.
"""
from __future__ import annotations

from datetime import date

from ips_nb.batch.jobs import OVERVIEW, Job
from ips_nb.data.params import ParamsError, load_params
from ips_nb.figures.periods import Month, Week, conference_date, next_conference_week


def month_weeks(month: Month) -> list[Week]:
    """Every ISO week with at least one day in the month, in order."""
    weeks, week = [], Week.containing(month.first)
    while week.monday <= month.last:
        weeks.append(week)
        week = week.shift(1)
    return weeks


def conference_weeks(month: Month, conference_weekday: int) -> list[str]:
    """The ISO weeks whose conference day (the site's weekday) falls in the month."""
    return [str(w) for w in month_weeks(month)
            if month.first <= conference_date(w, conference_weekday) <= month.last]


def month_jobs(month: str, sites: list[str], params_dir: str, weeks: list[str] | None = None,
               overview: bool = True, workers: int = 2, upcoming: date | None = None) -> list[Job]:
    """The month's jobs: every site's pack, its agendas (site-wide plus one per team in params/),
    and the overview, in the order `workers` workers take them (see `_in_running_order`).

    Without `weeks`, a site's agendas are those of the ISO weeks whose conference day falls in the
    month. A site whose parameters do not load keeps a pack job and a site-wide agenda for each
    week whose Thursday falls in the month (the ISO rule), so the runner records why they failed.
    With `upcoming` (a day; the demo's today) a site's agendas are instead those of its next
    conference on or after that day (periods.next_conference_week), whatever `weeks` says.
    """
    m = Month.parse(month)
    packs, agendas = [], []
    for site in sites:
        try:
            p = load_params(params_dir, site)
            teams: list[str | None] = [None, *(p.teams or [])]
            weekday = p.conference_weekday
            site_weeks = weeks if weeks is not None else conference_weeks(m, weekday)
        except ParamsError:
            teams, weekday = [None], 4
            site_weeks = weeks if weeks is not None else conference_weeks(m, weekday)
        if upcoming is not None:
            site_weeks = [str(next_conference_week(upcoming, weekday))]
        packs.append(Job("supervision", site, str(m)))
        agendas += [Job("agenda", site, w, t) for w in site_weeks for t in teams]
    return _in_running_order([Job(OVERVIEW, OVERVIEW, str(m))] if overview else [], packs, agendas, workers)


def _in_running_order(overview: list[Job], packs: list[Job], agendas: list[Job], workers: int) -> list[Job]:
    """Longest first, so that no long job runs alone at the end while the other workers idle: the
    overview (every site's data), then the packs (charts), then the agendas. Except at the very
    start: the first jobs handed out, one per worker, are agendas, the lightest reports and ones
    that need no charts, so the coordinator sees finished reports within two seconds of starting,
    while the kernels' zygote still loads what the packs and the overview need."""
    return agendas[:workers] + overview + packs + agendas[workers:]
