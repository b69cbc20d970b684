"""What the conference records (data.conference), on SQLite and PostgreSQL alike: each write,
refusals that leave no trace, the version check, the append-only audit, a re-import that keeps
what was recorded, the export, and the next agenda."""
from __future__ import annotations

import json
from datetime import date

import importdata as d
import pandas as pd
import pytest
import sqlalchemy as sa
from importdata import dump
from pgserver import db_url, pg_server, pg_url  # noqa: F401 - fixtures

from ips_nb.data import conference as conf
from ips_nb.data import connection, store
from ips_nb.data.export import export
from ips_nb.data.frames import load_site
from ips_nb.data.importer import import_source
from ips_nb.data.tables import METADATA
from ips_nb.figures.agenda_rules import build_agenda
from ips_nb.figures.periods import Week

KEY = "conference test key " * 2
DAY = date(2024, 3, 13)  # a Wednesday: the conference of week 2024-W11


@pytest.fixture(autouse=True)
def _key(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("IPS_NB_KEY", KEY)


@pytest.fixture
def engine(db_url, tmp_path):
    with d.valid_store(db_url, tmp_path, KEY) as engine:
        yield engine


def rows(engine, table: str, site: str = "north") -> list[dict]:
    t = METADATA.tables[table]
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(sa.select(t).where(t.c.site == site)).mappings()]


def everything(engine) -> str:
    """Every row of every table, the audit included, as one text."""
    with engine.connect() as conn:
        names = sa.inspect(conn).get_table_names()
        return repr({n: conn.execute(sa.text(f'SELECT * FROM "{n}"')).all() for n in sorted(names)})


def test_record_decision_writes_a_row_and_an_audit_row(engine):
    assert conf.candidate_version(engine, "north", "c1") == (0, None, None)
    saved = conf.record_decision(engine, "north", "c1", DAY, "Team Nord", "Keep looking for a job",
                                 "anna", 0)
    assert saved.version == 1
    mine = [r for r in rows(engine, "conferences") if r["date"] == DAY]
    assert len(mine) == 1
    assert mine[0]["decision"] == "Keep looking for a job" and mine[0]["recorded_by"] == "anna"
    assert mine[0]["origin"] == "conference" and mine[0]["consultant_id"] == "k1"
    version, user, at = conf.candidate_version(engine, "north", "c1")
    assert (version, user) == (1, "anna") and at is not None
    (audit,) = conf.audit_rows(engine, "north")
    assert (audit["user"], audit["table"], audit["action"], audit["candidate_id"]) == \
        ("anna", "conferences", "insert", "c1")
    assert audit["before"] is None and json.loads(audit["after"])["decision"] == "Keep looking for a job"
    # the same day again: the row is updated, before and after audited
    conf.record_decision(engine, "north", "c1", DAY, None, "Start a work trial", "bo", 1)
    mine = [r for r in rows(engine, "conferences") if r["date"] == DAY]
    assert len(mine) == 1 and mine[0]["decision"] == "Start a work trial" and mine[0]["team"] == "Team Nord"
    second = conf.audit_rows(engine, "north")[1]
    assert second["action"] == "update"
    assert json.loads(second["before"])["decision"] == "Keep looking for a job"


def test_add_action_and_mark_done(engine):
    saved = conf.add_action(engine, "north", "c1", "Call the employer", "consultant", "2024-03-20",
                            "anna", 0, created=DAY)
    assert saved.key.startswith("conf-") and saved.version == 1
    (new,) = [r for r in rows(engine, "actions") if r["action_id"] == saved.key]
    assert (new["owner"], new["due_date"], new["done_date"], new["origin"]) == \
        ("consultant", date(2024, 3, 20), None, "conference")
    done = conf.mark_done(engine, "north", saved.key, "2024-03-19", "bo", 1)
    assert done.version == 2
    (new,) = [r for r in rows(engine, "actions") if r["action_id"] == saved.key]
    assert new["done_date"] == date(2024, 3, 19)
    with pytest.raises(conf.WriteRefused) as exc:
        conf.mark_done(engine, "north", saved.key, "2024-03-19", "bo", 2)
    assert exc.value.field == "done_date"
    # a source's action too; the version counts every write to the candidate
    conf.mark_done(engine, "north", "a1", DAY, "bo", 2)
    assert [r["done_date"] for r in rows(engine, "actions") if r["action_id"] == "a1"] == [DAY]
    assert conf.candidate_version(engine, "north", "c1")[0] == 3


