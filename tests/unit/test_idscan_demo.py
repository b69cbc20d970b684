"""The identity detector on the demo database's free text, which is written as notes are: none of
its names, teams, employers, goals, actions, reasons or decisions is taken for a number."""
from __future__ import annotations

import sqlalchemy as sa

from ips_nb.data import connection, idscan
from ips_nb.data.schema import TABLE_ORDER
from ips_nb.data.tables import METADATA
from ips_nb.data.validate import free_text_columns


def test_no_free_text_of_the_demo_is_flagged(demo_db):
    engine = connection.connect(demo_db)
    values = []
    with engine.connect() as conn:
        for name in TABLE_ORDER:
            t = METADATA.tables[name]
            for column in free_text_columns(name):
                values += conn.execute(sa.select(t.c[column]).where(t.c[column].is_not(None))).scalars()
    engine.dispose()
    assert len(values) > 10_000  # 11,422 when this was written
    assert [v for v in values if idscan.contains_identity(v)] == []
