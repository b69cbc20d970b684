"""Labels come from the da/sv/en gettext catalogues, and a count always takes the right form.

The catalogues (ips_nb/pages/locale/<lang>/LC_MESSAGES/ips_nb.po) are read with Babel; every
counted label is rendered for 0, 1 and 2 in every language and compared with the text a Danish,
Swedish or English reader expects: the singular for 1, the plural for 0 and 2.
"""
from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from factory import make_params

from ips_nb.pages.labels import LANGS, PLURAL_SUFFIX, Labels, catalogue, po_path

ROOT = Path(__file__).resolve().parents[2]

# key -> (the format arguments for count k, {lang: (singular, plural)}); "#" stands for k.
COUNTED = {
    "left_out_without_consent": (lambda k: {}, {
        "da": ("# borger uden samtykke er ikke med på dagsordenen.",
               "# borgere uden samtykke er ikke med på dagsordenen."),
        "sv": ("# deltagare utan samtycke finns inte med på dagordningen.",
               "# deltagare utan samtycke finns inte med på dagordningen."),
        "en": ("# candidate without consent is left off this agenda.",
               "# candidates without consent are left off this agenda.")}),
    "overview_left_out": (lambda k: {"sites": "odense"}, {
        "da": ("Ikke med i oversigten: odense. Stedets parameterfil har en fejl; siden Kørsler siger hvilken.",
               "Ikke med i oversigten: odense. Stedernes parameterfiler har fejl; siden Kørsler siger hvilke."),
        "sv": ("Inte med i översikten: odense. Enhetens parameterfil har ett fel; sidan Körningar visar vilket.",
               "Inte med i översikten: odense. Enheternas parameterfiler har fel; sidan Körningar visar vilka."),
        "en": ("Not in this overview: odense. Its parameters file has an error; the runs page says which.",
               "Not in this overview: odense. Their parameters files have errors; the runs page says which.")}),
    "reason_overdue_actions": (lambda k: {}, {
        "da": ("# handling over frist", "# handlinger over frist"),
        "sv": ("# försenad åtgärd", "# försenade åtgärder"),
        "en": ("# overdue action", "# overdue actions")}),
    "consultants_count": (lambda k: {}, {
        "da": ("# konsulent", "# konsulenter"),
        "sv": ("# arbetsspecialist", "# arbetsspecialister"),
        "en": ("# consultant", "# consultants")}),
    "per_week_anchor_met": (lambda k: {"n": 0, "m": k}, {  # the form follows the denominator
        "da": ("0 af # konsulent når 6 pr. uge", "0 af # konsulenter når 6 pr. uge"),
        "sv": ("0 av # arbetsspecialist når 6 per vecka", "0 av # arbetsspecialister når 6 per vecka"),
        "en": ("0 of # consultant at 6 a week", "0 of # consultants at 6 a week")}),
    "employer_contacts_logged": (lambda k: {}, {
        "da": ("# kontakt i alt", "# kontakter i alt"), "sv": ("# kontakt totalt", "# kontakter totalt"),
        "en": ("# contact in all", "# contacts in all")}),
    "days": (lambda k: {}, {
        "da": ("# dag", "# dage"), "sv": ("# dag", "# dagar"), "en": ("# day", "# days")}),
    "anchor_caseload": (lambda k: {}, {
        "da": ("Højst # borger pr. fuldtidskonsulent", "Højst # borgere pr. fuldtidskonsulent"),
        "sv": ("Högst # deltagare per arbetsspecialist på heltid",
               "Högst # deltagare per arbetsspecialist på heltid"),
        "en": ("At most # candidate per full-time consultant", "At most # candidates per full-time consultant")}),
    "site_goal_caseload": (lambda k: {}, {
        "da": ("Stedets mål: højst # borger pr. fuldtidskonsulent",
               "Stedets mål: højst # borgere pr. fuldtidskonsulent"),
        "sv": ("Verksamhetens mål: högst # deltagare per arbetsspecialist på heltid",
               "Verksamhetens mål: högst # deltagare per arbetsspecialist på heltid"),
        "en": ("The site's goal: at most # candidate per full-time consultant",
               "The site's goal: at most # candidates per full-time consultant")}),
    "of_cohort_18m": (lambda k: {}, {
        "da": ("af # borger, hvis 18 måneder fra start er gået", "af # borgere, hvis 18 måneder fra start er gået"),
        "sv": ("av # deltagare vars 18 månader från start har gått",
               "av # deltagare vars 18 månader från start har gått"),
        "en": ("of # candidate whose 18 months from intake are over",
               "of # candidates whose 18 months from intake are over")}),
    "of_caseload_3m": (lambda k: {}, {
        "da": ("af # borger i forløb i de tre måneder", "af # borgere i forløb i de tre måneder"),
        "sv": ("av # deltagare inskriven under de tre månaderna", "av # deltagare inskrivna under de tre månaderna"),
        "en": ("of # candidate enrolled in the three months", "of # candidates enrolled in the three months")}),
    "goal_n_of_m": (lambda k: {"k": "3"}, {
        "da": ("3 af # borger", "3 af # borgere"), "sv": ("3 av # deltagare", "3 av # deltagare"),
        "en": ("3 of # candidate", "3 of # candidates")}),
    "goal_n_of_m_responses": (lambda k: {"k": "3"}, {
        "da": ("3 af # svar", "3 af # svar"), "sv": ("3 av # svar", "3 av # svar"),
        "en": ("3 of # response", "3 of # responses")}),
    "goal_without_hours": (lambda k: {}, {
        "da": ("# borger uden timetal talte ikke med", "# borgere uden timetal talte ikke med"),
        "sv": ("# deltagare utan timantal räknades inte", "# deltagare utan timantal räknades inte"),
        "en": ("# candidate without hours a week did not count",
               "# candidates without hours a week did not count")}),
    "goal_not_followed_up": (lambda k: {}, {
        "da": ("# borger er ikke fulgt op", "# borgere er ikke fulgt op"),
        "sv": ("# deltagare har inte följts upp", "# deltagare har inte följts upp"),
        "en": ("# candidate was not followed up", "# candidates were not followed up")}),
    "overview_goals_met": (lambda k: {"k": "2"}, {
        "da": ("2 af # mål nået", "2 af # mål nået"), "sv": ("2 av # mål uppnått", "2 av # mål uppnådda"),
        "en": ("2 of # goal met", "2 of # goals met")}),
    "overview_goals_in_progress": (lambda k: {}, {
        "da": ("# undervejs", "# undervejs"), "sv": ("# på väg", "# på väg"),
        "en": ("# in progress", "# in progress")}),
    "estimate_basis": (lambda k: {}, {
        "da": ("bygger på # registrering", "bygger på # registreringer"),
        "sv": ("bygger på # registrering", "bygger på # registreringar"),
        "en": ("based on # record", "based on # records")}),
    "unit_teams": (lambda k: {"v": str(k)}, {
        "da": ("højst # team pr. konsulent", "højst # teams pr. konsulent"),
        "sv": ("högst # team per arbetsspecialist", "högst # team per arbetsspecialist"),
        "en": ("at most # team per consultant", "at most # teams per consultant")}),
    "fidelity_latest": (lambda k: {"date": "1.2.2026", "total": k, "band": "–"}, {
        "da": ("Seneste afsluttede fidelitetsmåling 1.2.2026: # point – –",
               "Seneste afsluttede fidelitetsmåling 1.2.2026: # point – –"),
        "sv": ("Senaste avslutade granskning 1.2.2026: # poäng – –",
               "Senaste avslutade granskning 1.2.2026: # poäng – –"),
        "en": ("Latest complete review 1.2.2026: # point – –",
               "Latest complete review 1.2.2026: # points – –")}),
    "cadence_summary": (lambda k: {"held": k, "expected": 12, "clin": 3, "late": 2}, {
        "da": ("# møde afholdt (reglen kræver mindst 12); 3 med behandlere; 2 for sent.",
               "# møder afholdt (reglen kræver mindst 12); 3 med behandlere; 2 for sent."),
        "sv": ("# tillfälle hölls (regeln kräver minst 12); 3 med behandlare; 2 för sent.",
               "# tillfällen hölls (regeln kräver minst 12); 3 med behandlare; 2 för sent."),
        "en": ("# session held (the rule asks for at least 12); 3 with clinicians; 2 late.",
               "# sessions held (the rule asks for at least 12); 3 with clinicians; 2 late.")}),
    "login_locked_seconds": (lambda k: {}, {
        "da": ("Der har været for mange mislykkede login. Prøv igen om # sekund.",
               "Der har været for mange mislykkede login. Prøv igen om # sekunder."),
        "sv": ("Det har varit för många misslyckade inloggningar. Försök igen om # sekund.",
               "Det har varit för många misslyckade inloggningar. Försök igen om # sekunder."),
        "en": ("Too many failed logins. Try again in # second.", "Too many failed logins. Try again in # seconds.")}),
    "login_locked_minutes": (lambda k: {}, {
        "da": ("Der har været for mange mislykkede login. Prøv igen om # minut.",
               "Der har været for mange mislykkede login. Prøv igen om # minutter."),
        "sv": ("Det har varit för många misslyckade inloggningar. Försök igen om # minut.",
               "Det har varit för många misslyckade inloggningar. Försök igen om # minuter."),
        "en": ("Too many failed logins. Try again in # minute.", "Too many failed logins. Try again in # minutes.")}),
    "page_ended_oldest": (lambda k: {}, {
        "da": ("Din ældste åbne side er lukket: du kan have højst # side åben ad gangen.",
               "Din ældste åbne side er lukket: du kan have højst # sider åbne ad gangen."),
        "sv": ("Din äldsta öppna sida har stängts: du kan ha högst # sida öppen åt gången.",
               "Din äldsta öppna sida har stängts: du kan ha högst # sidor öppna åt gången."),
        "en": ("Your oldest open page was closed: you can have at most # page open at a time.",
               "Your oldest open page was closed: you can have at most # pages open at a time.")}),
    "page_closed_newer_page": (lambda k: {}, {
        "da": ("Siden er lukket, fordi du har åbnet en ny: du kan have højst # side åben ad gangen.",
               "Siden er lukket, fordi du har åbnet en ny: du kan have højst # sider åbne ad gangen."),
        "sv": ("Sidan har stängts eftersom du öppnade en ny: du kan ha högst # sida öppen åt gången.",
               "Sidan har stängts eftersom du öppnade en ny: du kan ha högst # sidor öppna åt gången."),
        "en": ("This page was closed because you opened a new one: you can have at most # page open at a time.",
               "This page was closed because you opened a new one: you can have at most # pages open at a time.")}),
    "also_more": (lambda k: {}, {
        "da": ("… og # anden", "… og # andre"), "sv": ("… och # annan", "… och # andra"),
        "en": ("… and # other", "… and # others")}),
}