@pytest.mark.parametrize("field, call", [
    ("owner", lambda e: conf.add_action(e, "north", "c1", "Call", "boss", "2024-03-20", "anna", 0)),
    ("due_date", lambda e: conf.add_action(e, "north", "c1", "Call", "consultant", "2024-02-30", "anna", 0)),
    ("due_date", lambda e: conf.add_action(e, "north", "c1", "Call", "consultant", "soon", "anna", 0)),
    ("description", lambda e: conf.add_action(e, "north", "c1", "x" * 301, "consultant", "2024-03-20", "anna", 0)),
    ("description", lambda e: conf.add_action(e, "north", "c1", "  ", "consultant", "2024-03-20", "anna", 0)),
    ("decision", lambda e: conf.record_decision(e, "north", "c1", DAY, None, "y" * 501, "anna", 0)),
    ("date", lambda e: conf.record_decision(e, "north", "c1", "13/03/2024", None, "ok", "anna", 0)),
    ("candidate_id", lambda e: conf.record_decision(e, "north", "c4", DAY, None, "ok", "anna", 0)),
    ("candidate_id", lambda e: conf.record_decision(e, "south", "c5", DAY, None, "ok", "anna", 0)),
    ("candidate_id", lambda e: conf.record_decision(e, "north", "nobody", DAY, None, "ok", "anna", 0)),
    ("action_id", lambda e: conf.mark_done(e, "south", "a1", DAY, "anna", 0)),
])
def test_a_refused_value_writes_nothing(engine, field, call):
    before = everything(engine)
    with pytest.raises(conf.WriteRefused) as exc:
        call(engine)
    assert exc.value.field == field and exc.value.message
    assert everything(engine) == before


CPR_TEXTS = ["Talk to 010190-1234 about it", "cpr 0101901234", "personnummer 19850312-0019",
             "pnr 198503120019", "900101+0017", "ring 010190 1234"]


@pytest.mark.parametrize("text", CPR_TEXTS)
def test_text_that_looks_like_a_cpr_number_is_refused_and_never_stored(engine, text):
    before = everything(engine)
    with pytest.raises(conf.WriteRefused) as exc:
        conf.record_decision(engine, "north", "c1", DAY, None, text, "anna", 0)
    assert exc.value.field == "decision"
    digits = "".join(ch for ch in text if ch.isdigit())
    assert digits not in str(exc.value) and digits[-4:] not in str(exc.value)
    with pytest.raises(conf.WriteRefused):
        conf.add_action(engine, "north", "c1", text, "consultant", "2024-03-20", "anna", 0)
    with pytest.raises(conf.WriteRefused):
        conf.record_decision(engine, "north", "c1", DAY, text, "fine", "anna", 0)  # the team
    assert everything(engine) == before
    assert text not in before and digits not in before


def test_a_stale_version_is_a_conflict_that_names_who_and_when(engine):
    conf.record_decision(engine, "north", "c1", DAY, None, "First", "anna", 0)
    before = everything(engine)
    with pytest.raises(conf.Conflict) as exc:
        conf.add_action(engine, "north", "c1", "Second", "consultant", "2024-03-20", "bo", 0)
    assert exc.value.user == "anna" and exc.value.at is not None and exc.value.version == 1
    assert "anna" in str(exc.value) and "reload" in str(exc.value)
    assert everything(engine) == before
    conf.add_action(engine, "north", "c1", "Second", "consultant", "2024-03-20", "bo", 1)
    # another candidate's version is its own
    conf.record_decision(engine, "north", "c2", DAY, None, "Other", "bo", 0)


