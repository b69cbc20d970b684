"""Write workbooks/*.ipynb: thin notebooks, a `parameters` cell, then calls into ips_nb.

Kept as a script so the notebooks are reproducible and committed without outputs; edit here,
run `python tools/make_workbooks.py`, commit both.
"""
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parent.parent / "workbooks"
KERNEL = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
          "language_info": {"name": "python"}}


def notebook(title: str, parameters: str, cells: list[str]) -> nbformat.NotebookNode:
    nb = new_notebook(metadata=KERNEL)
    nb.cells.append(new_markdown_cell(title, metadata={"tags": ["remove-static"]}))
    nb.cells.append(new_code_cell(parameters, metadata={"tags": ["parameters"]}))
    nb.cells.extend(new_code_cell(src) for src in cells)
    return nb


WORKBOOKS = {
    "supervision": notebook(
        "<!-- Monthly supervision pack: every figure comes from ips_nb (see shared/METRICS.md). -->",
        'site = "aarhus"\nmonth = "2026-10"\ndb_url = None\nparams_dir = "../params"\njson_path = None',
        ["from ips_nb.pack import SupervisionPack\nfrom ips_nb.serving import serving_overrides\n\n"
         "pack = SupervisionPack.open(**serving_overrides(site=site, month=month, db_url=db_url, params_dir=params_dir))\n"
         "pack.head()",
         "pack.headlines()",
         "pack.caseload_chart()",
         "pack.discharges()",
         "pack.save(json_path)"]),
    "agenda": notebook(
        "<!-- Weekly conference agenda: sections and reasons from ips_nb (see shared/METRICS.md). -->",
        'site = "aarhus"\nweek = "2026-W47"\nteam = ""\ndb_url = None\nparams_dir = "../params"\njson_path = None',
        ["from ips_nb.agenda_view import AgendaView\nfrom ips_nb.serving import serving_overrides\n\n"
         "agenda = AgendaView.open(**serving_overrides(site=site, week=week, db_url=db_url, params_dir=params_dir), team=team)\n"
         "agenda.head()",
         "agenda.sections()",
         "agenda.save(json_path)"]),
}

if __name__ == "__main__":
    ROOT.mkdir(exist_ok=True)
    for name, nb in WORKBOOKS.items():
        nbformat.validate(nb)
        nbformat.write(nb, ROOT / f"{name}.ipynb")
        print(f"wrote {ROOT / name}.ipynb")
