"""The demo generator: deterministic, anchored on the day, consistent, and realistic enough that
every pack and agenda section has something to show."""
from __future__ import annotations

from datetime import date, timedelta
from functools import cache
from pathlib import Path

import pandas as pd
import pytest

from ips_nb import demo
from ips_nb.data import connection
from ips_nb.data.frames import SiteData, load_site, sites_in_db, typed_frame
from ips_nb.data.identity import check, dk_gender
from ips_nb.data.params import load_params
from ips_nb.data.schema import (
    ACTION_OWNERS,
    CONTACT_KINDS,
    DISCHARGE_REASONS,
    OUTCOME_KINDS,
    PHASES,
    PLACEMENT_KINDS,
    TABLES,
)
from ips_nb.figures.periods import Month, agenda_as_of, conference_date, next_conference_week

PARAMS = Path(__file__).resolve().parents[2] / "params"
TODAY = date(2026, 11, 23)  # a Monday
# a Sunday, a month's first day, a month's last day, New Year's Eve (ISO week 1 of next year), a
# Thursday (three sites' conferences this week are held: their agendas are next week's)
DAYS = [TODAY, date(2027, 3, 14), date(2027, 2, 1), date(2026, 8, 31), date(2025, 12, 31),
        date(2026, 12, 3)]


@cache
def frames(today: date = TODAY, seed: int = 2026) -> dict[str, pd.DataFrame]:
    return demo.generate(today, seed)


def site_ids(f: dict[str, pd.DataFrame], site: str, table: str = "candidates") -> set[str]:
    ids = f[table]
    return set(ids.loc[ids["site"] == site, TABLES[table].key])


def of_site(f: dict[str, pd.DataFrame], table: str, site: str) -> pd.DataFrame:
    """A table's rows of one site, through the candidate or consultant where needed."""
    frame = f[table]
    if "site" in frame.columns:
        return frame[frame["site"] == site]
    via = TABLES[table].site_via
    owner = "candidates" if via == "candidate_id" else "consultants"
    return frame[frame[via].isin(site_ids(f, site, owner))]


def between(series: pd.Series, lo: date, hi: date) -> pd.Series:
    return series.map(lambda d: d is not None and not pd.isna(d) and lo <= d <= hi)


def enrolled(c: pd.DataFrame, d: date) -> pd.DataFrame:
    return c[c["intake_date"].map(lambda x: x is not None and not pd.isna(x) and x <= d)
             & c["discharge_date"].map(lambda x: x is None or pd.isna(x) or x > d)]


# --------------------------------------------------------------------------- shape and determinism

def test_same_day_and_seed_give_identical_frames():
    a, b = demo.generate(TODAY), demo.generate(TODAY)
    assert a.keys() == b.keys()
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name])


def test_another_seed_gives_other_data():
    a, b = frames(), frames(TODAY, 7)
    assert not a["candidates"].equals(b["candidates"])
    assert not a["employer_contacts"].equals(b["employer_contacts"])


def test_columns_are_the_exchange_format():
    f = frames()
    assert list(f) == list(TABLES)
    for name, table in TABLES.items():
        assert list(f[name].columns) == table.column_names, name
        assert len(f[name]) > 0, name
        for col in table.required:
            assert f[name][col].notna().all(), (name, col)
        for col in table.columns:
            if col.choices:
                assert set(f[name][col.name].dropna()) <= set(col.choices), (name, col.name)


def test_four_sites_two_per_country():
    f = frames()
    assert set(f["candidates"]["site"]) == set(demo.DEMO_SITES)
    countries = [load_params(PARAMS, s).country for s in demo.DEMO_SITES]
    assert sorted(countries) == ["DK", "DK", "SE", "SE"]


# --------------------------------------------------------------------------- parameters

