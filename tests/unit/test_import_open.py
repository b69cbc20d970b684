"""Opening a database to read it: it must exist and be ours, or one plain sentence says why.

Reading never creates anything: no SQLite file, no folder. `import` may create the database (and
its folder), but never inside a file that is something else's database.
"""
from __future__ import annotations

import sqlite3
from pathlib import Path

import importdata as d
import pytest
import sqlalchemy as sa
from importdata import run, state
from pgserver import db_url, pg_server, pg_url  # noqa: F401 - fixtures

from ips_nb.data import connection
from ips_nb.data.frames import read_site, sites_in_db
from ips_nb.data.tables import METADATA


@pytest.fixture(autouse=True)
def _key(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("IPS_NB_KEY", "open test key " * 3)
    monkeypatch.delenv("IPS_NB_DB", raising=False)


@pytest.fixture
def params(tmp_path) -> Path:
    return d.write_params(tmp_path / "params")


def refusal(url: str) -> str:
    with pytest.raises(connection.StoreError) as exc:
        connection.open_existing(url)
    text = str(exc.value)
    assert text and "\n" not in text, text
    return text


def test_a_missing_database_is_named_with_its_absolute_path(tmp_path):
    text = refusal(f"sqlite:///{tmp_path / 'nowhere' / 'ips.db'}")
    assert text == (f"no ips-nb database at {tmp_path / 'nowhere' / 'ips.db'} "
                    "(run `ips-nb import` or `ips-nb demo` first)")
    assert not (tmp_path / "nowhere").exists()


def test_the_default_database_from_another_folder_says_which_file_was_tried(tmp_path):
    text = refusal(connection.DEFAULT_DB)
    assert f"no ips-nb database at {tmp_path / 'data' / 'ips.db'}" in text
    assert "relative to the current folder" in text
    assert not (tmp_path / "data").exists()


def test_a_file_that_is_not_a_database(tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("not a database at all, but long enough to have a header " * 10)
    before = notes.read_bytes()
    text = refusal(f"sqlite:///{notes}")
    assert text == f"{notes} is not an ips-nb database (it is not an SQLite file)"
    assert notes.read_bytes() == before


def test_a_database_of_something_else(tmp_path):
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE invoices (id INTEGER)")
    text = refusal(f"sqlite:///{other}")
    assert text == (f"{other} is not an ips-nb database (it has none of its tables; "
                    "run `ips-nb import` or `ips-nb demo` to make one)")


def test_an_empty_postgresql_database(pg_url):
    text = refusal(pg_url)
    assert text.startswith("no ips-nb database at postgresql+psycopg://postgres@127.0.0.1:")


def test_an_unreachable_server_is_one_sentence():
    text = refusal("postgresql+psycopg://nobody@127.0.0.1:1/none")
    assert text.startswith("cannot reach the database at postgresql+psycopg://nobody@127.0.0.1:1/none")


def test_our_database_opens(tmp_path, params, db_url):
    assert run("import", d.write_csv(d.valid(), tmp_path / "src"), "--db", db_url,
               "--params", params)[0] == 0
    engine = connection.open_existing(db_url)
    try:
        assert sites_in_db(engine) == ["north", "south"]
    finally:
        engine.dispose()


def test_read_site_never_creates_a_database(tmp_path):
    with pytest.raises(connection.StoreError):
        read_site(f"sqlite:///{tmp_path / 'data' / 'ips.db'}", "north")
    assert not (tmp_path / "data").exists()


def test_import_refuses_a_database_of_something_else(tmp_path, params):
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE invoices (id INTEGER)")
    before = state(f"sqlite:///{other}")
    status, out, err = run("import", d.write_csv(d.valid(), tmp_path / "src"), "--db",
                           f"sqlite:///{other}", "--params", params)
    assert status == 2
    assert err.splitlines() == [
        f"error: {other}: is not an ips-nb database (it holds other tables: invoices); "
        "give another --db"]
    assert state(f"sqlite:///{other}") == before


def test_import_into_a_text_file_is_refused(tmp_path, params):
    notes = tmp_path / "notes.txt"
    notes.write_text("hello " * 200)
    status, out, err = run("import", d.write_csv(d.valid(), tmp_path / "src"), "--db",
                           f"sqlite:///{notes}", "--params", params)
    assert status == 2
    assert err.splitlines() == [
        f"error: {notes}: is not an ips-nb database (it is not an SQLite file); give another --db"]
    assert notes.read_text() == "hello " * 200


def test_import_makes_a_new_database_and_its_folder(tmp_path, params):
    db = tmp_path / "new" / "ips.db"
    status, out, err = run("import", d.write_csv(d.valid(), tmp_path / "src"), "--db",
                           f"sqlite:///{db}", "--params", params)
    assert status == 0, err
    assert db.exists()
    assert "(a new database)" in out


def test_export_reads_one_snapshot(tmp_path, params, db_url, monkeypatch):
    """All of an export's tables come from one read transaction (see test_read_consistency)."""
    assert run("import", d.write_csv(d.valid(), tmp_path / "src"), "--db", db_url,
               "--params", params)[0] == 0
    seen = []
    real = connection.snapshot

    def spy(engine):
        seen.append(engine)
        return real(engine)

    monkeypatch.setattr(connection, "snapshot", spy)
    assert run("export", tmp_path / "out", "--db", db_url)[0] == 0
    assert len(seen) == 1
    engine = connection.open_existing(db_url)
    try:
        with connection.snapshot(engine) as conn:
            assert conn.execute(sa.select(sa.func.count()).select_from(
                METADATA.tables["candidates"])).scalar() == 5
    finally:
        engine.dispose()
