"""`ips-nb run overview` goes through the same runner: months in parallel, timeouts, atomic files, run record."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import ROOT


def _run(out: Path, db: str, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ips_nb.cli", "run", "overview", "--db", db,
                           "--params", str(ROOT / "params"), "--out", str(out), *extra],
                          capture_output=True, text=True, timeout=300)


def _last_record(out: Path) -> dict:
    return json.loads(sorted((out / "runs").glob("*.json"))[-1].read_text(encoding="utf-8"))


def test_overview_months_run_in_parallel_and_are_recorded(demo_db, tmp_path):
    out = tmp_path / "reports"
    proc = _run(out, demo_db, "--month", "2026-09..2026-10", "--lang", "da", "--jobs", "2")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for month in ("2026-09", "2026-10"):
        page = (out / "overview" / f"{month}.html").read_text(encoding="utf-8")
        assert '<html lang="da"' in page and "Plotly.newPlot" in page and "assets/plotly" not in page  # inline
        assert json.loads((out / "overview" / f"{month}.json").read_text(encoding="utf-8"))
    record = _last_record(out)
    assert sorted((r["kind"], r["period"], r["status"]) for r in record["results"]) == [
        ("overview", "2026-09", "ok"), ("overview", "2026-10", "ok")]
    assert 'href="overview/2026-10.html"' in (out / "index.html").read_text(encoding="utf-8")


def test_an_overview_past_its_timeout_fails_in_one_line_and_keeps_the_previous_page(demo_db, tmp_path):
    out = tmp_path / "reports"
    assert _run(out, demo_db, "--month", "2026-10").returncode == 0
    before = (out / "overview" / "2026-10.html").read_bytes()
    proc = _run(out, demo_db, "--month", "2026-10", "--timeout", "0.01")
    assert proc.returncode == 1
    assert "overview 2026-10: FAILED" in proc.stdout and "timed out" in proc.stdout
    assert "Traceback" not in proc.stdout + proc.stderr
    assert (out / "overview" / "2026-10.html").read_bytes() == before
    assert _last_record(out)["results"][0]["status"] == "failed"
