"""The conference recorded in the agenda dashboard, in a real Chromium: a decision and an action
saved on the demo's Aarhus agenda show up in next week's `ips-nb run agenda`; on the way, a CPR
number and an impossible date are refused beside their fields as they are typed, and the
decision shows on the agenda at once."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest
from browsing import open_guarded, serving
from conftest import DEMO_TODAY, ROOT

pytestmark = pytest.mark.system


@pytest.fixture(scope="module")
def own_db(tmp_path_factory):
    """A demo database of this module's own: the test writes to it."""
    from ips_nb.demo import build_demo_db

    folder = tmp_path_factory.mktemp("conference")
    url = f"sqlite:///{folder / 'demo.db'}"
    build_demo_db(url, DEMO_TODAY)
    return url, folder


def test_a_decision_and_an_action_recorded_in_the_dashboard_reach_next_weeks_agenda(own_db, browser):
    url, folder = own_db
    server = serving("aarhus", url, str(ROOT / "params"), folder / "voila.log", DEMO_TODAY)
    base, _ = next(server)
    try:
        page, left, errors = open_guarded(browser, f"{base}/voila/render/agenda.ipynb", "http://127.0.0.1:")
        page.wait_for_selector("text=Registrér konferencen", timeout=60_000)
        chooser = page.get_by_label("Borger", exact=True)
        chooser.select_option(index=1)
        cid = chooser.evaluate("s => s.options[s.selectedIndex].text").split()[0]  # "aar-c024 CC"
        decision = page.locator(".widget-textarea textarea")
        beside_decision = page.locator(".widget-vbox:has(> .widget-textarea) .ips-field-message")
        # a CPR number in the decision: refused right beside the field as it is typed, never echoed
        decision.fill("Ring til 010190-1234 om praktik")
        beside_decision.wait_for(timeout=30_000)
        said = beside_decision.inner_text()
        assert said.startswith("Ligner et CPR-nummer") and not any(ch.isdigit() for ch in said), said
        decision.fill("Start praktik hos Netto <b>mandag</b>")
        beside_decision.wait_for(state="detached", timeout=30_000)
        page.get_by_role("button", name="Markér drøftet").click()
        page.wait_for_selector(".ips-conference-status", timeout=30_000)
        page.wait_for_function("() => document.querySelector('.ips-conference-status').textContent === 'Gemt.'")
        # the agenda below shows it at once, as text, on a line under the candidate's row
        shown = page.locator("tbody.ips-cand", has=page.locator(f"text={cid}")).locator(".ips-last-decision").first
        shown.wait_for(timeout=30_000)
        assert shown.inner_text().replace("\u00ad", "").startswith("Seneste beslutning 24. nov.:")
        assert shown.inner_text().replace("\u00ad", "").endswith("Start praktik hos Netto <b>mandag</b>")
        page.locator(".widget-text", has_text="Handling").locator("input").fill("Ring til Netto")
        due = page.locator(".widget-text", has_text="Frist").locator("input")
        beside_due = page.locator(".widget-vbox:has(> .widget-text:has-text('Frist')) .ips-field-message")
        due.fill("2026-11-31")  # November has 30 days
        due.press("Tab")
        beside_due.wait_for(timeout=30_000)
        assert beside_due.inner_text() == "Den dato findes ikke i kalenderen."
        due.fill("2026-11-27")
        due.press("Tab")
        beside_due.wait_for(state="detached", timeout=30_000)
        page.get_by_role("button", name="Tilføj handling").click()
        # the status already says "Gemt." from the decision: wait for the action itself to show in
        # the agenda below (due this week), not for the status, or the page may close mid-save
        page.locator("table.ips-agenda", has_text="Ring til Netto").first.wait_for(timeout=30_000)
        page.wait_for_function("() => document.querySelector('.ips-conference-status').textContent === 'Gemt.'"
                               " && document.querySelectorAll('b').length === 0")
        assert not left and not errors, (left, errors)
        page.close()
    finally:
        server.close()

    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.connect() as c:
        rows = c.execute(sa.text("SELECT decision, recorded_by FROM conferences WHERE candidate_id = :c "
                                 "AND decision IS NOT NULL"), {"c": cid}).all()
        actions = c.execute(sa.text("SELECT description FROM actions WHERE candidate_id = :c "
                                    "AND description = 'Ring til Netto'"), {"c": cid}).all()
        audit = c.execute(sa.text("SELECT count(*) FROM audit")).scalar()
    engine.dispose()
    assert rows and rows[0][0] == "Start praktik hos Netto <b>mandag</b>" and rows[0][1], rows
    assert actions and audit >= 2, (actions, audit)

    out = folder / "reports"
    proc = subprocess.run([sys.executable, "-m", "ips_nb.cli", "run", "agenda", "--week", "2026-W49",
                           "--site", "aarhus", "--db", url, "--params", str(ROOT / "params"),
                           "--out", str(out), "--jobs", "1"], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    agenda = json.loads((out / "aarhus" / "agenda" / "2026-W49.json").read_text(encoding="utf-8"))
    listed = {e["candidate_id"]: e for s in agenda["sections"] for e in s["candidates"]}
    assert "not_discussed_28d" not in listed.get(cid, {}).get("reasons", [])
    assert listed[cid]["last_decision"] == {"date": "2026-11-24", "decision": "Start praktik hos Netto <b>mandag</b>"}
    due = next(s for s in agenda["sections"] if s["key"] == "actions_due")["candidates"]
    assert any(a["description"] == "Ring til Netto" for e in due if e["candidate_id"] == cid for a in e["actions"])
