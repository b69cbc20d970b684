"""The supervision pack renders every section in da/sv/en, shows figures against goals and
anchors, keeps candidates private, and writes exactly the JSON keys of docs/figures.md."""
from __future__ import annotations

import json

import pytest
from factory import KEYS, fidelity_rows, make_params, site_data

from ips_nb.figures.periods import Month
from ips_nb.pages.catalogue import LABELS
from ips_nb.pages.pack import SupervisionPack
from ips_nb.pages.render import environment

MARCH = Month(2026, 3)
SECTIONS = ("head", "headlines", "consultants", "charts_heading", "fidelity", "cadence",
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
    # days_in_phase is per candidate: the "for this supervision" list shows it, not the table;
    # each consultant's month and the equal chances have sections of their own
    assert set(rows) == set(KEYS) - {"site", "month", "as_of", "fidelity_band", "fidelity_date", "days_in_phase",
                                  "outcome_within_18m_cohort", "caseload_3m", "goals",
                                  "by_consultant", "by_gender", "by_age_group"}
    L = pack.labels
    assert L("anchor_dk_outcome") in rows["outcome_within_18m"].context  # the test site is Danish
    assert L("anchor_dk_outcome_short") not in rows["outcome_rate"].context  # defined otherwise
    assert L("goal") in rows["outcome_rate"].context and rows["outcome_rate"].status == "warn"  # 1/3 < 0.5
    assert rows["fidelity_total"].value == "101" and rows["fidelity_total"].status == "ok"
    assert L("band_good") in rows["fidelity_total"].context
    # IPS-25 item 17's 6 counts face-to-face contacts: the line says so (the value is every contact)
    assert L("anchor_face_to_face") in rows["employer_contacts_per_week"].context
    assert L("source_ips25_17") in rows["employer_contacts_per_week"].context  # every anchor names its source
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
    html = str(pack.consultants())
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


def test_a_site_whose_parameters_do_not_load_is_left_out_of_the_overview_and_says_so(demo_db, params_dir,
                                                                                      tmp_path):
    import shutil

    bad = tmp_path / "params"
    shutil.copytree(params_dir, bad)
    odense = bad / "odense.yaml"
    odense.write_text(odense.read_text(encoding="utf-8") + "caseload_max: 999\n", encoding="utf-8")
    ov = Overview.open("2026-10", demo_db, str(bad), "da")
    assert [r["site"] for r in ov.rows] == ["aarhus", "jonkoping", "malmo"]
    assert "Ikke med i oversigten: odense. Stedets parameterfil har en fejl" in str(ov.head())
    ov.save(tmp_path / "o.json")
    assert json.loads((tmp_path / "o.json").read_text(encoding="utf-8"))["left_out"] == ["odense"]
    every = Overview.open("2026-10", demo_db, params_dir, "da")
    assert every.left_out == [] and "Ikke med" not in str(every.head())


def test_overview_served_pinned_to_a_site_shows_only_that_site(demo_db, params_dir, monkeypatch):
    monkeypatch.setenv("IPS_NB_SERVE", "1")
    monkeypatch.setenv("IPS_NB_SERVE_SITE", "malmo")
    assert [r["site"] for r in Overview.open("2026-10", demo_db, params_dir).rows] == ["malmo"]


# -- explained: meanings, directions, benchmarks of the site's country ------------------------

def test_every_figure_has_its_meaning_on_hover_and_as_a_printed_footnote(pack):
    import re

    rows = pack.rows()
    html = str(pack.headlines())
    for key in rows:
        meaning = pack.meaning(key)
        assert meaning and meaning != key and meaning.endswith("."), key
        assert f'title="{meaning}"'.replace("'", "&#39;") in html.replace("&#x27;", "&#39;"), key
    notes = re.findall(r'<li value="(\d+)">', html)
    assert notes == [str(i) for i in range(1, len(rows) + 1)]  # one numbered footnote per figure
    assert html.count('class="ips-fn-ref"') == len(rows) + len(pack.headline_keys)  # table rows + cards
    # the two outcome rates say how they differ
    assert pack.meaning("outcome_rate") != pack.meaning("outcome_ever_rate")


def test_footnotes_show_only_in_print():
    from ips_nb.pages.render import css

    sheet = css()
    screen, _, printed = sheet.partition("/* pack: explanations */")[2].partition("@media print")
    assert ".ips-footnotes { display: none" in screen and ".ips-fn-ref { display: none" in screen
    assert ".ips-footnotes { display: block" in printed and ".ips-fn-ref { display: inline" in printed


@pytest.mark.parametrize("lang,words", [("da", ("bedre", "dårligere", "op", "uændret")),
                                        ("sv", ("bättre", "sämre", "upp", "oförändrad")),
                                        ("en", ("better", "worse", "up", "unchanged"))])
def test_arrows_say_better_or_worse_and_counts_only_up_or_down(lang, words):
    better, worse, up, same = words
    pack = SupervisionPack.from_data(small_site(), make_params(language=lang), MARCH)
    d = pack._direction
    assert d("overdue_actions", 3, 1) == (f"↑ {worse}", "worse")        # more overdue is worse
    assert d("outcome_rate", 0.4, 0.3) == (f"↑ {better}", "better")
    assert d("median_days_to_employer_contact", 12.0, 20.0) == (f"↓ {better}", "better")
    assert d("waiting_for_employer_contact", ["c1"], ["c1", "c2"]) == (f"↓ {better}", "better")
    assert d("referrals", 5, 2) == (f"↑ {up}", "")                       # a count: no judgement
    assert d("fidelity_total", 100, 100) == (f"→ {same}", "")
    assert d("outcome_rate", None, 0.3) == ("", "")


def test_overdue_actions_going_up_reads_worse_on_the_page():
    # one action overdue in March (due 10 March), none overdue at the end of February
    data = small_site()
    data = site_data(**{**_tables(data), "actions": [
        {"candidate_id": "c1", "due_date": "2026-03-10", "description": "Ring til arbejdsgiver"}]})
    pack = SupervisionPack.from_data(data, make_params(language="da"), MARCH)
    row = pack.rows()["overdue_actions"]
    assert (row.value, row.direction, row.trend) == ("1", "↑ dårligere", "worse")
    assert 'class="ips-trend-worse">↑ dårligere</td>' in str(pack.headlines())


def _tables(data) -> dict:
    """SiteData back to the row dicts `site_data` takes (for small edits to a test site)."""
    import pandas as pd

    out = {}
    for name, frame in vars(data).items():
        rows = []
        for rec in frame.to_dict("records"):
            row = {}
            for k, v in rec.items():
                if v is None or (not isinstance(v, (list, dict)) and pd.isna(v)) or k == "site":
                    continue
                row[k] = v.strftime("%Y-%m-%d") if hasattr(v, "strftime") else v
            rows.append(row)
        out[name] = rows
    return out


def test_the_monthly_outcome_chart_shows_the_sites_goal_and_no_benchmark():
    # the month's share is defined as no published figure is: the trial's 59.9 % must not stand
    # beside it, only the site's own goal
    pack = SupervisionPack.from_data(small_site(), make_params(language="da", goals={"outcome_rate": 0.6}), MARCH)
    fig = pack.outcome_chart().fig
    names = {t.name for t in fig.data}
    assert "Stedets mål 60,0\u00a0%" in names
    assert not any("Inklusion" in str(n) or "59,9" in str(n) for n in names)
    assert all("Inklusion" not in a.text for a in fig.layout.annotations)


@pytest.mark.parametrize("country,lang", [("SE", "sv"), ("SE", "da"), ("DK", "sv"), ("DK", "da")])
def test_benchmarks_stand_only_beside_the_figure_defined_the_same_way(country, lang):
    pack = SupervisionPack.from_data(small_site(), make_params(language=lang, country=country,
                                                               goals={"outcome_rate": 0.4, "retention_4m": 0.8}), MARCH)
    page, rows, L = html_of(pack), pack.rows(), pack.labels
    none = L("bench_none")
    # the month's share, the share ever, and the retentions carry no benchmark, only their goal
    for key in ("outcome_rate", "outcome_ever_rate", "retention_4m", "retention_90d"):
        assert none in rows[key].context, key
        assert f"{L('anchor')}:" not in rows[key].context, key
    assert "Aalborg" not in page
    # the learning community's levels beside the 3-month employment rate, in every country
    assert L("bench_learning_community") in rows["employment_rate_3m"].context
    if country == "SE":
        for danish in ("Inklusion", "(DK)", "59,9", "59.9"):
            assert danish not in page, danish
        assert L("anchor_se_outcome") in rows["job_within_18m"].context and "Bejerholm" in page
        assert none in rows["outcome_within_18m"].context  # no Swedish trial counted job or education
    else:
        assert L("anchor_dk_outcome") in rows["outcome_within_18m"].context and "Malmö" not in page
        assert none in rows["job_within_18m"].context
    # the trial's sentence says who, over what time and what counted
    trial = L("anchor_se_outcome" if country == "SE" else "anchor_dk_outcome")
    assert "18" in trial and ("46" in trial or "59" in trial)


def test_the_employer_chart_and_row_hold_ips25s_six_against_face_to_face_contacts_only():
    # March 2026 (31 days, 31/7 weeks): k1 logs 31 contacts, 27 of them face to face: 6.10 a week
    # face to face (reaches 6), 7.00 in all; k2 logs 31 with none face to face: 0 a week (below)
    contacts = [{"consultant_id": "k1", "date": f"2026-03-{d:02d}", "face_to_face": d > 4} for d in range(1, 32)]
    contacts += [{"consultant_id": "k2", "date": f"2026-03-{d:02d}", "face_to_face": False} for d in range(1, 32)]
    data = site_data(consultants=[{"consultant_id": "k1", "name": "Karen"}, {"consultant_id": "k2", "name": "Bo"}],
                     employer_contacts=contacts)
    pack = SupervisionPack.from_data(data, make_params(language="en"), MARCH)
    assert pack.figures["employer_contacts_per_week"] == {"k1": 7.0, "k2": 7.0}
    assert pack.face_to_face() == {"k1": 6.1, "k2": 0.0}
    row = pack.rows()["employer_contacts_per_week"]
    assert row.value == "7.00" and row.context.endswith("1 of 2 consultants at 6 a week") and row.status == "warn"
    bars = {t.name: t.y for t in pack.employer_chart().fig.data if t.type == "bar"}
    assert bars[pack.labels("per_week_reached")] == (6.1, None) and bars[pack.labels("per_week_below")] == (None, 0.0)


def test_caseload_maximum_is_labelled_the_sites_goal_and_ips25s_twenty_as_ipss(pack):
    p = SupervisionPack.from_data(small_site(), make_params(language="da", caseload_max=15), MARCH)
    context, L = p.rows()["caseload_by_consultant"].context, p.labels
    assert L.count("site_goal_caseload", 15) in context
    assert f"{L.count('anchor_caseload', 20)} ({L('source_ips25_1')})" in context


def test_rapid_search_share_is_shown_against_the_sites_goal(pack):
    # small site: c1 taken in 1 Oct 2025 with an employer contact 14 days on; c2 (5 Jan) and c3 (1 Feb)
    # none: 1 of 3 = 33.3 % against a goal of 80 %
    goals = {"outcome_rate": 0.5, "rapid_search_share": 0.8}
    p = SupervisionPack.from_data(small_site(), make_params(language=pack.params.language, goals=goals), MARCH)
    row, L = p.rows()["rapid_search_share"], p.labels
    assert row.value == L.percent(0.3333) and row.status == "warn"
    assert f"{L('goal')} {L.percent(0.8)}" in row.context and L("source_ips25_15") in row.context
    def without_goals(f: dict) -> dict:
        return {k: v for k, v in f.items() if k != "goals"}
    assert without_goals(p.figures) == without_goals(pack.figures)  # a goal changes no figure


def test_caseload_chart_marks_each_consultants_maximum_and_the_unassigned():
    # k1 full time with 2 (max 1 at caseload_max 1: over), k2 half time with nobody, one active
    # candidate without a consultant: a bar of its own, and a maximum marker per consultant
    data = site_data(consultants=[{"consultant_id": "k1", "name": "Karen", "fte": 1.0},
                                  {"consultant_id": "k2", "name": "Bo", "fte": 0.5}],
                     candidates=[{"candidate_id": "a", "intake_date": "2026-01-01", "consultant_id": "k1"},
                                 {"candidate_id": "b", "intake_date": "2026-01-01", "consultant_id": "k1"},
                                 {"candidate_id": "u", "intake_date": "2026-01-01"}])
    pack = SupervisionPack.from_data(data, make_params(language="da", caseload_max=1), MARCH)
    assert pack.figures["caseload_by_consultant"] == {"k1": 2, "k2": 0, "unassigned": 1}
    fig, L = pack.caseload_chart().fig, pack.labels
    limits = [t for t in fig.data if t.type == "scatter"]
    assert len(limits) == 1 and limits[0].mode == "markers"  # markers, never a line joining people
    assert list(limits[0].x) == ["Karen", "Bo"] and list(limits[0].y) == [1.0, 0.5]
    bars = {t.name: (list(t.x), list(t.y)) for t in fig.data if t.type == "bar"}
    assert bars[L("caseload_over")] == (["Karen", "Bo"], [2, None])
    assert bars[L("unassigned")] == ([L("unassigned")], [1])
    assert "Uden konsulent 1" in pack.rows()["caseload_by_consultant"].value
    assert pack.rows()["active_caseload"].context == "2 konsulenter"  # `unassigned` is nobody


def test_equal_chances_are_a_rate_per_group_with_its_size(pack):
    # March: c1 (woman, 25 at intake) in a job, c2 (man, 46) in a work trial (not an outcome),
    # c3 (woman, no birth year) nothing: women 1 of 2 = 50 %, men 0 of 1
    fig = pack.equal_chart().fig
    assert fig.layout.yaxis.ticksuffix == " %"
    gender, age = fig.data
    L = pack.labels
    assert list(gender.x) == [L.enum("gender", "female"), L.enum("gender", "male")] and list(gender.y) == [50.0, 0.0]
    assert list(gender.text) == [L("equal_rate_of", rate=L.percent(0.5, 0), n="2"),
                                 L("equal_rate_of", rate=L.percent(0.0, 0), n="1")]
    assert list(age.x) == [L("age_group_18-29"), L("age_group_30+"), L("age_group_unknown")]
    assert list(age.y) == [100.0, 0.0, 0.0]
    # where the chart cannot draw, the same rates in words
    said = pack.equal_chart().missing
    assert said.startswith(f"{L.enum('gender', 'female')} {L('equal_rate_of', rate=L.percent(0.5, 0), n='2')} · ")
    assert said.endswith(L("chart_missing"))


def test_every_chart_fits_the_basic_bundle_and_says_when_it_cannot_draw(pack):
    for name in CHARTS:
        chart = getattr(pack, name)()
        assert {t.type for t in chart.fig.data} <= {"scatter", "bar"}, name  # plotly-basic draws these
        html = chart._repr_mimebundle_()["text/html"]
        assert 'class="ips-chart-missing"' in html, name
        assert pack.labels("chart_missing").replace("'", "&#39;") in html.replace("&#x27;", "&#39;"), name


def _discharged_in_november(with_history: bool):
    """Three candidates job-seeking in October and discharged on 10 November 2026 (the Malmö case)."""
    people = [{"candidate_id": f"m{i}", "intake_date": "2026-03-02", "consent_date": "2026-03-02",
               "phase": "discharged", "discharge_date": "2026-11-10", "discharge_reason": "own_request",
               "consultant_id": "k1", "referral_date": "2026-03-01"} for i in range(3)]
    history = [row for i in range(3) for row in (
        {"candidate_id": f"m{i}", "phase": "engagement", "from_date": "2026-03-02"},
        {"candidate_id": f"m{i}", "phase": "job_search", "from_date": "2026-06-01"},
        {"candidate_id": f"m{i}", "phase": "discharged", "from_date": "2026-11-10"})]
    data = site_data(consultants=[{"consultant_id": "k1"}], candidates=people,
                     phases=history if with_history else [])
    return SupervisionPack.from_data(data, make_params(language="sv"), Month(2026, 10))


def test_a_past_month_shows_the_phase_then_not_todays():
    pack = _discharged_in_november(with_history=True)
    # On 31 October all three were seeking work: 152 days since 1 June (by hand: 30+31+31+30+30)
    assert pack.figures["phase_counts"] == {"job_search": 3}
    assert pack.figures["days_in_phase"] == {"m0": 152, "m1": 152, "m2": 152}
    chart = pack.phase_chart().fig
    assert list(chart.data[0].y) == [3] and "Avslutad" not in str(chart.data[0].x)
    page = str(pack.consultants())
    assert "uppskattat" not in page and "fashistorik" not in page
    assert "Dagar i fasen" in page and "152" in page  # same phase > 90 days: on the list with exact days


def test_without_a_history_the_pack_says_the_phases_are_todays():
    pack = _discharged_in_november(with_history=False)
    assert pack.figures["phase_counts"] == {"discharged": 3}  # the only thing such a site knows
    assert "Enheten har ingen fashistorik" in str(pack.headlines())


def test_the_overview_says_how_many_of_each_sites_goals_are_met_never_their_values():
    from ips_nb.pages.labels import Labels
    from ips_nb.pages.overview import Overview, site_row

    goals = [{"measure": "active_caseload", "target": 1},                     # 2 enrolled: met
             {"measure": "intakes_in", "period": 2026, "target": 5},          # 1 so far: in progress
             {"measure": "outcome_on", "date": "2026-03-01", "target": 0.9}]  # 0 of 2: not met
    data = site_data(candidates=[{"candidate_id": "a", "intake_date": "2025-01-01"},
                                 {"candidate_id": "b", "intake_date": "2026-02-01"}])
    row = site_row(data, make_params(language="da", goals=goals), MARCH)
    assert [g["status"] for g in row["goals"]] == ["met", "in_progress", "not_met"]
    assert all("value" not in g and "numerator" not in g for g in row["goals"])
    ov = Overview(MARCH, [row], Labels("da"))
    assert "1 af 3 mål nået · 1 undervejs" in str(ov.table())


def test_the_caseload_chart_names_a_sites_own_maximum_as_its_goal_and_20_as_ips25s():
    data = site_data(consultants=[{"consultant_id": "k1", "name": "Karen"}],
                     candidates=[{"candidate_id": "a", "intake_date": "2026-01-01", "consultant_id": "k1"}])
    own = SupervisionPack.from_data(data, make_params(language="da", caseload_max=15), MARCH)
    ips = SupervisionPack.from_data(data, make_params(language="da"), MARCH)
    marker = [t.name for t in own.caseload_chart().fig.data if t.type == "scatter" and t.mode == "markers"]
    assert marker == [f"{own.labels('caseload_max_marker')} ({own.labels('goal_site')})"]
    marker = [t.name for t in ips.caseload_chart().fig.data if t.type == "scatter" and t.mode == "markers"]
    assert marker == [f"{ips.labels('caseload_max_marker')} ({ips.labels('source_ips25_1')})"]
