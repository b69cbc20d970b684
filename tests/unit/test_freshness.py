"""The write stamps (data.freshness) and the server's use of them (DashboardKernels.drop_stale):
every write marks the sites it wrote in its own transaction, a refused write marks nothing, and a
preheated page prepared before the site's last write is ended instead of served (issue 24)."""
from __future__ import annotations

import asyncio
from datetime import date

import importdata as d
import pytest
from pgserver import db_url, pg_server, pg_url  # noqa: F401 - fixtures

from ips_nb.data import conference as conf
from ips_nb.data import connection, freshness, store

KEY = "freshness test key " * 2
DAY = date(2024, 3, 13)


@pytest.fixture
def engine(db_url, tmp_path):
    with d.valid_store(db_url, tmp_path, KEY) as engine:
        yield engine


def test_each_write_marks_the_sites_it_wrote_and_a_refused_one_marks_nothing(engine, tmp_path):
    # the import marked both of its sites once; no write has named a third
    north, south = freshness.stamp(engine, "north"), freshness.stamp(engine, "south")
    assert [(s, n) for s, n, _ in north] == [("north", 1)] and [(s, n) for s, n, _ in south] == [("south", 1)]
    assert freshness.stamp(engine, "east") == ()
    everyone = freshness.stamp(engine, None)
    assert [(s, n) for s, n, _ in everyone] == [("north", 1), ("south", 1)]

    conf.record_decision(engine, "north", "c1", DAY, None, "Fortsæt jobsøgning", "anna", 0)
    after = freshness.stamp(engine, "north")
    assert [(s, n) for s, n, _ in after] == [("north", 2)] and not freshness.is_current(north, after)
    assert freshness.is_current(south, freshness.stamp(engine, "south"))  # another site's save: no
    assert not freshness.is_current(everyone, freshness.stamp(engine, None))  # the chooser's: yes

    with pytest.raises(conf.Conflict):  # a stale version: refused, rolled back with its mark
        conf.record_decision(engine, "north", "c1", DAY, None, "Noget andet", "bo", 0)
    with pytest.raises(conf.WriteRefused):
        conf.add_action(engine, "north", "c1", "Ring 010190-1234", "consultant", "2024-03-20", "bo", 1)
    assert freshness.stamp(engine, "north") == after

    conf.add_action(engine, "north", "c1", "Ring til arbejdsgiver", "consultant", "2024-03-20", "bo", 1)
    conf.mark_done(engine, "north", "a1", "2024-03-14", "anna", 2)
    assert [(s, n) for s, n, _ in freshness.stamp(engine, "north")] == [("north", 4)]

    # a re-import of the source is a write too, of the sites it carries
    store.write_sites(engine, d.frames(tmp_path / "again", d.VALID), KEY.encode())
    assert [(s, n) for s, n, _ in freshness.stamp(engine, "south")] == [("south", 2)]


def test_a_write_naming_no_site_marks_every_site(engine):
    from ips_nb.data import redact

    south = freshness.stamp(engine, "south")
    redact.redact(engine, "anna", lambda site: "[nummer fjernet]")  # masks text on every site
    now = freshness.stamp(engine, "south")
    assert [s for s, _, _ in now] == [freshness.ALL, "south"] and not freshness.is_current(south, now)


def test_no_stamp_to_read_trusts_nothing(tmp_path):
    engine = connection.connect(f"sqlite:///{tmp_path / 'empty.db'}")
    try:
        assert freshness.stamp(engine, "north") is None  # no table: a database from before
        assert not freshness.is_current(None, None) and not freshness.is_current((), None)
        assert freshness.is_current((), ())
        with connection.write_transaction(engine, ["north"]):  # the first write makes the table
            pass
        assert [(s, n) for s, n, _ in freshness.stamp(engine, "north")] == [("north", 1)]
    finally:
        engine.dispose()


