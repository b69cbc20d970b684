"""One-time conversion: the hand-written label dictionary → gettext catalogues (.po) per language.

    .venv/bin/python tools/make_catalogue.py            # reads the dictionary from git (REV below)
    .venv/bin/python tools/make_catalogue.py old.py     # or from a copy of the old catalogue.py

Writes ips_nb/pages/locale/<lang>/LC_MESSAGES/ips_nb.po for da, sv and en. Since the conversion
the .po files are the source of every label: edit them, not this script (running it again would
overwrite edits made since). It stays as the record of what changed in the conversion:

* msgid = the old key (so code and a site's `labels:` overrides keep their keys); msgstr = the
  text. The IPS-25 item names become `fidelity_item_1` … `fidelity_item_25`, the keys a site
  already used to override them.
* COUNTED: every label whose text carries a count gets `msgid_plural` (the key + ".plural") and a
  singular and a plural form, chosen by ngettext with the header's Plural-Forms
  (`nplurals=2; plural=(n != 1);` for da, sv and en). The translator comment names the number
  that chooses the form.
* REWORDED: phrases rewritten as a Danish or Swedish supervisor would write them.
"""
from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po

ROOT = Path(__file__).resolve().parents[1]
LOCALE_DIR = ROOT / "ips_nb" / "pages" / "locale"
DOMAIN = "ips_nb"
PLURAL_SUFFIX = ".plural"
LANGS = ("da", "sv", "en")
TEAMS = {"da": "Danish", "sv": "Swedish", "en": "English"}
REV = "8f7d0de"  # the last commit with the hand-written ips_nb/pages/catalogue.py
WHEN = datetime(2026, 11, 23, tzinfo=UTC)  # fixed, so the files do not change on every run

# key -> (what chooses the form, {lang: (singular, plural)})
COUNTED: dict[str, tuple[str, dict[str, tuple[str, str]]]] = {
    "left_out_without_consent": ("n: candidates left off the agenda", {
        "da": ("{n} borger uden samtykke er ikke med på dagsordenen.",
               "{n} borgere uden samtykke er ikke med på dagsordenen."),
        "sv": ("{n} deltagare utan samtycke finns inte med på dagordningen.",
               "{n} deltagare utan samtycke finns inte med på dagordningen."),
        "en": ("{n} candidate without consent is left off this agenda.",
               "{n} candidates without consent are left off this agenda.")}),
    "anchor_caseload": ("n: the site's caseload maximum", {
        "da": ("Højst {n} borger pr. fuldtidskonsulent", "Højst {n} borgere pr. fuldtidskonsulent"),
        "sv": ("Högst {n} deltagare per arbetsspecialist på heltid",
               "Högst {n} deltagare per arbetsspecialist på heltid"),
        "en": ("At most {n} candidate per full-time consultant", "At most {n} candidates per full-time consultant")}),
    "fidelity_latest": ("total: the review's IPS-25 total", {
        "da": ("Seneste afsluttede fidelitetsmåling {date}: {total} point – {band}",
               "Seneste afsluttede fidelitetsmåling {date}: {total} point – {band}"),
        "sv": ("Senaste avslutade granskning {date}: {total} poäng – {band}",
               "Senaste avslutade granskning {date}: {total} poäng – {band}"),
        "en": ("Latest complete review {date}: {total} point – {band}",
               "Latest complete review {date}: {total} points – {band}")}),
    "estimate_basis": ("n: the records an estimate rests on", {
        "da": ("bygger på {n} registrering", "bygger på {n} registreringer"),
        "sv": ("bygger på {n} registrering", "bygger på {n} registreringar"),
        "en": ("based on {n} record", "based on {n} records")}),
    "unit_teams": ("v: the most teams a consultant belongs to", {
        "da": ("højst {v} team pr. konsulent", "højst {v} teams pr. konsulent"),
        "sv": ("högst {v} team per arbetsspecialist", "högst {v} team per arbetsspecialist"),
        "en": ("at most {v} team per consultant", "at most {v} teams per consultant")}),
    "cadence_summary": ("held: sessions held in the 12 months", {
        "da": ("{held} møde afholdt (reglen kræver mindst {expected}); {clin} med behandlere; {late} for sent.",
               "{held} møder afholdt (reglen kræver mindst {expected}); {clin} med behandlere; {late} for sent."),
        "sv": ("{held} tillfälle hölls (regeln kräver minst {expected}); {clin} med behandlare; "
               "{late} för sent.",
               "{held} tillfällen hölls (regeln kräver minst {expected}); {clin} med behandlare; "
               "{late} för sent."),
        "en": ("{held} session held (the rule asks for at least {expected}); {clin} with clinicians; "
               "{late} late.",
               "{held} sessions held (the rule asks for at least {expected}); {clin} with clinicians; "
               "{late} late.")}),
    "reason_overdue_actions": ("n: the candidate's overdue actions", {
        "da": ("{n} handling over frist", "{n} handlinger over frist"),
        "sv": ("{n} försenad åtgärd", "{n} försenade åtgärder"),
        "en": ("{n} overdue action", "{n} overdue actions")}),
    "consultants_count": ("n: consultants", {
        "da": ("{n} konsulent", "{n} konsulenter"),
        "sv": ("{n} arbetsspecialist", "{n} arbetsspecialister"),
        "en": ("{n} consultant", "{n} consultants")}),
    "days": ("n: days", {
        "da": ("{n} dag", "{n} dage"),
        "sv": ("{n} dag", "{n} dagar"),
        "en": ("{n} day", "{n} days")}),
    "per_week_anchor_met": ("m: all consultants (n of them reach 6 employer contacts a week)", {
        "da": ("{n} af {m} konsulent når 6 pr. uge", "{n} af {m} konsulenter når 6 pr. uge"),
        "sv": ("{n} av {m} arbetsspecialist når 6 per vecka", "{n} av {m} arbetsspecialister når 6 per vecka"),
        "en": ("{n} of {m} consultant at 6 a week", "{n} of {m} consultants at 6 a week")}),
}