# Uncounted labels with a placeholder, and why no plural is needed.
UNCOUNTED_WITH_A_NUMBER = {
    "serve_dashboards_url": "an address, not a count",
    "serve_page_url": "a page's name and its address, not a count",
    "hub_started_url": "an address and a file, not a count",
    "hub_same_command": "a command line, not a count",
    "week_n": "an ordinal: uge 47, vecka 47",
    "signed_in_as": "a user name, not a number",
    "conference_conflict": "a user name and a time, not a count",
    "conference_refused": "a field and a message, not a count",
    "conference_refused_too_long": "always over the cap of hundreds: never one",
    "fidelity_incomplete": "the noun follows the fixed 25: 1 af 25 punkter",
    "estimate_score": "a score, no noun",
    "unit_per_fte": "a rate with a decimal: 20,0 borgere",
    "unit_days": "a rate with a decimal: 12,5 dage",
    "unit_fte": "a sum with a decimal: 3,5 årsværk, 3,5 årsarbetare",
    "unit_per_week": "a rate, no noun",
    "unit_share": "a percentage, no noun",
    "fidelity_moved": "a date",
    "also_above": "a section's title",
    "goal_source": "free text from the parameters",
    "survey_question": "a question's number, no noun to agree",
    "goal_measured_on": "a date",
    "goal_deadline": "a date",
    "goal_who_ages": "the ends of an age range: de 18–29-årige",
    "goal_group_ages": "the ends of an age range",
    "goal_who_places": "names of municipalities or teams",
    "goal_hours": "a percentage of full time",
    "goal_year": "a year",
    "goal_range": "two dates",
    "goal_outcome_within": "months with a fixed plural (18 måneder; a goal never says 1 month)",
    "goal_outcome_on": "a date and phrases",
    "goal_outcome_on_any": "phrases, no number of its own",
    "goal_in_work_after_discharge": "months with a fixed plural (4 måneder)",
    "goal_outcome_started_in": "a period and phrases",
    "goal_intakes_in": "a period and a group",
    "goal_active_caseload": "a group, no number",
    "goal_employment_rate_3m": "phrases, no number",
    "goal_rapid_search_share": "a phrase, no number",
    "goal_fidelity_total_by": "a date",
    "goal_survey_share": "a score and a question's number, no noun to agree",
    "per_full_time": "a rate with a decimal: 22,0 pr. fuldtid",
    "consultant_trend_title": "a consultant's name",
    "equal_rate_of": "a percentage and a group's size, no noun: Kvinder 42 % af 19",
    "port_taken": "port numbers and commands, not a count",
    "hub_sign_in_with": "the name of a login service",
    "hub_error": "an HTTP status code",
}


