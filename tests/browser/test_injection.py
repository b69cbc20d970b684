"""Attack strings in the data and the site parameters never run as script, in a real Chromium.

Every free-text column of the exchange format (derived from `schema.TABLES`, so a new text column
is covered without touching this file) and every text of `params/<site>.yaml` (name, team names,
every label override) carries strings that would do something observable if they reached a page
as markup: `<script>`, `"><svg onload=…>`, `'><img src=x onerror=…>`, `</title>`/`</style>`
breakouts, `javascript:` URLs. The data go in the way a site's own data do (an exchange-format
SOURCE through `ips-nb import`), every workbook runs once (`ips-nb run supervision`, `agenda
--pdf` with the team agendas, `overview`), and each static page, both live dashboards and the
printed agenda are checked: no payload ran (`window.__pwned`, dialogs), no element or attribute
came from a payload, and the payloads show as plain text (the site name in the title, the PDF).
"""
from __future__ import annotations

import csv
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from browsing import open_guarded, serving
from conftest import DEMO_TODAY, ROOT

from ips_nb.data.schema import TABLES
from ips_nb.pages.catalogue import FIDELITY_ITEMS, LABELS

pytestmark = pytest.mark.system

SITE = "aarhus"
MONTH, WEEK = "2026-10", "2026-W48"  # latest complete month and current week on DEMO_TODAY
TEAMS = ("Team Nord", "Team Syd")  # the demo site's teams, as its clinicians carry them


# --- the attack strings -------------------------------------------------------------------------
# Each injected text gets its own number n; a payload that runs pushes n onto window.__pwned (or
# opens a dialog with n), so a failure names the column or parameter that got through. No braces:
# label overrides pass through str.format.

def js(n: int) -> str:
    return f"(window.__pwned=window.__pwned||[]).push({n})"


def attack(n: int, text: str) -> str:
    """`text` wrapped in every attack: a javascript: URL (so the value starts with one), a script
    element, attribute breakouts (double and single quotes), closers of title/style/textarea and a
    javascript: link."""
    return (f"javascript:alert({n})//{text} <script>{js(n)}</script> \"><svg onload={js(n)}> "
            f"'><img src=x onerror={js(n)}> </title></style></textarea><script>{js(n)}</script> "
            f"<a href=javascript:alert({n})>link{n}</a>")


def label_attack(n: int, text: str) -> str:
    """Every catalogue label is overridden, and a parameters file must stay under 64 KB: one script,
    one breakout of either quote, the title/style closers and the javascript: prefix per label."""
    return f"javascript:alert({n})//{text if '{' in text else text[:16]}</title></style><script>{js(n)}</script>\"'><svg onload={js(n)}>"


def team_attack(n: int, text: str, i: int) -> str:
    """Team names become file names (`2026-W48-<slug>.html`): shorter, split over two teams."""
    if i == 0:
        return f"{text}</title></style><script>{js(n)}</script>\"><svg onload={js(n)}>"
    return f"javascript:alert({n})//{text}'><img src=x onerror={js(n)}><a href=javascript:alert({n})>x</a>"


FIELDS: dict[int, str] = {}  # n -> what carried it ("candidates.initials", "params.name", ...)


def marker(name: str) -> int:
    for n, field in FIELDS.items():
        if field == name:
            return n
    n = len(FIELDS) + 1
    FIELDS[n] = name
    return n


def free_text_columns() -> dict[str, list[str]]:
    """Every column the exchange format takes as free text: kind "str" (ids included: the
    validator accepts any text as an id), except `site`, which must be a site id."""
    return {name: [c.name for c in t.columns if c.kind == "str" and c.name != "site"]
            for name, t in TABLES.items()}


def _key_of(table: str, column: str) -> str | None:
    """The table.column whose values this id column holds (itself for a key, the target for a ref)."""
    t = TABLES[table]
    col = t.column(column)
    if col.ref:
        return f"{col.ref}.{TABLES[col.ref].key}"
    if t.key == column:
        return f"{table}.{column}"
    return None


