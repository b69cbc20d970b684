"""The CPR key never changes silently: the database remembers which key made its pseudonyms.

Each refusal is one plain line and exit status 2, and writes nothing: not the database, not a
key file. A re-key is real (it needs the CPR numbers, read again from files) or it is refused.
"""
from __future__ import annotations

import hashlib
import hmac
import stat
from pathlib import Path

import importdata as d
import pytest
import sqlalchemy as sa
from importdata import dump, errors, run, state
from pgserver import db_url, pg_server, pg_url  # noqa: F401 - fixtures

from ips_nb.data import connection, store
from ips_nb.data.tables import METADATA

KEY_A = "a" * 40
KEY_B = "b" * 40


@pytest.fixture(autouse=True)
def _workdir(tmp_path, monkeypatch):
    """A scratch folder with no key in the environment, as on a coordinator's machine."""
    monkeypatch.chdir(tmp_path)
    for name in ("IPS_NB_KEY", "IPS_NB_KEY_FILE", "IPS_NB_DB"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def params(tmp_path) -> Path:
    return d.write_params(tmp_path / "params")


@pytest.fixture
def src(tmp_path) -> Path:
    return d.write_csv(d.valid(), tmp_path / "src")


def do_import(source, url, params, *extra) -> tuple[int, str, str]:
    return run("import", source, "--db", url, "--params", params, *extra)


def write_key(path: Path, text: str, mode: int = 0o600) -> Path:
    path.write_text(text)
    path.chmod(mode)
    return path


def hashes(url: str) -> dict[str, str]:
    engine = connection.connect(url)
    t = METADATA.tables["candidates"]
    with engine.connect() as conn:
        got = dict(conn.execute(sa.select(t.c.candidate_id, t.c.cpr_hash)).all())
    engine.dispose()
    return got


def refused(result: tuple[int, str, str]) -> str:
    """The one error line of a refusal (status 2, nothing written)."""
    status, out, err = result
    assert status == 2, (out, err)
    assert "Traceback" not in err
    assert len(errors(err)) == 1, err
    return errors(err)[0]


# --- what makes a key acceptable ----------------------------------------------------------------

def test_an_empty_key_file_is_refused(tmp_path, src, params):
    write_key(tmp_path / ".ips_nb_key", "")
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    line = refused(do_import(src, url, params))
    assert ".ips_nb_key" in line and "empty" in line
    assert not (tmp_path / "db.sqlite").exists()
    assert (tmp_path / ".ips_nb_key").read_text() == ""


@pytest.mark.parametrize("where", ["env", "file"])
def test_a_key_under_32_bytes_is_refused(tmp_path, src, params, monkeypatch, where):
    if where == "env":
        monkeypatch.setenv("IPS_NB_KEY", "k" * 31)
    else:
        write_key(tmp_path / ".ips_nb_key", "k" * 31)
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    line = refused(do_import(src, url, params))
    assert "31 bytes" in line and "at least 32" in line
    assert ("IPS_NB_KEY" if where == "env" else ".ips_nb_key") in line
    assert not (tmp_path / "db.sqlite").exists()


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604])
def test_a_key_file_others_may_read_is_refused_with_the_chmod_to_run(tmp_path, src, params, mode):
    key = write_key(tmp_path / ".ips_nb_key", KEY_A, mode)
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    line = refused(do_import(src, url, params))
    assert f"chmod 600 {key.resolve()}" in line
    assert not (tmp_path / "db.sqlite").exists()
    # the same with validate: the import would fail, so validation says so
    assert refused(run("validate", src, "--db", url, "--params", params)) == line
    key.chmod(0o600)
    assert do_import(src, url, params)[0] == 0


# --- the database remembers its key -------------------------------------------------------------

def test_the_database_keeps_a_fingerprint_of_the_key_never_the_key(tmp_path, src, params, db_url):
    from ips_nb.data.identity import key_fingerprint

    assert do_import(src, db_url, params)[0] == 0
    key = (tmp_path / ".ips_nb_key").read_bytes().strip()
    engine = connection.connect(db_url)
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT slot, fingerprint FROM pseudonym_key")).all()
    engine.dispose()
    assert [tuple(r) for r in rows] == [(1, key_fingerprint(key))]
    assert key_fingerprint(key) != hmac.new(key, b"", hashlib.sha256).hexdigest()
    path = connection.sqlite_file(db_url)
    if path is not None:
        assert key not in path.read_bytes()


def test_another_key_is_refused_and_the_message_says_what_to_do(tmp_path, src, params, db_url,
                                                                 monkeypatch):
    write_key(tmp_path / ".ips_nb_key", KEY_A)
    assert do_import(src, db_url, params)[0] == 0
    before = state(db_url)
    monkeypatch.setenv("IPS_NB_KEY", KEY_B)
    line = refused(do_import(src, db_url, params))
    assert "another key" in line
    assert "IPS_NB_KEY" in line and "ips-nb rekey" in line and "restore" in line
    assert KEY_A not in line and KEY_B not in line
    assert state(db_url) == before
    monkeypatch.setenv("IPS_NB_KEY", KEY_A)  # the same key from the environment is fine
    assert do_import(src, db_url, params)[0] == 0


def test_a_deleted_key_file_is_an_error_not_a_new_key(tmp_path, src, params, db_url):
    assert do_import(src, db_url, params)[0] == 0
    (tmp_path / ".ips_nb_key").unlink()
    before = state(db_url)
    line = refused(do_import(src, db_url, params))
    assert ".ips_nb_key" in line and "restore" in line
    assert not (tmp_path / ".ips_nb_key").exists()  # no new key was made
    assert state(db_url) == before