def texts(lang: str) -> dict[str, tuple[str, ...]]:
    """key -> its text (or its two forms) in the language's .po file."""
    with po_path(lang).open("rb") as fh:
        po = read_po(fh, locale=lang)
    out = {}
    for m in po:
        if m.id:
            out[m.id[0] if isinstance(m.id, tuple) else m.id] = m.string if isinstance(m.string, tuple) \
                else (m.string,)
    return out


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


# -- the catalogues themselves --------------------------------------------------------------------

@pytest.mark.parametrize("lang", LANGS)
def test_po_file_parses_with_babel_without_fuzzy_or_obsolete_entries(lang):
    raw = po_path(lang).read_text(encoding="utf-8")
    with po_path(lang).open("rb") as fh:
        po = read_po(fh, locale=lang, abort_invalid=True)
    assert not po.fuzzy and not any(m.fuzzy for m in po), "a fuzzy entry is left out when compiled"
    assert not po.obsolete and "#~" not in raw and "#, fuzzy" not in raw
    headers = dict(po.mime_headers)
    assert headers["Language"] == lang and headers["Content-Type"] == "text/plain; charset=utf-8"
    assert headers["Plural-Forms"] == "nplurals=2; plural=(n != 1);"
    for m in po:
        if isinstance(m.id, tuple):
            assert m.id[1] == m.id[0] + PLURAL_SUFFIX and len(m.string) == 2, m.id


