"""What ips-nb creates is readable by its owner only (0600 files, 0700 folders), or with the
group option by the owner's group too (0640, 0750), whatever the process's umask says."""
from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

from conftest import ROOT


def _modes(*roots: Path) -> dict[str, set[str]]:
    """{"files": {modes}, "folders": {modes}} of everything under (and including) the roots."""
    found: dict[str, set[str]] = {"files": set(), "folders": set()}
    for root in roots:
        for path in [root, *root.rglob("*")]:
            mode = path.lstat().st_mode
            found["folders" if stat.S_ISDIR(mode) else "files"].add(oct(stat.S_IMODE(mode)))
    return found


def _ips_nb(args: list[str], cwd: Path, umask: int, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in ("IPS_NB_DB", "IPS_NB_GROUP_READABLE")}
    return subprocess.run([sys.executable, "-m", "ips_nb.cli", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=600, env={**clean, **env}, preexec_fn=lambda: os.umask(umask))


def test_the_demo_writes_its_database_and_reports_for_the_owner_only_under_umask_022(tmp_path):
    proc = _ips_nb(["demo", "--today", "2026-11-23", "--params", str(ROOT / "params"), "--jobs", "2"],
                   tmp_path, 0o022)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    reports, data = tmp_path / "reports", tmp_path / "data"
    assert (data / "ips.db").is_file() and (reports / "index.html").is_file()
    assert len(list(reports.rglob("*.ipynb"))) > 10 and list((reports / "runs").glob("*.json"))
    assert _modes(reports, data) == {"files": {"0o600"}, "folders": {"0o700"}}


def test_with_the_group_option_the_group_reads_even_under_umask_077(demo_db, tmp_path):
    proc = _ips_nb(["run", "agenda", "--site", "aarhus", "--week", "2026-W48", "--db", demo_db,
                    "--params", str(ROOT / "params"), "--jobs", "1", "--group-readable"], tmp_path, 0o077)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    reports = tmp_path / "reports"
    kinds = {p.suffix for p in reports.rglob("*") if p.is_file()}
    assert kinds == {".html", ".ipynb", ".json"}  # reports, executed notebooks, index, run record
    assert _modes(reports) == {"files": {"0o640"}, "folders": {"0o750"}}
    # the failed notebook a job keeps is made the same way
    proc = _ips_nb(["run", "agenda", "--site", "aarhus", "--week", "2026-W48", "--db", demo_db,
                    "--params", str(ROOT / "params"), "--jobs", "1", "--timeout", "0.01"], tmp_path, 0o022)
    assert proc.returncode == 1
    failed = list(reports.rglob("*.failed.ipynb"))
    assert failed and {oct(stat.S_IMODE(p.stat().st_mode)) for p in failed} == {"0o600"}


def test_a_new_sqlite_file_and_its_folder_get_the_mode_an_existing_one_keeps_its_own(tmp_path, monkeypatch):
    from ips_nb.data import connection

    old = os.umask(0o077)
    try:
        monkeypatch.setenv("IPS_NB_GROUP_READABLE", "1")
        engine = connection.connect(f"sqlite:///{tmp_path / 'new' / 'ips.db'}")
        connection.create_schema(engine)
        engine.dispose()
        monkeypatch.delenv("IPS_NB_GROUP_READABLE")
        os.umask(0o022)
        mine = tmp_path / "theirs.db"
        mine.touch(mode=0o644)
        engine = connection.connect(f"sqlite:///{mine}")
        connection.create_schema(engine)
        engine.dispose()
    finally:
        os.umask(old)
    assert _modes(tmp_path / "new") == {"files": {"0o640"}, "folders": {"0o750"}}
    assert oct(stat.S_IMODE(mine.stat().st_mode)) == "0o644"
