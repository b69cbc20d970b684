"""Report titles in the site's language: a page's <title>, its PDF's, the index's link texts.

Kept apart from the pages themselves so that a batch worker, which names every report it
writes, needs only labels and periods, never pandas or the figures (that import is ~0.6 s).
"""
from __future__ import annotations

from ips_nb.data.params import SiteParams, team_name
from ips_nb.figures.periods import Month, Week
from ips_nb.pages.labels import Labels


def team_label(L: Labels, team: str) -> str:
    """'Team Nord' stays as it is; a bare 'Nord' becomes 'Team Nord' in the site's language."""
    word = L("team")
    return team if team.lower().startswith(word.lower()) else f"{word} {team}"


def agenda_title(params: SiteParams, week: Week | str, team: str | None = None,
                 labels: Labels | None = None) -> str:
    """'IPS Aarhus · Team Nord · Dagsorden til behandlingskonference · uge 48 · 2026'."""
    L = labels or Labels(params.language, params.labels)
    week = Week.parse(week) if isinstance(week, str) else week
    team = team_label(L, team_name(params, team)) if team else None
    return " · ".join(p for p in (params.name, team, L("agenda_title"), L.week(week.week), str(week.year)) if p)


def period_text(L: Labels, period: str) -> str:
    """'oktober 2026' for a month, 'uge 48 · 2026' for a week, in L's language; else as it is."""
    try:
        if "-W" in period:
            week = Week.parse(period)
            return f"{L.week(week.week)} · {week.year}"
        month = Month.parse(period)
        return L.month_name(month.year, month.month)
    except ValueError:
        return period


def report_title(kind: str, params: SiteParams, period: str, team: str | None = None) -> str:
    """A report page's <title> (and so its PDF's) in the page's language: the site's for a site's
    report, the configured one for the regional overview (whose `params` carry only the language
    it is made in).

    'IPS Aarhus · Supervisionspakke · oktober 2026', 'IPS Malmö · Team Öster · Dagordning för
    behandlingskonferens · vecka 48 · 2026', 'Regional översikt · oktober 2026'.
    """
    if kind == "agenda":
        return agenda_title(params, period, team)
    L = Labels(params.language, getattr(params, "labels", None) or {})
    when = period_text(L, period)
    if kind == "supervision":
        return " · ".join((params.name, L("supervision_pack"), when))
    return " · ".join((L("overview_title"), when))
