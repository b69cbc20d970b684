"""The agenda dashboard's conference mode without a browser (ips_nb.live.dashboard.ConferencePanel).

The demo's Aarhus site writes Danish, so the panel does: every text below is the catalogue's."""
from __future__ import annotations

import html
import re
import shutil
from datetime import datetime

import pytest
import sqlalchemy as sa

from ips_nb.data import conference as conf
from ips_nb.data import connection
from ips_nb.data.tables import METADATA
from ips_nb.live.board_settings import Settings
from ips_nb.live.dashboard import AgendaDashboard


@pytest.fixture()
def settings(demo_db, params_dir, tmp_path) -> Settings:
    copy = tmp_path / "demo.db"  # the session's demo database is shared: write to a copy
    shutil.copy(connection.sqlite_file(demo_db), copy)
    return Settings(site="aarhus", month="2026-10", week="2026-W48", db_url=f"sqlite:///{copy}",
                    params_dir=params_dir, lang="da", user="anna", can_write=True)


SAVED = '<span class="ips-conference-status">Gemt.</span>'


def message(panel, field: str) -> str:
    """The text beside a field (its message widget's markup, tags dropped and unescaped)."""
    return html.unescape(re.sub(r"<[^>]+>", "", panel.messages[field].value))


def conferences(settings: Settings, cid: str) -> list[dict]:
    engine = connection.connect(settings.db_url)
    t = METADATA.tables["conferences"]
    try:
        with engine.connect() as conn:
            return [dict(r) for r in conn.execute(sa.select(t).where(t.c.candidate_id == cid)).mappings()]
    finally:
        engine.dispose()



def _opened(settings) -> tuple[AgendaDashboard, object]:
    """The agenda dashboard as a page shows it, and its conference panel."""
    board = AgendaDashboard(settings)
    board.widget()
    return board, board.conference

def test_no_conference_mode_without_the_right_to_write(settings):
    for s in (Settings(**{**settings.__dict__, "can_write": False}),
              Settings(**{**settings.__dict__, "user": None})):
        assert AgendaDashboard(s).conference is None


def test_an_unpinned_server_records_the_conference_of_the_site_chosen(settings):
    """`ips-nb serve` without `--site`: the panel is there, fills from the site in the chooser,
    forgets what was typed when another site is chosen, and writes for the site it shows."""
    board, panel = _opened(Settings(**{**settings.__dict__, "site": None}))
    assert panel is not None and board.site in board._controls(board.week).children
    assert board.site.value == "aarhus" and panel.candidate.value.startswith("aar-")
    panel.decision.value = "typed for Aarhus"
    board.site.value = "malmo"
    assert board.params.site == "malmo" and panel.shown_site == "malmo"
    assert {cid for _, cid in panel.candidate.options} and all(
        cid.startswith("mal-") for _, cid in panel.candidate.options)
    assert panel.decision.value == ""  # not carried over to another site's candidate
    assert "Registrera konferensen" in panel.heading.value  # Malmö's language, the panel's title too
    assert board.body.children[1].children[0] is panel.heading
    cid = panel.candidate.value
    panel.decision.value = "Fortsätt söka jobb"
    panel.save("decision")
    assert panel.status.value.endswith("Sparat.</span>")  # the site's language: Malmö writes Swedish
    (row,) = [r for r in conferences(settings, cid) if r["decision"] == "Fortsätt söka jobb"]
    assert row["site"] == "malmo" and row["recorded_by"] == "anna"


def test_settings_from_env_can_write_only_when_the_server_says_so():
    assert not Settings.from_env({}).can_write
    assert Settings.from_env({"IPS_NB_SERVE_CAN_WRITE": "1"}).can_write


