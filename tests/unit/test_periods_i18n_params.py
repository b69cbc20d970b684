"""Periods, labels and site parameters: the small contracts every report leans on."""
from datetime import date

import pytest

from ips_nb.data.params import ParamsError, ParamsWarning, load_params
from ips_nb.figures.periods import Month, Week, agenda_as_of, conference_date
from ips_nb.pages.catalogue import FIDELITY_ITEMS, LABELS
from ips_nb.pages.labels import Labels


def test_month_bounds_and_shift():
    m = Month.parse("2024-02")
    assert (m.first, m.last, m.as_of, m.days) == (date(2024, 2, 1), date(2024, 2, 29), date(2024, 2, 29), 29)
    assert str(m.shift(-2)) == "2023-12" and str(m.shift(11)) == "2025-01"
    assert str(Month.latest_complete(date(2026, 1, 5))) == "2025-12"


@pytest.mark.parametrize("bad", ["2026-13", "2026-1", "26-01", "januar"])
def test_month_rejects(bad):
    with pytest.raises(ValueError):
        Month.parse(bad)


def test_iso_week_and_conference_day():
    w = Week.parse("2026-W47")
    assert (w.monday, w.sunday) == (date(2026, 11, 16), date(2026, 11, 22))
    # ISO week 1 of 2021 starts on 4 January 2021
    assert Week.parse("2021-W01").monday == date(2021, 1, 4)
    assert str(Week.containing(date(2021, 1, 3))) == "2020-W53"
    assert conference_date(w, 3) == date(2026, 11, 18)
    assert agenda_as_of(w, 3) == date(2026, 11, 17)
    with pytest.raises(ValueError):
        Week.parse("2026-W54")


def test_every_label_in_three_languages():
    for key, values in {**LABELS, **{f"item{k}": v for k, v in FIDELITY_ITEMS.items()}}.items():
        assert len(values) == 3 and all(v.strip() for v in values), key
    assert len(FIDELITY_ITEMS) == 25


def test_numbers_and_dates_follow_language():
    assert Labels("da").percent(0.125) == "12,5\u00a0%"
    assert Labels("sv").percent(0.125) == "12,5\u00a0%"
    assert Labels("en").percent(0.125) == "12.5\u00a0%"
    assert Labels("da").percent(None) == "–"
    assert Labels("da").week(47) == "uge 47" and Labels("sv").week(47) == "vecka 47"
    assert Labels("da").date(date(2026, 11, 23)).startswith("23")


def test_site_override_wins():
    L = Labels("sv", {"fidelity_item_1": {"sv": "Antal deltagare"}, "referrals": {"sv": "Anmälningar"}})
    assert L.fidelity_item(1) == "Antal deltagare" and L("referrals") == "Anmälningar"
    assert Labels("sv").fidelity_item(1) == "Ärendemängd"


def _write(tmp_path, name, text):
    (tmp_path / name).write_text(text, encoding="utf-8")


def test_params_defaults_and_errors(tmp_path):
    _write(tmp_path, "defaults.yaml", "caseload_max: 15\ngoals: {rapid_search_share: 0.8}\n")
    _write(tmp_path, "x.yaml", "site: x\nname: X\nlanguage: da\ncountry: DK\nconference_weekday: onsdag\n"
                               "goals: {outcome_rate: 0.5}\n")
    p = load_params(tmp_path, "x")
    assert (p.caseload_max, p.conference_weekday, p.goals.outcome_rate, p.goals.rapid_search_share) == (15, 3, 0.5, 0.8)
    _write(tmp_path, "y.yaml", "site: y\nname: Y\nlanguage: fi\ncountry: DK\nconference_weekday: 3\ncolour: red\n")
    with pytest.raises(ParamsError) as err:
        load_params(tmp_path, "y")
    msg = str(err.value)
    assert "y.yaml" in msg and "language" in msg and "colour" in msg
    with pytest.raises(ParamsError, match="no parameters file"):
        load_params(tmp_path, "nowhere")


SITE_YAML = "site: {site}\nname: X\nlanguage: da\ncountry: DK\nconference_weekday: 3\n"


def test_rapid_search_share_goal_is_a_share(tmp_path):
    _write(tmp_path, "a.yaml", SITE_YAML.format(site="a") + "goals: {rapid_search_share: 0.75}\n")
    assert load_params(tmp_path, "a").goals.rapid_search_share == 0.75
    _write(tmp_path, "b.yaml", SITE_YAML.format(site="b") + "goals: {rapid_search_share: 75}\n")
    with pytest.raises(ParamsError, match="rapid_search_share"):
        load_params(tmp_path, "b")


def test_the_older_rapid_search_days_loads_with_one_warning_and_changes_no_figure(tmp_path):
    import warnings

    from factory import make_params, site_data

    from ips_nb.figures.pack_figures import supervision_figures
    from ips_nb.figures.periods import Month

    _write(tmp_path, "old.yaml", SITE_YAML.format(site="old") + "goals: {rapid_search_days: 10}\n")
    with pytest.warns(ParamsWarning, match=r"old\.yaml: goals\.rapid_search_days is no longer used"):
        old = load_params(tmp_path, "old")
    with warnings.catch_warnings(record=True) as again:  # the same file again: no second warning
        warnings.simplefilter("always")
        load_params(tmp_path, "old")
    assert not [w for w in again if issubclass(w.category, ParamsWarning)]
    # Set only in defaults.yaml: the warning names that file.
    _write(tmp_path, "defaults.yaml", "goals: {rapid_search_days: 20}\n")
    _write(tmp_path, "new.yaml", SITE_YAML.format(site="new"))
    with pytest.warns(ParamsWarning, match=r"defaults\.yaml"):
        load_params(tmp_path, "new")
    # c1 has its first employer contact 20 days after intake, c2 after 31: within 30 days is 1 of 2
    # whatever rapid_search_days says (10 would make it 0, 40 would make it 2).
    data = site_data(candidates=[{"candidate_id": "c1", "intake_date": "2026-01-01"},
                                 {"candidate_id": "c2", "intake_date": "2026-01-01"}],
                     contacts=[{"candidate_id": "c1", "date": "2026-01-21", "kind": "employer_contact"},
                               {"candidate_id": "c2", "date": "2026-02-01", "kind": "employer_contact"}])
    march = Month(2026, 3)
    plain = supervision_figures(data, make_params(), march)
    for days in (10, 40):
        with_days = make_params(goals={"rapid_search_days": days})
        assert supervision_figures(data, with_days, march) == plain
    assert plain["rapid_search_share"] == 0.5 and old.goals.retired()
