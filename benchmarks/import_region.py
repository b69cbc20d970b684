"""How fast does a whole region import? SQLite against a throwaway PostgreSQL 15.

A region of 100 sites × 300 candidates (with consultants, contacts and placements; half the
sites Danish with CPR numbers, half Swedish with personnummer) is written as one CSV folder
with its params/ files in a temporary folder, then imported with `ips-nb import`'s code path
into a fresh SQLite file and a fresh PostgreSQL database, twice each (the second import
replaces every site). Prints rows per second for each and the ratio.

    .venv/bin/python benchmarks/import_region.py [--sites 100] [--candidates 300]

PostgreSQL runs with its default (durable) settings, like SQLite; the server is started and
stopped with tests/pgserver.py, the same code the test fixture uses.
"""
from __future__ import annotations

import argparse
import csv
import os
import random
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from ips_nb.data.identity import se_check_digit  # noqa: E402
from ips_nb.data.importer import import_source, validate_source  # noqa: E402

CONTACTS_PER_CANDIDATE = 10
CONSULTANTS_PER_SITE = 15
PLACEMENT_SHARE = 0.4


def _cpr(rng: random.Random, born: date, country: str, n: int) -> str:
    head = born.strftime("%d%m%y") if country == "DK" else born.strftime("%y%m%d")
    if country == "DK":  # the 7th digit 0-3 puts the year in the 1900s
        return f"{head}-{n % 4}{n // 4 % 1000:03d}"
    serial = f"{n % 1000:03d}"
    return f"{head}-{serial}{se_check_digit(head + serial)}"


def generate(folder: Path, params: Path, sites: int, candidates: int, seed: int = 1) -> int:
    """Write the region's CSV files and parameter files; returns the number of data rows."""
    rng = random.Random(seed)
    folder.mkdir(parents=True)
    params.mkdir(parents=True)
    files = {name: open(folder / f"{name}.csv", "w", encoding="utf-8", newline="")
             for name in ("consultants", "candidates", "contacts", "placements")}
    w = {name: csv.writer(fh) for name, fh in files.items()}
    w["consultants"].writerow(["consultant_id", "site", "name", "fte", "start_date"])
    w["candidates"].writerow(["candidate_id", "site", "referral_date", "cpr", "initials", "gender",
                              "birth_year", "municipality", "consultant_id", "consent_date",
                              "intake_date", "phase"])
    w["contacts"].writerow(["candidate_id", "date", "kind", "consultant_id"])
    w["placements"].writerow(["placement_id", "candidate_id", "kind", "employer", "start_date",
                              "end_date", "hours_per_week"])
    rows = 0
    used: set[str] = set()
    for s in range(sites):
        site = f"s{s:03d}"
        country = "DK" if s % 2 == 0 else "SE"
        (params / f"{site}.yaml").write_text(
            f"site: {site}\nname: Site {s}\nlanguage: {'da' if country == 'DK' else 'sv'}\n"
            f"country: {country}\nconference_weekday: {1 + s % 5}\n", encoding="utf-8")
        consultants = [f"{site}-k{k:02d}" for k in range(CONSULTANTS_PER_SITE)]
        for k in consultants:
            w["consultants"].writerow([k, site, f"Consultant {k}", "1.0", "2022-01-03"])
        rows += len(consultants)
        for c in range(candidates):
            cid = f"{site}-c{c:04d}"
            while True:  # one person, one number
                born = date(1950, 1, 1) + timedelta(days=rng.randrange(17000))
                number = _cpr(rng, born, country, rng.randrange(4000))
                if number not in used:
                    used.add(number)
                    break
            referral = date(2023, 1, 2) + timedelta(days=rng.randrange(600))
            intake = referral + timedelta(days=rng.randrange(1, 30))
            k = rng.choice(consultants)
            w["candidates"].writerow([cid, site, referral.isoformat(), number,
                                      "AB", "", "", "Town", k, referral.isoformat(),
                                      intake.isoformat(), "job_search"])
            for i in range(CONTACTS_PER_CANDIDATE):
                day = intake + timedelta(days=7 * i)
                w["contacts"].writerow([cid, day.isoformat(),
                                        rng.choice(("meeting", "employer_contact", "interview")), k])
            rows += 1 + CONTACTS_PER_CANDIDATE
            if rng.random() < PLACEMENT_SHARE:
                start = intake + timedelta(days=rng.randrange(30, 200))
                w["placements"].writerow([f"{cid}-p1", cid, rng.choice(("job", "education")),
                                          "Employer", start.isoformat(), "", "20"])
                rows += 1
    for fh in files.values():
        fh.close()
    return rows


def timed_import(source: Path, url: str, params: Path) -> float:
    t0 = time.perf_counter()
    outcome = import_source(source, url, params)
    seconds = time.perf_counter() - t0
    if outcome.status != 0:
        for p in outcome.problems[:20]:
            print(p)
        raise SystemExit("the generated region did not import")
    return seconds


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sites", type=int, default=100)
    ap.add_argument("--candidates", type=int, default=300)
    args = ap.parse_args()
    os.environ.setdefault("IPS_NB_KEY", "benchmark-key-" + "0" * 32)
    from pgserver import PgServer, available

    with tempfile.TemporaryDirectory(prefix="ips-nb-bench-") as tmp:
        tmp = Path(tmp)
        t0 = time.perf_counter()
        rows = generate(tmp / "region", tmp / "params", args.sites, args.candidates)
        print(f"region: {args.sites} sites x {args.candidates} candidates = {rows} rows "
              f"(generated in {time.perf_counter() - t0:.1f} s)")
        t0 = time.perf_counter()
        checked = validate_source(tmp / "region", f"sqlite:///{tmp / 'none.db'}", tmp / "params")
        validate_s = time.perf_counter() - t0
        assert checked.ok, checked.errors[:5]
        print(f"validate only (read + check, no database): {validate_s:.2f} s, "
              f"{rows / validate_s:,.0f} rows/s")

        results = {}
        sqlite = f"sqlite:///{tmp / 'region.db'}"
        results["SQLite"] = [timed_import(tmp / "region", sqlite, tmp / "params") for _ in range(2)]
        if available():
            with PgServer(fast=False) as server:
                url = server.create_database("region")
                results["PostgreSQL"] = [timed_import(tmp / "region", url, tmp / "params")
                                         for _ in range(2)]
        else:
            print("PostgreSQL 15 is not installed: SQLite only")
        for name, (first, again) in results.items():
            print(f"{name:10s}: first import {first:6.2f} s = {rows / first:9,.0f} rows/s; "
                  f"re-import (replace all) {again:6.2f} s = {rows / again:9,.0f} rows/s")
        if len(results) == 2:
            s, p = results["SQLite"][0], results["PostgreSQL"][0]
            print(f"ratio SQLite/PostgreSQL rows per second (first import): {p / s:.2f}; "
                  f"re-import: {results['PostgreSQL'][1] / results['SQLite'][1]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
