"""The data layer's errors are ips-nb's errors (ips_nb.errors): one sentence and exit status 2,
so the command line's one exit policy covers a database that cannot be used and an audit that
cannot be written without an `except` of its own."""
from __future__ import annotations

from ips_nb.data.audit import AuditError
from ips_nb.data.connection import OutOfDate, StoreError, open_existing
from ips_nb.data.store import KeyMismatch, Unmatched
from ips_nb.errors import EXIT_USAGE, BadInput, IpsError


def test_a_missing_database_is_bad_input_with_exit_status_2(tmp_path):
    try:
        open_existing(f"sqlite:///{tmp_path / 'none.db'}")
    except IpsError as exc:
        assert isinstance(exc, StoreError) and exc.exit_status == EXIT_USAGE
        assert str(exc).startswith("no ips-nb database at ")
    else:
        raise AssertionError("a missing database was opened")
    assert not (tmp_path / "none.db").exists()  # nothing written


def test_every_error_of_the_data_layer_is_bad_input():
    errors = [StoreError("x"), OutOfDate("db", "0001"), KeyMismatch("a" * 64, "b" * 64),
              Unmatched([("north", "c1")]), AuditError("x")]
    for exc in errors:
        assert isinstance(exc, BadInput) and exc.exit_status == EXIT_USAGE, type(exc).__name__