def test_the_audit_is_append_only(engine):
    conf.record_decision(engine, "north", "c1", DAY, None, "First", "anna", 0)
    for sql in ('UPDATE audit SET "user" = \'eve\'', "DELETE FROM audit"):
        with pytest.raises(sa.exc.DatabaseError):
            with engine.begin() as conn:
                conn.exec_driver_sql(sql)
    assert [r["user"] for r in conf.audit_rows(engine, "north")] == ["anna"]


def test_a_reimport_keeps_what_was_recorded_and_counts_it(engine, db_url, tmp_path):
    params = d.write_params(tmp_path / "params")
    conf.record_decision(engine, "north", "c1", DAY, None, "Keep going", "anna", 0)
    saved = conf.add_action(engine, "north", "c1", "Call", "consultant", "2024-03-20", "anna", 1,
                            created=DAY)
    audit = conf.audit_rows(engine, "north")
    source = d.write_csv(d.VALID, tmp_path / "again")
    outcome = import_source(source, db_url, params)
    assert outcome.status == 0, [str(p) for p in outcome.problems]
    assert outcome.kept == {"conferences": 1, "actions": 1}
    assert [r["decision"] for r in rows(engine, "conferences") if r["date"] == DAY] == ["Keep going"]
    assert saved.key in {r["action_id"] for r in rows(engine, "actions")}
    assert len(rows(engine, "conferences")) == 3 and len(rows(engine, "actions")) == 3
    assert conf.audit_rows(engine, "north") == audit  # no import touches the audit
    # the source now carries the same conference row: the source's counts, ours goes
    tables = {k: [list(r) for r in v] for k, v in d.VALID.items()}
    tables["conferences"][0] += ["decision", "recorded_by"]
    for r in tables["conferences"][1:]:
        r += ["", ""]
    tables["conferences"].append(["north", DAY.isoformat(), "c1", "k1", "", "From the EHR", "ehr"])
    outcome = import_source(d.write_csv(tables, tmp_path / "carried"), db_url, params)
    assert outcome.status == 0, [str(p) for p in outcome.problems]
    assert outcome.kept == {"actions": 1}
    mine = [r for r in rows(engine, "conferences") if r["date"] == DAY]
    assert [(r["decision"], r["origin"]) for r in mine] == [("From the EHR", "source")]


def test_export_carries_decisions_and_new_actions_and_imports_again(engine, db_url, tmp_path):
    params = d.write_params(tmp_path / "params")
    conf.record_decision(engine, "north", "c1", DAY, "Team Nord", "Keep going", "anna", 0)
    saved = conf.add_action(engine, "north", "c1", "=Call", "consultant", "2024-03-20", "anna", 1,
                            created=DAY)
    counts = export(db_url, tmp_path / "out", ["north"])
    assert counts["actions"] == 3
    conferences = pd.read_csv(tmp_path / "out" / "conferences.csv", dtype=str, encoding="utf-8-sig")
    assert {"decision", "recorded_by", "origin"} <= set(conferences.columns)
    row = conferences[conferences["date"] == DAY.isoformat()].iloc[0]
    assert (row["decision"], row["recorded_by"], row["origin"]) == ("Keep going", "anna", "conference")
    actions = pd.read_csv(tmp_path / "out" / "actions.csv", dtype=str, encoding="utf-8-sig")
    assert saved.key in set(actions["action_id"])
    before = {t: sorted(map(str, (tuple(r.values()) for r in rows(engine, t))))
              for t in ("conferences", "actions")}
    outcome = import_source(tmp_path / "out", db_url, params)
    assert outcome.status == 0, [str(p) for p in outcome.problems]
    assert outcome.kept == {}  # the export carried our rows: they come back, still ours
    after = {t: sorted(map(str, (tuple(r.values()) for r in rows(engine, t))))
             for t in ("conferences", "actions")}
    assert after == before  # origin included (test_import_origin: the source after it)


