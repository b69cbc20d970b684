"""`ips-nb run month`: a coordinator's month (packs, conference-week agendas, overview, index) in one run."""
from __future__ import annotations

import json
import tempfile
from datetime import date, timedelta
from pathlib import Path

import pytest
import yaml

from ips_nb.batch.jobs import slug
from ips_nb.cli import main
from ips_nb.data.params import load_params

MONTH = "2026-10"
SITES = ("aarhus", "jonkoping", "malmo", "odense")


def _conference_weeks(weekday: int) -> list[str]:
    """Worked out by hand here, not by the code under test: October's days on the conference weekday."""
    day, weeks = date(2026, 10, 1), []
    while day.month == 10:
        if day.isoweekday() == weekday:
            y, w, _ = day.isocalendar()
            weeks.append(f"{y}-W{w:02d}")
        day += timedelta(days=1)
    return weeks


def _records(out: Path) -> list[dict]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted((out / "runs").glob("*.json"))]


def test_the_month_in_one_run(demo_db, params_dir, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    out = tmp_path / "reports"
    status = main(["run", "month", MONTH, "--db", demo_db, "--params", params_dir, "--out", str(out), "--jobs", "2"])
    printed = capsys.readouterr().out
    assert status == 0, printed
    expected = {("overview", "overview", MONTH, None)}
    for site in SITES:
        p = load_params(params_dir, site)
        assert (out / site / "supervision" / f"{MONTH}.html").is_file()
        expected.add(("supervision", site, MONTH, None))
        weeks = _conference_weeks(p.conference_weekday)
        assert len(weeks) in (4, 5)
        for week in weeks:
            for team in [None, *p.teams]:
                stem = week + (f"-{slug(team)}" if team else "")
                for ext in (".html", ".json", ".ipynb"):
                    assert (out / site / "agenda" / f"{stem}{ext}").is_file(), (site, stem, ext)
                expected.add(("agenda", site, week, team))
        agendas = {f.stem for f in (out / site / "agenda").glob("*.html")}
        assert len(agendas) == len(weeks) * (1 + len(p.teams)), "an agenda of a week outside the month"
    assert (out / "overview" / f"{MONTH}.html").is_file()
    assert (out / "index.html").is_file()
    records = _records(out)
    assert len(records) == 1, "one run, one record"
    listed = {(r["kind"], r["site"], r["period"], r["team"]) for r in records[0]["results"]}
    assert listed == expected
    assert records[0]["counts"]["ok"] == len(expected)
    assert f"{len(expected)} of {len(expected)} done" in printed


def test_a_bad_site_fails_alone(demo_db, params_dir, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    params = tmp_path / "params"
    params.mkdir()
    (params / "aarhus.yaml").write_text((Path(params_dir) / "aarhus.yaml").read_text(encoding="utf-8"))
    (params / "typo.yaml").write_text(yaml.safe_dump(
        {"site": "typo", "name": "Typo", "language": "en", "country": "DK", "conference_weekday": 9}), encoding="utf-8")
    out = tmp_path / "reports"
    status = main(["run", "month", MONTH, "--week", "2026-W43", "--db", demo_db, "--params", str(params),
                   "--out", str(out), "--jobs", "2"])
    printed = capsys.readouterr().out
    assert status == 1
    assert "typo supervision 2026-10: FAILED" in printed and "conference_weekday" in printed
    assert "typo agenda 2026-W43: FAILED" in printed
    assert (out / "aarhus" / "supervision" / f"{MONTH}.html").is_file()
    assert {f.name for f in (out / "aarhus" / "agenda").glob("*.html")} == {
        "2026-W43.html", "2026-W43-team-nord.html", "2026-W43-team-syd.html"}
    assert (out / "overview" / f"{MONTH}.html").is_file()
    (record,) = _records(out)
    assert record["counts"] == {"ok": 5, "failed": 2, "interrupted": 0}


@pytest.mark.parametrize("argv", [
    ["2026-13"], ["October"], ["2026-10", "--week", "2026-W60"], ["2026-10", "--week", "43"],
    ["2026-10", "--site", "nowhere"]])
def test_bad_input_is_usage(demo_db, params_dir, tmp_path, argv, capsys):
    out = tmp_path / "reports"
    status = main(["run", "month", *argv[:1], "--db", demo_db, "--params", params_dir, "--out", str(out), *argv[1:]])
    assert status == 2
    err = capsys.readouterr().err
    assert err.startswith("ips-nb: ") and len(err.strip().splitlines()) == 1
    assert not (out / "runs").exists()