@pytest.mark.parametrize("site", demo.DEMO_SITES)
def test_params_load_and_match_the_data(site):
    params = load_params(PARAMS, site)
    f = frames()
    assert params.site == site and params.teams
    clinicians = of_site(f, "clinicians", site)
    assert set(clinicians["team"]) == set(params.teams)
    teams_met = set(of_site(f, "conferences", site)["team"])
    assert teams_met == set(params.teams)
    conference_days = {d.isoweekday() for d in of_site(f, "conferences", site)["date"]}
    assert conference_days == {params.conference_weekday}


def test_every_site_in_params_dir_loads():
    from ips_nb.data.params import site_ids

    assert site_ids(PARAMS) == sorted(demo.DEMO_SITES)  # defaults.yaml and access.yaml are not sites
    for site in site_ids(PARAMS):
        load_params(PARAMS, site)


# --------------------------------------------------------------------------- anchoring

@pytest.mark.parametrize("today", DAYS)
@pytest.mark.parametrize("site", demo.DEMO_SITES)
def test_latest_complete_month_has_data(today, site):
    f, m = frames(today), Month.latest_complete(today)
    c = of_site(f, "candidates", site)
    pl = of_site(f, "placements", site)
    in_month = lambda s: between(s, m.first, m.last)  # noqa: E731
    assert in_month(c["referral_date"]).any()
    assert in_month(c["intake_date"]).any()
    left = c[in_month(c["discharge_date"])]
    outcome_reasons = ["employed", "education"]
    assert (~left["discharge_reason"].isin(outcome_reasons)).any(), "a non-outcome discharge"
    for kind in ("job", "education", "work_trial"):
        assert in_month(pl.loc[pl["kind"] == kind, "start_date"]).any(), kind
    assert in_month(of_site(f, "supervision", site)["date"]).any()
    ec = of_site(f, "employer_contacts", site)
    per_consultant = ec[in_month(ec["date"])].groupby("consultant_id").size()
    assert set(per_consultant.index) == site_ids(f, site, "consultants")
    a = of_site(f, "actions", site)
    overdue = a[a["due_date"].map(lambda d: d < m.last)
                & a["done_date"].map(lambda d: d is None or pd.isna(d) or d > m.last)]
    assert len(overdue) > 0


@pytest.mark.parametrize("today", DAYS)
@pytest.mark.parametrize("site", demo.DEMO_SITES)
def test_current_week_has_agenda_material(today, site):
    """The material is for the agenda the demo makes: the site's next conference on or after
    today (issue 24: run on a Thursday it made agendas for Monday's to Wednesday's, held)."""
    f, params = frames(today), load_params(PARAMS, site)
    week = next_conference_week(today, params.conference_weekday)
    conf = conference_date(week, params.conference_weekday)
    assert today <= conf < today + timedelta(7)
    as_of = agenda_as_of(week, params.conference_weekday)
    since = conf - timedelta(7)
    c = of_site(f, "candidates", site)
    consenting = enrolled(c, min(as_of, today))
    consenting = set(consenting.loc[consenting["consent_date"].notna(), "candidate_id"])

    new = c[c["referral_date"].map(lambda d: since < d <= as_of) & c["consent_date"].notna()]
    assert len(new) > 0, "new referral (with consent, so the agenda may show it)"
    a = of_site(f, "actions", site)
    open_due = a[a["done_date"].isna() & a["due_date"].map(lambda d: d <= week.sunday)
                 & a["candidate_id"].isin(consenting)]
    assert open_due["due_date"].map(lambda d: d >= week.monday).any(), "due this week"
    assert open_due["due_date"].map(lambda d: d < as_of).any(), "overdue"
    pl = of_site(f, "placements", site)
    outcome = pl[pl["kind"].isin(OUTCOME_KINDS)]
    assert outcome["start_date"].map(lambda d: since < d <= as_of).any(), "good news"
    assert between(pl["end_date"], as_of - timedelta(13), as_of).any(), "placement ended"
    conf_dates = set(of_site(f, "conferences", site)["date"])
    assert {since, since - timedelta(7)} <= conf_dates, "conferences in the previous weeks"
    assert max(conf_dates) < today


