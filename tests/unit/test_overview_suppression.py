"""The regional overview hides a second count wherever a "<5" could be worked out from the counts
beside it (complementary suppression), on hand-worked sites of March 2026."""
from __future__ import annotations

import json

from factory import make_params, site_data

from ips_nb.figures.periods import Month
from ips_nb.figures.suppression import Sum, protect
from ips_nb.pages.labels import Labels
from ips_nb.pages.overview import HIDDEN, SUPPRESSED, Overview, site_row

MARCH = Month(2026, 3)


def _site(in_month: int, discharged: int, female: int, unknown_gender: int = 0, outcome: int = 0,
          consented: bool = True):
    """`in_month` candidates enrolled since June 2025, the first `discharged` of them discharged on
    10 March; the first `female` women, then `unknown_gender` without a gender, the rest men, all
    born 1980 (none aged 18-29); the last `outcome` of them in a job since January. Each has had
    an employer contact, and (if `consented`) has consented, so no one waits or lacks consent."""
    def gender(i: int) -> str | None:
        return "female" if i < female else None if i < female + unknown_gender else "male"

    candidates = [{"candidate_id": f"c{i}", "intake_date": "2025-06-01", "gender": gender(i), "birth_year": 1980,
                   **({"consent_date": "2025-06-01"} if consented else {}),
                   **({"discharge_date": "2026-03-10", "discharge_reason": "job"} if i < discharged else {})}
                  for i in range(in_month)]
    placements = [{"candidate_id": f"c{i}", "kind": "job", "start_date": "2026-01-05"}
                  for i in range(in_month - outcome, in_month)]
    contacts = [{"candidate_id": f"c{i}", "consultant_id": "k1", "date": "2025-06-10"} for i in range(in_month)]
    return site_data(candidates=candidates, placements=placements, employer_contacts=contacts)


def _counts(row: dict) -> tuple:
    return row["caseload_in_month"], row["active_caseload"], row["discharges"], row["female"], row["male"]


def test_27_active_beside_30_in_the_month_hides_the_27_so_the_3_discharges_stay_hidden():
    row = site_row(_site(30, discharged=3, female=15, outcome=10), make_params(), MARCH)
    # shown before: 30, 27, "<5" -> 30 - 27 = 3 discharges
    assert _counts(row) == (30, HIDDEN, SUPPRESSED, 15, 15)
    assert row["outcome_in_month"] == 10 and row["outcome_rate"] == round(10 / 30, 4)  # not built on the 27
    overview = Overview(MARCH, [row], Labels("da"))
    html = str(overview.table())
    assert "skjult" in html and ">27<" not in html
    assert "»skjult«" in str(overview.head())
    # where none of the 27 has consented, "without consent" is the 27 again: it is hidden too
    row = site_row(_site(30, discharged=3, female=15, outcome=10, consented=False), make_params(), MARCH)
    assert (row["active_caseload"], row["without_consent"], row["caseload_in_month"]) == (HIDDEN, HIDDEN, 30)


def test_no_second_count_is_hidden_where_the_small_ones_cannot_be_told_apart():
    # 5 in the month: 3 active and 2 discharged, 3 women and 2 men. Each "<5" is 1-4 and the
    # pairs add up to 5 in four ways: nothing more is hidden.
    row = site_row(_site(5, discharged=2, female=3), make_params(), MARCH)
    assert _counts(row) == (5, SUPPRESSED, SUPPRESSED, SUPPRESSED, SUPPRESSED)
    assert HIDDEN not in row.values()
    # 30 in the month, 2 women, 1 without a gender (not on the page), 27 men: 2 + 1 = 30 - 27,
    # so the women are 1, 2 or 3 (the one without a gender could be a third woman's place)
    row = site_row(_site(30, discharged=0, female=2, unknown_gender=1), make_params(), MARCH)
    assert _counts(row) == (30, 30, 0, SUPPRESSED, 27)


def test_a_total_with_one_small_part_hides_the_smallest_other_part():
    # the month's caseload is the total of the genders: 30 = 2 women + 28 men -> 28 hidden, not 30
    row = site_row(_site(30, discharged=0, female=2), make_params(), MARCH)
    assert _counts(row) == (30, 30, 0, SUPPRESSED, HIDDEN)
    # across sites, as a region column would add them up: 55 = 3 + 12 + 40 -> the 12 is hidden
    cells = {"total": 55, "north": 3, "south": 12, "west": 40}
    assert protect(cells, [Sum("total", ("north", "south", "west"))], set(cells)) == ({"north"}, {"south"})


def test_two_small_counts_at_their_upper_bound_hide_the_total_and_the_rate_built_on_it():
    # 8 = 4 active + 4 discharged: both "<5" must be 4. The total is hidden; the outcome rate,
    # 5 of 8, would give the total back with the 5 beside it, so it is withheld too.
    row = site_row(_site(8, discharged=4, female=4, outcome=5), make_params(), MARCH)
    assert _counts(row) == (HIDDEN, SUPPRESSED, SUPPRESSED, SUPPRESSED, SUPPRESSED)
    assert row["outcome_in_month"] == 5 and row["outcome_rate"] == SUPPRESSED


def test_the_json_says_hidden_and_never_the_number(tmp_path):
    overview = Overview(MARCH, [site_row(_site(30, discharged=3, female=15), make_params(), MARCH)], Labels("en"))
    overview.save(tmp_path / "o.json")
    saved = json.loads((tmp_path / "o.json").read_text(encoding="utf-8"))["sites"][0]
    assert saved["active_caseload"] == "hidden" and saved["discharges"] == "<5"
    assert 27 not in saved.values() and 3 not in saved.values()
