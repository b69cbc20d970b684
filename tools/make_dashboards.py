"""Write the thin notebooks `ips-nb serve` shows (dashboards/*.ipynb): one cell each.

They are separate from workbooks/ (which papermill runs for the static reports) so the served
folder holds nothing but dashboards, and the static packs never contain a widget.
Run: .venv/bin/python tools/make_dashboards.py
"""
from __future__ import annotations

from pathlib import Path

import nbformat

OUT = Path(__file__).resolve().parent.parent / "dashboards"
TITLES = {"supervision": "Supervision pack", "agenda": "Weekly conference agenda"}


def notebook(kind: str) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata.update({
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"},
        "ips": {"kind": kind},
    })
    nb.cells = [nbformat.v4.new_code_cell(f'from ips_nb.live import dashboard\n\ndashboard.show("{kind}")')]
    for i, cell in enumerate(nb.cells):
        cell.id = f"{kind}-{i}"
    return nb


def main() -> None:
    OUT.mkdir(exist_ok=True)
    for kind in TITLES:
        nbformat.write(notebook(kind), OUT / f"{kind}.ipynb")


if __name__ == "__main__":
    main()