@pytest.mark.parametrize("today", DAYS)
def test_nothing_happens_after_today_but_planned_due_dates(today):
    f = frames(today)
    for name, table in TABLES.items():
        for col in table.columns:
            if col.kind == "date" and col.name != "due_date":
                values = f[name][col.name].dropna()
                assert all(d <= today for d in values), (name, col.name)


# --------------------------------------------------------------------------- coverage

@pytest.mark.parametrize("site", demo.DEMO_SITES)
def test_every_phase_kind_owner_and_contact_kind_per_site(site):
    f = frames()
    assert set(of_site(f, "candidates", site)["phase"]) == set(PHASES)
    assert set(of_site(f, "placements", site)["kind"]) == set(PLACEMENT_KINDS)
    assert set(of_site(f, "actions", site)["owner"]) == set(ACTION_OWNERS)
    assert set(of_site(f, "contacts", site)["kind"]) == set(CONTACT_KINDS)
    ec = of_site(f, "employer_contacts", site)
    assert ec["face_to_face"].any() and not ec["face_to_face"].all()
    assert ec["candidate_id"].notna().any() and ec["candidate_id"].isna().any()


@pytest.mark.parametrize("today", DAYS[:3])
def test_every_discharge_reason_across_the_demo(today):
    assert set(frames(today)["candidates"]["discharge_reason"].dropna()) == set(DISCHARGE_REASONS)


@pytest.mark.parametrize("today", DAYS[:3])
def test_phases_follow_the_dates(today):
    f = frames(today)
    c, pl = f["candidates"], f["placements"]
    for row in c.itertuples():
        mine = pl[pl["candidate_id"] == row.candidate_id]
        ongoing = mine[mine["kind"].isin(OUTCOME_KINDS)
                       & mine["start_date"].map(lambda d: d <= today)
                       & mine["end_date"].map(lambda d: d is None or pd.isna(d) or d >= today)]
        discharged = row.discharge_date is not None and not pd.isna(row.discharge_date)
        taken_in = row.intake_date is not None and not pd.isna(row.intake_date)
        assert (row.phase == "discharged") == discharged, row
        assert (row.phase == "referral") == (not taken_in and not discharged), row
        if discharged:
            assert not pd.isna(row.discharge_reason)
            assert row.referral_date <= row.discharge_date
        if taken_in:
            assert row.referral_date <= row.intake_date
            assert all(mine["start_date"] >= row.intake_date)
        if row.phase in ("employed", "education"):
            assert (ongoing["kind"] == ("job" if row.phase == "employed" else "education")).any()
        if row.phase == "follow_along":
            assert len(ongoing) > 0
        if row.phase in ("engagement", "assessment", "job_search"):
            assert ongoing.empty and taken_in
    ends = pl.dropna(subset=["end_date"])
    assert (ends["end_date"] >= ends["start_date"]).all()
    assert pl["hours_per_week"].between(4, 40).all()


@pytest.mark.parametrize("today", DAYS[:3])
def test_the_phase_history_follows_the_course_and_ends_in_the_phase(today):
    """Every candidate has a history: referral, then engagement at intake, one row per change,
    discharged on the discharge day, and the last row is `candidates.phase`."""
    f = frames(today)
    c, ph = f["candidates"].set_index("candidate_id"), f["phases"]
    assert set(ph["candidate_id"]) == set(c.index)
    order = {p: i for i, p in enumerate(PHASES)}
    for cid, rows in ph.groupby("candidate_id", sort=False):
        row = c.loc[cid]
        days, phases = list(rows["from_date"]), list(rows["phase"])
        assert days == sorted(days) and len(set(days)) == len(days), cid
        assert all(a != b for a, b in zip(phases, phases[1:])), (cid, phases)  # each a change
        assert days[0] == row.referral_date and all(d <= today for d in days), cid
        assert phases[-1] == row.phase, (cid, phases, row.phase)
        taken_in = not pd.isna(row.intake_date)
        if taken_in:
            at = days.index(row.intake_date)
            assert phases[at] == "engagement" or (row.referral_date == row.intake_date), cid
            assert phases[:at] in ([], ["referral"]), (cid, phases)
        else:
            assert phases in (["referral"], ["referral", "discharged"]), (cid, phases)
        if not pd.isna(row.discharge_date):
            assert (days[-1], phases[-1]) == (row.discharge_date, "discharged"), cid
        else:
            assert "discharged" not in phases, cid
        # the pre-placement phases come in the order of the course, never back to engagement
        early = [order[p] for p in phases if p in ("engagement", "assessment")]
        assert early == sorted(early) and len(early) == len(set(early)), (cid, phases)