def test_a_database_of_pseudonyms_without_a_fingerprint_needs_its_key(tmp_path, src, params):
    """A database written before fingerprints existed: a new key is refused, the old one adopted."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    old = b"the key an earlier version used"  # short keys were accepted then
    checked = _checked(src, params)
    engine = connection.connect(url)
    store.write_sites(engine, checked, old)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE pseudonym_key"))  # as an earlier version left it
    engine.dispose()
    before = state(url)
    line = refused(do_import(src, url, params))  # no key file, no IPS_NB_KEY
    assert "restore" in line and not (tmp_path / ".ips_nb_key").exists()
    write_key(tmp_path / ".ips_nb_key", KEY_B)  # a key, but not the one that made the hashes
    line = refused(do_import(src, url, params))
    assert "another key" in line
    assert state(url) == before


def test_an_export_imports_only_where_its_key_is(tmp_path, src, params, monkeypatch):
    monkeypatch.setenv("IPS_NB_KEY", KEY_A)
    first = f"sqlite:///{tmp_path / 'first.db'}"
    assert do_import(src, first, params)[0] == 0
    assert run("export", tmp_path / "out", "--db", first)[0] == 0
    monkeypatch.setenv("IPS_NB_KEY", KEY_B)
    other = f"sqlite:///{tmp_path / 'other.db'}"
    status, _, err = do_import(tmp_path / "out", other, params)
    assert status == 2
    assert "made with another key" in err and "row 2, column cpr_key" in err
    assert not (tmp_path / "other.db").exists()


# --- re-keying, which needs the numbers ---------------------------------------------------------

def _checked(src: Path, params: Path):
    from ips_nb.data.readers import read_source
    from ips_nb.data.validate import check

    checked = check(read_source(src), params)
    assert checked.ok, checked.errors
    return checked.frames


def test_rekey_rehashes_every_pseudonym_from_the_numbers_in_one_go(tmp_path, src, params, db_url,
                                                                  monkeypatch):
    from ips_nb.data.identity import cpr_hash, key_fingerprint

    old = write_key(tmp_path / "old.key", KEY_A)
    monkeypatch.setenv("IPS_NB_KEY_FILE", str(old))
    east = d.write_csv(d.EAST, tmp_path / "east")
    for source in (src, east):
        assert do_import(source, db_url, params)[0] == 0
    before = dump(db_url)
    new = tmp_path / "new.key"  # not there yet: rekey makes it
    status, out, err = run("rekey", src, east, "--db", db_url, "--old-key-file", old,
                           "--new-key-file", new)
    assert status == 0, err
    assert stat.S_IMODE(new.stat().st_mode) == 0o600
    key = new.read_bytes().strip()
    got = hashes(db_url)
    assert got["c1"] == cpr_hash("0101901234", key)
    assert got["c4"] == cpr_hash("9001010017", key)
    assert got["e-c1"] == cpr_hash("0202901235", key)
    assert got["c3"] is None
    assert "5 pseudonyms" in out and str(new.resolve()) in out
    after = dump(db_url)  # nothing but the pseudonyms changed
    for name in after:
        if name != "candidates":
            assert after[name] == before[name]
    strip = lambda rows: sorted(r[:3] + r[4:] for r in rows)  # noqa: E731 - all but cpr_hash
    assert strip(after["candidates"]) == strip(before["candidates"])
    # the old key is refused now; the new one works and still links the same person
    assert "another key" in refused(do_import(src, db_url, params))
    monkeypatch.setenv("IPS_NB_KEY_FILE", str(new))
    tables = d.valid()
    tables["candidates"][1][3] = "020290-1235"  # c1 is now east's e-c1
    status, _, err = do_import(d.write_csv(tables, tmp_path / "again"), db_url, params)
    assert status == 0, err
    assert "the same person is candidate e-c1 of site east" in err
    engine = connection.connect(db_url)
    with engine.connect() as conn:
        fp = conn.execute(sa.text("SELECT fingerprint FROM pseudonym_key")).scalar()
    engine.dispose()
    assert fp == key_fingerprint(key)


def test_rekey_without_every_number_is_refused_and_changes_nothing(tmp_path, src, params, db_url,
                                                                   monkeypatch):
    old = write_key(tmp_path / "old.key", KEY_A)
    monkeypatch.setenv("IPS_NB_KEY_FILE", str(old))
    assert do_import(src, db_url, params)[0] == 0
    assert do_import(d.write_csv(d.EAST, tmp_path / "east"), db_url, params)[0] == 0
    before = state(db_url)
    new = write_key(tmp_path / "new.key", KEY_B)
    status, out, err = run("rekey", src, "--db", db_url, "--old-key-file", old,
                           "--new-key-file", new)
    assert status == 2
    assert "candidate e-c1 of site east" in err and "no CPR number" in err
    assert state(db_url) == before
    # the wrong old key: refused before anything is read
    status, _, err = run("rekey", src, "--db", db_url, "--old-key-file", new,
                         "--new-key-file", old)
    assert status == 2 and "is not the key" in err
    assert state(db_url) == before


def test_rekey_moves_a_short_legacy_key_to_a_proper_one(tmp_path, src, params, monkeypatch):
    """The way out for a database whose pseudonyms an earlier version made with a short key."""
    from ips_nb.data.identity import cpr_hash

    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = connection.connect(url)
    store.write_sites(engine, _checked(src, params), b"short")
    engine.dispose()
    old = write_key(tmp_path / "old.key", "short")
    new = tmp_path / "new.key"
    status, out, err = run("rekey", src, "--db", url, "--old-key-file", old, "--new-key-file", new)
    assert status == 0, err
    assert hashes(url)["c2"] == cpr_hash("1203852345", new.read_bytes().strip())
    monkeypatch.setenv("IPS_NB_KEY_FILE", str(new))
    assert do_import(src, url, params)[0] == 0
