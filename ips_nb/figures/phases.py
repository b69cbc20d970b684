"""Each candidate's phase on a given day, from the phase history (docs/figures.md).

The `phases` table records one row each time a candidate's phase changes (`candidate_id`,
`phase`, `from_date`); `candidates.phase` is only the phase now. A pack for a past month must
show the phases of that month, never today's, so every function here takes `as_of` and reads the
history up to that day:

- `phase_on`: the phase on `as_of` of every candidate enrolled that day (the active caseload):
  the latest row with `from_date <= as_of`; enrolled with no row by then: `engagement`.
- `phase_counts`: `{phase: n}` over the active caseload (the pack's `phase_counts`).
- `days_in_phase`: `{candidate_id: n}` over the active caseload: days from the day that phase
  began to `as_of`; from the intake where the history has no row by then.
- `phase_of_everyone`: the same for every candidate of the site, referrals not yet taken in
  included (`referral` with no row by then): the agenda's `phase`.
- `has_history`: whether the site sent a phase history at all. Where it did not, `phase_on` and
  `phase_counts` use `candidates.phase` as it was at the import (today's phase, for every
  month), and the page must say so; `days_in_phase` then counts from the intake.

Choices where the definition is silent:
- Two rows in a row with the same phase record no change: the phase began with the first of
  them (a repeated row does not restart "same phase > 90 days").
- An enrolled candidate whose recorded phase is empty counts as `engagement`, as one without
  a row does.
- `phase_counts` lists the phases present, in the order of the course (`schema.PHASES`).

Pure functions over frames: nothing here reads the clock, a file or the database.
"""
from __future__ import annotations

from datetime import date

import pandas as pd

from ips_nb.data.frames import SiteData
from ips_nb.data.schema import DEFAULT_PHASE, PHASES


def _ts(day: date) -> pd.Timestamp:
    return pd.Timestamp(day)


def _active(data: SiteData, as_of: date) -> pd.DataFrame:
    """Candidates enrolled on `as_of`: intake on or before it, no discharge on or before it.

    The same rule as metrics.enrolled_on (tests/unit/test_phases.py holds them together); it is
    not imported from there because metrics builds on this module.
    """
    c = data.candidates
    d = _ts(as_of)
    mask = (c["intake_date"] <= d) & (c["discharge_date"].isna() | (c["discharge_date"] > d))
    active = c.loc[mask.fillna(False).astype(bool), ["candidate_id", "phase", "intake_date"]]
    return active.assign(candidate_id=active["candidate_id"].astype(str)) \
        .sort_values("candidate_id", kind="stable").set_index("candidate_id")


def has_history(data: SiteData) -> bool:
    """Does the site have a phase history (any `phases` row)? Without one, the phases shown for
    a past month are the phases at the import, and the pack says so."""
    return not data.phases.empty


def _history_on(data: SiteData, as_of: date) -> pd.DataFrame:
    """candidate_id → `phase` on `as_of` and `since`, the day that phase began; only candidates
    with a row on or before `as_of`. Consecutive rows with one phase are one stretch."""
    h = data.phases
    h = h[h["from_date"] <= _ts(as_of)]
    if h.empty:
        return pd.DataFrame({"phase": pd.Series([], dtype=object),
                             "since": pd.Series([], dtype="datetime64[s]")},
                            index=pd.Index([], name="candidate_id", dtype=object))
    h = h.assign(candidate_id=h["candidate_id"].astype(str), phase=h["phase"].astype(object))
    h = h.sort_values(["candidate_id", "from_date"], kind="stable")
    changed = h["phase"].ne(h.groupby("candidate_id")["phase"].shift())
    since = h["from_date"].where(changed).groupby(h["candidate_id"]).ffill()
    h = h.assign(since=since).groupby("candidate_id").tail(1).set_index("candidate_id")
    return h[["phase", "since"]]


def phase_on(data: SiteData, as_of: date) -> pd.Series:
    """candidate_id → phase on `as_of`, for the candidates enrolled that day (sorted by id).

    With a history: the latest row with `from_date <= as_of`, else `engagement`. Without any
    history at the site (`has_history` false): `candidates.phase` as imported (empty:
    `engagement`).
    """
    active = _active(data, as_of)
    if has_history(data):
        recorded = _history_on(data, as_of)["phase"]
        phase = recorded.reindex(active.index)
    else:
        phase = active["phase"].astype(object)
    phase = phase.astype(object).where(phase.notna(), DEFAULT_PHASE)
    return pd.Series(phase.to_numpy(dtype=object), index=active.index.astype(object),
                     name="phase", dtype=object)


def phase_of_everyone(data: SiteData, as_of: date) -> pd.Series:
    """candidate_id → phase on `as_of` for every candidate of the site, new referrals and those
    not yet taken in included (an agenda lists them too).

    With a history: the latest row with `from_date <= as_of`; with no row by then, `referral`
    for a candidate not taken in by `as_of` and `engagement` for one taken in. Never today's
    phase. Without any history at the site: `candidates.phase` as imported, empty counting as
    `engagement` (the settled reading for such sites).
    """
    c = data.candidates
    ids = c["candidate_id"].astype(str)
    if not has_history(data):
        recorded = c["phase"].astype(object)
        phase = recorded.where(recorded.notna(), DEFAULT_PHASE)
    else:
        recorded = _history_on(data, as_of)["phase"].reindex(ids.to_numpy())
        taken_in = (c["intake_date"] <= _ts(as_of)).fillna(False).astype(bool).to_numpy()
        fallback = pd.Series(["engagement" if t else "referral" for t in taken_in], index=recorded.index)
        phase = recorded.astype(object).where(recorded.notna(), fallback)
    return pd.Series(phase.to_numpy(dtype=object), index=ids.to_numpy(dtype=object), name="phase",
                     dtype=object)


def phase_counts(data: SiteData, as_of: date) -> dict[str, int]:
    """{phase: n} over the candidates enrolled on `as_of`, each in their phase that day; the
    phases present, in the order of the course (an unknown code last, alphabetically)."""
    counts = phase_on(data, as_of).value_counts()
    order = [p for p in PHASES if p in counts.index] + sorted(set(counts.index) - set(PHASES))
    return {str(p): int(counts[p]) for p in order}


def days_in_phase(data: SiteData, as_of: date) -> dict[str, int]:
    """{candidate_id: n} for the candidates enrolled on `as_of`: days from the day their phase
    on `as_of` began to `as_of` (0 when it began that day); from the intake where the history
    has no row by then (and for every candidate of a site without a history)."""
    active = _active(data, as_of)
    since = active["intake_date"]
    if has_history(data):
        began = _history_on(data, as_of)["since"].reindex(active.index)
        since = began.where(began.notna(), since)
    days = (_ts(as_of) - since).dt.days
    return {str(cid): int(n) for cid, n in days.items()}