@pytest.mark.parametrize("site", demo.DEMO_SITES)
def test_a_past_month_shows_its_own_phases(site):
    """The pack of the latest complete month counts the phases on its last day: nobody enrolled
    then is `discharged` or `referral`, whatever their phase is today."""
    from ips_nb.figures.phases import has_history, phase_counts, phase_on

    f = frames()
    data = SiteData(**{name: typed_frame(name, of_site(f, name, site).reset_index(drop=True))
                             for name in TABLES})
    as_of = Month.latest_complete(TODAY).as_of
    assert has_history(data)
    counts = phase_counts(data, as_of)
    assert sum(counts.values()) == len(enrolled(of_site(f, "candidates", site), as_of))
    assert not {"discharged", "referral"} & set(counts), counts
    now = of_site(f, "candidates", site).set_index("candidate_id")["phase"]
    then = phase_on(data, as_of)
    assert (then != now.reindex(then.index)).any(), "some phase changed since the month ended"


# --------------------------------------------------------------------------- people

@pytest.mark.parametrize("site", demo.DEMO_SITES)
def test_identity_numbers_valid_for_the_country(site):
    f = frames()
    country = load_params(PARAMS, site).country
    c = of_site(f, "candidates", site)
    for row in c.itertuples():
        born = check(row.cpr, country)
        assert born.year == row.birth_year
        age = TODAY.year - born.year - ((TODAY.month, TODAY.day) < (born.month, born.day))
        assert 18 <= age <= 64, row
        if country == "DK":
            assert dk_gender(row.cpr) == row.gender
            assert row.cpr[6] == "-"
        else:
            assert int(row.cpr[9]) % 2 == (row.gender == "male")
    assert c["initials"].str.fullmatch(r"[A-ZÆØÅÄÖ]{2}").all()
    assert 0.2 <= ((TODAY.year - c["birth_year"]) <= 29).mean() <= 0.7


def test_identity_numbers_unique():
    cpr = frames()["candidates"]["cpr"]
    assert cpr.is_unique


def test_ids_unique_across_sites():
    f = frames()
    for name, table in TABLES.items():
        if table.key:
            assert f[name][table.key].is_unique, name
    for name in ("consultants", "clinicians", "candidates"):
        for site in demo.DEMO_SITES:
            prefix = demo.SHAPES[site].prefix + "-"
            assert all(i.startswith(prefix) for i in site_ids(f, site, name))


@pytest.mark.parametrize("site", demo.DEMO_SITES)
def test_staff(site):
    f = frames()
    k = of_site(f, "consultants", site)
    assert 2 <= len(k) <= 3
    assert (f["consultants"]["fte"] < 1).any()
    c = of_site(f, "candidates", site)
    assert set(c["consultant_id"]) <= set(k["consultant_id"])
    assert set(c["clinician_id"]) <= site_ids(f, site, "clinicians")


# --------------------------------------------------------------------------- realism

