"""`ips-nb serve` in a real headless Chromium: widgets, charts, pinning, offline, refused paths."""
from __future__ import annotations

import http.client
import urllib.request
from pathlib import Path

import pytest
from browsing import open_guarded, serving
from conftest import DEMO_TODAY

pytestmark = pytest.mark.system

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def server(demo_db, params_dir, tmp_path_factory):
    """A server pinned to Aarhus on a free loopback port, preheated as `ips-nb serve` runs it."""
    yield from _serve(demo_db, params_dir, tmp_path_factory.mktemp("serve") / "voila.log")


def _serve(db: str, params_dir: str, log: Path, **options):
    yield from serving("aarhus", db, params_dir, log, DEMO_TODAY, **options)


def _open(browser, url: str):
    return open_guarded(browser, url, allowed="http://127.0.0.1:")


def _charts(page) -> dict[str, dict]:
    """Every drawn plotly chart by its title: x and y of its traces (from the chart's own data)."""
    return page.evaluate("""() => Object.fromEntries([...document.querySelectorAll('.js-plotly-plot')]
        .map(gd => [(gd.layout.title && gd.layout.title.text) || '',
                    gd.data.map(t => ({type: t.type, x: t.x, y: t.y}))]))""")


def _select(page, label: str):
    return page.locator(".widget-dropdown", has_text=label).locator("select")


def _wait_charts(page, predicate_js: str, timeout: int = 30_000) -> None:
    page.wait_for_function(f"""() => {{ const charts = Object.fromEntries([...document.querySelectorAll('.js-plotly-plot')]
        .map(gd => [(gd.layout.title && gd.layout.title.text) || '', gd.data])); return ({predicate_js}); }}""",
                           timeout=timeout)


def test_pack_filters_update_figures_and_table(server, browser, tmp_path):
    base, log = server
    page, left, errors = _open(browser, f"{base}/voila/render/supervision.ipynb")
    page.wait_for_selector(".js-plotly-plot .main-svg", timeout=60_000)
    month, consultant = _select(page, "Måned"), _select(page, "Konsulent")
    month.wait_for(timeout=30_000)
    assert page.evaluate("document.documentElement.lang") == "da"
    assert "IPS Aarhus" in page.title()
    assert page.locator("meta[name=ips-period]").get_attribute("content") == "oktober 2026"
    body = page.inner_text("body")
    assert "oktober 2026" in body and "dashboard.show" not in page.content()

    caseload_title = "Sagsstamme pr. konsulent"
    charts = _charts(page)
    bars = [t for t in charts[caseload_title] if t["type"] == "bar"][0]
    assert len(bars["x"]) == 3
    outcome_title = [k for k in charts if k.startswith("Andel i job")][0]
    last_month_tick = charts[outcome_title][0]["x"][-1]

    table_before = page.inner_text(".ips-consultants")
    one = "Mette Kjær"
    consultant.select_option(label=one)
    _wait_charts(page, f"charts[{caseload_title!r}].filter(t => t.type === 'bar')[0].x.length === 1")
    charts = _charts(page)
    assert [t for t in charts[caseload_title] if t["type"] == "bar"][0]["x"] == [one]
    page.wait_for_function(f"() => document.querySelector('.ips-consultants').innerText !== {table_before!r}")
    # each consultant's month: the chosen consultant's row alone, their candidates under it
    rows = page.locator(".ips-consultants th[scope=row]").all_inner_texts()
    assert rows == [one]

    month.select_option(label="maj 2026")
    page.wait_for_function("() => document.body.innerText.includes('Opgjort pr. 31. maj 2026')", timeout=30_000)
    _wait_charts(page, f"charts[{outcome_title!r}][0].x.slice(-1)[0] !== {last_month_tick!r}")
    charts = _charts(page)
    assert [t for t in charts[caseload_title] if t["type"] == "bar"][0]["x"] == [one]  # the filter stayed
    assert page.locator(".ips-consultants th[scope=row]").all_inner_texts() == [one]

    page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)
    assert (tmp_path / "dashboard.png").stat().st_size > 10_000
    assert not left, f"requests left the machine: {left}"
    assert not errors, errors
    assert "Traceback" not in page.content()
    page.close()


