"""The store under the importer, on SQLite and PostgreSQL alike."""
from __future__ import annotations

import importdata as d
import pandas as pd
import pytest
import sqlalchemy as sa
from importdata import dump
from pgserver import db_url, pg_server, pg_url  # noqa: F401 - fixtures

from ips_nb.data import connection, store
from ips_nb.data.frames import load_site, sites_in_db
from ips_nb.data.tables import METADATA

KEY = b"store key"


@pytest.fixture
def engine(db_url):
    engine = connection.connect(db_url)
    yield engine
    engine.dispose()


def test_schema_is_made_once_and_again_harmlessly(engine):
    connection.create_schema(engine)
    connection.create_schema(engine)
    assert set(sa.inspect(engine).get_table_names()) == set(METADATA.tables) | {"pseudonym_key"} \
        | {"site_writes", "alembic_version"}  # data.freshness's write stamps, the schema's revision


def test_write_and_load_one_site(tmp_path, engine):
    written = store.write_sites(engine, d.frames(tmp_path, d.VALID), KEY)
    assert written == {"north", "south"}
    assert sites_in_db(engine) == ["north", "south"]
    north = load_site(engine, "north")
    assert list(north.candidates["candidate_id"]) == ["c1", "c2", "c3"]
    assert "cpr_hash" not in north.candidates.columns
    assert str(north.candidates["referral_date"].dtype).startswith("datetime64")
    assert set(north.contacts["site"]) == {"north"}
    assert len(north.goals) == 2 and len(load_site(engine, "south").goals) == 1
    assert load_site(engine, "nowhere").candidates.empty


def test_writing_a_site_again_replaces_only_it(tmp_path, engine, db_url):
    store.write_sites(engine, d.frames(tmp_path, d.VALID), KEY)
    store.write_sites(engine, d.frames(tmp_path / "e", d.EAST), KEY)
    prints = store.fingerprint(engine, "north"), store.fingerprint(engine, "east")
    whole = store.fingerprint(engine)
    store.write_sites(engine, d.frames(tmp_path / "e2", d.EAST), KEY)
    assert store.fingerprint(engine) == whole
    smaller = {k: [list(r) for r in v] for k, v in d.EAST.items()}
    del smaller["contacts"]
    store.write_sites(engine, d.frames(tmp_path / "e3", smaller), KEY)
    assert load_site(engine, "east").contacts.empty
    assert store.fingerprint(engine, "north") == prints[0]
    assert store.fingerprint(engine, "east") != prints[1]


def test_a_failed_write_leaves_everything_as_it_was(tmp_path, engine, db_url):
    store.write_sites(engine, d.frames(tmp_path, d.VALID), KEY)
    before = dump(db_url)
    bad = d.frames(tmp_path / "e", d.EAST)
    bad["consultants"] = pd.concat([bad["consultants"], bad["consultants"]])  # a key twice
    with pytest.raises(sa.exc.IntegrityError):
        store.write_sites(engine, bad, KEY)
    assert dump(db_url) == before


def test_a_given_hash_is_kept_and_a_number_is_hashed(tmp_path, engine):
    from ips_nb.data.identity import cpr_hash

    f = d.frames(tmp_path, d.VALID)
    f["candidates"]["cpr_hash"] = ["ab" * 32] * len(f["candidates"])
    store.write_sites(engine, f, KEY)
    t = METADATA.tables["candidates"]
    with engine.connect() as conn:
        got = dict(conn.execute(sa.select(t.c.candidate_id, t.c.cpr_hash)).all())
    assert got["c1"] == cpr_hash("0101901234", KEY)  # the number wins over a given hash
    assert got["c3"] == "ab" * 32  # no number: the given hash is kept


@pytest.mark.parametrize("ci, outcome", [("", "1 skipped"), ("true", "1 error")])
def test_without_postgresql_a_skip_except_in_ci(ci, outcome):
    """The rule for system tests: skipped where PostgreSQL is missing, an error under CI."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env["IPS_NB_PG_BIN"] = "/nonexistent"
    if ci:
        env["CI"] = ci
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                        f"{__file__}::test_schema_is_made_once_and_again_harmlessly[postgresql]"],
                       env=env, capture_output=True, text=True, timeout=120)
    assert outcome in r.stdout, r.stdout