def test_the_next_agenda_shows_what_was_recorded(engine):
    from factory import make_params

    week = Week(2024, 12)  # conference Wed 20 March, as_of 19 March
    params = make_params(site="north")

    def c1(agenda: dict, key: str) -> dict | None:
        section = next(s for s in agenda["sections"] if s["key"] == key)
        return next((c for c in section["candidates"] if c["candidate_id"] == "c1"), None)

    before = build_agenda(load_site(engine, "north"), params, week)
    assert "not_discussed_28d" in c1(before, "to_discuss")["reasons"]
    conf.record_decision(engine, "north", "c1", DAY, None, "Keep going", "anna", 0)
    saved = conf.add_action(engine, "north", "c1", "Call the employer", "consultant", "2024-03-22",
                            "anna", 1, created=DAY)
    after = build_agenda(load_site(engine, "north"), params, week)
    entry = c1(after, "to_discuss")
    assert entry is None or "not_discussed_28d" not in entry["reasons"]
    due = c1(after, "actions_due")
    assert saved.key in [a["action_id"] for a in due["actions"]]
    data = load_site(engine, "north")
    assert "origin" not in data.conferences.columns and "decision" in data.conferences.columns


def test_an_earlier_database_without_the_new_columns_is_refused_then_upgraded(tmp_path):
    from ips_nb.data.upgrade import upgrade

    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = connection.connect(url)
    store.write_sites(engine, d.frames(tmp_path / "first", d.VALID), KEY.encode())
    with engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE conferences DROP COLUMN decision")
        conn.exec_driver_sql("ALTER TABLE conferences DROP COLUMN recorded_by")
        conn.exec_driver_sql("ALTER TABLE conferences DROP COLUMN origin")
        conn.exec_driver_sql("ALTER TABLE actions DROP COLUMN origin")
        conn.exec_driver_sql("DROP TABLE alembic_version")  # as an earlier release left it
    with pytest.raises(connection.OutOfDate):  # a page says so instead of failing on a column
        load_site(engine, "north")
    assert upgrade(url).recognised == "0001"
    data = load_site(engine, "north")
    assert data.conferences["decision"].isna().all()
    store.fingerprint(engine)
    export(url, tmp_path / "out")
    conf.record_decision(engine, "north", "c1", DAY, None, "Now", "anna", 0)
    assert [r["decision"] for r in rows(engine, "conferences") if r["date"] == DAY] == ["Now"]
    assert {r["origin"] for r in rows(engine, "actions")} == {"source"}
    engine.dispose()
    assert dump(url)["conferences"]


def test_the_import_command_says_how_many_recorded_rows_it_kept(engine, db_url, tmp_path, capsys):
    from ips_nb.cli import main

    params = d.write_params(tmp_path / "params")
    conf.record_decision(engine, "north", "c1", DAY, None, "Keep going", "anna", 0)
    source = d.write_csv(d.VALID, tmp_path / "again")
    assert main(["import", str(source), "--db", db_url, "--params", str(params), "--today", "2026-11-29"]) == 0
    out = capsys.readouterr().out
    assert "Kept what the conference recorded here and the source does not carry: 1 conferences" in out


# -- the checks one field at a time (what the dashboard shows beside each field) ------------------

@pytest.mark.parametrize("field, value, code", [
    ("decision", "", "empty"), ("decision", "   ", "empty"), ("decision", None, "empty"),
    ("decision", "ring 010190-1234", "identity"), ("decision", "z" * 501, "too_long"),
    ("description", "pnr 198503120019", "identity"), ("description", "z" * 301, "too_long"),
    ("owner", "boss", "owner"), ("owner", None, "owner"),
    ("due_date", "", "not_a_date"), ("due_date", "27-11-2026", "not_a_date"),
    ("due_date", "20261127", "not_a_date"), ("due_date", "2026-W48-2", "not_a_date"),
    ("due_date", "2026-02-29", "no_such_day"), ("done_date", "2026-11-31", "no_such_day"),
    ("done_date", "2026-13-01", "no_such_day"), ("action_id", None, "not_chosen"), ("action_id", "", "not_chosen"),
])
def test_one_fields_refusal_is_the_writers(field, value, code):
    refused = conf.field_refusal(field, value)
    assert refused is not None and (refused.field, refused.code) == (field, code)
    if isinstance(value, str) and len(value) > 4:
        assert value.strip() not in str(refused) and value.strip() not in refused.message
    if code == "too_long":
        assert refused.values == {"n": len(value), "limit": len(value) - 1}