def test_mark_discussed_add_action_and_done_show_at_once(settings):
    board, panel = _opened(settings)
    assert panel is not None and panel.candidate.options
    cid = panel.candidate.value
    panel.decision.value = "Keep looking <b>for</b> a job"
    panel.save("decision")
    assert panel.status.value == SAVED
    (row,) = [r for r in conferences(settings, cid) if r["origin"] == "conference"]
    assert (row["decision"], row["recorded_by"]) == ("Keep looking <b>for</b> a job", "anna")
    assert row["date"].isoformat() == board.view.agenda["conference_date"]
    panel.candidate.value = cid
    panel.description.value, panel.owner.value, panel.due.value = "Call", "consultant", "2026-11-27"
    panel.save("action")
    assert panel.status.value == SAVED
    assert "Call" in {label.split(" · ")[1] for label, _ in panel.open_action.options}
    action = next(aid for label, aid in panel.open_action.options if label.endswith(" · Call"))
    due = next(sec for sec in board.view.agenda["sections"] if sec["key"] == "actions_due")
    assert action in {a["action_id"] for c in due["candidates"] for a in c["actions"]}
    panel.open_action.value = action
    panel.done.value = "2026-11-25"
    panel.save("done")
    assert panel.status.value == SAVED
    engine = connection.connect(settings.db_url)
    t = METADATA.tables["actions"]
    try:
        with engine.connect() as conn:
            done = conn.execute(sa.select(t.c.done_date).where(t.c.action_id == action)).scalar()
    finally:
        engine.dispose()
    assert done.isoformat() == "2026-11-25"
    engine = connection.connect(settings.db_url)
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
    assert "Ikke gemt. Beslutning: Ligner et CPR-nummer" in panel.status.value
    assert "1234" not in panel.status.value and "1234" not in panel.messages["decision"].value
    panel.description.value, panel.due.value = "<script>x</script>", "tomorrow"
    panel.save("action")
    assert "Ikke gemt. Handling: " not in panel.status.value  # the description is fine
    assert "Ikke gemt. Frist: Ikke en dato – skriv den som ÅÅÅÅ-MM-DD." in panel.status.value
    assert "<script>" not in panel.status.value
    assert conferences(settings, cid) == before


def test_someone_elses_save_is_a_conflict_that_says_who_and_when_and_reloads(settings):
    board, panel = _opened(settings)
    cid = panel.candidate.value
    engine = connection.connect(settings.db_url)
    try:
        version = conf.candidate_version(engine, "aarhus", cid)[0]
        conf.record_decision(engine, "aarhus", cid, board.agenda_conference_date(), None, "Bo's <i>decision</i>",
                             "bo <x>", version)
        _, _, at = conf.candidate_version(engine, "aarhus", cid)
    finally:
        engine.dispose()
    assert isinstance(at, datetime)
    assert "Bo&#39;s" not in board.sections.value  # the page does not know yet
    panel.decision.value = "Mine"
    panel.save("decision")
    when = at.strftime("%Y-%m-%d %H:%M UTC")
    assert panel.status.value == ('<span class="ips-conference-status">bo &lt;x&gt; ændrede denne borger '
                                  f'{when}: genindlæs for at se det, og gem så igen.</span>')
    assert panel.reload_button.layout.display == "" and panel.reload_button.description == "Genindlæs"
    assert [r["decision"] for r in conferences(settings, cid) if r["origin"] == "conference"] == \
        ["Bo's <i>decision</i>"]
    assert panel.decision.value == "Mine"  # what the person wrote is kept for the second try
    panel.reload_button.click()  # the button itself, as the page presses it
    assert panel.reload_button.layout.display == "none" and panel.status.value.endswith("></span>")
    shown = board.sections.value.replace("\u00ad", "")  # without the soft hyphens
    assert "Bo&#39;s &lt;i&gt;decision&lt;/i&gt;" in shown  # reloaded: it shows now
    assert panel.versions[cid] == version + 1
    panel.candidate.value = cid
    panel.save("decision")
    assert panel.status.value == SAVED
    assert [r["decision"] for r in conferences(settings, cid) if r["origin"] == "conference"] == ["Mine"]


# -- each field's own message -------------------------------------------------------------------------

