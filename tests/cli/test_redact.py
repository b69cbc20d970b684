"""`ips-nb redact`: identity numbers already stored in free text (written before the importer
masked them, or past the old conference check) are masked in every table and in the audit, in
one command; the counts name table and column, never the digits; a second run changes nothing.
Before it there was no way to remove them: the number stayed in the table and the audit."""
from __future__ import annotations

import re

import importdata as d
import pytest
import sqlalchemy as sa
from importdata import run

from ips_nb.data import audit, conference, connection, idscan

DIRECT = [  # (table, column, site, the WHERE that picks the row, text written in directly)
    ("actions", "description", "north", "action_id = 'a1'", "Ring til 010190.1234 i dag"),
    ("goals", "description", "north", "candidate_id = 'c1'", "Lager CPR 0101901234"),
    ("candidates", "municipality", "north", "candidate_id = 'c1'", "Aarhus 1203852345"),
    ("clinicians", "team", "south", "clinician_id = 'b2'", "Team 900101\u20130017"),
    ("supervision", "supervisor", "north", "site = 'north'", "Mette (fødselsdato 010190 løbenr 1234)"),
    ("placements", "end_reason", "north", "placement_id = 'p2'", "\uff10\uff11\uff10\uff11\uff19\uff10-\uff11\uff12\uff13\uff14"),
]


@pytest.fixture
def db(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("IPS_NB_KEY", "redact test key " * 3)
    d.write_params(tmp_path / "params")
    d.write_csv(d.VALID, tmp_path / "src")
    url = f"sqlite:///{tmp_path / 'ips.db'}"
    code, _, err = run("import", "src", "--db", url)
    assert code == 0, err
    engine = connection.connect(url)
    with engine.begin() as conn:  # bypassing the importer, as an older version stored them
        for table, column, _, where, text in DIRECT:
            conn.execute(sa.text(f"UPDATE {table} SET {column} = :t WHERE {where}"), {"t": text})
        conn.execute(sa.text("UPDATE conferences SET decision = :t, recorded_by = 'anna' "
                             "WHERE site = 'north'"), {"t": "010190/1234 drøftet"})
        conn.execute(sa.text("INSERT INTO consultants (consultant_id, site, name) "
                             "VALUES ('0101901234', 'north', 'Id Number')"))
    # a decision stored past the old conference check (it let "010190 - 1234" through)
    with pytest.MonkeyPatch.context() as old_check:
        old_check.setattr(conference, "looks_like_identity", lambda text: False)
        conference.record_decision(engine, "south", "c4", "2024-03-13", None, "Ring 010190 - 1234",
                                   "anna", 0)
    engine.dispose()
    return url


def stored(url: str) -> str:
    """Every table and the audit trail, as one text."""
    engine = connection.connect(url)
    try:
        return repr(d.dump(url)) + repr(audit.rows(engine, "south"))
    finally:
        engine.dispose()


def test_redact_masks_every_table_and_the_audit_then_finds_nothing(db):
    assert idscan.find(stored(db))  # the numbers are there
    code, out, err = run("redact", "--db", db, "--user", "coordinator")
    assert code == 0, err
    for table, column, *_ in DIRECT:
        assert re.search(rf"^redact: {table}\.{column}: 1 identity number\(s\) masked in 1 row\(s\)$",
                         out, re.M), out
    # north's two conferences, and south's decision recorded past the old check
    assert re.search(r"^redact: conferences\.decision: 3 identity number\(s\) masked in 3 row\(s\)$",
                     out, re.M), out
    assert "9 identity number(s) masked in the tables" in out
    assert re.search(r"1 in 1 audit row\(s\), the redaction recorded as audit row\(s\) 2", out), out
    assert "consultants.consultant_id: 1 row(s) hold an identity number in an id" in err
    for shown in (out, err):
        assert "1234" not in shown and "0017" not in shown and "2345" not in shown

    engine = connection.connect(db)
    with engine.connect() as conn:
        values = {(t, c): conn.execute(sa.text(f"SELECT {c} FROM {t} WHERE {w}")).scalar()
                  for t, c, _, w, _ in DIRECT}
    assert values[("actions", "description")] == "Ring til [CPR fjernet] i dag"
    assert values[("clinicians", "team")] == "Team [personnummer borttaget]"  # south is Swedish
    assert values[("supervision", "supervisor")] == "Mette (fødselsdato [CPR fjernet])"
    assert audit.verify(engine).problem is None  # the trail stays verifiable
    redaction = audit.rows(engine, "south")[-1]
    assert redaction["user"] == "coordinator" and redaction["action"] == audit.REDACT
    engine.dispose()
    # what is left holding a number is the consultant's id only, which was reported
    left = stored(db).replace("'0101901234'", "''")
    assert idscan.find(left) == []

    before = d.dump(db)
    code, out, err = run("redact", "--db", db, "--user", "coordinator")
    assert code == 0, err
    assert out.strip().splitlines()[-1] == (
        "redact: 0 identity number(s) masked in the tables, 0 in the audit trail; nothing changed")
    assert d.dump(db) == before


def test_redact_without_a_database_says_so_and_creates_none(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _, err = run("redact", "--db", f"sqlite:///{tmp_path / 'none.db'}")
    assert code == 2 and "no ips-nb database" in err
    assert not (tmp_path / "none.db").exists()