def team_names() -> dict[str, str]:
    return {team: team_attack(marker(f"params.teams[{i}]"), team, i) for i, team in enumerate(TEAMS)}


def poison_source(src: Path) -> dict[str, int]:
    """Rewrite an exported CSV SOURCE in place: a payload in every free-text cell. Ids map the same
    way wherever they appear; `team` cells become the site's (poisoned) team names, so the team
    agendas have candidates. Returns how many cells of each table.column were poisoned."""
    teams = team_names()
    done: dict[str, int] = {}
    for table, columns in free_text_columns().items():
        path = src / f"{table}.csv"
        with open(path, encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.reader(fh))
        # only the exchange format's own columns: the pseudonyms (cpr_hash and its key's mark)
        # would tie this SOURCE to the demo database's key, and identities are not text anyway
        keep = [i for i, name in enumerate(rows[0]) if name in TABLES[table].column_names]
        header, body = [rows[0][i] for i in keep], [[r[i] for i in keep] for r in rows[1:]]
        for column in columns:
            assert column in header, f"{table}.csv as exported has no column {column}"
            i = header.index(column)
            key = _key_of(table, column)
            n = marker(key or f"{table}.{column}")
            empty_everywhere = not any(r[i] for r in body)
            for r in body:
                if r[i] and column == "team":
                    r[i] = teams.get(r[i]) or attack(n, r[i])
                elif r[i]:
                    r[i] = attack(n, r[i])
                elif empty_everywhere and key is None and body:
                    r[i] = attack(n, "")  # a column the demo leaves empty still carries a payload
                else:
                    continue
                done[f"{table}.{column}"] = done.get(f"{table}.{column}", 0) + 1
        with open(path, "w", encoding="utf-8", newline="") as fh:
            csv.writer(fh).writerows([header, *body])
    return done


def poison_params(folder: Path) -> dict:
    """params/<site>.yaml with the demo site's settings and a payload in every text."""
    data = yaml.safe_load((ROOT / "params" / f"{SITE}.yaml").read_text(encoding="utf-8"))
    lang = data["language"]
    data["name"] = attack(marker("params.name"), data["name"])
    data["teams"] = list(team_names().values())
    labels = {key: texts[("da", "sv", "en").index(lang)] for key, texts in LABELS.items()}
    labels.update({f"fidelity_item_{item}": texts[("da", "sv", "en").index(lang)]
                   for item, texts in FIDELITY_ITEMS.items()})
    data["labels"] = {key: {lang: label_attack(marker(f"params.labels.{key}"), text)}
                      for key, text in labels.items()}
    # Every label overridden outgrows one file's 64 KB cap as the catalogue grows: the site's file
    # holds half of the overrides, defaults.yaml (read under every site's file) the other half.
    keys = list(data["labels"])
    parts = {f"{SITE}.yaml": {**data, "labels": {k: data["labels"][k] for k in keys[::2]}},
             "defaults.yaml": {"labels": {k: data["labels"][k] for k in keys[1::2]}}}
    folder.mkdir(parents=True, exist_ok=True)
    for name, part in parts.items():
        text = yaml.safe_dump(part, allow_unicode=True, sort_keys=False, width=10_000)
        assert len(text.encode()) < 60_000, f"the poisoned {name} must stay under the 64 KB cap"
        (folder / name).write_text(text, encoding="utf-8")
    return data


# --- one poisoned data set and one run of each workbook ----------------------------------------

