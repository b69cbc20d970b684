"""Small agendas for hand-checked tests: one ISO week, candidates described only by what matters.

Every candidate gets contacts and a recent conference, so no reason fires unless a test adds one.
"""
from __future__ import annotations

from datetime import date, timedelta

from factory import make_params, site_data

from ips_nb.figures.periods import Week
from ips_nb.pages.agenda import AgendaView

WEEK = Week(2026, 47)
AS_OF = date(2026, 11, 17)


def day(n: int) -> str:
    """The date n days before the agenda's as_of."""
    return (AS_OF - timedelta(days=n)).isoformat()


def cand(cid: str, **fields) -> dict:
    return {"candidate_id": cid, "referral_date": day(100), "intake_date": day(90), "consent_date": day(90),
            "phase": "job_search", "initials": cid[-2:].upper(), **fields}


def routine(ids: list[str]) -> dict:
    """Contacts and a conference recent enough that no reason fires by itself."""
    return {"contacts": [{"candidate_id": i, "date": day(1), "kind": "employer_contact"} for i in ids],
            "conferences": [{"candidate_id": i, "date": day(6)} for i in ids],
            "employer_contacts": [{"consultant_id": "k1", "candidate_id": i, "date": day(3)} for i in ids]}


def view(candidates: list[dict], team: str | None = None, lang: str = "en", **tables) -> AgendaView:
    ids = [c["candidate_id"] for c in candidates]
    base = routine(ids)
    for k, v in base.items():
        tables[k] = list(tables.get(k, [])) + v
    tables.setdefault("consultants", [{"consultant_id": "k1", "name": "Kim Konsulent"}])
    tables.setdefault("clinicians", [{"clinician_id": "b1", "name": "Bo North", "team": "North"},
                                     {"clinician_id": "b2", "name": "Bea South", "team": "South"}])
    data = site_data(candidates=candidates, **tables)
    return AgendaView.of(data, make_params(language=lang, teams=["North", "South"]), WEEK, team)
