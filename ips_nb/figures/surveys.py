"""What the candidates answered (docs/figures.md, "Surveys"): MANSA's life satisfaction by
occasion and its change from intake to work, and the site's own questions on the support.

A response is one candidate's rows of one instrument on one date. Results of fewer than 5
responses are never shown as a share or a mean (`MIN_RESPONSES`): the page says "<5 svar".
Every function takes `as_of`; the window is the 12 months up to it (after `as_of` − 12 months).
"""
from __future__ import annotations

from datetime import date

import pandas as pd

from ips_nb.data.frames import SiteData
from ips_nb.data.schema import SURVEY_OCCASIONS
from ips_nb.figures.goals import MIN_RESPONSES, survey_window

MANSA_MIN_ITEMS = 10  # a MANSA response with fewer of its 12 items answered has no score


def responses(data: SiteData, as_of: date, instrument: str) -> pd.DataFrame:
    """One row per response in the window: candidate_id, date, occasion, items (answered), score
    (the mean of its items; for MANSA None under 10 items)."""
    s = survey_window(data.surveys, as_of, instrument)
    if s.empty:
        return pd.DataFrame({"candidate_id": [], "date": [], "occasion": [], "items": [], "score": []})
    s = s.drop_duplicates(["candidate_id", "date", "item"])
    g = s.groupby(["candidate_id", "date"], as_index=False).agg(
        occasion=("occasion", "first"), items=("item", "count"), score=("score", "mean"))
    if instrument == "mansa":
        g["score"] = g["score"].where(g["items"] >= MANSA_MIN_ITEMS)
    return g.sort_values(["candidate_id", "date"], kind="stable").reset_index(drop=True)


def _mean(values: pd.Series) -> float | None:
    v = values.dropna()
    return None if len(v) < MIN_RESPONSES else round(float(v.mean()), 2)


def mansa_summary(data: SiteData, as_of: date) -> dict:
    """{"by_occasion": {occasion: {"responses", "mean"}}, "change": {"candidates", "mean"}}: the
    mean is None below 5 scored responses. The change pairs each candidate's first scored
    intake response with their first scored in_work response after it."""
    r = responses(data, as_of, "mansa")
    scored = r[r["score"].notna()]
    by = {}
    for occasion in SURVEY_OCCASIONS:
        mine = scored[scored["occasion"] == occasion]
        if len(mine):
            by[occasion] = {"responses": int(len(mine)), "mean": _mean(mine["score"])}
    changes = []
    for _cid, rows in scored.groupby("candidate_id"):
        intake = rows[rows["occasion"] == "intake"]
        if intake.empty:
            continue
        first = intake.iloc[0]
        later = rows[(rows["occasion"] == "in_work") & (rows["date"] > first["date"])]
        if not later.empty:
            changes.append(float(later.iloc[0]["score"]) - float(first["score"]))
    return {"by_occasion": by,
            "change": {"candidates": len(changes), "mean": _mean(pd.Series(changes, dtype=float))}}


def experience_summary(data: SiteData, as_of: date, agree_from: int = 4) -> dict[int, dict]:
    """{item: {"responses", "mean", "agree"}} for the site's own questions: `agree` is the share
    scoring `agree_from` or more; mean and share None below 5 responses."""
    s = survey_window(data.surveys, as_of, "experience").drop_duplicates(["candidate_id", "date", "item"])
    out = {}
    for item, rows in s.groupby("item"):
        n = len(rows)
        few = n < MIN_RESPONSES
        out[int(item)] = {"responses": n, "mean": None if few else round(float(rows["score"].mean()), 2),
                          "agree": None if few else round(float((rows["score"] >= agree_from).mean()), 4)}
    return dict(sorted(out.items()))
