"""The audit trail is tamper-evident (data.audit, `ips-nb audit`): each row is chained by hash to
the one before it, `ips-nb audit verify` names the first row changed, removed or inserted out of
order, and a redaction masks identity numbers while the trail stays verifiable.

The attacks are those of issue 21, made on SQLite by someone who can write the file: `INSERT OR
REPLACE` over a row, a DELETE with the trigger dropped, a row inserted out of order, `DROP TABLE
audit`. Before the chain, all of them left a trail nobody could tell from a whole one.
"""
from __future__ import annotations

import hashlib
import json
from datetime import date, datetime

import importdata as d
import pytest
import sqlalchemy as sa
from pgserver import db_url, pg_server, pg_url  # noqa: F401 - fixtures

from ips_nb import cli
from ips_nb.data import audit, connection, idscan, store
from ips_nb.data import conference as conf
from ips_nb.data.tables import AUDIT, METADATA

KEY = "audit chain test key " * 2
DAY = date(2024, 3, 13)
SECRET = "Samtale om flytning"  # a decision's text: verify never prints a row's content


@pytest.fixture(autouse=True)
def _key(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("IPS_NB_KEY", KEY)
    monkeypatch.delenv("IPS_NB_DB", raising=False)


@pytest.fixture
def engine(db_url, tmp_path):
    with d.valid_store(db_url, tmp_path, KEY) as engine:
        yield engine


@pytest.fixture
def sqlite_url(tmp_path):
    return f"sqlite:///{tmp_path / 'db' / 'ips.db'}"


@pytest.fixture
def three(sqlite_url, tmp_path):
    """An SQLite database with three conference writes (audit rows 1, 2, 3)."""
    engine = connection.connect(sqlite_url)
    store.write_sites(engine, d.frames(tmp_path / "first", d.VALID), KEY.encode())
    conf.record_decision(engine, "north", "c1", DAY, None, SECRET, "anna", 0)
    conf.add_action(engine, "north", "c1", "Ring til arbejdsgiver", "consultant", "2024-03-20",
                    "bo", 1, created=DAY)
    conf.record_decision(engine, "north", "c2", DAY, None, "Fortsæt", "anna", 0)
    yield engine
    engine.dispose()


def attack(engine, *sql: str) -> None:
    """What someone with write access to the file runs, in sqlite3 or any other client."""
    with engine.begin() as conn:
        for s in sql:
            conn.exec_driver_sql(s)


def verify_cli(url: str, capsys) -> tuple[int, str, str]:
    status = cli.main(["audit", "verify", "--db", url])
    out = capsys.readouterr()
    return status, out.out, out.err


def all_rows(engine) -> list[dict]:
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(sa.select(AUDIT).order_by(AUDIT.c.id))
                .mappings()]


# --- the chain ----------------------------------------------------------------------------------

def test_each_row_is_chained_to_the_one_before_and_verify_passes(engine, db_url, capsys):
    conf.record_decision(engine, "north", "c1", DAY, "Team Nord", SECRET, "anna", 0)
    conf.add_action(engine, "north", "c1", "Ring", "consultant", "2024-03-20", "bo", 1, created=DAY)
    first, second = all_rows(engine)
    # worked by hand: SHA-256 of the canonical JSON, not through the module's own helpers
    canon = [first["at"].isoformat(sep=" ", timespec="microseconds"), "anna", "north",
             "conferences", "2024-03-13/c1", "c1", "insert", None, first["after"]]
    content = hashlib.sha256(json.dumps(canon, ensure_ascii=False, separators=(",", ":"))
                             .encode()).hexdigest()
    assert first["content_hash"] == content and first["prev_hash"] == "0" * 64
    assert first["hash"] == hashlib.sha256(f'[1,"{"0" * 64}","{content}"]'.encode()).hexdigest()
    assert second["prev_hash"] == first["hash"] and second["id"] == 2
    verdict = audit.verify(engine)
    assert (verdict.checked, verdict.problem, verdict.last_hash) == (2, None, second["hash"])
    status, out, err = verify_cli(db_url, capsys)
    assert status == 0 and "2 row(s) checked; the trail is whole" in out and err == ""
    # the candidate's version is still the number of its audit rows
    assert conf.candidate_version(engine, "north", "c1")[0] == 2


def test_an_empty_database_verifies_with_no_rows(engine, db_url, capsys):
    status, out, _ = verify_cli(db_url, capsys)
    assert status == 0 and "0 row(s) checked" in out


