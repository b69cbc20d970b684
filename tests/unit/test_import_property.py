"""Property: whatever a mutated SOURCE holds, an import either lands whole or exits 2 with
problems, and never raises, never shows an identity number, never writes half."""
from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

import importdata as d
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from ips_nb.data import connection
from ips_nb.data.importer import import_source
from ips_nb.data.tables import METADATA

TABLES = list(d.VALID)
SAMPLES = [
    "", " ", "2024-02-30", "31-12-2024", "01.01.2024", "2024-1-5", "1899-12-31", "2024/01/01",
    "0", "1", "25", "26", "-1", "1,5", "1.5", "1e400", "nan", "inf", "true", "ja", "K", "kvinde",
    "Job_Search", "job search", "c1", "c2", "c4", "k1", "k3", "b2", "p1", "a1", "e-c1", "e-k1",
    "north", "south", "east", "west", "010190-1234", "900101-0017", "0101901234", "3202901234",
    "19850312-0019", "=1+1", '"', ",", ";", "\n", "x" * 300, "٣١-١٢-٢٠٢٤", "²", "\x00",
]
FULL_NUMBER = re.compile(r"\d{6}-?\d{4}")

texts = st.one_of(st.sampled_from(SAMPLES), st.text(max_size=12),
                  st.from_regex(r"\A[0-9]{1,2}[.-][0-9]{1,2}[.-][0-9]{2,4}\Z"))
index = st.integers(min_value=0, max_value=10)

mutation = st.one_of(
    st.tuples(st.just("cell"), st.sampled_from(TABLES), index, index, texts),
    st.tuples(st.just("drop_column"), st.sampled_from(TABLES), index),
    st.tuples(st.just("drop_row"), st.sampled_from(TABLES), index),
    st.tuples(st.just("dup_row"), st.sampled_from(TABLES), index),
    st.tuples(st.just("drop_table"), st.sampled_from(TABLES)),
    st.tuples(st.just("blank_rows"), st.sampled_from(TABLES), st.integers(1, 3)),
    st.tuples(st.just("extra_column"), st.sampled_from(TABLES), texts),
    st.tuples(st.just("bytes"), st.sampled_from(TABLES),
              st.sampled_from(["empty", "utf-16", "cp1252", "garbage", "truncated"])),
)


def apply(tables: dict, folder: Path, op: tuple) -> None:
    kind, name = op[0], op[1]
    rows = tables.get(name)
    if kind == "drop_table":
        tables.pop(name, None)
        return
    if rows is None or kind == "bytes":
        return
    if kind == "cell" and len(rows) > 1:
        r = rows[1 + op[2] % (len(rows) - 1)]
        if r:
            r[op[3] % len(r)] = op[4]
    elif kind == "drop_column" and rows[0]:
        i = op[2] % len(rows[0])
        for r in rows:
            if i < len(r):
                del r[i]
    elif kind == "drop_row" and len(rows) > 1:
        del rows[1 + op[2] % (len(rows) - 1)]
    elif kind == "dup_row" and len(rows) > 1:
        rows.append(list(rows[1 + op[2] % (len(rows) - 1)]))
    elif kind == "blank_rows":
        rows.extend([[""] * len(rows[0])] * op[2])
    elif kind == "extra_column":
        rows[0].append(op[2] or "extra")
        for r in rows[1:]:
            r.append("v")


def write(tables: dict, folder: Path, ops: list[tuple], fmt: str) -> Path:
    if fmt == "xlsx":  # the same cells in a workbook (byte-level mutations are CSV-only)
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        clean = {n: [[ILLEGAL_CHARACTERS_RE.sub("", v) for v in r] for r in rows]
                 for n, rows in tables.items()}
        return d.write_xlsx(clean, folder.parent / "source.xlsx")
    d.write_csv(tables, folder)
    texts = {name: (folder / f"{name}.csv").read_text(encoding="utf-8") for name in tables}
    for op in ops:
        if op[0] != "bytes" or op[1] not in tables:
            continue
        path = folder / f"{op[1]}.csv"
        text = texts[op[1]]
        path.write_bytes({"empty": b"", "utf-16": text.encode("utf-16"),
                          "cp1252": text.encode("cp1252", errors="replace"),
                          "garbage": b"\x81\x8d\x8f\x90\x9d" + text.encode(),
                          "truncated": text.encode()[: len(text) // 2]}[op[2]])
    return folder


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """A database holding the valid sites and east, and the params; the key from the env."""
    root = tmp_path_factory.mktemp("property")
    params = d.write_params(root / "params")
    url = f"sqlite:///{root / 'base.db'}"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("IPS_NB_KEY", "property " * 4)
        for name, tables in (("east", d.EAST), ("valid", d.VALID)):
            assert import_source(d.write_csv(tables, root / name), url, params).status == 0
        yield root / "base.db", params, mp


def counts(url: str, sites: list[str]) -> dict[str, int]:
    engine = connection.connect(url)
    with engine.connect() as conn:
        out = {name: conn.execute(sa.select(sa.func.count()).select_from(t)
                                  .where(t.c.site.in_(sites))).scalar()
               for name, t in METADATA.tables.items()}
    engine.dispose()
    return out


def east(url: str) -> dict:
    """Every row of the site the SOURCE does not hold."""
    at = {name: list(t.c.keys()).index("site") for name, t in METADATA.tables.items()}
    return {name: [r for r in rows if r[at[name]] == "east"] for name, rows in d.dump(url).items()}


@settings(max_examples=int(os.environ.get("IPS_NB_PROPERTY_EXAMPLES", 50)), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=st.lists(mutation, min_size=1, max_size=3), fmt=st.sampled_from(["csv", "xlsx"]))
def test_an_import_lands_whole_or_not_at_all(base, ops, fmt):
    db, params, _ = base
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        shutil.copy(db, tmp / "db.sqlite")
        url = f"sqlite:///{tmp / 'db.sqlite'}"
        before = (tmp / "db.sqlite").read_bytes()
        east_before = east(url)
        tables = d.valid()
        for op in ops:
            apply(tables, tmp / "src", op)
        source = write(tables, tmp / "src", ops, fmt)

        outcome = import_source(source, url, params)  # no catch-all here: any exception fails

        assert outcome.status in (0, 2)
        event(f"{fmt}: status {outcome.status}")
        for p in outcome.problems:
            line = str(p)
            assert p.file and p.message and p.level in ("error", "warning")
            assert not FULL_NUMBER.search(line), line
        errors = [p for p in outcome.problems if p.level == "error"]
        if outcome.status == 2:
            assert errors and not outcome.written
            assert (tmp / "db.sqlite").read_bytes() == before
        else:
            assert not errors and outcome.written
            written = counts(url, outcome.sites)
            for name, n in outcome.rows.items():
                assert written[name] == n, (name, written[name], n)
            for name in set(written) - set(outcome.rows):
                assert written[name] == 0  # an absent table: the sites have none of it now
            if "east" not in outcome.sites:
                assert east(url) == east_before