def _cli(*args: str, cwd: Path, env: dict, timeout: int = 900) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-m", "ips_nb.cli", *map(str, args)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, f"ips-nb {' '.join(map(str, args[:3]))} failed ({proc.returncode}):\n" \
                                 f"{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc


@pytest.fixture(scope="module")
def poisoned(demo_db, chromium_path, tmp_path_factory) -> dict:
    tmp = tmp_path_factory.mktemp("injection")
    env = dict(os.environ, IPS_NB_KEY="injection-test-key-" + "0" * 32, IPS_NB_CHROMIUM=chromium_path)
    src, params, out = tmp / "source", tmp / "params", tmp / "reports"
    db = f"sqlite:///{tmp / 'poisoned.db'}"
    _cli("export", "--db", demo_db, "--site", SITE, src, cwd=tmp, env=env)
    cells = poison_source(src)
    site_params = poison_params(params)
    _cli("import", src, "--db", db, "--params", params, cwd=tmp, env=env)
    common = ("--db", db, "--params", params, "--out", out, "--jobs", "2")
    _cli("run", "supervision", "--month", MONTH, "--site", SITE, *common, cwd=tmp, env=env)
    _cli("run", "agenda", "--week", WEEK, "--site", SITE, "--pdf", *common, cwd=tmp, env=env)
    _cli("run", "overview", "--month", MONTH, "--lang", site_params["language"], *common, cwd=tmp, env=env)
    return {"db": db, "params": params, "out": out, "cells": cells, "site": site_params, "tmp": tmp}


def test_every_free_text_column_and_parameter_carries_a_payload(poisoned):
    """The set-up itself: nothing the schema or the parameters declare as text was left out."""
    expected = {f"{t}.{c}" for t, cols in free_text_columns().items() for c in cols}
    assert set(poisoned["cells"]) == expected, expected - set(poisoned["cells"])
    site = poisoned["site"]
    assert "<script>" in site["name"] and all("__pwned" in t for t in site["teams"])
    assert set(site["labels"]) >= set(LABELS) and all("<script>" in v[site["language"]]
                                                      for v in site["labels"].values())


# --- what a page must not do ---------------------------------------------------------------------

_INSPECT = r"""() => {
  const payload = /^\(window\.__pwned=window\.__pwned\|\|\[\]\)\.push\(\d+\)$/;
  const urls = new Set(['href', 'xlink:href', 'src', 'action', 'formaction', 'data', 'srcdoc', 'poster']);
  const found = [];
  const show = (el) => el.tagName.toLowerCase() + (el.className && el.className.baseVal === undefined
      ? '.' + String(el.className).trim().split(/\s+/).join('.') : '');
  const walk = (root) => {
    for (const el of root.querySelectorAll('*')) {
      for (const a of el.attributes) {
        const name = a.name.toLowerCase(), value = a.value;
        if (name.startsWith('on') && value.includes('__pwned'))
          found.push(`${show(el)} has ${name}=${value.slice(0, 60)}`);
        if (urls.has(name) && /^[\s\u0000-\u001f]*javascript:/i.test(value))
          found.push(`${show(el)} has ${name}=${value.slice(0, 60)}`);
      }
      if (el.tagName.toLowerCase() === 'script' && payload.test(el.textContent.trim()))
        found.push(`a <script> element from the data: ${el.textContent.trim()}`);
      if (el.shadowRoot) walk(el.shadowRoot);
    }
  };
  walk(document);
  return {pwned: window.__pwned || null, found: found.slice(0, 20), nfound: found.length,
          title: document.title, text: document.body ? document.body.innerText : ''};
}"""


def _field_names(numbers) -> list[str]:
    return sorted({FIELDS.get(int(n), f"#{n}") for n in numbers})


def inspect(page, dialogs: list[str], settle_ms: int = 1500) -> dict:
    """What ran and what was injected, after the page had time to fail every <img src=x>."""
    page.wait_for_timeout(settle_ms)
    seen = page.evaluate(_INSPECT)
    seen["dialogs"] = list(dialogs)
    seen["shown"] = set(re.findall(r"\.push\((\d+)\)", seen["text"]))
    return seen


def assert_inert(seen: dict, where: str) -> None:
    ran = _field_names(seen["pwned"] or [])
    dialogs = _field_names(d for d in seen["dialogs"] if d.isdigit())
    assert not seen["pwned"], f"{where}: script from the data ran ({len(seen['pwned'])} times): {ran}"
    assert not seen["dialogs"], f"{where}: a dialog opened: {seen['dialogs'][:5]} ({dialogs})"
    assert not seen["nfound"], f"{where}: markup from the data reached the DOM ({seen['nfound']}): {seen['found']}"


def assert_shown(seen: dict, where: str, *fields: str) -> None:
    """These texts reached the page as visible text (escaped, not dropped)."""
    missing = [f for f in fields if str(marker(f)) not in seen["shown"]]
    assert not missing, f"{where}: not shown as text: {missing}"


def _open(browser, url: str, allowed: str):
    dialogs: list[str] = []
    page, left, errors = open_guarded(browser, url, allowed, dialogs=dialogs)
    return page, dialogs, left


# --- static pages --------------------------------------------------------------------------------

def _team_stem(team: str) -> str:
    from ips_nb.batch.jobs import Job

    return Job("agenda", SITE, WEEK, team).stem


STATIC = {
    # page: (path under reports/, fields that must show as text, must the title hold the site name)
    "supervision": (f"{SITE}/supervision/{MONTH}.html",
                    ("params.name", "params.labels.supervision_pack", "candidates.candidate_id"), True),
    "agenda": (f"{SITE}/agenda/{WEEK}.html",
               ("params.name", "params.labels.agenda_title", "candidates.candidate_id",
                "candidates.initials", "goals.description", "actions.description",
                "consultants.name", "clinicians.name", "conferences.decision"), True),
    "agenda-team-0": (0, ("params.name", "params.teams[0]", "candidates.initials"), True),
    "agenda-team-1": (1, ("params.name", "params.teams[1]", "candidates.initials"), True),
    "overview": (f"overview/{MONTH}.html", ("params.name",), False),
    "index": ("index.html", ("params.name",), False),
}


def _static_path(poisoned: dict, where) -> Path:
    if isinstance(where, int):  # the agenda of the site's team number `where`
        return poisoned["out"] / SITE / "agenda" / f"{_team_stem(poisoned['site']['teams'][where])}.html"
    return poisoned["out"] / where


@pytest.mark.parametrize("name", list(STATIC))
def test_static_page_runs_no_script(poisoned, browser, name):
    where, fields, titled = STATIC[name]
    path = _static_path(poisoned, where)
    assert path.is_file(), f"{path} was not written"
    page, dialogs, _ = _open(browser, path.as_uri(), allowed="file://")
    page.wait_for_load_state("load")
    seen = inspect(page, dialogs)
    page.close()
    assert_inert(seen, name)
    if titled:
        assert poisoned["site"]["name"] in seen["title"], \
            f"{name}: the title does not show the site name as text: {seen['title'][:300]!r}"
    assert_shown(seen, name, *fields)


def test_printed_agenda_shows_the_attacks_as_text(poisoned):
    """The PDF of `run agenda --pdf`: the payloads are in its text, letter for letter."""
    from pypdf import PdfReader

    def flat(text: str) -> str:
        return re.sub(r"\s+", "", text)

    folder = poisoned["out"] / SITE / "agenda"
    pdfs = {p.stem: p for p in folder.glob(f"{WEEK}*.pdf")}
    assert f"{WEEK}" in pdfs and len(pdfs) == 1 + len(TEAMS), sorted(pdfs)
    text = flat("\n".join(p.extract_text() for p in PdfReader(pdfs[WEEK]).pages))
    site = poisoned["site"]
    for shown in (site["name"], site["labels"]["agenda_title"][site["language"]]):
        assert flat(shown) in text, f"not in the PDF as text: {shown[:80]}…"
    # the data's texts too (any one row's text will do: every row carries the same attack)
    for field in ("goals.description", "actions.description", "candidates.initials"):
        n = marker(field)
        assert flat(f"<script>{js(n)}</script> \"><svg onload={js(n)}>") in text, \
            f"{field}: its attack is not in the PDF as text"
    for team in site["teams"]:
        stem = _team_stem(team)
        assert stem in pdfs, f"no PDF for {team}: {sorted(pdfs)}"
        team_text = flat("\n".join(p.extract_text() for p in PdfReader(pdfs[stem]).pages))
        assert flat(team) in team_text, f"{stem}.pdf does not show its team as text"


# --- live dashboards -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def server(poisoned):
    yield from serving(SITE, poisoned["db"], str(poisoned["params"]), poisoned["tmp"] / "voila.log", DEMO_TODAY)


DASHBOARDS = {
    "supervision": (".ips-consultants", ("params.name", "params.labels.supervision_pack",
                                             "candidates.candidate_id", "consultants.name")),
    "agenda": (".ips-section", ("params.name", "params.labels.agenda_title", "candidates.initials",
                                "goals.description", "actions.description")),
}


@pytest.mark.parametrize("kind", list(DASHBOARDS))
def test_dashboard_runs_no_script(poisoned, server, browser, kind):
    base, log = server
    ready, fields = DASHBOARDS[kind]
    page, dialogs, _ = _open(browser, f"{base}/voila/render/{kind}.ipynb", allowed="http://127.0.0.1:")
    try:
        page.wait_for_selector(ready, timeout=90_000)
        if kind == "supervision":
            page.wait_for_selector(".js-plotly-plot .main-svg", timeout=60_000)
        seen = inspect(page, dialogs, settle_ms=3000)
    finally:
        page.close()
    assert "Traceback" not in seen["text"], f"{kind}: the dashboard failed; see {log}"
    assert_inert(seen, f"{kind} dashboard")
    assert poisoned["site"]["name"] in seen["title"], f"{kind} dashboard: title {seen['title'][:300]!r}"
    assert_shown(seen, f"{kind} dashboard", *fields)


def test_dashboard_list_runs_no_script(poisoned, server, browser):
    base, _ = server
    page, dialogs, _ = _open(browser, f"{base}/", allowed="http://127.0.0.1:")
    page.wait_for_load_state("load")
    seen = inspect(page, dialogs)
    page.close()
    assert_inert(seen, "dashboard list")
    assert poisoned["site"]["name"] in seen["title"], seen["title"][:300]


# --- the detector itself -------------------------------------------------------------------------

@pytest.mark.parametrize("csp", [False, True], ids=["scripts-allowed", "scripts-forbidden"])
def test_the_checks_see_a_page_that_does_not_escape(browser, tmp_path, csp):
    """Guard against a vacuous pass: the same payloads pasted raw into title, text, a quoted
    attribute and a style element are caught, whether they run or a CSP stops them."""
    n = marker("self-test")
    raw = attack(n, "IPS Raw")
    policy = ('<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
              'style-src \'unsafe-inline\'">' if csp else "")
    path = tmp_path / "raw.html"
    path.write_text(f'<!DOCTYPE html><html><head>{policy}<title>{raw}</title>'
                    f'<style>footer::after {{ content: "{raw}" }}</style></head>'
                    f'<body><main><p title="{raw}">{raw}</p><p title=\'{raw}\'>x</p></main></body></html>',
                    encoding="utf-8")
    page, dialogs, _ = _open(browser, path.as_uri(), allowed="file://")
    seen = inspect(page, dialogs, settle_ms=500)
    page.close()
    with pytest.raises(AssertionError, match="script from the data ran" if not csp else "markup from the data"):
        assert_inert(seen, "raw page")
    assert seen["nfound"] >= 4, seen["found"]  # scripts, onload/onerror attributes, javascript: links
    assert bool(seen["pwned"]) is not csp and set(seen["pwned"] or [n]) == {n}