@pytest.mark.system
def test_a_role_that_may_not_make_the_table_still_writes(pg_server, pg_url, tmp_path):
    """PostgreSQL's runtime role (docs/deployment.md) on a database imported before the stamps
    existed: its save lands, unmarked, and the stamp reads None (nothing prepared is trusted)."""
    import psycopg

    dbname = pg_url.rsplit("/", 1)[1]
    app = f"ips_fresh_{dbname}"
    owner = connection.connect(pg_url)
    try:
        store.write_sites(owner, d.frames(tmp_path / "first", d.VALID), KEY.encode())
        from ips_nb.data import audit

        audit.prepare(owner)
        with owner.begin() as conn:
            conn.exec_driver_sql(f"DROP TABLE {freshness.TABLE}")
            conn.exec_driver_sql(f"CREATE ROLE {app} LOGIN")
            conn.exec_driver_sql(f"GRANT USAGE ON SCHEMA public TO {app}")
            conn.exec_driver_sql(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {app}")
        runtime = connection.connect(pg_url.replace("postgres@", f"{app}@"))
        try:
            conf.record_decision(runtime, "north", "c1", DAY, None, "Fortsæt jobsøgning", "anna", 0)
            assert freshness.stamp(runtime, "north") is None
            assert conf.candidate_version(runtime, "north", "c1")[0] == 1
        finally:
            runtime.dispose()
    finally:
        owner.dispose()
        with psycopg.connect(host="127.0.0.1", port=pg_server.port, user="postgres", dbname=dbname,
                             autocommit=True) as conn:
            conn.execute(f"DROP OWNED BY {app} CASCADE")
            conn.execute(f"DROP ROLE {app}")


# --- the server: a preheated kernel prepared before a write is not handed out --------------------

class _Pool:
    """What DashboardKernels.drop_stale meets in Voila's pool, without kernels: finished pool
    tasks (their kernel, their rendering) and one still starting."""

    def __init__(self, km, stamps: dict[str, object]) -> None:
        loop = asyncio.get_running_loop()
        self.items = {}
        for kernel_id, stamp in stamps.items():
            item = loop.create_future()
            render = loop.create_future()
            item.set_result({"kernel_id": kernel_id, "task": render, "renderer": None})
            km.prepared_at[kernel_id] = stamp
            self.items[kernel_id] = item
        self.starting = loop.create_future()
        km._pools = {"agenda.ipynb": [*self.items.values(), self.starting]}
        self.ended: list[str] = []
        self.filled: list[tuple] = []

        async def shutdown(kernel_id, now=False):  # noqa: ANN001, ANN202
            self.ended.append(kernel_id)

        km.shutdown_kernel = shutdown
        km.fill_if_needed = lambda delay=None, notebook_name=None: self.filled.append((delay, notebook_name))


def test_a_preheated_page_older_than_the_sites_last_write_is_ended_and_replaced(tmp_path):
    from ips_nb.live.kernels import DashboardKernels

    old, now = (("north", 1, "t1"),), (("north", 2, "t2"),)

    async def go() -> None:
        km = DashboardKernels(connection_dir=str(tmp_path))

        async def stamp():  # noqa: ANN202
            return now
        km.site_stamp = stamp
        pool = _Pool(km, {"before": old, "after": now, "unknown": None})
        assert await km.drop_stale("agenda.ipynb") == 2
        await asyncio.sleep(0)  # the shutdowns run in the background
        assert km._pools["agenda.ipynb"] == [pool.items["after"], pool.starting]  # the current one stays
        assert sorted(pool.ended) == ["before", "unknown"]
        assert pool.items["before"].result()["task"].cancelled()  # its rendering is not wanted
        assert pool.filled == [(0, "agenda.ipynb")]  # a fresh one starts at once, for this page

        pool = _Pool(km, {"after": now})  # nothing written since: the page keeps its speed
        assert await km.drop_stale("agenda.ipynb") == 0 and pool.ended == [] and pool.filled == []
        assert await km.drop_stale("supervision.ipynb") == 0  # no pool of that notebook

    asyncio.run(go())


def test_a_kernel_started_for_the_pool_records_the_stamp_before_it_starts(tmp_path):
    from ips_nb.live.kernels import PREHEAT_ENV, DashboardKernels

    async def go() -> None:
        km = DashboardKernels(connection_dir=str(tmp_path))
        order: list[str] = []

        async def stamp():  # noqa: ANN202
            order.append("stamp")
            return (("north", 7, "t"),)

        async def start(**kwargs):  # noqa: ANN003, ANN202
            order.append("start")
            return f"k{len(order)}"
        km.site_stamp, km._start = stamp, start
        pooled = await km.start_kernel(kernel_name="python3", path="", env={PREHEAT_ENV: "True"})
        asked = await km.start_kernel(kernel_name="python3", path="", env={PREHEAT_ENV: "False"})
        assert order == ["stamp", "start", "start"]  # read before the kernel (and its notebook) starts
        assert km.prepared_at == {pooled: (("north", 7, "t"),)} and asked not in km.prepared_at

    asyncio.run(go())


def test_the_server_reads_the_pinned_sites_stamp_and_never_creates_a_database(tmp_path, monkeypatch):
    from ips_nb.live.kernels import DashboardKernels

    missing = tmp_path / "none.db"
    monkeypatch.setenv("IPS_NB_SERVE_DB_URL", f"sqlite:///{missing}")
    monkeypatch.setenv("IPS_NB_SERVE_SITE", "north")

    async def go(km):  # noqa: ANN001, ANN202
        return await km.site_stamp()

    km = DashboardKernels(connection_dir=str(tmp_path))
    assert asyncio.run(go(km)) is None and not missing.exists()
    url = f"sqlite:///{tmp_path / 'db.db'}"
    with d.valid_store(url, tmp_path, KEY):
        monkeypatch.setenv("IPS_NB_SERVE_DB_URL", url)
        assert [(s, n) for s, n, _ in asyncio.run(go(km))] == [("north", 1)]
        km._stamp_engine.dispose()