@pytest.mark.parametrize("today", DAYS[:3])
@pytest.mark.parametrize("site", demo.DEMO_SITES)
def test_realistic_course(today, site):
    f = frames(today)
    c, pl = of_site(f, "candidates", site), of_site(f, "placements", site)
    assert 30 <= len(c) <= 50
    taken = c[c["intake_date"].notna()]
    outcome = pl[pl["kind"].isin(OUTCOME_KINDS)]
    share = outcome["candidate_id"].nunique() / len(taken)
    assert 0.30 <= share <= 0.60, share
    now = enrolled(c, today)
    assert now["consent_date"].isna().any(), "someone enrolled without consent"
    # some candidates waited more than 30 days for their first employer contact
    contacts = of_site(f, "contacts", site)
    ec = pd.concat([contacts.loc[contacts["kind"] == "employer_contact", ["candidate_id", "date"]],
                    of_site(f, "employer_contacts", site)[["candidate_id", "date"]].dropna()])
    first = ec.groupby("candidate_id")["date"].min()
    old = taken[taken["intake_date"].map(lambda d: d <= today - timedelta(31))]
    slow = [cid for cid, intake in zip(old["candidate_id"], old["intake_date"])
            if cid not in first or (first[cid] - intake).days > 30]
    assert 0 < len(slow) < len(old) / 2


@pytest.mark.parametrize("today", DAYS)
def test_only_malmo_runs_over_caseload(today):
    f = frames(today)
    for site in demo.DEMO_SITES:
        params = load_params(PARAMS, site)
        fte = of_site(f, "consultants", site).set_index("consultant_id")["fte"]
        for day in (today, Month.latest_complete(today).last):
            load = enrolled(of_site(f, "candidates", site), day).groupby("consultant_id").size()
            over = [k for k, n in load.items() if n / fte[k] > params.caseload_max]
            assert bool(over) == (site == "malmo"), (site, day, dict(load))


@pytest.mark.parametrize("site", demo.DEMO_SITES)
def test_goals_and_employer_contacts(site):
    f = frames()
    g = of_site(f, "goals", site)
    taken = of_site(f, "candidates", site).dropna(subset=["intake_date"])
    assert set(g["candidate_id"]) <= set(taken["candidate_id"])
    assert set(g["kind"]) == {"job", "education"}
    assert set(g["status"]) == {"active", "achieved", "dropped"}
    lang = load_params(PARAMS, site).language
    own_words = {text for text, _ in demo.TEXT[lang]["job"] + demo.TEXT[lang]["education"]}
    assert set(g["description"]) <= own_words
    ec = of_site(f, "employer_contacts", site)
    weeks = ec.groupby(["consultant_id", ec["date"].map(lambda d: d.isocalendar()[:2])]).size()
    assert 3 <= weeks.median() <= 12


@pytest.mark.parametrize("site", demo.DEMO_SITES)
def test_supervision_and_conferences(site):
    f = frames()
    s = of_site(f, "supervision", site)
    months = {(d.year, d.month) for d in s["date"]}
    assert len(months) == len(s) >= 20  # monthly, about two years
    assert (s["clinicians_present"] > 0).any() and (s["clinicians_present"] == 0).any()
    conf = of_site(f, "conferences", site)
    meetings = conf[conf["candidate_id"].isna()]
    assert not meetings.duplicated(["date", "team"]).any()
    discussed = conf.dropna(subset=["candidate_id"])
    c = of_site(f, "candidates", site).set_index("candidate_id")
    for row in discussed.itertuples():
        consent = c.at[row.candidate_id, "consent_date"]
        assert consent is not None and not pd.isna(consent) and consent <= row.date
        assert row.consultant_id == c.at[row.candidate_id, "consultant_id"]


@pytest.mark.parametrize("today", DAYS[:3])
@pytest.mark.parametrize("site", demo.DEMO_SITES)
def test_fidelity_reviews(today, site):
    fid = of_site(frames(today), "fidelity", site)
    by_review = fid.groupby("review_date")
    complete = [(d, r) for d, r in by_review if sorted(r["item"]) == list(range(1, 26))]
    assert len(complete) >= 2
    assert all(80 <= r["score"].sum() <= 110 for _, r in complete)
    assert fid["score"].between(1, 5).all()
    assert complete[-1][0] <= Month.latest_complete(today).last
    gaps = [(b[0] - a[0]).days for a, b in zip(complete, complete[1:])]
    assert all(150 <= g <= 210 for g in gaps)
    incomplete = [d for d, r in by_review if len(r) < 25]
    assert len(incomplete) == (1 if demo.SHAPES[site].incomplete_review else 0)
    assert not fid.duplicated(["review_date", "item"]).any()


