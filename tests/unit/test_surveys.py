"""The pack's survey figures on hand-worked answers (as_of 2026-03-31; the window is
1 April 2025 – 31 March 2026)."""
from __future__ import annotations

from factory import site_data

from ips_nb.figures.periods import Month
from ips_nb.figures.surveys import experience_summary, mansa_summary

AS_OF = Month(2026, 3).as_of


def mansa(cid, day, occasion, score, items=12):
    return [{"candidate_id": cid, "date": day, "instrument": "mansa", "item": i, "score": score,
             "occasion": occasion} for i in range(1, items + 1)]


def test_mansa_means_by_occasion_the_change_and_the_rule_of_five():
    rows = []
    # five intake responses scored 3, 3, 4, 4, 5 (mean 3.8); c6's has 9 items: no score
    for cid, score in zip(("c1", "c2", "c3", "c4", "c5"), (3, 3, 4, 4, 5)):
        rows += mansa(cid, "2025-06-01", "intake", score)
    rows += mansa("c6", "2025-06-01", "intake", 7, items=9)
    # a response exactly 12 months old is outside the window
    rows += mansa("c7", "2025-03-31", "intake", 1)
    # in work: c1 4 (+1), c2 5 (+2), c3 4 (+0), c6 6 (no scored intake: no change)
    for cid, score in (("c1", 4), ("c2", 5), ("c3", 4), ("c6", 6)):
        rows += mansa(cid, "2025-12-01", "in_work", score)
    s = mansa_summary(site_data(surveys=rows), AS_OF)
    assert s["by_occasion"]["intake"] == {"responses": 5, "mean": 3.8}
    assert s["by_occasion"]["in_work"] == {"responses": 4, "mean": None}  # <5: never a mean
    assert s["change"] == {"candidates": 3, "mean": None}  # 3 pairs: <5
    # two more pairs make five: changes +1, +2, 0, +1, +1 -> mean 1.0
    for cid, before, after in (("c8", 3, 4), ("c9", 2, 3)):
        rows += mansa(cid, "2025-06-01", "intake", before) + mansa(cid, "2025-12-01", "in_work", after)
    s = mansa_summary(site_data(surveys=rows), AS_OF)
    assert s["change"] == {"candidates": 5, "mean": 1.0}


def test_experience_items_share_agreeing_and_fewer_than_five():
    rows = [{"candidate_id": f"c{i}", "date": "2026-01-10", "instrument": "experience", "item": 1,
             "score": score} for i, score in enumerate((5, 4, 4, 3, 2))]
    rows += [{"candidate_id": "c0", "date": "2026-01-10", "instrument": "experience", "item": 2, "score": 5}]
    s = experience_summary(site_data(surveys=rows), AS_OF)
    assert s[1] == {"responses": 5, "mean": 3.6, "agree": 0.6}
    assert s[2] == {"responses": 1, "mean": None, "agree": None}