def test_every_field_has_its_message_beside_it_filled_as_typed_and_cleared_when_fit(settings):
    board, panel = _opened(settings)
    boxes = {f: next(b for b in _boxes(board.widget()) if panel.inputs[f] in b.children) for f in panel.inputs}
    for field, box in boxes.items():
        assert box.children == (panel.inputs[field], panel.messages[field]), field  # right under it
        assert panel.messages[field].value == "", field
    cases = [
        ("decision", "Ring 0101901234 i morgen", "Ligner et CPR-nummer, og det gemmes aldrig her. "
                                                 "Skriv teksten uden nummeret.", "Ring i morgen"),
        ("decision", "x" * 501, "Teksten er på 501 tegn; der er plads til højst 500.", "x" * 500),
        ("decision", "", "Feltet er tomt – skriv et par ord.", "Fortsæt"),
        ("description", "personnummer 19850312-0019", "Ligner et CPR-nummer, og det gemmes aldrig her. "
                                                      "Skriv teksten uden nummeret.", "Ring til Netto"),
        ("description", "y" * 301, "Teksten er på 301 tegn; der er plads til højst 300.", "Kort"),
        ("due_date", "27-11-2026", "Ikke en dato – skriv den som ÅÅÅÅ-MM-DD.", "2026-11-27"),
        ("due_date", "2026-02-30", "Den dato findes ikke i kalenderen.", "2026-02-28"),
        ("done_date", "i går", "Ikke en dato – skriv den som ÅÅÅÅ-MM-DD.", "2026-11-24"),
        ("done_date", "2026-13-01", "Den dato findes ikke i kalenderen.", "2026-12-01"),
    ]
    for field, bad, reason, good in cases:
        panel.inputs[field].value = "start"
        panel.inputs[field].value = bad
        assert message(panel, field) == reason, (field, bad)
        assert "ips-invalid" in panel.inputs[field]._dom_classes
        assert not any(ch.isdigit() for ch in message(panel, field).replace("501", "").replace("500", "")
                       .replace("301", "").replace("300", "")), "a refused text is never echoed"
        panel.inputs[field].value = good
        assert panel.messages[field].value == "", (field, good)
        assert "ips-invalid" not in panel.inputs[field]._dom_classes
    # the message is markup from the template, the reason escaped in it
    panel.decision.value = "0101901234"
    assert panel.messages["decision"].value.startswith('<span class="ips-field-message" role="alert">')


def test_the_choices_are_checked_too_and_their_words_are_the_catalogues(settings):
    board, panel = _opened(settings)
    assert [label for label, _ in panel.owner.options] == ["konsulent", "behandler", "borger", "anden person"]
    assert panel.due.placeholder == panel.done.placeholder == "ÅÅÅÅ-MM-DD"
    assert (panel.decision.description, panel.open_action.description, panel.done.description) == \
        ("Beslutning", "Åben handling", "Udført den")
    # a candidate without open actions: nothing chosen is no mistake until a save needs one
    bare = next(cid for _, cid in panel.candidate.options if not _open_actions(board, cid))
    panel.candidate.value = bare
    assert panel.open_action.value is None and panel.messages["action_id"].value == ""
    panel.done.value = "2026-11-24"
    before = conferences(settings, bare)
    panel.save("done")
    assert message(panel, "action_id") == "Vælg en i listen."
    assert panel.status.value.endswith("Ikke gemt. Åben handling: Vælg en i listen.</span>")
    assert conferences(settings, bare) == before
    # choosing another candidate starts their list afresh, without the old message
    other = next(cid for _, cid in panel.candidate.options if _open_actions(board, cid))
    panel.candidate.value = other
    assert panel.open_action.value is not None and panel.messages["action_id"].value == ""


def test_a_save_checks_every_field_again_and_writes_nothing_while_one_is_refused(settings):
    board, panel = _opened(settings)
    cid = panel.candidate.value
    engine = connection.connect(settings.db_url)
    try:
        audit = len(conf.audit_rows(engine, "aarhus"))
    finally:
        engine.dispose()
    # never typed into: the save says so beside each field it needs
    panel.save("action")
    assert message(panel, "description") == "Feltet er tomt – skriv et par ord."
    assert message(panel, "due_date") == "Ikke en dato – skriv den som ÅÅÅÅ-MM-DD."
    assert message(panel, "owner") == ""
    assert panel.status.value.endswith("Ikke gemt. Handling: Feltet er tomt – skriv et par ord.</span>")
    panel.description.value = "Ring til Netto"
    assert message(panel, "description") == "" and message(panel, "due_date")  # each its own
    panel.due.value = "2026-11-27"
    panel.save("action")
    assert panel.status.value == SAVED
    # after the save the panel empties the fields: that is not a mistake, so no message
    assert (panel.description.value, panel.due.value) == ("", "")
    assert message(panel, "description") == message(panel, "due_date") == ""
    engine = connection.connect(settings.db_url)
    try:
        assert len(conf.audit_rows(engine, "aarhus")) == audit + 1
    finally:
        engine.dispose()
    assert cid == panel.candidate.value