def test_one_site_has_an_incomplete_review():
    assert sum(s.incomplete_review for s in demo.SHAPES.values()) == 1


# --------------------------------------------------------------------------- database

def test_build_demo_db_writes_every_site(tmp_path):
    path = tmp_path / "demo.db"
    path.write_text("not a database")  # a stale file is replaced, not appended to
    url = f"sqlite:///{path}"
    assert demo.build_demo_db(url, TODAY) == list(demo.DEMO_SITES)
    engine = connection.connect(url)
    try:
        assert sites_in_db(engine) == sorted(demo.DEMO_SITES)
        f = frames()
        for site in demo.DEMO_SITES:
            data = load_site(engine, site)
            for name, frame in data.tables().items():
                assert "cpr" not in frame.columns and "cpr_hash" not in frame.columns
                assert len(frame) == len(of_site(f, name, site)), (site, name)
    finally:
        engine.dispose()
    assert demo.build_demo_db(url, TODAY) == list(demo.DEMO_SITES)  # again: fresh, not doubled
    engine = connection.connect(url)
    try:
        again = load_site(engine, "aarhus").candidates
        assert len(again) == len(of_site(frames(), "candidates", "aarhus"))
    finally:
        engine.dispose()


# -- the demo's agendas are for conferences still to come (issue 24) ------------------------------

THURSDAY = date(2026, 12, 3)  # ISO week 2026-W49


@pytest.mark.parametrize(("weekday", "expected"), [
    (1, "2026-W50"), (3, "2026-W50"),  # Monday's and Wednesday's were held: next week's
    (4, "2026-W49"),                    # today's conference is still to come
    (5, "2026-W49")])
def test_the_next_conference_is_on_or_after_today(weekday, expected):
    assert str(next_conference_week(THURSDAY, weekday)) == expected


def test_the_demo_runs_each_sites_next_conference(tmp_path):
    """On a Thursday: Aarhus (Tuesday), Jönköping (Wednesday) and Malmö (Monday) get next
    week's agendas, Odense (Thursday) today's; the packs stay the latest complete month's."""
    from ips_nb.batch.month import month_jobs

    jobs = month_jobs("2026-11", list(demo.DEMO_SITES), str(PARAMS), upcoming=THURSDAY)
    weeks = {(j.site, j.period) for j in jobs if j.kind == "agenda"}
    assert weeks == {("aarhus", "2026-W50"), ("jonkoping", "2026-W50"), ("malmo", "2026-W50"),
                     ("odense", "2026-W49")}
    assert {j.period for j in jobs if j.kind == "supervision"} == {"2026-11"}


def test_without_chromium_the_demo_says_how_to_get_pdfs(monkeypatch, tmp_path):
    from ips_nb import cli
    from ips_nb.batch.month import month_jobs

    monkeypatch.setenv("IPS_NB_CHROMIUM", str(tmp_path / "no-chromium"))
    assert not cli._chromium_installed()
    jobs = month_jobs("2026-11", list(demo.DEMO_SITES), str(PARAMS), upcoming=THURSDAY)
    assert cli._no_pdf_note(jobs) == (
        "No PDFs of the agendas: Chromium is not installed (apt install chromium, or make sysdeps "
        "as root); then: ips-nb run agenda --week 2026-W49..2026-W50 --pdf")
    chromium = tmp_path / "chromium"
    chromium.write_text("#!/bin/sh\n")
    chromium.chmod(0o755)
    monkeypatch.setenv("IPS_NB_CHROMIUM", str(chromium))
    assert cli._chromium_installed()
