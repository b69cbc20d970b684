"""The supervision pack renders every section in da/sv/en, shows figures against goals and
anchors, keeps candidates private, and writes exactly the JSON keys of docs/figures.md."""
from __future__ import annotations

import json

import pytest
from factory import fidelity_rows, make_params, site_data
from factory import KEYS

from ips_nb.pages.catalogue import LABELS
from ips_nb.pages.render import environment
from ips_nb.pages.pack import SupervisionPack
from ips_nb.figures.periods import Month

MARCH = Month(2026, 3)
SECTIONS = ("head", "headlines", "for_this_supervision", "charts_heading", "fidelity", "cadence",
            "discharges")
CHARTS = ("outcome_chart", "caseload_chart", "contact_days_chart", "employer_chart", "phase_chart",
          "discharges_chart", "equal_chart", "fidelity_chart")


def small_site():
    return site_data(
        consultants=[{"consultant_id": "k1", "name": "Karen Konsulent", "fte": 1.0}],
        clinicians=[{"clinician_id": "b1", "team": "Team A"}],
        candidates=[
            {"candidate_id": "c1", "intake_date": "2025-10-01", "consent_date": "2025-10-01", "initials": "AB",
             "gender": "female", "birth_year": 2000, "phase": "employed", "consultant_id": "k1",
             "clinician_id": "b1"},
            {"candidate_id": "c2", "intake_date": "2026-01-05", "consent_date": "2026-01-05", "initials": "CD",
             "gender": "male", "birth_year": 1980, "phase": "job_search", "consultant_id": "k1"},
            {"candidate_id": "c3", "intake_date": "2026-02-01", "initials": "EF", "gender": "female",
             "phase": "job_search", "consultant_id": "k1", "cpr_hash": "deadbeef"}],
        placements=[{"candidate_id": "c1", "kind": "job", "start_date": "2025-12-01", "employer": "Netto"},
                    {"candidate_id": "c2", "kind": "work_trial", "start_date": "2026-03-02"}],
        contacts=[{"candidate_id": "c1", "date": "2025-10-15", "kind": "employer_contact"}],
        employer_contacts=[{"consultant_id": "k1", "date": "2026-03-10", "face_to_face": True}],
        fidelity=fidelity_rows("2025-09-01", [3] * 25) + fidelity_rows("2026-02-01", [4] * 24 + [5])
        + fidelity_rows("2026-03-20", [5] * 10),
        supervision=[{"date": "2026-03-05", "clinicians_present": 1}],
        conferences=[{"date": "2026-03-04", "consultant_id": "k1", "candidate_id": "c1"}])


@pytest.fixture(params=["da", "sv", "en"])
def pack(request) -> SupervisionPack:
    params = make_params(language=request.param, goals={"outcome_rate": 0.5, "fidelity_total": 100})
    return SupervisionPack.from_data(small_site(), params, MARCH)


def html_of(pack: SupervisionPack) -> str:
    parts = [str(getattr(pack, s)()) for s in SECTIONS]
    parts += [getattr(pack, c)()._repr_mimebundle_()["text/html"] for c in CHARTS]
    return "\n".join(parts)


def test_every_section_and_chart_renders_in_the_language(pack):
    page = html_of(pack)
    lang = pack.params.language
    for key in ("fidelity_estimate", "cadence_title", "for_this_supervision"):
        assert LABELS[key][("da", "sv", "en").index(lang)] in page.replace("&#x27;", "'"), key
    # chart titles (the HTML div escapes non-ASCII inside its JSON, so read the figure)
    assert pack.outcome_chart().fig.layout.title.text == pack.labels("chart_outcome_trend")
    assert pack.fidelity_chart().fig.layout.title.text == pack.labels("chart_fidelity_trend")
    assert pack.labels.fidelity_item(15) in page
    # numbers and dates formatted for the language: outcome 1/3 = 33,3 % (da/sv), 33.3 % (en)
    assert ("33,3\u00a0%" if lang in ("da", "sv") else "33.3\u00a0%") in page
    assert pack.labels.date("2026-02-01") in page  # the latest complete review's date


def test_headline_rows_cover_every_figure_with_goal_anchor_and_direction(pack):
    rows = pack.rows()
    assert set(rows) == set(KEYS) - {"site", "month", "as_of", "fidelity_band", "fidelity_date"}
    L = pack.labels
    assert L("anchor_inklusion_short") in rows["outcome_rate"].context
    assert L("goal") in rows["outcome_rate"].context and rows["outcome_rate"].status == "warn"  # 1/3 < 0.5
    assert rows["fidelity_total"].value == "101" and rows["fidelity_total"].status == "ok"
    assert L("band_good") in rows["fidelity_total"].context
    assert L("anchor_employer") in rows["employer_contacts_per_week"].context
    assert rows["without_consent"].value == "1" and rows["without_consent"].status == "warn"
    # February had c1 and c2 (c3 came 1 Feb too): the caseload is the same, the direction says so
    assert rows["active_caseload"].direction.startswith("→")


def test_fidelity_shows_latest_complete_review_moves_and_labelled_estimate(pack):
    html = str(pack.fidelity())
    L = pack.labels
    # Feb 2026 (101) is the latest complete review; the 10-item review of 20 March is not counted
    latest = L.count("fidelity_latest", 101, date=L.date("2026-02-01"), total=101, band=L("band_good"))
    assert latest in html.replace("&#x27;", "'")
    assert L("fidelity_incomplete", date=L.date("2026-03-20"), n=10) in html.replace("&#x27;", "'")
    assert L("fidelity_estimate_note").replace("'", "&#x27;") in html
    assert html.count('class="ips-moved"') == 25  # every item moved from 3 to 4 (item 25 to 5)