def test_every_key_in_every_language_with_a_text():
    every = {lang: texts(lang) for lang in LANGS}
    assert every["da"].keys() == every["sv"].keys() == every["en"].keys()
    for lang, entries in every.items():
        for key, forms in entries.items():
            assert all(f.strip() for f in forms), (lang, key)
            assert len(forms) == len(every["en"][key]), (lang, key, "counted in one language, not another")
    assert {f"fidelity_item_{i}" for i in range(1, 26)} <= every["da"].keys()


def test_placeholders_agree_across_languages_and_forms():
    every = {lang: texts(lang) for lang in LANGS}
    for key, forms in every["en"].items():
        want = fields(forms[-1])
        for lang in LANGS:
            for text in every[lang][key]:
                assert fields(text) == want, (lang, key, text)


def test_no_text_glues_a_plural_in_brackets():
    for lang in LANGS:
        for key, forms in texts(lang).items():
            for text in forms:
                assert not re.search(r"\((?:e|er|s|r|n|en|ne|na|ar|or)\)", text), (lang, key, text)


def test_every_counted_label_is_checked_here_and_every_other_number_has_a_reason():
    cat = catalogue("en")
    assert set(cat.counted) == set(COUNTED)
    en = texts("en")
    with_fields = {k for k in cat.plain if fields(en[k][0])}
    assert with_fields == set(UNCOUNTED_WITH_A_NUMBER), with_fields ^ set(UNCOUNTED_WITH_A_NUMBER)


# -- every counted label for 0, 1 and 2 -----------------------------------------------------------

@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("key", sorted(COUNTED))
def test_counted_label_takes_the_singular_for_1_and_the_plural_for_0_and_2(key, lang):
    args, forms = COUNTED[key]
    one, other = forms[lang]
    L = Labels(lang)
    for k in (0, 1, 2):
        want = (one if k == 1 else other).replace("#", str(k))
        assert L.count(key, k, **args(k)) == want, (key, lang, k)


def test_the_phrases_from_the_issue_read_right():
    da, sv = Labels("da"), Labels("sv")
    assert da.count("reason_overdue_actions", 1) == "1 handling over frist"
    assert da.count("consultants_count", 1) == "1 konsulent"
    assert da.count("per_week_anchor_met", 1, n=0, m=1) == "0 af 1 konsulent når 6 pr. uge"
    assert da.count("left_out_without_consent", 1).startswith("1 borger uden samtykke er")
    assert sv.count("reason_overdue_actions", 1) == "1 försenad åtgärd"
    assert sv.count("per_week_anchor_met", 1, n=0, m=1) == "0 av 1 arbetsspecialist når 6 per vecka"
    assert da("reason_not_discussed_28d") == "ikke drøftet i 28 dage"
    assert da("reason_no_contact_21d") == "ingen kontakt i 21 dage"
    assert sv("reason_not_discussed_28d") == "inte diskuterad på 28 dagar"
    assert sv("reason_no_contact_21d") == "ingen kontakt på 21 dagar"
    assert da("reason_overdue_action") == "frist overskredet" == da("overdue_mark")
    assert (da("owner_other"), sv("owner_other")) == ("anden person", "annan person")
    assert sv("section_actions_due") == "Åtgärder som ska vara klara senast denna vecka"


