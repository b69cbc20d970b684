"""A database password given to `ips-nb run` reaches no notebook, page, JSON, run record or output.

The database is a real PostgreSQL whose role logs in with a password (scram-sha-256 over TCP; the
test checks a wrong password is refused, so the kernels really needed the right one). The
password goes in once by `--db` and once by $IPS_NB_DB; afterwards no file under the reports and
nothing the command printed holds it, while the reports were made from that database.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import DEMO_TODAY, ROOT
from pgserver import pg_server  # noqa: F401 - fixture

PASSWORD = "Hemm3lig-pw_4711"
ROLE = "ips_pw"


@pytest.fixture(scope="module")
def password_url(pg_server):  # noqa: F811 - the fixture imported above
    """A database owned by a role that must give PASSWORD, filled with the demo data."""
    import psycopg

    from ips_nb.demo import build_demo_db

    hba = Path(pg_server.folder) / "data" / "pg_hba.conf"
    before = hba.read_text(encoding="utf-8")
    # first matching line wins: only this role, over TCP, must give its password
    hba.write_text(f"host all {ROLE} 127.0.0.1/32 scram-sha-256\n" + before, encoding="utf-8")
    pg_server._admin("SELECT pg_reload_conf()")
    pg_server._admin(f"CREATE ROLE {ROLE} LOGIN PASSWORD '{PASSWORD}'")
    pg_server._admin(f"CREATE DATABASE {ROLE} OWNER {ROLE}")
    url = f"postgresql+psycopg://{ROLE}:{PASSWORD}@127.0.0.1:{pg_server.port}/{ROLE}"
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(host="127.0.0.1", port=pg_server.port, user=ROLE, dbname=ROLE, password="wrong")
    build_demo_db(url, DEMO_TODAY)
    try:
        yield url
    finally:
        pg_server._admin(f"DROP DATABASE IF EXISTS {ROLE} WITH (FORCE)")
        pg_server._admin(f"DROP ROLE IF EXISTS {ROLE}")
        hba.write_text(before, encoding="utf-8")
        pg_server._admin("SELECT pg_reload_conf()")


def _run(out: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k != "IPS_NB_DB"}
    return subprocess.run([sys.executable, "-m", "ips_nb.cli", "run", *args, "--params", str(ROOT / "params"),
                           "--out", str(out), "--site", "aarhus", "--jobs", "1"],
                          capture_output=True, text=True, timeout=300, env={**clean, **(env or {})})


def _files_holding(root: Path, secret: str) -> list[str]:
    return [str(p.relative_to(root)) for p in sorted(root.rglob("*"))
            if p.is_file() and secret.encode() in p.read_bytes()]


def test_a_password_in_the_url_is_in_no_report_record_or_output(password_url, tmp_path):
    out = tmp_path / "reports"
    sup = _run(out, "supervision", "--month", "2026-10", "--db", password_url)
    assert sup.returncode == 0, sup.stdout + sup.stderr
    agenda = _run(out, "agenda", "--week", "2026-W48", env={"IPS_NB_DB": password_url})
    assert agenda.returncode == 0, agenda.stdout + agenda.stderr

    made = sorted(p.name for p in (out / "aarhus" / "supervision").iterdir())
    assert made == ["2026-10.html", "2026-10.ipynb", "2026-10.json"]
    assert (out / "aarhus" / "agenda" / "2026-W48.ipynb").is_file()
    assert json.loads((out / "aarhus" / "supervision" / "2026-10.json").read_text())["active_caseload"] > 0
    assert _files_holding(out, PASSWORD) == []
    for proc in (sup, agenda):
        assert PASSWORD not in proc.stdout + proc.stderr

    # what the notebook and the record say instead: the URL with its password hidden
    hidden = password_url.replace(PASSWORD, "***")
    nb = json.loads((out / "aarhus" / "supervision" / "2026-10.ipynb").read_text())
    assert nb["metadata"]["papermill"]["parameters"]["db_url"] == hidden
    records = [json.loads(p.read_text()) for p in sorted((out / "runs").glob("*.json"))]
    assert [r["counts"]["ok"] for r in records] == [1, 3]  # the agenda: site-wide, Team Nord, Team Syd
    assert hidden in records[0]["command"] and records[0]["parameters"]["db_url"] == hidden


def test_a_failing_run_says_why_without_the_password(password_url, tmp_path):
    wrong = password_url.replace(PASSWORD, PASSWORD[::-1])
    proc = _run(tmp_path / "reports", "supervision", "--month", "2026-10", "--db", wrong)
    assert proc.returncode == 2 and "password authentication failed" in proc.stderr
    assert PASSWORD[::-1] not in proc.stdout + proc.stderr and "***" in proc.stderr