def test_counts_take_the_singular(pack):
    """The small site has one consultant and one supervision session: '1 konsulent', not '1 konsulenter'."""
    lang, rows = pack.params.language, pack.rows()
    one = {"da": ("1 konsulent", "0 af 1 konsulent når 6 pr. uge", "1 møde afholdt"),
           "sv": ("1 arbetsspecialist", "0 av 1 arbetsspecialist når 6 per vecka", "1 tillfälle hölls"),
           "en": ("1 consultant", "0 of 1 consultant at 6 a week", "1 session held")}[lang]
    assert rows["active_caseload"].context == one[0]
    assert rows["employer_contacts_per_week"].context.endswith(one[1])
    assert f"<p>{one[2]} " in str(pack.cadence())


def test_for_this_supervision_hides_initials_without_consent(pack):
    html = str(pack.for_this_supervision())
    assert "c3" in html and "EF" not in html  # no consent: case id only
    assert "c2 (CD)" in html  # waiting for a first employer contact, with consent
    page = html_of(pack)
    assert "deadbeef" not in page and "cpr" not in page.lower()


def test_save_writes_exactly_the_metrics_keys(tmp_path):
    pack = SupervisionPack.from_data(small_site(), make_params(), MARCH)
    path = tmp_path / "2026-03.json"
    pack.save(path)
    saved = json.loads(path.read_text(encoding="utf-8"))
    assert list(saved) == KEYS and saved == pack.figures
    pack.save(None)  # by hand: nothing written, nothing raised


def test_table_macro_row_classes_and_escaped_cells():
    table = environment().get_template("macros.html.j2").module.table
    html = str(table(["a"], [[1], ["<b>x</b>"]], row_css=["ips-warn", ""]))
    assert '<tr class="ips-warn"><td>1</td></tr><tr><td>&lt;b&gt;x&lt;/b&gt;</td></tr>' in html


def test_every_catalogue_entry_has_three_languages():
    assert all(len(v) == 3 and all(v) for v in LABELS.values())


@pytest.mark.parametrize("site", ["aarhus", "odense", "jonkoping", "malmo"])
def test_demo_pack_every_figure_present(site, demo_db, params_dir):
    month = "2026-10"
    pack = SupervisionPack.open(site, month, demo_db, params_dir)
    assert list(pack.figures) == KEYS
    f = pack.figures
    assert f["active_caseload"] > 0 and f["caseload_in_month"] >= f["active_caseload"]
    assert f["outcome_rate"] is not None and 0 <= f["outcome_rate"] <= 1
    assert f["fidelity_total"] is not None  # every demo site has a complete review
    page = html_of(pack)
    for c in CHARTS:
        assert getattr(pack, c)().fig.data, c
    assert "cpr" not in page.lower()


# -- regional roll-up -------------------------------------------------------------------------

from ips_nb.pages.overview import SUPPRESSED, Overview, shown_count, shown_rate, site_row  # noqa: E402


def test_small_counts_suppressed_and_rates_on_them_withheld():
    assert [shown_count(n) for n in (0, 1, 4, 5, 12)] == [0, SUPPRESSED, SUPPRESSED, 5, 12]
    assert shown_rate(0.5, 3, 6) == SUPPRESSED and shown_rate(0.5, 5, 10) == 0.5
    assert shown_rate(0.0, 0, 6) == 0.0 and shown_rate(None, 0, 0) is None


def test_site_row_hides_small_counts_and_names_nobody():
    # small site: 3 active, outcome 1 of 3 -> "<5" and the rate withheld
    row = site_row(small_site(), make_params(), MARCH)
    assert row["active_caseload"] == SUPPRESSED and row["outcome_in_month"] == SUPPRESSED
    assert row["outcome_rate"] == SUPPRESSED and row["fidelity_total"] == 101
    text = json.dumps(row)
    assert not any(x in text for x in ('"c1"', '"c2"', '"c3"', "AB", "CD", "EF"))
    # six enrolled, three of them in a job -> 6 and 3 of 6: the rate rests on a small numerator
    many = site_data(candidates=[{"candidate_id": f"m{i}", "intake_date": "2025-06-01"} for i in range(6)],
                     placements=[{"candidate_id": f"m{i}", "kind": "job", "start_date": "2026-01-01"}
                                 for i in range(3)])
    row = site_row(many, make_params(), MARCH)
    assert row["active_caseload"] == 6 and row["outcome_rate"] == SUPPRESSED
    many5 = site_data(candidates=[{"candidate_id": f"m{i}", "intake_date": "2025-06-01"} for i in range(10)],
                      placements=[{"candidate_id": f"m{i}", "kind": "job", "start_date": "2026-01-01"}
                                  for i in range(5)])
    assert site_row(many5, make_params(), MARCH)["outcome_rate"] == 0.5


def test_demo_overview_every_site(demo_db, params_dir, tmp_path):
    ov = Overview.open("2026-10", demo_db, params_dir, "sv")
    assert [r["site"] for r in ov.rows] == ["aarhus", "jonkoping", "malmo", "odense"]
    html = str(ov.head()) + str(ov.table())
    assert "Regional översikt" in html and SUPPRESSED.replace("<", "&lt;") in html
    ov.save(tmp_path / "o.json")
    saved = json.loads((tmp_path / "o.json").read_text(encoding="utf-8"))
    assert saved["month"] == "2026-10" and len(saved["sites"]) == 4
    assert ov.outcome_chart().fig.data


def test_overview_served_pinned_to_a_site_shows_only_that_site(demo_db, params_dir, monkeypatch):
    monkeypatch.setenv("IPS_NB_SERVE", "1")
    monkeypatch.setenv("IPS_NB_SERVE_SITE", "malmo")
    assert [r["site"] for r in Overview.open("2026-10", demo_db, params_dir).rows] == ["malmo"]