def test_a_refusal_only_the_database_can_see_lands_beside_its_field(settings):
    board, panel = _opened(settings)
    cid = next(cid for _, cid in panel.candidate.options if _open_actions(board, cid))
    panel.candidate.value = cid
    panel.done.value = "2000-01-01"  # a fine date, but before any action was made
    assert message(panel, "done_date") == ""
    panel.save("done")
    assert message(panel, "done_date") == "Datoen ligger før den dag, handlingen blev oprettet."
    assert panel.status.value.endswith(
        "Ikke gemt. Udført den: Datoen ligger før den dag, handlingen blev oprettet.</span>")


def test_a_swedish_site_gets_swedish_messages(demo_db, params_dir, tmp_path):
    copy = tmp_path / "demo.db"
    shutil.copy(connection.sqlite_file(demo_db), copy)
    board = AgendaDashboard(Settings(site="malmo", month="2026-10", week="2026-W48", db_url=f"sqlite:///{copy}",
                                     params_dir=params_dir, lang="sv", user="sara", can_write=True))
    board.widget()
    panel = board.conference
    panel.decision.value = "Ring 19850312-0019"
    assert message(panel, "decision") == ("Ser ut som ett personnummer, och sådana sparas aldrig här. "
                                          "Skriv texten utan numret.")
    panel.due.value = "2026-02-29"
    assert message(panel, "due_date") == "Det datumet finns inte i kalendern."
    panel.save("decision")
    assert panel.status.value.endswith("Inte sparat. Beslut: Ser ut som ett personnummer, och sådana "
                                       "sparas aldrig här. Skriv texten utan numret.</span>")
    assert [label for label, _ in panel.owner.options][:2] == ["arbetsspecialist", "behandlare"]


def test_the_decision_saved_shows_on_the_agenda_at_once(settings):
    board, panel = _opened(settings)
    cid = panel.candidate.value
    panel.decision.value = "Start praktik <b>mandag</b>"
    panel.save("decision")
    assert panel.status.value == SAVED
    entry = next(e for s in board.view.agenda["sections"] for e in s["candidates"] if e["candidate_id"] == cid)
    assert entry["last_decision"] == {"date": board.view.agenda["conference_date"],
                                      "decision": "Start praktik <b>mandag</b>"}
    assert "Seneste beslutning" in board.sections.value
    assert "Start praktik &lt;b&gt;mandag&lt;/b&gt;" in board.sections.value and "<b>" not in board.sections.value


def _boxes(widget) -> list:
    """Every box under a widget, depth first."""
    found = []
    for child in getattr(widget, "children", ()):
        if hasattr(child, "children"):
            found.append(child)
            found.extend(_boxes(child))
    return found


def _open_actions(board, cid: str) -> list[str]:
    return [a["action_id"] for s in board.view.agenda["sections"] for e in s["candidates"]
            if e["candidate_id"] == cid for a in e["actions"]]


def test_the_readme_shows_how_a_conference_is_recorded_with_its_picture():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    readme = (root / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Recording the weekly conference (clinicians)")[1].split("\n## ")[0]
    assert "![" in section and "(docs/img/conference.png)" in section
    assert "tools/screenshot_conference.py" in section and (root / "tools" / "screenshot_conference.py").is_file()
    picture = (root / "docs" / "img" / "conference.png").read_bytes()
    assert picture.startswith(b"\x89PNG\r\n\x1a\n") and len(picture) < 400_000