def test_a_count_is_written_in_the_languages_digits():
    assert Labels("da").count("days", 1234) == "1.234 dage"
    assert Labels("sv").count("days", 1234) == "1\u00a0234 dagar"
    assert Labels("en").count("days", 1234) == "1,234 days"
    assert Labels("en").count("days", 2.0) == "2 days"
    with pytest.raises(TypeError):
        Labels("en").count("days", 1.5)


# -- the API ---------------------------------------------------------------------------------------

def test_unknown_keys_fail_and_the_wrong_call_says_so():
    L = Labels("da")
    with pytest.raises(KeyError):
        L("no_such_label")
    with pytest.raises(KeyError):
        L.count("no_such_label", 2)
    with pytest.raises(KeyError):
        L.fidelity_item(26)
    with pytest.raises(TypeError, match="counted"):
        L("reason_overdue_actions", n=2)  # a count never glued to a fixed plural
    with pytest.raises(TypeError, match="not a counted"):
        L.count("referrals", 2)
    assert L.enum("phase", "employed") == "I job" and L.enum("phase", "mystery") == "mystery"
    assert "referrals" in L and "no_such_label" not in L
    with pytest.raises(ValueError):
        Labels("no")


def test_overrides_for_plain_and_counted_labels():
    labels = {"referrals": {"da": "Henviste"},
              "consultants_count": {"da": "IPS-konsulenter: {n}", "sv": "{n} specialister"},
              "reason_overdue_actions.one": {"da": "{n} opgave over frist"},
              "reason_overdue_actions.other": {"da": "{n} opgaver over frist"},
              "days.other": {"sv": "{n} dygn"},
              "fidelity_item_3": {"da": "Generalist-konsulenter"},
              "site_own": {"da": "Eget"}}
    params = make_params(language="da", labels=labels)  # the params model takes every form
    da, sv = Labels("da", params.labels), Labels("sv", params.labels)
    assert da("referrals") == "Henviste" and sv("referrals") == "Remisser"
    assert da.count("consultants_count", 1) == "IPS-konsulenter: 1"  # one text for every count
    assert da.count("consultants_count", 3) == "IPS-konsulenter: 3"
    assert da.count("reason_overdue_actions", 1) == "1 opgave over frist"
    assert da.count("reason_overdue_actions", 0) == "0 opgaver over frist"
    assert sv.count("days", 2) == "2 dygn" and sv.count("days", 1) == "1 dag"  # the singular from the catalogue
    assert da.fidelity_item(3) == "Generalist-konsulenter" and sv.fidelity_item(3) == "Generalister"
    assert da("site_own") == "Eget" and da.enum("site", "own") == "Eget"


def test_each_language_is_compiled_once_per_process():
    assert catalogue("sv") is catalogue("sv") is Labels("sv").catalogue
    assert catalogue("da") is not catalogue("sv")


def test_code_asks_for_counted_labels_with_their_count():
    sources = {p: p.read_text(encoding="utf-8") for p in (ROOT / "ips_nb").rglob("*.py")}
    sources.update({p: p.read_text(encoding="utf-8") for p in (ROOT / "templates").rglob("*.j2")})
    for key in COUNTED:
        plain = re.compile(rf"""\b(?:L|labels)\(\s*['"]{key}['"]""")
        assert not [p for p, s in sources.items() if plain.search(s)], key
        assert any(re.search(rf"""\.count\(\s*['"]{key}['"]""", s) for s in sources.values()), f"{key} unused"


def test_the_catalogues_ship_with_the_package():
    toml = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert '"ips_nb.pages.locale" = ["*/LC_MESSAGES/*.po"]' in toml
    assert all(po_path(lang).is_relative_to(ROOT / "ips_nb" / "pages") for lang in LANGS)


def test_an_override_naming_a_value_the_page_does_not_give_falls_back_to_the_catalogue():
    """A typo such as {antal} for {n} in a site's override must not break the page."""
    plain = Labels("da")
    typo = Labels("da", {"left_out_without_consent": {"da": "{antal} uden samtykke"},
                         "week_n": {"da": "uge {nr}"}})
    assert typo.count("left_out_without_consent", 2) == plain.count("left_out_without_consent", 2)
    assert typo.week(48) == plain.week(48)
    right = Labels("da", {"left_out_without_consent": {"da": "{n} uden samtykke"}})
    assert right.count("left_out_without_consent", 2) == "2 uden samtykke"
