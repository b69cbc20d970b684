"""The agenda dashboard's conference mode: the panel that records decisions and actions.

Per candidate on the agenda: mark discussed with a decision, add an action, mark an open action
done (ips_nb.data.conference, which writes them, audited). It lives in the agenda dashboard
(ips_nb.live.dashboard.AgendaDashboard), which makes it only for a user the server lets write.
"""
from __future__ import annotations

import traceback
from collections.abc import Callable
from datetime import date
from typing import Protocol

import ipywidgets as W

from ips_nb.data.connection import connect
from ips_nb.data.params import SiteParams
from ips_nb.live.board_settings import Settings, server_allows_write, server_log
from ips_nb.pages.labels import Labels


class AgendaBoard(Protocol):
    """What the panel uses of the agenda dashboard it lives in (ips_nb.live.dashboard, which
    imports this module: named here, not imported, so the two are no import cycle)."""

    settings: Settings
    labels: Labels
    params: SiteParams | None
    team: W.Dropdown
    closed: bool

    def _guard(self, work: Callable[[], None]) -> None: ...

    def reload(self) -> None: ...

    def agenda_conference_date(self) -> date: ...

class _ConferenceWords:
    """The conference mode's texts from the catalogue (keys `conference_*`), read like a dict.

    Read from the board's labels at the moment they are needed, so a site's own overrides
    (params `labels:`) reach the messages too."""

    def __init__(self, board: AgendaBoard) -> None:
        self.board = board

    @property
    def labels(self) -> Labels:
        return self.board.labels

    def __getitem__(self, key: str) -> str:
        return self.labels(f"conference_{key}")


LABEL_WIDTH = "8.5em"  # the panel's labels ("Åben handling", "Öppen åtgärd") in full, aligned


