"""How long does the demo's data take to make, against writing and reading it back?

`ips-nb demo` makes four sites' exchange-format frames (`ips_nb.demo.generate`) before it imports
them. The test suite used to hold a wall-clock limit on that (under 2 s); wall clocks belong
here instead. Printed: the median of --rounds generations, the median of writing the same frames
as CSV and reading them back with pandas (the baseline of the same run), and their ratio: the
demo's data should cost about as much as one round trip through CSV (a ratio near 1; well above
3 means generation has grown a slow path).

    .venv/bin/python benchmarks/demo_data.py [--rounds 5]
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

import pandas as pd

from ips_nb import demo


def _timed(work) -> float:  # noqa: ANN001 - any callable of no arguments
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    rounds = parser.parse_args().rounds
    today = date(2026, 11, 23)
    frames = demo.generate(today)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)

        def round_trip() -> None:
            for name, frame in frames.items():
                frame.to_csv(folder / f"{name}.csv", index=False)
                pd.read_csv(folder / f"{name}.csv", dtype=str)

        made = statistics.median(_timed(lambda: demo.generate(today)) for _ in range(rounds))
        trip = statistics.median(_timed(round_trip) for _ in range(rounds))
    rows = sum(len(f) for f in frames.values())
    print(f"demo data: {rows} rows in {len(frames)} tables")
    print(f"generate {made:.3f} s, CSV round trip {trip:.3f} s (median of {rounds})")
    print(f"ratio generate / round trip: {made / trip:.2f}")


if __name__ == "__main__":
    main()