def test_pinned_site_ignores_the_query_string(server, browser):
    base, _ = server
    page, left, errors = _open(browser, f"{base}/voila/render/supervision.ipynb?site=malmo")
    page.wait_for_selector(".js-plotly-plot .main-svg", timeout=60_000)
    _select(page, "Konsulent").wait_for(timeout=30_000)
    text = page.inner_text("body")
    assert "IPS Aarhus" in text and "Malmö" not in text and "mal-" not in page.content()
    assert page.evaluate("document.documentElement.lang") == "da"
    assert page.locator(".widget-dropdown", has_text="Sted").count() == 0  # no site chooser
    assert not left and not errors, (left, errors)
    page.close()


def test_agenda_dashboard_opens_offline(server, browser):
    base, _ = server
    page, left, errors = _open(browser, f"{base}/voila/render/agenda.ipynb")
    page.wait_for_selector(".ips-section", timeout=60_000)
    week = _select(page, "Uge")
    week.wait_for(timeout=30_000)
    assert "uge 48" in page.inner_text("body").lower()
    week.select_option(label="uge 47 · 2026")
    page.wait_for_function("() => document.body.innerText.includes('uge 47')", timeout=30_000)
    assert not left and not errors, (left, errors)
    page.close()


def test_root_lists_the_dashboards(server):
    base, _ = server
    body = urllib.request.urlopen(base + "/").read().decode()
    assert 'lang="da"' in body
    assert "voila/render/supervision.ipynb" in body and "voila/render/agenda.ipynb" in body


REFUSED = [
    "/voila/render/overview.ipynb", "/voila/render/../workbooks/supervision.ipynb",
    "/voila/render/%2e%2e/workbooks/supervision.ipynb", "/voila/render/%2e%2e%2fparams%2faarhus.yaml",
    "/voila/render/../params/aarhus.yaml", "/voila/render/%2e%2e/%2e%2e/params/aarhus.yaml",
    "/voila/render/supervision.ipynb/../../params/aarhus.yaml",
    "/voila/files/supervision.ipynb", "/voila/files/../params/aarhus.yaml",
    "/voila/files/%2e%2e/params/aarhus.yaml", "/voila/tree", "/voila/tree/", "/voila/api/contents",
    "/voila/api/contents/supervision.ipynb", "/voila/templates/lab/static/../../../../../params/aarhus.yaml",
    "/voila/static/../../../../params/aarhus.yaml", "/voila/static/%2e%2e/%2e%2e/%2e%2e/params/aarhus.yaml",
    "/voila/static/..%2f..%2f..%2fparams%2faarhus.yaml", "/voila/labextensions/../../../params/aarhus.yaml",
    "/voila/labextensions/%2e%2e/%2e%2e/%2e%2e/%2e%2e/params/aarhus.yaml",
    "/params/aarhus.yaml", "/data/ips.db", "/demo.db", "/reports/index.html", "/supervision.ipynb",
    "/voila/render/%2fetc%2fpasswd", "/voila/static//etc/passwd", "/%2e%2e/%2e%2e/etc/passwd",
]


def _get(base: str, path: str) -> tuple[int, bytes]:
    """A raw GET: the path goes out exactly as written (no client-side normalising)."""
    host, port = base.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    conn.putrequest("GET", path, skip_accept_encoding=True)
    conn.endheaders()
    resp = conn.getresponse()
    body = resp.read()
    conn.close()
    return resp.status, body


@pytest.mark.parametrize("path", REFUSED)
def test_nothing_but_the_dashboards_is_served(server, path, demo_db):
    base, _ = server
    status, body = _get(base, path)
    assert status in (400, 403, 404, 405), (path, status, body[:200])
    for secret in (b"language:", b"SQLite format", b"root:", b"\"cells\"", b"conference_weekday"):
        assert secret not in body, path


