"""An empty database file is no database of ours, not an earlier release's."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from ips_nb.data.connection import OutOfDate, StoreError, connect, require_current


def test_an_empty_file_is_named_missing_not_out_of_date(tmp_path):
    url = f"sqlite:///{tmp_path / 'new' / 'ips.db'}"
    engine = connect(url)  # as the dashboard does: the folder and an empty file are made
    with engine.connect() as conn, pytest.raises(StoreError) as caught:
        require_current(conn, url)
    assert not isinstance(caught.value, OutOfDate)
    assert "no ips-nb database at" in str(caught.value) and "ips-nb import" in str(caught.value)


def test_a_database_of_ours_without_a_version_is_out_of_date(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = connect(url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE candidates (candidate_id TEXT)"))
    with engine.connect() as conn, pytest.raises(OutOfDate) as caught:
        require_current(conn, url)
    assert "ips-nb upgrade" in str(caught.value)
