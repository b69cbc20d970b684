"""A CSV file mixing UTF-8 and Windows-1252 rows is refused naming the rows of each kind (it was
read as Windows-1252 and stored `Ã…rhus`); a file wholly in one of them reads as before."""
from __future__ import annotations

from pathlib import Path

import importdata as d
import pytest
from importdata import run


@pytest.fixture(autouse=True)
def _key(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("IPS_NB_KEY", "encoding test key, long enough " * 2)


@pytest.fixture
def params(tmp_path) -> Path:
    return d.write_params(tmp_path / "params")


def _source(tmp_path: Path, lines: list[bytes]) -> Path:
    """The valid source's consultants, and candidates.csv of these lines (bytes as given)."""
    folder = d.write_csv({"consultants": d.VALID["consultants"]}, tmp_path / "src")
    (folder / "candidates.csv").write_bytes(b"\r\n".join(lines) + b"\r\n")
    return folder


HEADER = b"candidate_id,site,referral_date,municipality,consultant_id,consent_date"


def _row(cid: str, municipality: str, encoding: str) -> bytes:
    return f"{cid},north,2024-01-10,{municipality},k1,2024-01-12".encode(encoding)


def test_rows_of_both_encodings_are_named_and_nothing_is_written(tmp_path, params):
    folder = _source(tmp_path, [
        HEADER,
        _row("c1", "Århus", "utf-8"),         # row 2: pasted from a UTF-8 file
        _row("c2", "Ærø", "cp1252"),          # row 3: Excel's plain CSV
        _row("c3", "Skanderborg", "ascii"),   # row 4: either
        b'c4,north,2024-01-10,"Nyk\xf8bing\r\nF",k1,2024-01-12',  # rows 5: 1252, a line break
        _row("c5", "Køge", "utf-8"),          # row 6 (the quoted break does not shift it)
        "c6,north,2024-01-10,Tårnby,k1,2024-01-12".encode()[:-10]
        + "Højer".encode("cp1252") + b",k1,2024-01-12",  # row 7: both in one row
    ])
    db = tmp_path / "db" / "ips.db"
    status, out, err = run("import", folder, "--db", f"sqlite:///{db}", "--params", params)
    assert status == 2
    assert ("error: candidates.csv: mixes two encodings, so it was not read: rows 2, 6 and 7 are "
            "UTF-8 (read as Windows-1252 they would be stored as 'Ã…rhus' for 'Århus'), rows 3, "
            "5 and 7 are Windows-1252; save the whole file as 'CSV UTF-8' and import it again") \
        in err.splitlines(), err
    assert not db.exists()
    status, _, err = run("validate", folder, "--db", f"sqlite:///{db}", "--params", params)
    assert status == 2 and "mixes two encodings" in err


def test_one_row_of_utf8_in_a_windows_1252_file_is_enough(tmp_path, params):
    lines = [HEADER] + [_row(f"c{i}", "Ærø", "cp1252") for i in range(1, 14)]
    lines[12] = _row("c12", "Århus", "utf-8")
    status, _, err = run("validate", _source(tmp_path, lines), "--db", "sqlite://",
                         "--params", params)
    assert status == 2
    assert ("mixes two encodings, so it was not read: row 13 is UTF-8 (read as Windows-1252 they "
            "would be stored as 'Ã…rhus' for 'Århus'), rows 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 and 2 "
            "more are Windows-1252") in err, err


@pytest.mark.parametrize("encoding", ["utf-8", "cp1252"])
def test_a_file_in_one_encoding_is_read_as_before(tmp_path, params, encoding):
    folder = _source(tmp_path, [HEADER, _row("c1", "Århus", encoding), _row("c2", "Ærø", encoding),
                                _row("c3", "Ørsted", encoding)])
    db = tmp_path / "db" / "ips.db"
    status, _, err = run("import", folder, "--db", f"sqlite:///{db}", "--params", params)
    assert status == 0, err
    assert ("is not UTF-8; it was read as Windows-1252" in err) == (encoding == "cp1252")
    from ips_nb.data import connection
    from ips_nb.data.frames import load_site

    engine = connection.connect(f"sqlite:///{db}")
    try:
        assert sorted(load_site(engine, "north").candidates["municipality"]) == \
            ["Århus", "Ærø", "Ørsted"]
    finally:
        engine.dispose()