# key -> {lang: new text}; a language not named keeps its old text.
REWORDED: dict[str, dict[str, str]] = {
    "as_of": {"sv": "Uppgifter t.o.m."},
    "for_this_supervision": {"sv": "Att ta upp på handledningen"},
    "reasons": {"da": "Anledning", "sv": "Anledning"},
    "overdue_mark": {"da": "frist overskredet"},
    "caseload_max": {"da": "Maks. sagsstamme"},
    "per_fte": {"sv": "per årsarbetare"},
    "caseload_by_consultant": {"da": "Sagsstamme pr. konsulent"},
    "over_caseload_max": {"da": "Konsulenter over maks. sagsstamme"},
    "outcome_ever_rate": {"sv": "Andel som har fått arbete eller börjat studera"},
    "median_days_to_employer_contact": {"da": "Dage til første arbejdsgiverkontakt (median)",
                                        "sv": "Dagar till första arbetsgivarkontakt (median)"},
    "overdue_actions": {"da": "Handlinger over frist"},
    "fidelity_date": {"da": "Seneste fidelitetsmåling"},
    "section_actions_due": {"da": "Handlinger med frist senest denne uge",
                            "sv": "Åtgärder som ska vara klara senast denna vecka"},
    "reason_overdue_action": {"da": "frist overskredet", "sv": "försenad åtgärd"},
    "reason_no_employer_contact_30d": {"da": "ingen arbejdsgiverkontakt i over 30 dage",
                                       "sv": "ingen arbetsgivarkontakt på över 30 dagar"},
    "reason_no_contact_21d": {"da": "ingen kontakt i 21 dage", "sv": "ingen kontakt på 21 dagar"},
    "reason_not_discussed_28d": {"da": "ikke drøftet i 28 dage", "sv": "inte diskuterad på 28 dagar"},
    "owner_other": {"da": "anden person", "sv": "annan person", "en": "someone else"},
    "anchor_international_90d": {"da": "Internationalt måles efter 90 dage",
                                 "sv": "Internationellt mäts efter 90 dagar"},
    "chart_fidelity_trend": {"da": "Programtroskab (IPS-25) ved hver fidelitetsmåling"},
    "fidelity_no_review": {"da": "Ingen afsluttet fidelitetsmåling endnu."},
    "fidelity_incomplete": {"da": "En igangværende fidelitetsmåling ({date}, {n} af 25 punkter scoret) "
                                  "tælles ikke med.",
                            "sv": "En pågående granskning ({date}, {n} av 25 punkter bedömda) räknas inte med."},
    "fidelity_moved": {"da": "Punkter der har flyttet sig siden forrige fidelitetsmåling ({date})"},
    "fidelity_estimate_note": {
        "da": "Skønnet er beregnet ud fra registreringerne som forberedelse til næste fidelitetsmåling "
              "– det erstatter den ikke.",
        "sv": "Uppskattningen bygger på registreringarna och är ett underlag inför nästa granskning "
              "– den ersätter den inte."},
    "estimate_meets": {"da": "svarer til niveau 5", "sv": "motsvarar nivå 5"},
    "estimate_below": {"da": "under niveau 5"},
    "unit_per_fte": {"da": "{v} borgere pr. årsværk (konsulenten med flest)",
                     "sv": "{v} deltagare per årsarbetare (arbetsspecialisten med flest)"},
    "unit_fte": {"sv": "{v} årsarbetare totalt"},
    "unit_per_week": {"da": "{v} pr. uge (konsulenten med færrest)",
                      "sv": "{v} per vecka (arbetsspecialisten med färst)"},
    "est_hint_5": {"da": "af konsulentugerne med deltagelse i behandlingskonferencen i de seneste 13 uger",
                   "sv": "av arbetsspecialistveckorna med närvaro på behandlingskonferensen "
                         "de senaste 13 veckorna"},
    "est_hint_9": {"da": "af henviste borgere indskrevet", "sv": "av remitterade som skrivits in"},
    "est_hint_12": {"sv": "av jobbstarter med förmånsrådgivning innan"},
    "est_hint_18": {"da": "af arbejdsgivere kontaktet mere end én gang i de seneste 13 uger",
                    "sv": "av arbetsgivare kontaktade mer än en gång de senaste 13 veckorna"},
    "est_hint_25": {"da": "af pauser på over 21 dage fulgt op med kontakt",
                    "sv": "av uppehåll på över 21 dagar följda av kontakt"},
    "figure": {"da": "Nøgletal", "sv": "Nyckeltal"},
    "section_figures": {"da": "Alle nøgletal for måneden", "sv": "Alla nyckeltal för månaden"},
    "reason_same_phase_90d": {"da": "samme fase i over 90 dage", "sv": "samma fas i över 90 dagar"},
    "reason_waiting_employer_contact": {"da": "venter på første arbejdsgiverkontakt i over 30 dage",
                                        "sv": "väntar på första arbetsgivarkontakt i över 30 dagar"},
    "cadence_rule_monthly": {
        "da": "Gældende regel: hver måned (stedets første år); behandlere deltager mindst hver fjerde gang.",
        "sv": "Gällande regel: varje månad (enhetens första år); behandlare deltar minst var fjärde gång."},
    "cadence_rule_every_second_month": {
        "da": "Gældende regel: hver anden måned (efter første år); behandlere deltager mindst hver fjerde gang.",
        "sv": "Gällande regel: varannan månad (efter första året); behandlare deltar minst var fjärde gång."},
    "est_hint_23": {"da": "af starter med kontakt før start, inden for 3 dage og hver uge i 4 uger",
                    "sv": "av starter med kontakt före start, inom 3 dagar och varje vecka i 4 veckor"},
    "discharge_no_contact": {"sv": "Tappad kontakt"},
}


