"""No module of ips_nb is over 600 lines: a module that long holds several jobs (issue 25).

A module that grows past the limit is split by job (as data/store.py became connection, tables,
frames and store), not let through with a higher limit.
"""
from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "ips_nb"
LIMIT = 600


def lines_of(path: Path) -> int:
    with path.open(encoding="utf-8") as f:
        return sum(1 for _ in f)


def test_the_line_count_is_what_wc_counts(tmp_path):
    module = tmp_path / "m.py"
    module.write_text('"""A."""\n\nX = 1\n', encoding="utf-8")
    assert lines_of(module) == 3


def test_no_module_is_over_600_lines():
    modules = sorted(PACKAGE.rglob("*.py"))
    assert len(modules) > 40  # the whole package was walked, not an empty folder
    over = {str(p.relative_to(PACKAGE.parent)): n for p in modules if (n := lines_of(p)) > LIMIT}
    assert not over, f"modules over {LIMIT} lines (split them by job): {over}"
