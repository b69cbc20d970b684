"""The run record's data fingerprint, taken in a thread while the notebooks run."""
from __future__ import annotations

import threading

from ips_nb.cli import _fingerprint_meanwhile
from ips_nb.data.connection import connect, create_schema
from ips_nb.data.store import fingerprint


def test_the_fingerprint_is_the_one_taken_in_line(tmp_path):
    engine = connect(f"sqlite:///{tmp_path / 'ips.db'}")
    create_schema(engine)
    expected = fingerprint(engine)
    assert _fingerprint_meanwhile(engine, threading.Event())() == expected


def test_data_that_cannot_be_read_costs_only_the_fingerprint(tmp_path, capsys):
    """The notebooks have run by the time it is needed: null in the record, one line saying why."""
    path = tmp_path / "ips.db"
    path.write_bytes(b"not a database, " * 100)
    result = _fingerprint_meanwhile(connect(f"sqlite:///{path}"), threading.Event())()
    assert result is None
    err = capsys.readouterr().err
    assert err.startswith("ips-nb: the data's fingerprint for the run record could not be taken: ")
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_the_fingerprint_waits_for_the_first_report(tmp_path, monkeypatch):
    """It takes CPU the first notebooks need: it starts only once the first one is reported."""
    import ips_nb.data.store as store

    taken = threading.Event()
    monkeypatch.setattr(store, "fingerprint", lambda engine: taken.set() or "abc")
    first_report = threading.Event()
    result = _fingerprint_meanwhile(connect(f"sqlite:///{tmp_path / 'ips.db'}"), first_report)
    assert not taken.wait(0.3), "the fingerprint was taken before the first report"
    first_report.set()
    assert taken.wait(10)
    assert result() == "abc"
