"""The agenda dashboard's conference mode without a browser (ips_nb.live.dashboard.ConferencePanel)."""
from __future__ import annotations

import shutil

import pytest
import sqlalchemy as sa

from ips_nb.data import conference as conf
from ips_nb.data import store
from ips_nb.live.dashboard import AgendaDashboard, Settings


@pytest.fixture()
def settings(demo_db, params_dir, tmp_path) -> Settings:
    copy = tmp_path / "demo.db"  # the session's demo database is shared: write to a copy
    shutil.copy(store.sqlite_file(demo_db), copy)
    return Settings(site="aarhus", month="2026-10", week="2026-W48", db_url=f"sqlite:///{copy}",
                    params_dir=params_dir, lang="en", user="anna", can_write=True)


def conferences(settings: Settings, cid: str) -> list[dict]:
    engine = store.connect(settings.db_url)
    t = store.METADATA.tables["conferences"]
    try:
        with engine.connect() as conn:
            return [dict(r) for r in conn.execute(sa.select(t).where(t.c.candidate_id == cid)).mappings()]
    finally:
        engine.dispose()


def test_no_conference_mode_without_the_right_to_write(settings):
    for s in (Settings(**{**settings.__dict__, "can_write": False}),
              Settings(**{**settings.__dict__, "user": None}),
              Settings(**{**settings.__dict__, "site": None})):
        assert AgendaDashboard(s).conference is None


def test_settings_from_env_can_write_only_when_the_server_says_so():
    assert not Settings.from_env({}).can_write
    assert Settings.from_env({"IPS_NB_SERVE_CAN_WRITE": "1"}).can_write


def test_mark_discussed_add_action_and_done_show_at_once(settings):
    board = AgendaDashboard(settings)
    board.widget()
    panel = board.conference
    assert panel is not None and panel.candidate.options
    cid = panel.candidate.value
    panel.decision.value = "Keep looking <b>for</b> a job"
    panel.save("decision")
    assert panel.status.value.endswith("Saved.</span>")
    (row,) = [r for r in conferences(settings, cid) if r["origin"] == "conference"]
    assert (row["decision"], row["recorded_by"]) == ("Keep looking <b>for</b> a job", "anna")
    assert row["date"].isoformat() == board.view.agenda["conference_date"]
    panel.candidate.value = cid
    panel.description.value, panel.owner.value, panel.due.value = "Call", "consultant", "2026-11-27"
    panel.save("action")
    assert panel.status.value.endswith("Saved.</span>")
    assert "Call" in {label.split(" · ")[1] for label, _ in panel.open_action.options}
    action = next(aid for label, aid in panel.open_action.options if label.endswith(" · Call"))
    due = next(sec for sec in board.view.agenda["sections"] if sec["key"] == "actions_due")
    assert action in {a["action_id"] for c in due["candidates"] for a in c["actions"]}
    panel.open_action.value = action
    panel.done.value = "2026-11-25"
    panel.save("done")
    assert panel.status.value.endswith("Saved.</span>")
    engine = store.connect(settings.db_url)
    t = store.METADATA.tables["actions"]
    try:
        with engine.connect() as conn:
            done = conn.execute(sa.select(t.c.done_date).where(t.c.action_id == action)).scalar()
    finally:
        engine.dispose()
    assert done.isoformat() == "2026-11-25"
    engine = store.connect(settings.db_url)
    try:
        assert len(conf.audit_rows(engine, "aarhus")) == 3
    finally:
        engine.dispose()


def test_a_refusal_is_shown_escaped_and_nothing_is_stored(settings):
    board = AgendaDashboard(settings)
    panel = board.conference
    cid = panel.candidate.value
    before = conferences(settings, cid)
    panel.decision.value = "talk about 010190-1234"
    panel.save("decision")
    assert "Not saved: Decision looks like it holds a CPR number" in panel.status.value
    assert "1234" not in panel.status.value
    panel.description.value, panel.due.value = "<script>x</script>", "tomorrow"
    panel.save("action")
    assert "Not saved: Due is not a date" in panel.status.value and "<script>" not in panel.status.value
    assert conferences(settings, cid) == before


def test_someone_elses_save_is_a_conflict_with_reload(settings):
    board = AgendaDashboard(settings)
    panel = board.conference
    cid = panel.candidate.value
    engine = store.connect(settings.db_url)
    try:
        version = conf.candidate_version(engine, "aarhus", cid)[0]
        conf.record_decision(engine, "aarhus", cid, board.agenda_conference_date(), None, "Bo's <i>decision</i>",
                             "bo <x>", version)
    finally:
        engine.dispose()
    panel.decision.value = "Mine"
    panel.save("decision")
    assert "bo &lt;x&gt; changed this candidate" in panel.status.value
    assert panel.reload_button.layout.display == ""
    assert [r["decision"] for r in conferences(settings, cid) if r["origin"] == "conference"] == \
        ["Bo's <i>decision</i>"]
    panel.reload()
    panel.candidate.value = cid
    panel.save("decision")
    assert panel.status.value.endswith("Saved.</span>")
    assert [r["decision"] for r in conferences(settings, cid) if r["origin"] == "conference"] == ["Mine"]
