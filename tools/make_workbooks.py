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
        'site = "aarhus"\nmonth = "2026-10"\ndb_url = None\nparams_dir = None\njson_path = None',
        ["from ips_nb.pages.pack import SupervisionPack\n\n"
         "pack = SupervisionPack.open(site=site, month=month, db_url=db_url, params_dir=params_dir)\n"
         "pack.head()",
         "pack.headlines()",
         "pack.for_this_supervision()",
         "pack.charts_heading()",
         "pack.outcome_chart()",
         "pack.caseload_chart()",
         "pack.contact_days_chart()",
         "pack.employer_chart()",
         "pack.phase_chart()",
         "pack.discharges_chart()",
         "pack.equal_chart()",
         "pack.fidelity()",
         "pack.fidelity_chart()",
         "pack.cadence()",
         "pack.save(json_path)"]),
    "overview": notebook(
        "<!-- Regional overview: every site side by side, small counts suppressed (ips_nb/overview.py). -->",
        'month = "2026-10"\ndb_url = None\nparams_dir = None\nlang = "en"\njson_path = None',
        ["from ips_nb.pages.overview import Overview\n\n"
         "overview = Overview.open(month=month, db_url=db_url, params_dir=params_dir, lang=lang)\n"
         "overview.head()",
         "overview.table()",
         "overview.outcome_chart()",
         "overview.save(json_path)"]),
    "agenda": notebook(
        "<!-- Weekly conference agenda: sections and reasons from ips_nb (see shared/METRICS.md). -->",
        'site = "aarhus"\nweek = "2026-W47"\nteam = ""\ndb_url = None\nparams_dir = None\njson_path = None',
        ["from ips_nb.pages.agenda import AgendaView\n\n"
         "agenda = AgendaView.open(site=site, week=week, db_url=db_url, params_dir=params_dir, team=team)\n"
         "agenda.head()",
         "agenda.sections()",
         "agenda.save(json_path)"]),
}

if __name__ == "__main__":
    ROOT.mkdir(exist_ok=True)
    for name, nb in WORKBOOKS.items():
        for i, cell in enumerate(nb.cells):  # stable ids: regenerating changes nothing in git
            cell.id = f"{name}-{i}"
        nbformat.validate(nb)
        nbformat.write(nb, ROOT / f"{name}.ipynb")
        print(f"wrote {ROOT / name}.ipynb")
