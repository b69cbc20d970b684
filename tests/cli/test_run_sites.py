"""`ips-nb run` when the parameters and the database describe different sites (issue 24).

A coordinator who forgot `--params` for their own site got "N of N done" on empty packs of the
sites params/ lists (no rows for them) and nothing about the site they meant. Now each site with
parameters but no rows fails its jobs with one line, the others still run (exit 1), and a site
with rows but no parameters is named once. The test workbook (tests/notebooks/test_batch.py's)
writes a JSON per job, so this is the runner's behaviour, not the pack's.
"""
from __future__ import annotations

import json

import yaml

from ips_nb.cli import main
from tests.notebooks.test_batch import MONTH, _site, batch  # noqa: F401 - the fixture

NO_ROWS = "no rows for site {} in the database: import it first, or is --params the right folder?"


def _add_site_to_db(db: str, site: str) -> None:
    from datetime import date

    from ips_nb.data.connection import connect
    from ips_nb.data.tables import METADATA

    engine = connect(db)
    with engine.begin() as conn:
        conn.execute(METADATA.tables["candidates"].insert(),
                     [{"candidate_id": f"{site}-c1", "site": site, "referral_date": date(2026, 1, 5)}])
    engine.dispose()


def test_params_without_rows_fail_alone_and_rows_without_params_are_named_once(batch, capsys):  # noqa: F811
    params = batch["params"]
    for site in ("north", "south"):  # parameters, no rows
        (batch["root"] / "params" / f"{site}.yaml").write_text(yaml.safe_dump(_site(site)),
                                                                 encoding="utf-8")
    _add_site_to_db(batch["db"], "aalborg")  # rows, no parameters
    status = main(["run", "supervision", "--month", MONTH, "--db", batch["db"], "--params", params,
                   "--out", str(batch["out"]), "--jobs", "2",
                   "--site", "ok1", "--site", "north", "--site", "south"])
    out, err = capsys.readouterr()
    assert status == 1
    lines = out.splitlines()
    (north,) = [line for line in lines if "north supervision" in line]
    assert north.endswith(f"north supervision {MONTH}: FAILED (0.0 s) — {NO_ROWS.format('north')}")
    assert any(line.endswith(NO_ROWS.format("south")) for line in lines)
    assert "1 of 3 done" in out
    assert (batch["out"] / "ok1" / "supervision" / f"{MONTH}.json").is_file()
    assert not (batch["out"] / "north").exists()
    named = [line for line in err.splitlines() if "aalborg" in line]
    assert named == [f"ips-nb: aalborg: rows in the database but no parameters in {params}/, so "
                     "not run: is --params the right folder?"]
    (record,) = [json.loads(p.read_text()) for p in (batch["out"] / "runs").glob("*.json")]
    reasons = {r["site"]: r["reason"] for r in record["results"]}
    assert reasons == {"ok1": "", "north": NO_ROWS.format("north"), "south": NO_ROWS.format("south")}


def test_every_site_with_rows_and_parameters_runs_and_nothing_is_named(batch, capsys):  # noqa: F811
    status = main(["run", "supervision", "--month", MONTH, "--db", batch["db"], "--params",
                   batch["params"], "--out", str(batch["out"]), "--jobs", "2",
                   "--site", "ok1", "--site", "ok2"])
    out, err = capsys.readouterr()
    assert status == 0, out + err
    assert "2 of 2 done" in out
    assert "no rows" not in out + err and "no parameters" not in err


def test_the_runs_page_names_each_runs_command_without_a_password(batch, capsys):  # noqa: F811
    """The record keeps the command as typed (the program by its name, in-process too) and the
    runs page shows it beside each run; a password in --db is masked in both."""
    from ips_nb.pages.index import write_index

    base = ["run", "supervision", "--month", MONTH, "--db", batch["db"], "--params", batch["params"],
            "--out", str(batch["out"]), "--jobs", "1", "--site", "ok1"]
    assert main(base) == 0
    (path,) = (batch["out"] / "runs").glob("*.json")
    record = json.loads(path.read_text())
    assert record["command"] == ["ips-nb", *base]
    # an older record, written with the program's path and a password in a URL
    older = dict(record, command=["/opt/venv/bin/ips-nb", "run", "agenda", "--week", "2026-W49",
                                  "--pdf", "--db", "postgresql://ips:s3cret@db/ips"],
                 finished="2026-12-01T07:00:00+00:00")
    (path.parent / "20261201T070000000000Z.json").write_text(json.dumps(older))
    write_index(batch["out"], params_dir=batch["params"])
    html = (batch["out"] / "runs" / "index.html").read_text()
    assert "s3cret" not in html
    assert ("<code>ips-nb run agenda --week 2026-W49 --pdf --db postgresql://ips:***@db/ips</code>"
            in html)
    assert f"<code>ips-nb run supervision --month {MONTH} --db sqlite:///" in html
    assert html.count(f"ips-nb run supervision --month {MONTH}") == 2  # the last run, and its row