@pytest.mark.parametrize("field, value", [
    ("decision", "Start a work trial on Monday"), ("decision", "z" * 500), ("description", "Call 3 employers"),
    ("owner", "clinician"), ("due_date", "2026-11-27"), ("due_date", " 2024-02-29 "),
    ("due_date", date(2026, 11, 27)), ("done_date", "2026-12-31"), ("action_id", "a1"),
])
def test_one_fields_fit_value_has_no_refusal(field, value):
    assert conf.field_refusal(field, value) is None


def test_the_writers_refuse_what_field_refusal_refuses(engine):
    """The panel's in-place check and the save cannot disagree: the same table decides."""
    before = everything(engine)
    for due in ("2024-02-30", "20240320", "soon"):
        refused = conf.field_refusal("due_date", due)
        with pytest.raises(conf.WriteRefused) as exc:
            conf.add_action(engine, "north", "c1", "Call", "consultant", due, "anna", 0)
        assert (exc.value.field, exc.value.code) == (refused.field, refused.code)
    with pytest.raises(conf.WriteRefused) as exc:
        conf.mark_done(engine, "north", None, DAY, "anna", 0)
    assert (exc.value.field, exc.value.code) == ("action_id", "not_chosen")
    assert everything(engine) == before


# -- the supervision pack counts what the conference recorded -------------------------------------

def test_the_packs_overdue_actions_count_an_action_recorded_at_the_conference(engine):
    """METRICS.md: overdue = due_date < as_of and no done_date on or before as_of.

    North in d.VALID has two actions: a1 (c1, due 1 Feb 2024, never done) is overdue at the end
    of every month after; a2 (c2, due 1 Mar, done 28 Feb) never is. So March 2024 (as_of 31
    March) counts 1 before the conference writes anything."""
    from factory import make_params

    from ips_nb.figures.periods import Month
    from ips_nb.pages.pack import SupervisionPack

    params = make_params(site="north", language="da")

    def overdue(month: Month) -> int:
        pack = SupervisionPack.from_data(load_site(engine, "north"), params, month)
        assert pack.rows()["overdue_actions"].value == str(pack.figures["overdue_actions"])
        return pack.figures["overdue_actions"]

    def version(cid: str) -> int:
        return conf.candidate_version(engine, "north", cid)[0]

    march, april = Month(2024, 3), Month(2024, 4)
    assert overdue(march) == 1
    # due 20 March, not done: overdue on 31 March -> 2
    late = conf.add_action(engine, "north", "c1", "Ring til arbejdsgiver", "consultant", "2024-03-20",
                           "anna", version("c1"), created=DAY).key
    assert overdue(march) == 2
    # due on as_of itself (31 March): not yet overdue -> still 2
    conf.add_action(engine, "north", "c2", "Send CV", "candidate", "2024-03-31", "anna", version("c2"),
                    created=DAY)
    assert overdue(march) == 2
    # the late one marked done on 25 March, before the month's end -> 1
    conf.mark_done(engine, "north", late, "2024-03-25", "bo", version("c1"))
    assert overdue(march) == 1
    # due 15 March, done only on 2 April: on 31 March nobody knew it was done -> 2 in March;
    # in April (as_of 30 April) it is done, and the one due 31 March is now overdue: a1 + that = 2
    after = conf.add_action(engine, "north", "c1", "Book møde", "clinician", "2024-03-15", "anna",
                            version("c1"), created=DAY).key
    conf.mark_done(engine, "north", after, "2024-04-02", "bo", version("c1"))
    assert overdue(march) == 2
    assert overdue(april) == 2
