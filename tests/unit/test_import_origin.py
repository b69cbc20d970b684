"""What the conference recorded survives every path: export → import of that export → import of
the site's own source keeps every decision and action (the export carries `origin`, the importer
honours it), and `origin` in a file edited by hand means what docs/exchange-format.md says."""
from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import importdata as d
import pytest
import sqlalchemy as sa
from pgserver import db_url, pg_server, pg_url  # noqa: F401 - fixtures

from ips_nb.data import conference as conf
from ips_nb.data import connection
from ips_nb.data.export import export
from ips_nb.data.frames import load_site
from ips_nb.data.importer import import_source, validate_source
from ips_nb.data.tables import METADATA

KEY = "origin test key, long enough" * 2
DAY = date(2024, 3, 13)


@pytest.fixture(autouse=True)
def _key(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("IPS_NB_KEY", KEY)


@pytest.fixture
def params(tmp_path) -> Path:
    return d.write_params(tmp_path / "params")


@pytest.fixture
def recorded(db_url, tmp_path, params):
    """The valid source imported, then a decision and an action recorded at the conference."""
    source = d.write_csv(d.VALID, tmp_path / "source")
    outcome = import_source(source, db_url, params)
    assert outcome.status == 0, [str(p) for p in outcome.problems]
    engine = connection.connect(db_url)
    conf.record_decision(engine, "north", "c1", DAY, "Team Nord", "Keep looking", "anna", 0)
    conf.add_action(engine, "north", "c1", "Call the employer", "consultant", "2024-03-20",
                    "anna", 1, created=DAY)
    yield engine, source
    engine.dispose()


def conference_rows(engine) -> dict[str, list[tuple]]:
    """The rows of origin 'conference', every column but the origin itself."""
    out = {}
    with engine.connect() as conn:
        for name in ("conferences", "actions"):
            t = METADATA.tables[name]
            rows = conn.execute(sa.select(*[c for c in t.c if c.name != "origin"])
                                .where(t.c.origin == "conference")).all()
            out[name] = sorted(map(tuple, rows), key=repr)
    return out


def ok(outcome) -> None:
    assert outcome.status == 0, [str(p) for p in outcome.problems]


@pytest.mark.parametrize("dest", ["out", "out.xlsx"])
def test_export_import_of_the_export_then_the_source_keeps_decision_and_action(
        recorded, db_url, tmp_path, params, dest):
    engine, source = recorded
    before = conference_rows(engine)
    assert [len(before["conferences"]), len(before["actions"])] == [1, 1]
    assert before["conferences"][0][-2:] == ("Keep looking", "anna")
    export(db_url, tmp_path / dest)
    ok(import_source(tmp_path / dest, db_url, params))
    assert conference_rows(engine) == before  # still the conference's
    again = import_source(source, db_url, params)
    ok(again)
    assert again.kept == {"conferences": 1, "actions": 1}
    assert conference_rows(engine) == before


def test_the_export_writes_origin_and_a_fresh_database_gets_the_same_rows(recorded, db_url,
                                                                         tmp_path, params):
    engine, source = recorded
    export(db_url, tmp_path / "out")
    with open(tmp_path / "out" / "actions.csv", encoding="utf-8-sig", newline="") as fh:
        actions = list(csv.DictReader(fh))
    assert {r["action_id"]: r["origin"] for r in actions}.get("a1") == "source"
    assert sorted(r["origin"] for r in actions) == ["conference", "source", "source", "source"]
    fresh = f"sqlite:///{tmp_path / 'fresh.db'}"
    ok(import_source(tmp_path / "out", fresh, params))
    ok(import_source(source, fresh, params))
    other = connection.connect(fresh)
    try:
        assert conference_rows(other) == conference_rows(engine)
    finally:
        other.dispose()


def _edited(folder: Path, table: str, edit) -> None:
    """Change an exported CSV file as a person would in a spreadsheet: `edit(rows)` in place."""
    path = folder / f"{table}.csv"
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    edit(rows)
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows(rows)


def _ours(rows: list[list[str]]) -> list[str]:
    at = rows[0].index("origin")
    return next(r for r in rows[1:] if r[at] == "conference")


def test_a_conference_row_changed_by_hand_stays_the_conferences_with_the_change(
        recorded, db_url, tmp_path, params):
    engine, source = recorded
    export(db_url, tmp_path / "out")

    def reword(rows):
        row = _ours(rows)
        row[rows[0].index("decision")] = "Keep looking, and ask about hours"
    _edited(tmp_path / "out", "conferences", reword)
    ok(import_source(tmp_path / "out", db_url, params))
    ok(import_source(source, db_url, params))
    assert [r[-2] for r in conference_rows(engine)["conferences"]] == \
        ["Keep looking, and ask about hours"]


def test_a_row_set_to_source_by_hand_goes_with_the_next_source_without_it(
        recorded, db_url, tmp_path, params):
    engine, source = recorded
    export(db_url, tmp_path / "out")

    def hand_over(rows):
        _ours(rows)[rows[0].index("origin")] = ""  # empty is `source`
    _edited(tmp_path / "out", "actions", hand_over)
    ok(import_source(tmp_path / "out", db_url, params))
    assert conference_rows(engine)["actions"] == []
    assert len(load_site(engine, "north").actions) == 3  # still there, the source's now
    again = import_source(source, db_url, params)
    ok(again)
    assert again.kept == {"conferences": 1}
    assert len(load_site(engine, "north").actions) == 2  # the source lacks it: gone


def test_a_conference_row_deleted_from_the_file_is_not_deleted(recorded, db_url, tmp_path, params):
    engine, _ = recorded
    before = conference_rows(engine)
    export(db_url, tmp_path / "out")

    def delete(rows):
        rows.remove(_ours(rows))
    _edited(tmp_path / "out", "actions", delete)
    ok(import_source(tmp_path / "out", db_url, params))
    assert conference_rows(engine) == before


def test_origin_is_checked_like_any_code_and_only_where_the_store_keeps_it(tmp_path, params):
    tables = d.valid()
    tables["actions"][0].append("Origin")
    for row, value in zip(tables["actions"][1:], ["Conference", "", "ehr"]):
        row.append(value)
    tables["goals"][0].append("origin")
    for row in tables["goals"][1:]:
        row.append("source")
    checked = validate_source(d.write_csv(tables, tmp_path / "src"), "sqlite://", params)
    shown = [str(p) for p in checked.problems]
    assert [p for p in shown if "actions.csv" in p] == \
        ["error: actions.csv, row 4, column origin, value 'ehr': not one of: source, conference"]
    assert "warning: goals.csv, row 1, column origin: not a column of this table; it is ignored" \
        in shown
