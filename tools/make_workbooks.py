"""Write workbooks/*.ipynb: thin notebooks, a `parameters` cell, then calls into ips_nb.

Kept as a script so the notebooks are reproducible and committed without outputs; edit here,
run `.venv/bin/python tools/make_workbooks.py`, commit both.

Each workbook opens with a visible note (a markdown cell) saying what it makes and what each
parameter means, for whoever opens it in JupyterLab. The cell is tagged `ips-about`: the static
report pages are made from the executed workbook with markdown cells included, and the exporter
drops cells with that tag, so the note never shows at the top of a report.
"""
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from ips_nb.pages.agenda import PARTS as AGENDA_PARTS
from ips_nb.pages.pack import PARTS as PACK_PARTS

ROOT = Path(__file__).resolve().parent.parent / "workbooks"
ABOUT_TAG = "ips-about"  # the exporter (ips_nb/pages/report.py) leaves these cells out of the pages
KERNEL = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
          "language_info": {"name": "python"}}


def notebook(about: str, parameters: str, cells: list[str]) -> nbformat.NotebookNode:
    nb = new_notebook(metadata=KERNEL)
    nb.cells.append(new_markdown_cell(about.strip(), metadata={"tags": [ABOUT_TAG]}))
    nb.cells.append(new_code_cell(parameters, metadata={"tags": ["parameters"]}))
    nb.cells.extend(new_code_cell(src) for src in cells)
    return nb


def calls(opening: str, name: str, parts: list[str] | tuple[str, ...]) -> list[str]:
    """One cell per part, in the declared order (the live dashboard shows the same parts in the
    same order, from the same declaration), then the JSON: the first part shares the opening cell."""
    first, *rest = parts
    return [f"{opening}{name}.{first}()", *(f"{name}.{p}()" for p in rest), f"{name}.save(json_path)"]


# The note each workbook opens with (visible in JupyterLab, left out of the report pages).
COMMON_PARAMETERS = (
    "| `db_url` | the database; `None` means `$IPS_NB_DB`, else `sqlite:///data/ips.db`; a URL whose "
    "password is hidden as `***` (as `ips-nb run` writes it here) means `$IPS_NB_DB`, which must hold "
    "the same URL with its password |\n"
    """\
| `params_dir` | the folder of site parameter files; `None` means `$IPS_NB_PARAMS`, else `params/` |
| `json_path` | where to write the JSON; `None` writes none (a run by hand) |""")

SUPERVISION_ABOUT = f"""
# Monthly supervision pack

This workbook makes one site's supervision pack for one month: the page the supervisor reads
(`reports/<site>/supervision/YYYY-MM.html`) and its figures as JSON beside it.
`ips-nb run supervision` runs it for every site; you can also run it here by hand.

| parameter | meaning |
| --- | --- |
| `site` | the site id, as in `params/<site>.yaml` |
| `month` | the month, `YYYY-MM`; figures are counted up to its last day |
{COMMON_PARAMETERS}

What each figure means, its benchmark and the IPS-25 bands: [docs/figures.md](../docs/figures.md).
Running and deployment: [docs/running.md](../docs/running.md). The report pages leave this note out.
"""

AGENDA_ABOUT = f"""
# Weekly conference agenda

This workbook makes one site's agenda for the treatment team's weekly conference, or one
clinician team's agenda (`reports/<site>/agenda/YYYY-Www.html`), with the JSON beside it.
`ips-nb run agenda` runs it for every site and team; you can also run it here by hand.

| parameter | meaning |
| --- | --- |
| `site` | the site id, as in `params/<site>.yaml` |
| `week` | the ISO week, `YYYY-Www`; the conference is on the site's `conference_weekday` of that week |
| `team` | a clinician team from the site's `teams`; `""` makes the agenda for the whole site |
{COMMON_PARAMETERS}

Sections, reasons and the consent rule: [docs/agenda.md](../docs/agenda.md).
Running and deployment: [docs/running.md](../docs/running.md). The report pages leave this note out.
"""

OVERVIEW_ABOUT = f"""
# Regional overview

This workbook puts every site's figures for one month side by side for the coordinator and the
steering group (`reports/overview/YYYY-MM.html`), with counts of 1 to 4 shown as "<5".
`ips-nb run overview` runs it; you can also run it here by hand.

| parameter | meaning |
| --- | --- |
| `month` | the month, `YYYY-MM`; figures are counted up to its last day |
| `lang` | the language of the page: `da`, `sv` or `en` |
{COMMON_PARAMETERS}

What the figures mean and how small counts are hidden: [docs/figures.md](../docs/figures.md).
Running and deployment: [docs/running.md](../docs/running.md). The report pages leave this note out.
"""

WORKBOOKS = {
    "supervision": notebook(
        SUPERVISION_ABOUT,
        'site = "aarhus"\nmonth = "2026-10"\ndb_url = None\nparams_dir = None\njson_path = None',
        calls("from ips_nb.pages.pack import SupervisionPack\n\n"
              "pack = SupervisionPack.open(site=site, month=month, db_url=db_url, params_dir=params_dir)\n",
              "pack", [part.name for part in PACK_PARTS])),
    "overview": notebook(
        OVERVIEW_ABOUT,
        'month = "2026-10"\ndb_url = None\nparams_dir = None\nlang = "en"\njson_path = None',
        ["from ips_nb.pages.overview import Overview\n\n"
         "overview = Overview.open(month=month, db_url=db_url, params_dir=params_dir, lang=lang)\n"
         "overview.head()",
         "overview.table()",
         "overview.outcome_chart()",
         "overview.save(json_path)"]),
    "agenda": notebook(
        AGENDA_ABOUT,
        'site = "aarhus"\nweek = "2026-W48"\nteam = ""\ndb_url = None\nparams_dir = None\njson_path = None',
        calls("from ips_nb.pages.agenda import AgendaView\n\n"
              "agenda = AgendaView.open(site=site, week=week, db_url=db_url, params_dir=params_dir, team=team)\n",
              "agenda", AGENDA_PARTS)),
}

if __name__ == "__main__":
    ROOT.mkdir(exist_ok=True)
    for name, nb in WORKBOOKS.items():
        for i, cell in enumerate(nb.cells):  # stable ids: regenerating changes nothing in git
            cell.id = f"{name}-{i}"
        nbformat.validate(nb)
        nbformat.write(nb, ROOT / f"{name}.ipynb")
        print(f"wrote {ROOT / name}.ipynb")