def test_insert_or_replace_over_a_row_is_refused_and_verify_catches_it_past_the_trigger(three, sqlite_url, capsys):
    replace = ("INSERT OR REPLACE INTO audit (id, at, user, site, \"table\", row_key, candidate_id, "
               "action, before, after, prev_hash, content_hash, hash) SELECT id, at, 'eve', site, "
               "\"table\", row_key, candidate_id, action, before, after, prev_hash, content_hash, hash "
               "FROM audit WHERE id = 2")
    with pytest.raises(sa.exc.DatabaseError, match="append-only"):
        attack(three, replace)  # today this rewrote row 2 past the delete trigger
    assert [r["user"] for r in all_rows(three)] == ["anna", "bo", "anna"]
    attack(three, "DROP TRIGGER audit_in_order", replace)
    assert [r["user"] for r in all_rows(three)] == ["anna", "eve", "anna"]
    status, out, err = verify_cli(sqlite_url, capsys)
    assert status == 1 and out == ""
    assert "row 2 (" in err and "site north" in err and "changed after it was written" in err
    assert SECRET not in err and "eve" not in err


def test_a_row_deleted_with_the_trigger_dropped_is_named(three, sqlite_url, capsys):
    attack(three, "DROP TRIGGER audit_no_delete", "DELETE FROM audit WHERE id = 2")
    status, _, err = verify_cli(sqlite_url, capsys)
    assert status == 1 and "row 2 removed: row 3 (" in err and "no longer follows row 1" in err


def test_the_last_row_deleted_shows_against_the_head(three, sqlite_url, capsys):
    attack(three, "DROP TRIGGER audit_no_delete", "DELETE FROM audit WHERE id = 3")
    status, _, err = verify_cli(sqlite_url, capsys)
    assert status == 1 and "row 3 removed: the head record says the trail ends at row 3" in err
    # the next write chains onto the head, not onto row 2: the gap stays visible
    conf.record_decision(three, "north", "c3", DAY, None, "Ny", "anna", 0)
    assert "row 3 removed" in str(audit.verify(three).problem)


def test_a_row_inserted_out_of_order_is_named(three, sqlite_url, capsys):
    forged = {**all_rows(three)[0], "user": "eve"}  # row 1's hashes, copied
    with pytest.raises(sa.exc.DatabaseError, match="a row goes after the last"):
        with three.begin() as conn:  # at or before the last id: the trigger refuses it
            conn.execute(AUDIT.insert(), {**forged, "id": 2})
    with three.begin() as conn:  # after the last: the trigger lets it in (INSERT is allowed) ...
        conn.execute(AUDIT.insert(), {**forged, "id": 4})
    status, _, err = verify_cli(sqlite_url, capsys)  # ... and verify names it
    assert status == 1 and "row 4 (" in err and "inserted out of order" in err


def test_a_row_appended_with_a_recomputed_chain_still_shows_against_the_head(three):
    last = all_rows(three)[-1]
    row = {**last, "id": 4, "user": "eve", "prev_hash": last["hash"]}
    row["content_hash"] = audit.content_digest(row)
    row["hash"] = audit.link(4, row["prev_hash"], row["content_hash"])
    with three.begin() as conn:
        conn.execute(AUDIT.insert(), row)
    problem = audit.verify(three).problem
    assert problem.row_id == 4 and "the last row ips-nb wrote is row 3" in str(problem)


def test_a_row_changed_with_its_hashes_recomputed_breaks_the_next_link(three):
    row = all_rows(three)[1]
    changed = {**row, "after": row["after"].replace("Ring til arbejdsgiver", "Intet")}
    content = audit.content_digest(changed)
    attack(three, "DROP TRIGGER audit_no_update",
           f"UPDATE audit SET after = '{changed['after']}', content_hash = '{content}', "
           f"hash = '{audit.link(2, row['prev_hash'], content)}' WHERE id = 2")
    problem = audit.verify(three).problem
    assert problem.row_id == 3 and "does not follow row 2" in str(problem)


def test_drop_table_audit_is_noticed_and_so_is_dropping_its_head_too(three, sqlite_url, capsys):
    attack(three, "DROP TABLE audit")
    status, _, err = verify_cli(sqlite_url, capsys)
    assert status == 1 and "the audit table is gone: its head record counts 3 row(s), up to row 3" in err
    attack(three, "DROP TABLE audit_head")
    status, _, err = verify_cli(sqlite_url, capsys)
    assert status == 1 and "no audit trail, yet 3 row(s) were recorded at the conference" in err


def test_an_emptied_trail_is_noticed(three):
    attack(three, "DROP TRIGGER audit_no_delete", "DELETE FROM audit")
    assert "rows 1–3 removed" in str(audit.verify(three).problem)


