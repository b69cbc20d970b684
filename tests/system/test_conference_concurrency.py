"""Two people saving to the same candidate at once, on PostgreSQL (and SQLite): one save lands,
the other gets Conflict and lands after a reload; nothing is lost silently."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import importdata as d
import pytest
import sqlalchemy as sa
from pgserver import db_url, pg_server, pg_url  # noqa: F401 - fixtures

from ips_nb.data import conference as conf
from ips_nb.data import connection, store
from ips_nb.data.readers import read_source
from ips_nb.data.tables import METADATA
from ips_nb.data.validate import check

pytestmark = pytest.mark.system
KEY = b"concurrent conference key"
DAY = date(2024, 3, 13)


@pytest.fixture
def engine(db_url, tmp_path: Path):
    params = d.write_params(tmp_path / "params")
    checked = check(read_source(d.write_csv(d.VALID, tmp_path / "src")), params)
    engine = connection.connect(db_url)
    store.write_sites(engine, checked.frames, KEY)
    yield engine
    engine.dispose()


def test_two_saves_of_the_same_version_one_lands_one_conflicts(engine):
    barrier = threading.Barrier(2)

    def save(i: int):
        version = conf.candidate_version(engine, "north", "c1")[0]
        barrier.wait()
        try:
            if i == 0:
                return conf.record_decision(engine, "north", "c1", DAY, None, "Decision A", "anna", version)
            return conf.add_action(engine, "north", "c1", "Action B", "consultant", "2024-03-20",
                                   "bo", version, created=DAY)
        except conf.Conflict as exc:
            return exc

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(save, range(2)))
    landed = [r for r in results if isinstance(r, conf.Saved)]
    lost = [r for r in results if isinstance(r, conf.Conflict)]
    assert len(landed) == 1 and len(lost) == 1
    assert lost[0].user in ("anna", "bo") and lost[0].version == 1
    assert len(conf.audit_rows(engine, "north")) == 1
    # the one refused reloads and saves again: both are there
    version = conf.candidate_version(engine, "north", "c1")[0]
    if results[0] is lost[0]:
        conf.record_decision(engine, "north", "c1", DAY, None, "Decision A", "anna", version)
    else:
        conf.add_action(engine, "north", "c1", "Action B", "consultant", "2024-03-20", "bo", version,
                        created=DAY)
    t = METADATA.tables
    with engine.connect() as conn:
        assert conn.execute(sa.select(t["conferences"].c.decision)
                            .where(t["conferences"].c.date == DAY)).scalars().all() == ["Decision A"]
        assert conn.execute(sa.select(t["actions"].c.description)
                            .where(t["actions"].c.origin == "conference")).scalars().all() == ["Action B"]


def test_many_savers_who_retry_on_conflict_lose_nothing(engine):
    people = 6
    barrier = threading.Barrier(people)

    def save(i: int) -> int:
        barrier.wait()
        conflicts = 0
        while True:
            version = conf.candidate_version(engine, "north", "c1")[0]
            try:
                conf.add_action(engine, "north", "c1", f"Action {i}", "consultant", "2024-03-20",
                                f"user{i}", version, created=DAY)
                return conflicts
            except conf.Conflict:
                conflicts += 1

    with ThreadPoolExecutor(people) as pool:
        list(pool.map(save, range(people)))
    t = METADATA.tables["actions"]
    with engine.connect() as conn:
        mine = conn.execute(sa.select(t.c.description).where(t.c.origin == "conference")).scalars().all()
    assert sorted(mine) == sorted(f"Action {i}" for i in range(people))
    assert conf.candidate_version(engine, "north", "c1")[0] == people
    assert len(conf.audit_rows(engine, "north")) == people
