"""The private parts of multiprocessing that batch.mp_internals relies on still exist (a Python
upgrade that renames one fails here, not in a coordinator's run), and nothing else in the
package reaches into them."""
from __future__ import annotations

import importlib
import re
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from ips_nb.batch import mp_internals

PACKAGE = Path(mp_internals.__file__).resolve().parents[1]


def _instance(spec: str) -> object:
    if spec == "concurrent.futures.ProcessPoolExecutor()":
        return ProcessPoolExecutor(max_workers=1)
    path = spec.removesuffix("()")
    try:
        return importlib.import_module(path)  # a module itself
    except ModuleNotFoundError:
        module, _, name = path.rpartition(".")
    obj = getattr(importlib.import_module(module), name)
    return obj() if spec.endswith("()") else obj


def test_the_attributes_used_still_exist():
    for spec, attribute in mp_internals.USED:
        obj = _instance(spec)
        try:
            assert hasattr(obj, attribute), f"{spec} has no {attribute}"
        finally:
            if isinstance(obj, ProcessPoolExecutor):
                obj.shutdown()


def test_only_mp_internals_reaches_into_multiprocessing():
    private = re.compile(r"\._(config|forkserver\w*|stop|processes)\b")
    offenders = [str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*.py")
                 if p.name != "mp_internals.py" and private.search(p.read_text(encoding="utf-8"))]
    assert offenders == []


def test_a_pools_workers_are_listed():
    with ProcessPoolExecutor(max_workers=1) as pool:
        pool.submit(int).result()
        workers = mp_internals.pool_workers(pool)
        assert len(workers) == 1 and all(p.pid == pid for pid, p in workers.items())