def old_catalogue(path: str | None) -> tuple[dict, dict]:
    """LABELS and FIDELITY_ITEMS of the hand-written catalogue (a file, or git at REV)."""
    if path:
        source = Path(path).read_text(encoding="utf-8")
    else:
        source = subprocess.run(["git", "show", f"{REV}:ips_nb/pages/catalogue.py"], cwd=ROOT, check=True,
                                capture_output=True, text=True).stdout
    namespace: dict = {}
    exec(compile(source, "catalogue.py", "exec"), namespace)  # our own file from our own history
    return namespace["LABELS"], namespace["FIDELITY_ITEMS"]


def build(lang: str, labels: dict, items: dict) -> Catalog:
    i = LANGS.index(lang)
    catalog = Catalog(locale=lang, domain=DOMAIN, project="ips_nb", version="0.1.0", fuzzy=False,
                      creation_date=WHEN, revision_date=WHEN, last_translator="IPS supervisors",
                      language_team=TEAMS[lang],
                      header_comment=f"# The labels of ips_nb in {TEAMS[lang]}: msgid is the label's key (the\n"
                                     "# key a site overrides in its params `labels:`), msgstr its text.\n"
                                     "# A counted label has a singular and a plural form (ngettext).")
    for key in labels:
        if key in COUNTED:
            chooser, forms = COUNTED[key]
            catalog.add((key, key + PLURAL_SUFFIX), forms[lang],
                        auto_comments=[f"counted; the form follows {chooser}"])
        else:
            catalog.add(key, REWORDED.get(key, {}).get(lang, labels[key][i]))
    for item, texts in items.items():
        catalog.add(f"fidelity_item_{item}", texts[i], auto_comments=[f"IPS-25 item {item}"] if item == 1 else [])
    return catalog


def main(argv: list[str]) -> None:
    labels, items = old_catalogue(argv[0] if argv else None)
    missing = (set(COUNTED) | set(REWORDED)) - set(labels)
    assert not missing, f"no such keys in the old catalogue: {missing}"
    for lang in LANGS:
        out = LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
        out.parent.mkdir(parents=True, exist_ok=True)
        buffer = BytesIO()
        write_po(buffer, build(lang, labels, items), width=0)
        # Babel writes a placeholder bug address; the project has none to give
        text = buffer.getvalue().decode("utf-8").replace('"Report-Msgid-Bugs-To: EMAIL@ADDRESS\\n"\n', "")
        out.write_text(text, encoding="utf-8")
        print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main(sys.argv[1:])