class ConferencePanel:
    """Conference mode of the agenda: per candidate on the agenda, mark discussed with a decision,
    add an action, mark an open action done (ips_nb.data.conference).

    The user is the server's (Settings), never the page's; so is the site, or on an unpinned
    (standalone) server one of the sites it offers, chosen in the site chooser: the panel writes
    for the site of the agenda it was filled from, and forgets what was typed when the site
    changes. The version of the
    candidate is the one read when the candidate was chosen or the agenda reloaded, so a save
    after someone else's is refused with who and when, and a Reload button, instead of
    overwriting. Every message is shown escaped; a refused text is never echoed.

    Each input has its own message right under it: the writer's own check of that field
    (conference.field_refusal) runs as the value changes, so the reason shows while the person
    is still at the field and goes as soon as the value is fit; a save checks its fields again
    and writes nothing while one is refused. A field emptied by the panel itself (after a save,
    a new candidate's list of open actions) is not a mistake and shows nothing.
    """

    # The writer's field names (conference.FIELD_CHECKS) and the catalogue word naming each.
    FIELD_WORDS = {"decision": "decision", "description": "description", "owner": "owner",
                   "due_date": "due", "done_date": "done", "action_id": "open_action",
                   "candidate_id": "candidate"}
    # Which fields each save reads, in the order they stand on the panel.
    SAVES = {"decision": ("decision",), "action": ("description", "owner", "due_date"),
             "done": ("action_id", "done_date")}

    def __init__(self, board: AgendaBoard) -> None:
        from ips_nb.data.schema import ACTION_OWNERS

        self.board = board
        self.words = _ConferenceWords(board)
        self.versions: dict[str, int] = {}
        self.candidate = W.Dropdown(options=[])
        self.decision = W.Textarea(layout=W.Layout(width="48em"))
        self.save_decision = W.Button()
        self.description = W.Text(layout=W.Layout(width="48em"))
        self.owner = W.Dropdown(options=list(ACTION_OWNERS), value=ACTION_OWNERS[0])
        # a date is checked when the person leaves the field (or presses Enter), not at each
        # keystroke: a half-typed day is not yet a mistake
        self.due = W.Text(continuous_update=False)
        self.add = W.Button()
        self.open_action = W.Dropdown(options=[], layout=W.Layout(width="36em"))
        self.done = W.Text(continuous_update=False)
        self.mark = W.Button()
        self.status = W.HTML()
        self.reload_button = W.Button(layout=W.Layout(display="none"))
        self.heading = W.HTML()  # the panel's title, in the language of the site shown
        self.inputs: dict[str, W.ValueWidget] = {
            "decision": self.decision, "description": self.description, "owner": self.owner,
            "due_date": self.due, "action_id": self.open_action, "done_date": self.done}
        # one message per input, beside it (an HTML widget: the template escapes the text)
        self.messages: dict[str, W.HTML] = {}
        for field, widget in self.inputs.items():
            widget.style.description_width = LABEL_WIDTH
            # under the input, not under its label
            self.messages[field] = W.HTML(layout=W.Layout(margin=f"0 0 0 calc({LABEL_WIDTH} + 6px)"))
            widget.observe(lambda _change, f=field: self._changed(f), names="value")
        self.candidate.style.description_width = LABEL_WIDTH
        self._setting = False  # True while the panel itself sets values: no message for those
        self._words_lang: str | None = None
        self._name_things()
        self.save_decision.on_click(lambda _: self.save("decision"))
        self.add.on_click(lambda _: self.save("action"))
        self.mark.on_click(lambda _: self.save("done"))
        self.reload_button.on_click(lambda _: self.reload())
        self.candidate.observe(lambda _: self._chosen(), names="value")
        self.agenda: dict = {}
        self.shown_site: str | None = None  # the site of the agenda shown (update sets it)

    def _name_things(self) -> None:
        """Every label, button and placeholder in the page's language (the site's, once loaded),
        from the catalogue; again only when the language changed."""
        from ips_nb.data.schema import ACTION_OWNERS

        w = self.words
        if self._words_lang == w.labels.lang:
            return
        self._words_lang = w.labels.lang
        for widget, key in ((self.candidate, "candidate"), (self.decision, "decision"),
                            (self.save_decision, "save_decision"), (self.description, "description"),
                            (self.owner, "owner"), (self.due, "due"), (self.add, "add_action"),
                            (self.open_action, "open_action"), (self.done, "done"),
                            (self.mark, "mark_done"), (self.reload_button, "reload")):
            widget.description = w[key]
        self.due.placeholder = self.done.placeholder = w["date_placeholder"]
        self.heading.value = str(_conference_marks().heading(w["title"]))
        chosen = self.owner.value
        self._setting = True
        try:
            self.owner.options = [(w.labels.enum("owner", o), o) for o in ACTION_OWNERS]
            self.owner.value = chosen
        finally:
            self._setting = False

    def widget(self) -> W.VBox:
        def field(name: str) -> W.VBox:
            return W.VBox([self.inputs[name], self.messages[name]])

        def row(*parts: W.Widget) -> W.HBox:  # buttons level with the inputs, not the messages
            return W.HBox(list(parts), layout=W.Layout(flex_flow="row wrap", align_items="flex-start"))

        return W.VBox([self.heading, self.candidate,
                       row(field("decision"), self.save_decision),
                       row(field("description")),
                       row(field("owner"), field("due_date"), self.add),
                       row(field("action_id"), field("done_date"), self.mark),
                       row(self.status, self.reload_button)]).add_class("ips-conference")

    def _engine(self):
        return connect(self.board.settings.db_url)

    def _site(self) -> str:
        """The site of the agenda the panel was filled from (never a site only just chosen)."""
        return self.shown_site or ""

    # -- the fields' own messages ---------------------------------------------------------------
    def _changed(self, field: str) -> None:
        if not self._setting:
            self.check(field)

    def check(self, field: str) -> bool:
        """Check one field's value as the writer would; show why beside it, or clear its message."""
        from ips_nb.data.conference import field_refusal

        refused = field_refusal(field, self.inputs[field].value)
        self._field_says(field, refused)
        return refused is None

    def _field_says(self, field: str, refused) -> None:  # noqa: ANN001 - conference.WriteRefused | None
        widget, message = self.inputs[field], self.messages[field]
        if refused is None:
            message.value = ""
            widget.remove_class("ips-invalid")
        else:
            message.value = str(_conference_marks().field_message(self._reason(refused)))
            widget.add_class("ips-invalid")

    def _set(self, widget: W.ValueWidget, value: object) -> None:
        """The panel sets a value (clears a field after a save): no message for that."""
        self._setting = True
        try:
            widget.value = value
        finally:
            self._setting = False

    def _clear_messages(self, *fields: str) -> None:
        for field in fields:
            self._field_says(field, None)

    # -- the agenda and the chosen candidate ----------------------------------------------------
    def update(self, agenda: dict) -> None:
        """The agenda shown changed: its candidates (each once), their versions read again."""
        self._name_things()
        site = self.board.params.site if self.board.params else None
        if site != self.shown_site:  # another site chosen: nothing typed or read for the last one stays
            self._another_site(site)
        self.agenda = agenda
        seen: dict[str, str] = {}
        for section in agenda["sections"]:
            for c in section["candidates"]:
                seen.setdefault(c["candidate_id"], f"{c['candidate_id']} {c.get('initials') or ''}".strip())
        current = self.candidate.value
        options = [(label, cid) for cid, label in seen.items()]
        self.candidate.options = options
        self.candidate.value = current if current in seen else (options[0][1] if options else None)
        self._chosen()

    def _another_site(self, site: str | None) -> None:
        """The agenda is now another site's (the chooser of an unpinned server): what was typed,
        the versions read and the last status belonged to the site before, and go."""
        self.shown_site = site
        self.versions.clear()
        for widget in (self.decision, self.description, self.due, self.done):
            self._set(widget, "")
        self._clear_messages(*self.inputs)
        self._say("")

    def _chosen(self) -> None:
        from ips_nb.data.conference import candidate_version

        cid = self.candidate.value
        actions: dict[str, str] = {}
        for section in self.agenda.get("sections", []):
            for c in section["candidates"]:
                if c["candidate_id"] == cid:
                    for a in c["actions"]:
                        actions[a["action_id"]] = f"{a['due_date']} · {a['description'] or ''}"
        self._setting = True
        try:
            self.open_action.options = [(label, aid) for aid, label in actions.items()]
            self.open_action.value = next(iter(actions), None)
        finally:
            self._setting = False
        self._clear_messages("action_id")
        if cid is None:
            return
        engine = self._engine()
        try:
            self.versions[cid] = candidate_version(engine, self._site(), cid)[0]
        finally:
            engine.dispose()

    # -- saving -----------------------------------------------------------------------------
    def _field_name(self, field: str) -> str:
        key = self.FIELD_WORDS.get(field)
        return self.words[key] if key else field

    def _reason(self, exc) -> str:  # noqa: ANN001 - conference.WriteRefused
        """Why a value was refused, in the site's language (the catalogue's `conference_refused_*`)."""
        labels = self.words.labels
        key = f"conference_refused_{exc.code}"
        return labels(key, **exc.values) if key in labels else exc.message

    def _refused(self, exc) -> None:  # noqa: ANN001 - conference.WriteRefused
        """Not saved: why, beside the field when the panel has it, and in the status line."""
        if exc.field in self.messages:
            self._field_says(exc.field, exc)
        self._say(self.words.labels("conference_refused", field=self._field_name(exc.field),
                                    message=self._reason(exc)))

    def _say(self, text: str, conflict: bool = False) -> None:
        self.status.value = str(_conference_marks().status(text))
        self.reload_button.layout.display = "" if conflict else "none"

    def reload(self) -> None:
        self.board._guard(self.board.reload)
        self._say("")

    def save(self, what: str) -> None:
        """One save: its fields checked in place, written in one transaction, then the agenda
        reloaded so it shows at once."""
        from ips_nb.data import conference as conf

        cid = self.candidate.value
        if cid is None:
            return
        fields = self.SAVES[what]
        first = None
        for field in fields:  # every field's message, not only the first refused one's
            refused = conf.field_refusal(field, self.inputs[field].value)
            self._field_says(field, refused)
            first = first or refused
        if first is not None:
            self._refused(first)
            return
        settings, site = self.board.settings, self._site()
        if self.board.closed or not server_allows_write(settings):
            self._say(self.words["access_lost"])
            return
        version = self.versions.get(cid, 0)
        engine = self._engine()
        try:
            if what == "decision":
                day = self.board.agenda_conference_date()
                conf.record_decision(engine, site, cid, day, self.board.team.value or None,
                                     self.decision.value, settings.user, version)
            elif what == "action":
                conf.add_action(engine, site, cid, self.description.value, self.owner.value,
                                self.due.value, settings.user, version,
                                created=self.board.agenda_conference_date())
            else:
                conf.mark_done(engine, site, self.open_action.value, self.done.value,
                               settings.user, version)
        except conf.Conflict as exc:
            at = exc.at.strftime("%Y-%m-%d %H:%M UTC") if exc.at else "?"
            self._say(self.words["conflict"].format(user=exc.user or "?", at=at), conflict=True)
            return
        except conf.WriteRefused as exc:
            self._refused(exc)
            return
        except Exception:  # noqa: BLE001 - a person gets a sentence, the log gets the traceback
            server_log(f"ips-nb conference save failed (site {site}):\n{traceback.format_exc()}")
            self._say(self.words["failed"])
            return
        finally:
            engine.dispose()
        if what == "decision":
            self._set(self.decision, "")
        elif what == "action":
            self._set(self.description, "")
            self._set(self.due, "")
        else:
            self._set(self.done, "")
        self._clear_messages(*fields)
        self.board._guard(self.board.reload)
        self._say(self.words["saved"])


def _conference_marks():  # noqa: ANN202 - a Jinja2 template module
    """The conference panel's heading, status line and field messages
    (templates/live/conference.html.j2), escaped."""
    from ips_nb.pages.render import environment

    return environment().get_template("live/conference.html.j2").module