def test_a_missing_guard_is_noted_and_remade_by_the_next_write(three, sqlite_url, capsys):
    attack(three, "DROP TRIGGER audit_no_update")
    status, _, err = verify_cli(sqlite_url, capsys)
    assert status == 0 and "note: the append-only guard(s) audit_no_update are missing" in err
    conf.record_decision(three, "north", "c3", DAY, None, "Ny", "anna", 0)
    with pytest.raises(sa.exc.DatabaseError, match="append-only"):
        attack(three, "UPDATE audit SET user = 'eve'")
    assert audit.verify(three).notes == []


# --- an audit table from before the chain -------------------------------------------------------

OLD_AUDIT = ('CREATE TABLE audit (id INTEGER NOT NULL PRIMARY KEY, at DATETIME NOT NULL, '
             '"user" VARCHAR NOT NULL, site VARCHAR NOT NULL, "table" VARCHAR NOT NULL, '
             'row_key VARCHAR NOT NULL, candidate_id VARCHAR, action VARCHAR NOT NULL, '
             'before TEXT, after TEXT)')
OLD_GUARDS = [f"CREATE TRIGGER audit_no_{w} BEFORE {w.upper()} ON audit BEGIN "
              "SELECT RAISE(ABORT, 'the audit is append-only'); END" for w in ("update", "delete")]


def test_an_older_audit_is_chained_by_the_first_write_and_keeps_its_versions(three, sqlite_url, capsys):
    old = [{k: r[k] for k in audit.CONTENT} for r in all_rows(three)[:2]]
    attack(three, "DROP TABLE audit", "DROP TABLE audit_head", OLD_AUDIT, *OLD_GUARDS)
    with three.begin() as conn:
        for i, r in enumerate(old, 1):
            conn.execute(sa.text('INSERT INTO audit (id, at, "user", site, "table", row_key, '
                                 "candidate_id, action, before, after) VALUES (:id, :at, :user, "
                                 ":site, :table, :row_key, :candidate_id, :action, :before, :after)"),
                         {**r, "id": i, "at": r["at"].isoformat(sep=" ")})
    status, _, err = verify_cli(sqlite_url, capsys)
    assert status == 1 and "2 row(s) are from before the hash chain" in err
    assert conf.candidate_version(three, "north", "c1")[0] == 2
    conf.add_action(three, "north", "c1", "Tredje", "consultant", "2024-03-20", "bo", 2, created=DAY)
    status, out, _ = verify_cli(sqlite_url, capsys)
    assert status == 0 and "3 row(s) checked" in out
    assert [r["prev_hash"] is not None for r in all_rows(three)] == [True] * 3
    assert conf.candidate_version(three, "north", "c1")[0] == 3
    with pytest.raises(sa.exc.DatabaseError, match="append-only"):  # the guards are back
        attack(three, "UPDATE audit SET user = 'eve'")


# --- redaction ----------------------------------------------------------------------------------

def _numbers_in_the_audit(engine) -> list[int]:
    """Rows whose text holds a number; a redaction's own row holds only ids and hex digests."""
    return [r["id"] for r in all_rows(engine) if r["action"] != audit.REDACT
            and any(idscan.contains_identity(str(r[c] or "")) for c in audit.SCANNED)]


def test_a_redaction_row_whose_digest_looks_like_a_number_is_never_masked(with_numbers, sqlite_url):
    """A SHA-256 in hex has runs of digits; "…a0101901234f…" reads as 01.01.90 + 1234. A second
    redaction must leave the first one's row alone, or the chain it vouches for breaks."""
    engine = with_numbers
    audit.redact(engine, "coordinator", marker="[CPR fjernet]")
    first = len(all_rows(engine))
    with engine.begin() as conn:  # a digest that happens to hold a date and 4 digits
        conn.exec_driver_sql("DROP TRIGGER IF EXISTS audit_no_update")
        conn.exec_driver_sql("UPDATE audit SET after = '{\"count\": 1, \"rows\": {\"4\": \"a0101901234f"
                             + "b" * 52 + "\"}}' WHERE action = 'redact'")
    again = audit.redact(engine, "coordinator", marker="[CPR fjernet]")
    assert again.rows == [] and len(all_rows(engine)) == first


@pytest.fixture
def with_numbers(three):
    """Rows 4 and 5 copy an action's text holding a CPR number into the audit (as marking an
    action done did with text imported before the import masked numbers)."""
    t = METADATA.tables["actions"]
    with three.begin() as conn:
        conn.execute(t.update().where(t.c.action_id == "a1").values(description="Ring til 010190.1234"))
        conn.execute(t.update().where(t.c.action_id == "a3").values(description="Budget 900101-0017"))
    conf.mark_done(three, "north", "a1", "2024-03-14", "anna", 2)
    conf.mark_done(three, "south", "a3", "2024-03-14", "sara", 0)
    assert _numbers_in_the_audit(three) == [4, 5]
    return three