def test_dashboards_and_their_scripts_are_served(server):
    base, _ = server
    assert _get(base, "/voila/static/voila.js")[0] == 200
    status, body = _get(base, "/voila/render/agenda.ipynb")
    assert status == 200 and b"dashboard.show" not in body and b"cdn.jsdelivr" not in body


def test_dashboard_prints_without_its_controls(server, browser, tmp_path):
    from pypdf import PdfReader

    base, _ = server
    page, left, errors = _open(browser, f"{base}/voila/render/supervision.ipynb")
    page.wait_for_selector(".js-plotly-plot .main-svg", timeout=60_000)
    page.emulate_media(media="print")
    pdf = tmp_path / "dashboard.pdf"
    page.pdf(path=str(pdf), format="A4")
    text = "".join(p.extract_text() for p in PdfReader(str(pdf)).pages)
    assert "Supervisionspakke" in text and "Til denne supervision" in text
    assert "Alle konsulenter" not in text  # the choosers stay on screen
    assert not left and not errors, (left, errors)
    page.close()


def test_an_error_shows_a_sentence_and_logs_the_traceback(browser, params_dir, tmp_path):
    """A database that cannot be read: the page says so in Danish; the traceback is in the log only."""
    log = tmp_path / "voila.log"
    for base, _ in _serve(f"sqlite:///{tmp_path / 'missing' / 'none.db'}", params_dir, log, preheat=False):
        page, left, errors = _open(browser, f"{base}/voila/render/supervision.ipynb")
        page.wait_for_selector(".ips-error", timeout=60_000)
        text = page.inner_text("body")
        assert "Tallene kunne ikke vises" in text
        assert "Traceback" not in page.content() and "sqlite" not in page.content().lower()
        assert not left, left
        page.close()
    assert "Traceback" in log.read_text()


def test_an_unpinned_server_records_the_conference_for_the_site_chosen(browser, demo_db, params_dir, tmp_path):
    """`ips-nb serve` without `--site`: the agenda's conference panel is there, and after Malmö is
    chosen it speaks Swedish, lists Malmö's candidates and writes its decision for Malmö."""
    import shutil

    import sqlalchemy as sa

    from ips_nb.data import connection
    from ips_nb.data.tables import METADATA

    own = tmp_path / "demo.db"  # the session's demo database is shared: write to a copy
    shutil.copy(connection.sqlite_file(demo_db), own)
    url = f"sqlite:///{own}"
    for base, _ in serving(None, url, params_dir, tmp_path / "voila.log", DEMO_TODAY):
        page, left, errors = _open(browser, f"{base}/voila/render/agenda.ipynb")
        page.wait_for_selector("text=Registrér konferencen", timeout=60_000)  # Aarhus, the first site
        sites = page.locator(".ips-controls select").first  # ipywidgets numbers its options: by text
        sites.select_option(index=sites.evaluate("s => [...s.options].findIndex(o => /malm/i.test(o.text))"))
        page.wait_for_selector("text=Registrera konferensen", timeout=60_000)
        candidate = page.locator(".ips-conference select").first
        page.wait_for_function("() => [...document.querySelector('.ips-conference select').options]"
                               ".every(o => o.text.startsWith('mal-'))", timeout=30_000)
        cid = candidate.evaluate("s => s.options[s.selectedIndex].text").split()[0]
        page.locator(".ips-conference textarea").fill("Fortsätt söka jobb")
        page.get_by_role("button", name="Markera diskuterad").click()
        page.wait_for_function("() => (document.querySelector('.ips-conference-status') || {}).textContent"
                               " === 'Sparat.'", timeout=30_000)
        assert not left and not errors, (left, errors)
        page.close()
    engine = connection.connect(url)
    t = METADATA.tables["conferences"]
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.select(t.c.site, t.c.candidate_id)
                                .where(t.c.decision == "Fortsätt söka jobb")).all()
    finally:
        engine.dispose()
    assert [tuple(r) for r in rows] == [("malmo", cid)]
