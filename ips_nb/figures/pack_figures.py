"""The supervision pack's JSON: every figure of docs/figures.md, with its key, in its order.

Apart from `metrics` (the building blocks) because it gathers from the modules that build on
them: `metrics` itself, `outcomes` (the figures benchmarks are defined by), `goals` (the
site's goals, of which the older form compares with the figures gathered here), `consultants`
(each consultant's month) and `equal` (equal chances).
"""
from __future__ import annotations

from ips_nb.data.frames import SiteData
from ips_nb.data.params import SiteParams
from ips_nb.figures import consultants, equal, goals, outcomes, phases
from ips_nb.figures.metrics import (
    OTHER_PLACEMENT_KINDS,
    RAPID_SEARCH_DAYS,
    _counts,
    _ids,
    between,
    caseload_by_consultant,
    consented_by,
    days_to_employer_contact,
    employer_contacts_per_week,
    enrolled_during,
    enrolled_on,
    latest_fidelity,
    outcome_candidates,
    outcome_ever_rate,
    over_caseload_max,
    overdue_actions,
    rate,
    retention,
    waiting_for_employer_contact,
)
from ips_nb.figures.periods import Month


def supervision_figures(data: SiteData, params: SiteParams, month: Month) -> dict:
    """Every figure of the supervision JSON (docs/figures.md), with its key, in its order (JSON-ready)."""
    first, last, as_of = month.first, month.last, month.as_of
    c, p = data.candidates, data.placements
    active = c[enrolled_on(c, as_of)]
    in_month = c[enrolled_during(c, first, last)]
    outcome = outcome_candidates(data, first, last)
    starts = p[between(p["start_date"], first, last)]
    discharged = c[between(c["discharge_date"], first, last)]
    days = days_to_employer_contact(data, as_of)
    reached = days.dropna()
    review = latest_fidelity(data.fidelity, as_of)
    born = in_month["birth_year"].dropna()
    age = as_of.year - born

    figures = {
        "site": params.site,
        "month": str(month),
        "as_of": as_of.isoformat(),
        "active_caseload": len(active),
        "caseload_in_month": len(in_month),
        "caseload_by_consultant": caseload_by_consultant(data, as_of),
        "over_caseload_max": over_caseload_max(data, params, as_of),
        "referrals": int(between(c["referral_date"], first, last).sum()),
        "intakes": int(between(c["intake_date"], first, last).sum()),
        "discharges_by_reason": _counts(discharged["discharge_reason"].fillna("other")),
        "job_starts": int((starts["kind"] == "job").sum()),
        "education_starts": int((starts["kind"] == "education").sum()),
        "other_placement_starts": {k: int((starts["kind"] == k).sum()) for k in OTHER_PLACEMENT_KINDS},
        "outcome_in_month": len(outcome),
        "outcome_rate": rate(len(outcome), len(in_month)),
        "outcome_ever_rate": outcome_ever_rate(data, as_of),
        "rapid_search_share": rate(int((reached <= RAPID_SEARCH_DAYS).sum()), len(days)),
        "median_days_to_employer_contact": float(reached.median()) if len(reached) else None,
        "waiting_for_employer_contact": waiting_for_employer_contact(data, as_of),
        "employer_contacts_per_week": employer_contacts_per_week(data, month),
        "retention_4m": retention(data, as_of, 120),
        "retention_90d": retention(data, as_of, 90),
        "overdue_actions": int(overdue_actions(data.actions, as_of).sum()),
        "without_consent": _ids(active[~consented_by(active, as_of)]),
        "gender": _counts(in_month["gender"].fillna("unknown")),
        "age_18_29": int(((age >= 18) & (age <= 29)).sum()),
        "fidelity_total": review["total"] if review else None,
        "fidelity_band": review["band"] if review else None,
        "fidelity_date": review["date"] if review else None,
        "supervision_sessions": int(between(data.supervision["date"], first, last).sum()),
        # From the phase history on as_of (docs/figures.md): never today's phase for a past month.
        "phase_counts": phases.phase_counts(data, as_of),
        "days_in_phase": phases.days_in_phase(data, as_of),
        # Defined as the published benchmarks are (docs/figures.md, "Benchmarks"): only these
        # stand beside a trial's or the learning community's number.
        **outcomes.outcome_figures(data, month),
    }
    # the site's goals, in its file's order; the older form compares with the figures above
    figures["goals"] = goals.measure_goals(data, params, month, figures)
    # outcome-based supervision, one consultant at a time, and equal chances (a rate per group)
    figures["by_consultant"] = consultants.by_consultant(data, params, month)
    figures["by_gender"] = equal.by_gender(data, month)
    figures["by_age_group"] = equal.by_age_group(data, month)
    return figures