def test_redact_masks_the_numbers_keeps_the_trail_verifiable_and_audits_itself(with_numbers, sqlite_url,
                                                                               tmp_path, capsys):
    engine = with_numbers
    hashes = [(r["prev_hash"], r["content_hash"], r["hash"]) for r in all_rows(engine)]
    version = conf.candidate_version(engine, "north", "c1")[0]
    status = cli.main(["audit", "redact", "--db", sqlite_url, "--user", "coordinator",
                       "--params", str(d.write_params(tmp_path / "params"))])
    out = capsys.readouterr().out
    assert status == 0 and "4 identity number(s) masked in 2 row(s) (4, 5)" in out
    assert "recorded as row(s) 6, 7" in out
    rows = all_rows(engine)
    assert _numbers_in_the_audit(engine) == []
    assert json.loads(rows[3]["before"])["description"] == "Ring til [CPR fjernet]"
    assert json.loads(rows[4]["after"])["description"] == "Budget [personnummer borttaget]"
    # the rows keep their place in the chain: their three hashes are untouched
    assert [(r["prev_hash"], r["content_hash"], r["hash"]) for r in rows[:5]] == hashes
    assert [r["redacted_at"] is not None for r in rows] == [False, False, False, True, True, False, False]
    redaction = rows[5]
    assert (redaction["user"], redaction["site"], redaction["action"]) == ("coordinator", "north", "redact")
    assert list(json.loads(redaction["after"])["rows"]) == ["4"]
    assert (rows[6]["site"], list(json.loads(rows[6]["after"])["rows"])) == ("south", ["5"])
    status, out, err = verify_cli(sqlite_url, capsys)
    assert status == 0 and "7 row(s) checked" in out and "2 row(s) redacted" in err
    assert conf.candidate_version(engine, "north", "c1")[0] == version  # a redaction is no save
    with pytest.raises(sa.exc.DatabaseError, match="append-only"):  # the guard is back
        attack(engine, "UPDATE audit SET user = 'eve'")
    # a second redaction finds nothing and appends nothing
    assert cli.main(["audit", "redact", "--db", sqlite_url, "--user", "coordinator"]) == 0
    assert "nothing changed" in capsys.readouterr().out and len(all_rows(engine)) == 7


def test_after_a_redaction_any_other_change_is_still_flagged(with_numbers):
    audit.redact(with_numbers, "coordinator")
    # the redacted row changed again, beyond what the redaction names
    attack(with_numbers, "DROP TRIGGER audit_no_update",
           "UPDATE audit SET before = replace(before, 'Ring til', 'Skriv til') WHERE id = 4")
    problem = audit.verify(with_numbers).problem
    assert problem.row_id == 4 and "changed after it was written" in str(problem)


def test_a_row_marked_redacted_without_a_redaction_naming_it_is_flagged(with_numbers):
    attack(with_numbers, "DROP TRIGGER audit_no_update",
           "UPDATE audit SET after = replace(after, '010190.1234', 'x'), "
           "redacted_at = '2024-03-15 10:00:00.000000' WHERE id = 4")
    problem = audit.verify(with_numbers).problem
    assert problem.row_id == 4 and "marked redacted, but no redaction names this content" in str(problem)


def test_redact_runs_inside_a_callers_write_transaction(with_numbers):
    with connection.write_transaction(with_numbers) as conn:
        done = audit.redact(conn, "coordinator", marker="[x]", at=datetime(2024, 3, 15, 9, 0))
    assert (done.rows, done.replacements, done.appended) == ([4, 5], 4, [6, 7])
    assert audit.verify(with_numbers).problem is None
    assert json.loads(all_rows(with_numbers)[3]["before"])["description"] == "Ring til [x]"


def test_a_redaction_that_fails_changes_nothing(with_numbers):
    before = all_rows(with_numbers)
    with pytest.raises(audit.AuditError):
        audit.redact(with_numbers, "010190-1234")  # the user itself an identity number: refused
    with pytest.raises(RuntimeError):
        with connection.write_transaction(with_numbers) as conn:
            audit.redact(conn, "coordinator")
            raise RuntimeError("the caller's next step failed")
    assert all_rows(with_numbers) == before


# --- the command line ---------------------------------------------------------------------------

def test_verify_takes_the_database_from_ips_nb_db_and_bad_usage_is_2(three, sqlite_url, monkeypatch, capsys):
    monkeypatch.setenv("IPS_NB_DB", sqlite_url)
    assert cli.main(["audit", "verify"]) == 0
    assert "3 row(s) checked" in capsys.readouterr().out
    assert cli.main(["audit", "verify", "--db", "sqlite:///nowhere/ips.db"]) == 2
    assert "no ips-nb database at" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        cli.main(["audit"])
    assert exc.value.code == 2
