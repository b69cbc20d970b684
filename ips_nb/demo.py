"""Demo data: four fictitious IPS sites (two Danish, two Swedish), anchored on a given day.

Why it exists: `ips-nb demo`, the workbooks and the end-to-end tests need data that look like a
real programme's (every phase, outcome and discharge reason, and the problems an agenda must
raise), and that fill the latest complete month and each site's next conference on or after the
day (this week's, unless its weekday is past: then next week's) whatever day it is.
Everything is drawn from generators seeded with `seed` and the site, never from the clock, so
one seed and one day always give the same frames.

Site names, languages, countries, conference days and teams come from `params/<site>.yaml`
(the one place they are written); only demo content (people, employers, wording, how big a
site is) lives here. Each candidate's course is decided first (a `Plan`); every table is then
written from the plans, so the tables agree with each other and the phase follows the dates:
the phase history (`phases`) is every change of `phase_on` from referral to today, and its
last row is the candidate's `phase`.

The people are invented. Swedish numbers use the birth numbers 980-999 and Danish ones fail the
old modulus-11 check, so they are unlikely to belong to anyone real.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
from stdnum.dk import cpr as dk_cpr

from ips_nb.data import store
from ips_nb.data.identity import se_check_digit
from ips_nb.data.params import SiteParams, load_params
from ips_nb.figures.outcomes import add_months
from ips_nb.figures.periods import Month, Week, agenda_as_of, conference_date, next_conference_week
from ips_nb.data.schema import OUTCOME_KINDS, SURVEY_RANGES, TABLES

DEMO_SITES: tuple[str, ...] = ("aarhus", "odense", "jonkoping", "malmo")
PARAMS_DIR = Path(__file__).resolve().parent.parent / "params"
HISTORY_DAYS = 730  # referrals reach about two years back
LEAD_DAYS = 30      # the programme ran this long before its first referral in the demo
HOLIDAY_WEEKS = (29, 30, 52)  # no conference in the summer and Christmas weeks


@dataclass(frozen=True)
class Shape:
    """How one demo site differs from the others; demo content only, parameters live in YAML."""

    prefix: str                     # id prefix, keeps ids unique across the database
    ftes: tuple[float, ...]         # one per consultant
    clinicians: tuple[int, ...]     # clinicians per team, in the order of the params' teams
    candidates: tuple[int, int]     # how many candidates (inclusive range)
    outcome_share: float            # share of taken-in candidates who reach job or education
    discharge_rate: float           # chance an older candidate without outcome has left
    fidelity: tuple[int, int]       # totals of the first and the latest review
    municipalities: tuple[str, ...]  # the first is the site's own
    incomplete_review: bool = False  # a review in progress in the latest complete month


SHAPES: dict[str, Shape] = {
    "aarhus": Shape("aar", (1.0, 1.0, 0.8), (3, 2), (40, 46), 0.50, 0.45, (84, 104),
                    ("Aarhus", "Skanderborg", "Favrskov", "Syddjurs")),
    "odense": Shape("ode", (1.0, 0.8, 1.0), (3,), (36, 42), 0.46, 0.45, (80, 97),
                    ("Odense", "Nordfyns", "Kerteminde", "Assens")),
    "jonkoping": Shape("jon", (1.0, 1.0), (3,), (32, 38), 0.36, 0.45, (88, 96),
                       ("Jönköping", "Habo", "Mullsjö", "Vaggeryd"), incomplete_review=True),
    # the busy site: two consultants, one part-time, carry more than 20 per FTE
    "malmo": Shape("mal", (1.0, 0.8), (2, 3), (46, 50), 0.42, 0.30, (78, 92),
                   ("Malmö", "Lund", "Burlöv", "Vellinge")),
}

# Wording a person reads, per language: names, goals in the candidate's own words with the
# employers or schools that fit them, actions with their usual owner and when they fit
# (while searching, in follow-along support, with an education goal, any time), why
# placements ended.
TEXT: dict[str, dict] = {
    "da": {
        "consultants": ["Mette Kjær", "Søren Lund", "Line Bach", "Jonas Mølgaard",
                        "Anne Vestergaard", "Rasmus Holm", "Trine Dalsgaard", "Mads Riis"],
        "clinicians": ["Birgitte Dahl", "Henrik Skov", "Camilla Frost", "Peter Bak",
                       "Louise Krogh", "Thomas Winther", "Sanne Lauridsen", "Kasper Juul",
                       "Helle Brandt", "Nikolaj Hvid"],
        "supervisors": ["Hanne Lykke", "Morten Friis"],
        "job": [
            ("Arbejde i en dyrehandel 15 timer om ugen",
             ("Dyrehandlen Pote & Pels", "Zoo-butikken på Torvet")),
            ("Job på et lager, gerne om formiddagen",
             ("Lagerhotel Nord ApS", "Byggemarkedet Vest")),
            ("Arbejde med IT-support", ("IT-Hjælpen ApS", "Kommunens IT-afdeling")),
            ("Job i et supermarked, 20 timer om ugen",
             ("Supermarkedet Torvet", "Købmanden på Hjørnet")),
            ("Arbejde udendørs med planter", ("Grøn Have Planteskole", "Kommunens Parkafdeling")),
            ("Køre ud med varer", ("Budfirmaet Hurtig Levering", "Vognmand Sørensen")),
            ("Arbejde i et køkken", ("Café Solsikken", "Kantinen på Rådhuset")),
            ("Job som rengøringsassistent 10 timer om ugen",
             ("Rengøringsfirmaet Klar", "Plejecenter Solgården")),
            ("Arbejde på et cykelværksted", ("Cykelværkstedet", "Genbrugscyklen")),
            ("Arbejde i en boghandel eller på et bibliotek",
             ("Boghandlen i Gågaden", "Hovedbiblioteket")),
            ("Arbejde i et bageri tidligt om morgenen", ("Bageriet på Hjørnet", "Brødkurven")),
            ("Job som pædagogmedhjælper i en børnehave",
             ("Børnehuset Mælkebøtten", "Børnehaven Solstrålen")),
        ],
        "education": [
            ("Færdiggøre min HF på VUC", ("VUC",)),
            ("Starte på SOSU-uddannelsen", ("SOSU-skolen",)),
            ("Læse til tømrer", ("Erhvervsskolen EUC",)),
            ("Blive datatekniker", ("Tech College",)),
            ("Læse videre på universitetet", ("Universitetet",)),
            ("Tage et AMU-kursus som truckfører", ("AMU-centret",)),
        ],
        "employers": ["Tømrerfirma Jensen & Søn", "Autoværkstedet Hansen", "Hotel Parken",
                      "Genbrugsbutikken", "Vaskeriet Ren Besked", "Posthuset"],
        "actions": [
            ("Opdatere CV", "candidate", "search"),
            ("Søge tre job inden næste møde", "candidate", "search"),
            ("Udfylde ansøgning til uddannelsen", "candidate", "education"),
            ("Ringe til arbejdsgiveren om praktik", "consultant", "search"),
            ("Forberede jobsamtalen sammen", "consultant", "search"),
            ("Aftale opfølgning med arbejdsgiveren", "consultant", "support"),
            ("Besøge arbejdspladsen sammen med borgeren", "consultant", "support"),
            ("Drøfte åbenhed om diagnosen", "consultant", "any"),
            ("Tale med borgeren om medicin og arbejdstider", "clinician", "any"),
            ("Vurdere behov for ekstra samtaler", "clinician", "any"),
            ("Afklare økonomi ved deltidsjob med jobcentret", "other", "any"),
            ("Sagsbehandler bevilger mentor", "other", "support"),
        ],
        "end": {"fired": "Opsagt af arbejdsgiveren", "quit": "Sagde selv op",
                "temporary": "Tidsbegrænset ansættelse udløb", "illness": "Stoppede pga. sygdom",
                "absence": "Højt fravær", "completed": "Afsluttet som planlagt",
                "converted": "Overgik til ordinært job", "study_done": "Uddannelsen gennemført",
                "study_dropped": "Uddannelsen afbrudt"},
    },
    "sv": {
        "consultants": ["Anna Lindqvist", "Erik Sandberg", "Sara Holmgren", "Johan Ek",
                        "Maria Nyström", "Fredrik Berg", "Sofia Wikström", "Daniel Hellberg"],
        "clinicians": ["Karin Sjöberg", "Mikael Åström", "Elin Dahlgren", "Anders Wallin",
                       "Ida Forsberg", "Lars Hedlund", "Emma Lundin", "Oskar Strand",
                       "Linnea Falk", "Jonas Engström"],
        "supervisors": ["Eva Björk", "Per Lindahl"],
        "job": [
            ("Jobba i en djuraffär 15 timmar i veckan",
             ("Djuraffären Tass & Klo", "Zoobutiken vid Torget")),
            ("Jobba på lager, helst på förmiddagar",
             ("Lagercentralen AB", "Byggvaruhuset Väst")),
            ("Jobba med IT-support", ("IT-hjälpen AB", "Kommunens IT-enhet")),
            ("Jobba i en matbutik 20 timmar i veckan",
             ("Matbutiken Torget", "Närbutiken på Hörnet")),
            ("Jobba utomhus med växter", ("Handelsträdgården", "Kommunens parkförvaltning")),
            ("Köra ut varor", ("Budfirman Snabbt & Säkert", "Åkeri Svensson")),
            ("Jobba i ett kök", ("Café Solrosen", "Personalrestaurangen i stadshuset")),
            ("Jobba som lokalvårdare 10 timmar i veckan",
             ("Städbolaget Rent & Fint", "Äldreboendet Solgården")),
            ("Jobba i en cykelverkstad", ("Cykelverkstaden", "Återbrukscykeln")),
            ("Jobba i en bokhandel eller på ett bibliotek",
             ("Bokhandeln på Storgatan", "Stadsbiblioteket")),
            ("Jobba på ett bageri tidigt på morgonen", ("Bageriet på Hörnet", "Brödboden")),
            ("Jobba som barnskötare på förskola",
             ("Förskolan Maskrosen", "Förskolan Solstrålen")),
        ],
        "education": [
            ("Börja studera till undersköterska", ("Vård- och omsorgscollege",)),
            ("Läsa in gymnasiet på Komvux", ("Komvux",)),
            ("Gå en yrkesutbildning till snickare", ("Yrkeshögskolan",)),
            ("Plugga svenska och matte", ("Komvux",)),
            ("Börja på folkhögskola", ("Folkhögskolan",)),
            ("Läsa vidare på högskolan", ("Högskolan",)),
        ],
        "employers": ["Snickeri Karlsson & Son", "Bilverkstaden Svensson", "Hotell Parken",
                      "Secondhandbutiken", "Tvätteriet", "Postombudet"],
        "actions": [
            ("Uppdatera CV", "candidate", "search"),
            ("Söka tre jobb till nästa möte", "candidate", "search"),
            ("Fylla i ansökan till utbildningen", "candidate", "education"),
            ("Ringa arbetsgivaren om praktik", "consultant", "search"),
            ("Förbereda anställningsintervjun tillsammans", "consultant", "search"),
            ("Boka uppföljning med arbetsgivaren", "consultant", "support"),
            ("Besöka arbetsplatsen tillsammans med deltagaren", "consultant", "support"),
            ("Diskutera öppenhet om diagnosen", "consultant", "any"),
            ("Prata med deltagaren om medicin och arbetstider", "clinician", "any"),
            ("Bedöma behov av extra samtal", "clinician", "any"),
            ("Räkna på ekonomin vid deltidsjobb med Försäkringskassan", "other", "any"),
            ("Handläggaren beviljar lönestöd", "other", "support"),
        ],
        "end": {"fired": "Uppsagd av arbetsgivaren", "quit": "Sa upp sig själv",
                "temporary": "Visstidsanställningen tog slut",
                "illness": "Slutade på grund av sjukdom",
                "absence": "Hög frånvaro", "completed": "Avslutad enligt plan",
                "converted": "Övergick till anställning", "study_done": "Utbildningen avslutad",
                "study_dropped": "Studierna avbrutna"},
    },
}
TEXT["en"] = TEXT["da"]  # an English-language site in the demo would still be Danish data

# Discharge reasons without an outcome, handed out in turn so the demo shows all of them.
OTHER_REASONS = ("own_request", "referred_elsewhere", "moved", "no_contact", "absence", "other")
HOURS = {"job": (8, 10, 12, 15, 15, 18, 20, 20, 25, 30, 37), "education": (15, 20, 25, 30, 37),
         "internship": (10, 12, 15, 20), "work_trial": (6, 8, 10, 12)}
INITIALS = "ABCDEFGHIJKLMNOPRSTV"


# --------------------------------------------------------------------------- dates

def _weekday_in(rng: random.Random, lo: date, hi: date) -> date:
    """A random working day in [lo, hi] (a weekend day only if the range holds no other)."""
    if hi < lo:
        return lo
    d = lo + timedelta(days=rng.randint(0, (hi - lo).days))
    if d.weekday() == 5:
        d = d - timedelta(1) if d - timedelta(1) >= lo else min(d + timedelta(2), hi)
    elif d.weekday() == 6:
        d = d + timedelta(1) if d + timedelta(1) <= hi else max(d - timedelta(2), lo)
    return d


def _after(rng: random.Random, d: date, lo_days: int, hi_days: int) -> date:
    """A working day lo..hi days after d."""
    return _weekday_in(rng, d + timedelta(lo_days), d + timedelta(max(lo_days, hi_days)))


def _years_before(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year - years)
    except ValueError:  # 29 February
        return d.replace(year=d.year - years, day=28)


# --------------------------------------------------------------------------- the plan

@dataclass
class Placement:
    kind: str
    employer: str
    start: date
    hours: float
    end: date | None = None
    end_reason: str | None = None  # a key of TEXT[lang]["end"]


@dataclass
class Plan:
    """One candidate's course, decided before any row is written so that every table agrees."""

    referral: date
    intake: date | None = None
    consent: date | None = None
    discharge: date | None = None
    reason: str | None = None
    placements: list[Placement] = field(default_factory=list)
    first_ec: int | None = None       # days from intake to the first employer contact
    quiet_from: date | None = None    # the last contact: the candidate has dropped away since
    goal_kind: str = "job"
    goal: int = -1                    # index into TEXT[lang][goal_kind]; -1 = not chosen yet
    role: str = "random"
    cid: str = ""
    clinician: str = ""
    consultant: str = ""
    team: str | None = None

    def outcomes(self) -> list[Placement]:
        return [p for p in self.placements if p.kind in OUTCOME_KINDS]

    def enrolled(self, d: date) -> bool:
        return (self.intake is not None and self.intake <= d
                and (self.discharge is None or self.discharge > d))


@dataclass
class Ctx:
    """What every step of one site's generation needs: the site, the day and its periods."""

    site: SiteParams
    shape: Shape
    text: dict
    today: date
    rng: random.Random
    names: dict  # consultants, clinicians (lists of names) and supervisor (a name)

    def __post_init__(self) -> None:
        self.month = Month.latest_complete(self.today)
        # the week of the next conference on or after today (this week's, unless already held):
        # the agenda `ips-nb demo` makes is for it, so its material is placed around it
        week = next_conference_week(self.today, self.site.conference_weekday)
        self.week = week
        self.conference = conference_date(week, self.site.conference_weekday)
        self.as_of = agenda_as_of(week, self.site.conference_weekday)
        self.lim = min(self.as_of, self.today)  # the agenda's window, never past today
        self.start = self.today - timedelta(HISTORY_DAYS + LEAD_DAYS)
        self.teams: list[str | None] = list(self.site.teams) or [None]


def _consent(rng: random.Random, referral: date, intake: date | None) -> date:
    """Consent is given at referral (psychiatry asks) or at the intake meeting."""
    return referral if intake is None or rng.random() < 0.5 else intake


def _taken_in(ctx: Ctx, intake: date, role: str, gap: tuple[int, int] = (4, 20)) -> Plan:
    """A candidate taken in on `intake`, referred a little before."""
    referral = _weekday_in(ctx.rng, intake - timedelta(gap[1]), intake - timedelta(gap[0]))
    referral = max(referral, ctx.start + timedelta(LEAD_DAYS))
    return Plan(referral=referral, intake=intake, consent=_consent(ctx.rng, referral, intake),
                role=role)


def _placement(ctx: Ctx, plan: Plan, kind: str, start: date) -> Placement:
    """A placement fitting the candidate's goal (outcomes) or a general employer (trials)."""
    rng = ctx.rng
    if kind in OUTCOME_KINDS:
        if plan.goal_kind != kind or plan.goal < 0:
            plan.goal_kind, plan.goal = kind, rng.randrange(len(ctx.text[kind]))
        employer = rng.choice(ctx.text[kind][plan.goal][1])
    else:
        employer = rng.choice(ctx.text["employers"] + [e for _, es in ctx.text["job"] for e in es])
    return Placement(kind, employer, start, float(rng.choice(HOURS[kind])))


def _outcome(ctx: Ctx, plan: Plan, kind: str, start: date) -> Placement:
    p = _placement(ctx, plan, kind, start)
    plan.placements.append(p)
    return p


def _trial(ctx: Ctx, plan: Plan, kind: str, start: date, end: date | None, reason: str) -> None:
    """An internship or work trial (never an outcome); it ends by the discharge at the latest."""
    if plan.discharge and (end is None or end > plan.discharge):
        end = plan.discharge
    p = _placement(ctx, plan, kind, start)
    p.end, p.end_reason = (end, reason) if end and end <= ctx.today else (None, None)
    plan.placements.append(p)


def _anchored(ctx: Ctx, reason: str) -> list[Plan]:
    """Candidates placed so the latest complete month and this week always have something;
    `reason` is the discharge reason of the one discharged in the month."""
    rng, T = ctx.rng, ctx.today
    F, L = ctx.month.first, ctx.month.last
    week_lo = ctx.conference - timedelta(6)  # after the previous conference
    plans: list[Plan] = []

    r = _weekday_in(rng, week_lo, ctx.lim)  # new referral for this week's agenda, with consent
    plans.append(Plan(referral=r, consent=r, role="new_referral"))

    r = _weekday_in(rng, F, L)  # referred in the month
    intake = _after(rng, r, 4, 15)
    p = Plan(referral=r, role="month_referral")
    if intake <= T:
        p.intake = intake
    p.consent = _consent(rng, r, p.intake)
    plans.append(p)

    plans.append(_taken_in(ctx, _weekday_in(rng, F, L), "month_intake"))
    plans.append(_taken_in(ctx, _weekday_in(rng, T - timedelta(12), T), "engagement"))
    plans.append(_taken_in(ctx, _weekday_in(rng, T - timedelta(40), T - timedelta(16)),
                           "assessment"))

    start = _weekday_in(rng, F, L)  # a job starts in the month
    p = _taken_in(ctx, start - timedelta(rng.randint(50, 220)), "month_job")
    _outcome(ctx, p, "job", start)
    plans.append(p)

    start = _weekday_in(rng, max(F, T - timedelta(55)), L)  # an education starts in the month
    p = _taken_in(ctx, start - timedelta(rng.randint(60, 260)), "month_education")
    _outcome(ctx, p, "education", start)
    plans.append(p)

    start = _weekday_in(rng, week_lo, ctx.lim)  # good news for this week's agenda
    p = _taken_in(ctx, start - timedelta(rng.randint(40, 160)), "good_news")
    _outcome(ctx, p, "job", start)
    plans.append(p)

    start = _weekday_in(rng, T - timedelta(330), T - timedelta(90))  # in follow-along support
    p = _taken_in(ctx, start - timedelta(rng.randint(30, 150)), "follow_along")
    _outcome(ctx, p, "job", start)
    plans.append(p)

    end = _weekday_in(rng, ctx.as_of - timedelta(13), ctx.lim)  # a placement just ended
    start = end - timedelta(rng.randint(28, 70))
    p = _taken_in(ctx, start - timedelta(rng.randint(30, 120)), "placement_ended")
    _trial(ctx, p, "internship", start, end, "completed")
    plans.append(p)

    start = _weekday_in(rng, F, L)  # a work trial starts in the month
    p = _taken_in(ctx, start - timedelta(rng.randint(30, 100)), "month_trial")
    _trial(ctx, p, "work_trial", start, start + timedelta(rng.randint(28, 56)), "completed")
    plans.append(p)

    p = _taken_in(ctx, _weekday_in(rng, L - timedelta(150), L - timedelta(5)), "no_consent")
    p.consent = None  # enrolled, but has not agreed to the exchange: not discussed across sectors
    plans.append(p)

    p = _taken_in(ctx, _weekday_in(rng, L - timedelta(75), L - timedelta(35)), "waiting")
    p.first_ec = None  # no employer contact yet, more than 30 days after intake
    plans.append(p)

    p = _taken_in(ctx, _weekday_in(rng, T - timedelta(400), T - timedelta(120)), "gone_quiet")
    p.quiet_from = _weekday_in(rng, ctx.lim - timedelta(40), ctx.lim - timedelta(25))
    plans.append(p)

    for kind, why in (("job", "employed"), ("education", "education")):  # a full course
        p = _taken_in(ctx, _weekday_in(rng, T - timedelta(700), T - timedelta(460)), f"old_{kind}")
        start = _after(rng, p.intake, 30, 100)
        _outcome(ctx, p, kind, start)
        p.discharge, p.reason = _after(rng, start, 270, 360), why
        plans.append(p)

    p = _taken_in(ctx, F - timedelta(rng.randint(90, 400)), "month_discharge")
    p.discharge, p.reason = _weekday_in(rng, F, L), reason
    if reason == "absence":  # ended because of high absence at the workplace
        _trial(ctx, p, "internship", p.discharge - timedelta(40), p.discharge - timedelta(5),
               "absence")
    plans.append(p)
    return plans


def _random_plan(ctx: Ctx) -> Plan:
    """A candidate referred at any time in the two years; the course is filled in later."""
    rng, T = ctx.rng, ctx.today
    r = _weekday_in(rng, T - timedelta(HISTORY_DAYS), T - timedelta(21))
    if rng.random() < 0.06:  # referred, never taken in
        p = Plan(referral=r, consent=None if rng.random() < 0.5 else r, role="never_taken_in")
        d = _after(rng, r, 20, 50)
        if d <= T:
            p.discharge = d
            p.reason = rng.choice(("no_contact", "referred_elsewhere", "own_request"))
        return p
    intake = _after(rng, r, 4, 25)
    if intake > T:
        return Plan(referral=r, consent=r if rng.random() < 0.5 else None)
    return Plan(referral=r, intake=intake, consent=_consent(rng, r, intake))


def _outcome_course(ctx: Ctx, p: Plan) -> None:
    """Job or education some months after intake; some end, some are followed by another job."""
    rng, T = ctx.rng, ctx.today
    span = (T - p.intake).days
    first = _outcome(ctx, p, "job" if rng.random() < 0.75 else "education",
                     _after(rng, p.intake, 25, min(300, span)))
    if rng.random() < 0.32:
        end = _after(rng, first.start, 30, 300)
        if end <= T:
            first.end = end
            first.end_reason = rng.choice(
                ("fired", "quit", "temporary", "absence", "illness") if first.kind == "job"
                else ("study_dropped", "study_done"))
            nxt = _after(rng, end, 20, 90)
            if rng.random() < 0.5 and nxt <= T:
                _outcome(ctx, p, "job", nxt)
    last = p.placements[-1]
    if last.end is None and (T - last.start).days > 300 and rng.random() < 0.6:
        p.discharge = _after(rng, last.start, 270, min(420, (T - last.start).days))
        p.reason = "employed" if last.kind == "job" else "education"
    elif last.end and (T - last.end).days > 30 and rng.random() < 0.5:
        p.discharge = _after(rng, last.end, 10, min(60, (T - last.end).days))
        p.reason = ("absence" if last.end_reason == "absence"
                    else rng.choice(("own_request", "other")))


def _other_course(ctx: Ctx, p: Plan, reasons: list[str]) -> None:
    """No outcome (yet): perhaps an internship or work trial, perhaps discharged for a reason."""
    rng, T = ctx.rng, ctx.today
    span = (T - p.intake).days
    if span > 120 and rng.random() < ctx.shape.discharge_rate:
        p.discharge = _after(rng, p.intake, 60, min(450, span))
        p.reason = reasons.pop(0) if reasons else rng.choice(OTHER_REASONS)
        if p.reason == "absence":  # ended because of high absence at the workplace
            start = p.discharge - timedelta(rng.randint(30, 50))
            end = p.discharge - timedelta(rng.randint(3, 10))
            _trial(ctx, p, "internship", start, end, "absence")
            return
    end = p.discharge or T
    if rng.random() < 0.25 and (end - p.intake).days > 40:
        start = _after(rng, p.intake, 30, min(150, (end - p.intake).days))
        if start <= end:
            _trial(ctx, p, rng.choice(("internship", "work_trial")), start,
                   start + timedelta(rng.randint(28, 84)), "completed")


def _employer_contact_start(ctx: Ctx, p: Plan) -> None:
    """Most candidates meet an employer within 30 days; some take longer; a few not yet."""
    rng = ctx.rng
    if p.intake is None or p.role == "waiting":
        return
    u = rng.random()
    p.first_ec = rng.randint(4, 28) if u < 0.68 else rng.randint(31, 90) if u < 0.92 else None
    starts = [pl.start for pl in p.outcomes()]
    if starts:  # a job search comes before the job
        room = (min(starts) - p.intake).days
        if p.first_ec is None or p.first_ec > room - 3:
            p.first_ec = max(1, room - rng.randint(7, 30))


def _choose_goal(ctx: Ctx, p: Plan) -> None:
    """The candidate's own goal: mostly a job, sometimes an education."""
    if p.goal < 0:
        p.goal_kind = "job" if ctx.rng.random() < 0.75 else "education"
        p.goal = ctx.rng.randrange(len(ctx.text[p.goal_kind]))


def _plans(ctx: Ctx) -> list[Plan]:
    """Every candidate of the site, with a course consistent with `today`."""
    rng, T = ctx.rng, ctx.today
    k = DEMO_SITES.index(ctx.site.site) if ctx.site.site in DEMO_SITES else 0
    reasons = list(OTHER_REASONS[2 * k:] + OTHER_REASONS[:2 * k])  # each site starts elsewhere
    plans = _anchored(ctx, reasons.pop(0))
    n = rng.randint(*ctx.shape.candidates)
    randoms = [_random_plan(ctx) for _ in range(max(0, n - len(plans)))]
    taken = [p for p in plans + randoms if p.intake is not None]
    wanted = round(ctx.shape.outcome_share * len(taken)) - sum(1 for p in plans if p.outcomes())
    eligible = [p for p in randoms if p.intake is not None and (T - p.intake).days >= 60]
    chosen = set(map(id, rng.sample(eligible, max(0, min(wanted, len(eligible))))))
    for p in taken:
        _choose_goal(ctx, p)
    for p in randoms:
        if p.intake is None:
            continue
        if id(p) in chosen:
            _outcome_course(ctx, p)
        else:
            _other_course(ctx, p, reasons)
    for p in plans + randoms:
        _employer_contact_start(ctx, p)
    return sorted(plans + randoms, key=lambda p: (p.referral, p.intake or date.max, p.role))


def phase_on(p: Plan, day: date) -> str:
    """The phase the dates imply (so phase and dates never disagree); an outcome placement
    under 60 days old gives 'employed'/'education', an older one 'follow_along'."""
    if p.discharge is not None and p.discharge <= day:
        return "discharged"
    if p.intake is None or p.intake > day:
        return "referral"
    ongoing = [pl for pl in p.outcomes() if pl.start <= day and (pl.end is None or pl.end >= day)]
    if ongoing:
        latest = max(ongoing, key=lambda pl: pl.start)
        if (day - latest.start).days < 60:
            return "employed" if latest.kind == "job" else "education"
        return "follow_along"
    days = (day - p.intake).days
    return "engagement" if days < 14 else "assessment" if days < 42 else "job_search"


def phase_history(p: Plan, today: date) -> list[tuple[date, str]]:
    """(from_date, phase) each time the phase changes, from the referral up to `today`.

    `phase_on` is constant between the days its rules turn on (referral, intake, 14 and 42 days
    after it, an outcome placement's start, 60 days after it and the day after its end, the
    discharge), so evaluating it on those days finds every change: referral → engagement at
    intake → assessment → job_search → employed/education → follow_along (→ job_search when a
    placement ends) → discharged on the discharge day. The last row is `phase_on(p, today)`,
    the candidate's `phase`. Draws nothing from the generator, so the other tables stay as
    they were.
    """
    turns = {p.referral}
    if p.intake is not None:
        turns |= {p.intake, p.intake + timedelta(14), p.intake + timedelta(42)}
    for pl in p.outcomes():
        turns |= {pl.start, pl.start + timedelta(60)}
        if pl.end is not None:
            turns.add(pl.end + timedelta(1))
    if p.discharge is not None:
        turns.add(p.discharge)
    out: list[tuple[date, str]] = []
    for day in sorted(d for d in turns if p.referral <= d <= today):
        phase = phase_on(p, day)
        if not out or out[-1][1] != phase:
            out.append((day, phase))
    return out


# --------------------------------------------------------------------------- people

@dataclass(frozen=True)
class Staff:
    id: str
    name: str
    fte: float = 1.0
    teams: tuple[str | None, ...] = ()
    start: date | None = None


def _staff(ctx: Ctx) -> tuple[list[Staff], list[Staff]]:
    """Consultants (each attached to one or two teams) and clinicians (each in one team)."""
    rng, pre = ctx.rng, ctx.shape.prefix
    teams = ctx.teams
    consultants = []
    for i, fte in enumerate(ctx.shape.ftes):
        attached = tuple(teams) if i >= len(teams) else (teams[i],)
        consultants.append(Staff(f"{pre}-k{i + 1:02d}", ctx.names["consultants"][i], fte, attached,
                                 ctx.start - timedelta(rng.randint(30, 600))))
    clinicians, names = [], iter(ctx.names["clinicians"])
    for t, team in enumerate(teams):
        for _ in range(_team_sizes(ctx.shape, len(teams))[t]):
            cid = f"{pre}-b{len(clinicians) + 1:02d}"
            clinicians.append(Staff(cid, next(names), teams=(team,)))
    return consultants, clinicians


def _team_sizes(shape: Shape, n_teams: int) -> list[int]:
    """Clinicians per team; a team the demo does not know gets two."""
    return [shape.clinicians[t] if t < len(shape.clinicians) else 2 for t in range(n_teams)]


def _assign(ctx: Ctx, plans: list[Plan], consultants: list[Staff], clinicians: list[Staff]) -> None:
    """Ids in referral order; a clinician, and of the consultants attached to the clinician's
    team the one with the lightest caseload per FTE that day (as a team leader would)."""
    rng = ctx.rng
    for i, p in enumerate(plans):
        p.cid = f"{ctx.shape.prefix}-c{i + 1:03d}"
        clin = rng.choice(clinicians)
        p.clinician, p.team = clin.id, clin.teams[0]
        fits = [k for k in consultants if p.team in k.teams] or consultants
        p.consultant = min(fits, key=lambda k: (_caseload(plans[:i], k.id, p.referral)
                                                + rng.random()) / k.fte).id


def _caseload(plans: list[Plan], consultant: str, day: date) -> int:
    """Candidates the consultant carries on `day` (referred and not yet discharged)."""
    return sum(1 for p in plans if p.consultant == consultant and p.referral <= day
               and (p.discharge is None or p.discharge > day))


def _birth(ctx: Ctx, p: Plan) -> date:
    """18-64 today and at least 18 at referral; many are 18-29 (sites often target them)."""
    rng, T = ctx.rng, ctx.today
    age = rng.randint(18, 29) if rng.random() < 0.5 else int(rng.triangular(30, 64, 38))
    born = _years_before(T, age) - timedelta(rng.randint(0, 364))
    latest = _years_before(p.referral, 18)
    if born > latest:
        born = latest - timedelta(rng.randint(0, 180))
    return max(born, _years_before(T, 65) + timedelta(1))


def _dk_cpr(rng: random.Random, born: date, male: bool) -> str:
    """DDMMYY-SSSS: the 7th digit gives the century, odd last digit a man; fails modulus 11."""
    while True:
        century = rng.randint(0, 3) if born.year < 2000 else rng.randint(4, 9)
        last = rng.choice((1, 3, 5, 7, 9) if male else (0, 2, 4, 6, 8))
        digits = f"{born:%d%m%y}{century}{rng.randint(0, 99):02d}{last}"
        if dk_cpr.checksum(digits) != 0:
            return f"{digits[:6]}-{digits[6:]}"


def _se_pnr(rng: random.Random, born: date, male: bool) -> str:
    """YYMMDD-NNNC with birth number 980-999 (odd for a man) and the Luhn check digit."""
    nnn = rng.choice([n for n in range(980, 1000) if n % 2 == (1 if male else 0)])
    first9 = f"{born:%y%m%d}{nnn}"
    return f"{first9[:6]}-{nnn}{se_check_digit(first9)}"


def _person(ctx: Ctx, p: Plan, used: set[str], initials: set[str]) -> dict:
    """Gender, birth year, identity number, initials and municipality of one candidate."""
    rng = ctx.rng
    male = rng.random() < 0.5
    born = _birth(ctx, p)
    while True:
        number = (_dk_cpr if ctx.site.country == "DK" else _se_pnr)(rng, born, male)
        if number not in used:
            break
        born -= timedelta(1)
    used.add(number)
    while True:
        ini = rng.choice(INITIALS) + rng.choice(INITIALS)
        if ini not in initials or len(initials) > 300:
            break
    initials.add(ini)
    towns = ctx.shape.municipalities
    return {"cpr": number, "initials": ini, "gender": "male" if male else "female",
            "birth_year": born.year,
            "municipality": towns[0] if rng.random() < 0.65 else rng.choice(towns[1:] or towns)}


# --------------------------------------------------------------------------- tables

def _candidate_rows(ctx: Ctx, plans: list[Plan], used: set[str]) -> list[dict]:
    initials: set[str] = set()
    rows = []
    for p in plans:
        rows.append({"candidate_id": p.cid, "site": ctx.site.site, "referral_date": p.referral,
                     **_person(ctx, p, used, initials), "consultant_id": p.consultant,
                     "clinician_id": p.clinician, "consent_date": p.consent,
                     "intake_date": p.intake, "phase": phase_on(p, ctx.today),
                     "discharge_date": p.discharge, "discharge_reason": p.reason})
    return rows


def _phase_rows(ctx: Ctx, plans: list[Plan]) -> list[dict]:
    """The phase history of every candidate, oldest row first."""
    return [{"candidate_id": p.cid, "phase": phase, "from_date": day}
            for p in sorted(plans, key=lambda p: p.cid)
            for day, phase in phase_history(p, ctx.today)]


def _placement_rows(ctx: Ctx, plans: list[Plan]) -> list[dict]:
    rows = []
    every = sorted(((pl.start, p.cid, pl) for p in plans for pl in p.placements),
                   key=lambda t: t[:2])
    for i, (_, cid, pl) in enumerate(every):
        rows.append({"placement_id": f"{ctx.shape.prefix}-p{i + 1:03d}", "candidate_id": cid,
                     "kind": pl.kind, "employer": pl.employer, "start_date": pl.start,
                     "end_date": pl.end, "hours_per_week": pl.hours,
                     "end_reason": ctx.text["end"][pl.end_reason] if pl.end_reason else None})
    return rows


def _goal_rows(ctx: Ctx, plans: list[Plan]) -> list[dict]:
    """The candidate's goal in their own words; sometimes an earlier one they changed."""
    rng, T, rows = ctx.rng, ctx.today, []
    for p in plans:
        if p.intake is None:
            continue
        starts = [pl.start for pl in p.outcomes()]
        bound = min([T, p.discharge or T] + [s - timedelta(3) for s in starts])
        set_date = min(_after(rng, p.intake, 0, 21), bound)
        if set_date > T or set_date < p.intake:
            set_date = p.intake
        if p.intake > T - timedelta(3) and not starts:
            continue  # just taken in: no goal written down yet
        if rng.random() < 0.2 and (bound - set_date).days > 40:
            other = "education" if p.goal_kind == "job" else "job"
            rows.append({"candidate_id": p.cid, "kind": other, "set_date": set_date,
                         "description": rng.choice(ctx.text[other])[0], "status": "dropped"})
            set_date = _after(rng, set_date, 20, min(90, (bound - set_date).days))
            set_date = min(set_date, bound)
        achieved = any(pl.kind == p.goal_kind for pl in p.outcomes())
        status = "achieved" if achieved else ("dropped" if p.discharge and rng.random() < 0.5
                                              else "active")
        rows.append({"candidate_id": p.cid, "kind": p.goal_kind, "set_date": set_date,
                     "description": ctx.text[p.goal_kind][p.goal][0], "status": status})
    return rows


def _action_done(ctx: Ctx, p: Plan, created: date, due: date) -> date | None:
    """Old actions get done (sometimes late), recent ones may still be open, a discharge
    closes all: so the overdue list is short and current, as in a working team."""
    rng, T = ctx.rng, ctx.today
    if p.discharge is not None:
        return max(created, min(due + timedelta(rng.randint(-6, 5)), p.discharge))
    late = (T - due).days
    if late > 45:
        return max(created, min(due + timedelta(rng.randint(-6, 20)), T))
    if late >= 0:
        if rng.random() < 0.15:
            return None
        return max(created, min(due + timedelta(rng.randint(-6, 4)), T))
    return _weekday_in(rng, created, T) if created < T and rng.random() < 0.15 else None


def _action_list(ctx: Ctx, plans: list[Plan]) -> list[tuple]:
    """(created, cid, description, owner, due, done) for every action, anchored ones included."""
    rng, T, out = ctx.rng, ctx.today, []
    for p in plans:
        if p.intake is None:
            continue
        created, end = p.intake, min(p.discharge or T, T)
        while created <= end:
            desc, owner = _pick_action(ctx, p, created)
            due = _after(rng, created, 7, 28)
            out.append((created, p.cid, desc, owner, due, _action_done(ctx, p, created, due)))
            created = _after(rng, created, 21, 45)
    out += _anchored_actions(ctx, plans)
    return out


def _pick_action(ctx: Ctx, p: Plan, day: date) -> tuple[str, str]:
    """(description, owner) of an action that fits where the candidate is on `day`."""
    working = any(pl.start <= day and (pl.end is None or pl.end >= day) for pl in p.outcomes())
    fits = {"any", "support"} if working else {"any", "search", p.goal_kind}
    desc, owner, _ = ctx.rng.choice([a for a in ctx.text["actions"] if a[2] in fits])
    return desc, owner


def _anchored_actions(ctx: Ctx, plans: list[Plan]) -> list[tuple]:
    """Open actions due this week and overdue ones, for candidates the agenda may discuss, and
    one done late after the latest complete month (so its pack has an overdue action)."""
    rng, out, last = ctx.rng, [], ctx.month.last
    late = [p for p in plans if p.enrolled(ctx.today) and p.intake <= last - timedelta(30)]
    for p in rng.sample(late, min(1, len(late))):
        due = _weekday_in(rng, last - timedelta(20), last - timedelta(3))
        desc, owner = _pick_action(ctx, p, due)
        done = _weekday_in(rng, last + timedelta(1), min(last + timedelta(12), ctx.today))
        out.append((max(p.intake, due - timedelta(14)), p.cid, desc, owner, due, done))
    ok = [p for p in plans if p.enrolled(ctx.lim) and p.consent and p.consent <= ctx.as_of
          and p.intake <= ctx.as_of - timedelta(35)]
    monday, friday = ctx.week.monday, ctx.week.day(5)
    for p in rng.sample(ok, min(3, len(ok))):
        created = max(p.intake, min(ctx.conference - timedelta(7), ctx.today))
        desc, owner = _pick_action(ctx, p, created)
        out.append((created, p.cid, desc, owner, _weekday_in(rng, monday, friday), None))
    for p in rng.sample(ok, min(2, len(ok))):
        due = _weekday_in(rng, ctx.as_of - timedelta(20), ctx.as_of - timedelta(2))
        desc, owner = _pick_action(ctx, p, due)
        out.append((max(p.intake, due - timedelta(14)), p.cid, desc, owner, due, None))
    return out


def _action_rows(ctx: Ctx, plans: list[Plan]) -> list[dict]:
    every = sorted(_action_list(ctx, plans), key=lambda t: (t[0], t[1], t[4]))
    return [{"action_id": f"{ctx.shape.prefix}-a{i + 1:04d}", "candidate_id": cid,
             "description": desc, "owner": owner, "due_date": due, "created_date": created,
             "done_date": done}
            for i, (created, cid, desc, owner, due, done) in enumerate(every)]


def _contact_dates(ctx: Ctx, p: Plan) -> list[tuple[date, str]]:
    """(date, kind) of a candidate's contacts: meetings, benefits advice early, interviews
    before a job, and the follow-along rhythm after a start (a week before, days after, weekly
    for a month, then monthly)."""
    rng = ctx.rng
    stop = min(p.quiet_from or ctx.today, p.discharge or ctx.today, ctx.today)
    out = [(p.intake, "meeting")]
    d = p.intake
    while (d := _after(rng, d, 6, 40 if rng.random() < 0.06 else 20)) <= stop:
        out.append((d, "other" if rng.random() < 0.12 else "meeting"))
    starts = [pl.start for pl in p.placements]
    if rng.random() < 0.88:
        hi = min([p.intake + timedelta(35), stop] + [s - timedelta(2) for s in starts])
        if hi >= p.intake:
            out.append((_weekday_in(rng, p.intake + timedelta(2), hi), "benefits_counselling"))
    for pl in p.placements:
        if pl.kind == "job":
            for _ in range(rng.randint(1, 2)):
                day = _weekday_in(rng, max(p.intake, pl.start - timedelta(21)),
                                  pl.start - timedelta(2))
                out.append((day, "interview"))
        if pl.kind in OUTCOME_KINDS:
            out += _follow_along(ctx, p, pl, stop)
    return [(d, k) for d, k in out if p.intake <= d <= stop]


def _follow_along(ctx: Ctx, p: Plan, pl: Placement, stop: date) -> list[tuple[date, str]]:
    rng = ctx.rng
    out = [(pl.start - timedelta(rng.randint(2, 6)), "meeting"),
           (_after(rng, pl.start, 1, 3), "meeting")]
    d = pl.start
    for _ in range(4):
        d = _after(rng, d, 6, 8)
        out.append((d, "meeting"))
    end = min(pl.end or stop, stop)
    while (d := _after(rng, d, 21, 40)) <= end:
        out.append((d, "employer_contact" if rng.random() < 0.3 else "meeting"))
    return out


def _employer_search(ctx: Ctx, p: Plan) -> list[date]:
    """Days the consultant contacted employers for this candidate while they looked for work."""
    if p.intake is None or p.first_ec is None:
        return []
    rng = ctx.rng
    starts = [pl.start for pl in p.outcomes()]
    stop = min([p.quiet_from or ctx.today, p.discharge or ctx.today, ctx.today]
               + [s - timedelta(1) for s in starts[:1]])
    d = _weekday_in(rng, p.intake + timedelta(p.first_ec), p.intake + timedelta(p.first_ec))
    out = []
    while d <= stop:
        out.append(d)
        d = _after(rng, d, 5, 16)
    return out


def _contact_rows(ctx: Ctx, plans: list[Plan]) -> tuple[list[dict], list[dict]]:
    """Contacts with candidates, and the employer contacts made on their behalf (sometimes
    written in one table, sometimes in the other, sometimes both, as consultants do)."""
    rng, contacts, linked = ctx.rng, [], []
    for p in plans:
        if p.intake is None or p.intake > ctx.today:
            continue
        seen = set(_contact_dates(ctx, p))
        employers = list(ctx.text[p.goal_kind][p.goal][1]) + ctx.text["employers"]
        for d in _employer_search(ctx, p):
            u = rng.random()
            if u < 0.75:
                linked.append({"consultant_id": p.consultant, "date": d,
                               "employer": rng.choice(employers), "candidate_id": p.cid,
                               "face_to_face": rng.random() < 0.8})
            if u >= 0.45:
                seen.add((d, "employer_contact"))
        contacts += [{"candidate_id": p.cid, "date": d, "kind": k, "consultant_id": p.consultant}
                     for d, k in sorted(seen)]
    return contacts, linked


def _job_development(ctx: Ctx, consultants: list[Staff]) -> list[dict]:
    """Each consultant's weekly visits and calls to employers, beyond a named candidate."""
    rng, rows = ctx.rng, []
    pool = ctx.text["employers"] + [e for _, es in ctx.text["job"] for e in es]
    for k in consultants:
        monday = Week.containing(max(k.start, ctx.start)).monday
        while monday <= ctx.today:
            for _ in range(rng.randint(2, 6)):
                d = monday + timedelta(rng.randint(0, 4))
                if d <= ctx.today:
                    rows.append({"consultant_id": k.id, "date": d, "employer": rng.choice(pool),
                                 "candidate_id": None, "face_to_face": rng.random() < 0.7})
            monday += timedelta(7)
    return rows


def _discussed(p: Plan, d: date) -> bool:
    """Could the candidate be discussed at a conference on d (consent given, in the programme)?"""
    if p.consent is None or p.consent > d or p.referral > d:
        return False
    if p.discharge is not None and p.discharge <= d:
        return False
    return p.intake is not None and p.intake <= d or (d - p.referral).days <= 14


def _conference_rows(ctx: Ctx, plans: list[Plan]) -> list[dict]:
    """Each team's weekly conference before today: a row for the meeting, then one per
    candidate discussed (about half of the team's candidates each week)."""
    rng, rows, site = ctx.rng, [], ctx.site.site
    first = conference_date(Week.containing(ctx.start), ctx.site.conference_weekday)
    for team in ctx.teams:
        members = [p for p in plans if p.team == team]
        d = first
        while d < ctx.today:
            if d.isocalendar()[1] in HOLIDAY_WEEKS and d < ctx.today - timedelta(42):
                d += timedelta(7)
                continue
            rows.append({"site": site, "date": d, "candidate_id": None, "consultant_id": None,
                         "team": team})
            for p in members:
                if _discussed(p, d) and rng.random() < 0.45:
                    rows.append({"site": site, "date": d, "candidate_id": p.cid,
                                 "consultant_id": p.consultant, "team": team})
            d += timedelta(7)
    return rows


def _supervision_rows(ctx: Ctx, n_consultants: int) -> list[dict]:
    """Monthly group supervision; clinicians join about every fourth session."""
    rng, rows = ctx.rng, []
    m, i = Month(ctx.start.year, ctx.start.month), 0
    supervisor = ctx.names["supervisor"]
    while m.first <= ctx.today:
        d = _weekday_in(rng, m.first + timedelta(7), m.first + timedelta(20))
        if ctx.start <= d <= ctx.today:
            rows.append({"site": ctx.site.site, "date": d, "supervisor": supervisor,
                         "consultants_present": n_consultants - (rng.random() < 0.15),
                         "clinicians_present": rng.randint(1, 3) if i % 4 == 3 else 0})
            i += 1
        m = m.shift(1)
    return rows


def _item_scores(rng: random.Random, total: int) -> list[int]:
    """25 scores of 1-5 summing to `total`: even, then shuffled between items."""
    base, extra = divmod(total, 25)
    scores = [base + (1 if i < extra else 0) for i in range(25)]
    rng.shuffle(scores)
    for _ in range(30):
        i, j = rng.randrange(25), rng.randrange(25)
        if scores[i] < 5 and scores[j] > 1 and i != j:
            scores[i] += 1
            scores[j] -= 1
    return scores


def _fidelity_rows(ctx: Ctx) -> list[dict]:
    """IPS-25 reviews about every six months, improving; one site has one in progress."""
    rng, L, site = ctx.rng, ctx.month.last, ctx.site.site
    dates = []
    for k in range(1 if ctx.shape.incomplete_review else 0, 6):
        centre = L - timedelta(25 + 182 * k)
        d = _weekday_in(rng, centre - timedelta(8), min(centre + timedelta(8), L))
        if d >= ctx.start:
            dates.append(d)
    dates.reverse()
    lo, hi = ctx.shape.fidelity
    rows = []
    for i, d in enumerate(dates):
        trend = lo + (hi - lo) * i / max(1, len(dates) - 1)
        total = min(110, max(80, round(trend) + rng.randint(-2, 2)))
        rows += [{"site": site, "review_date": d, "item": n + 1, "score": s}
                 for n, s in enumerate(_item_scores(rng, total))]
    if ctx.shape.incomplete_review:
        d = _weekday_in(rng, max(ctx.month.first, L - timedelta(20)), L - timedelta(2))
        items = sorted(rng.sample(range(1, 26), rng.randint(10, 18)))
        rows += [{"site": site, "review_date": d, "item": n, "score": rng.randint(2, 5)}
                 for n in items]
    return rows


# --------------------------------------------------------------------------- follow-ups and surveys
# Drawn from a generator of their own, after everything else, so adding them changed no row of
# the other tables.

FOLLOW_UP_MONTHS = 4  # the demo's sites call those who left for work 4 months on, as Aalborg does


def _answers_rng(ctx: Ctx) -> random.Random:
    return random.Random(f"{ctx.rng.random()}:{ctx.site.site}:answers")


def _followup_rows(ctx: Ctx, plans: list[Plan], rng: random.Random) -> list[dict]:
    """A call about 4 months after discharge to most who left in work or education: most are
    still in it, some are not, a few do not answer; about one in ten is never called."""
    rows = []
    for p in plans:
        if p.discharge is None or p.reason not in ("employed", "education") or rng.random() < 0.1:
            continue
        due = add_months(p.discharge, FOLLOW_UP_MONTHS)
        day = due + timedelta(rng.randint(-12, 20))
        if day > ctx.today:
            continue
        kind = "job" if p.reason == "employed" else "education"
        status = rng.choices([kind, "neither", "no_answer"], weights=[8, 1.5, 0.5])[0]
        hours = rng.choice(HOURS[kind]) if status == kind else None
        rows.append({"candidate_id": p.cid, "date": day, "status": status, "hours_per_week": hours})
    return rows


SURVEY_ITEMS = {"experience": 3, "mansa": 12}  # the demo asks three experience questions


def _response(rng: random.Random, cid: str, day: date, instrument: str, occasion: str,
              lift: float) -> list[dict]:
    top = SURVEY_RANGES[instrument][1]
    base = 3.6 if instrument == "experience" else 4.2
    return [{"candidate_id": cid, "date": day, "instrument": instrument, "item": item,
             "score": max(1, min(top, round(rng.gauss(base + lift, 0.9)))), "occasion": occasion}
            for item in range(1, SURVEY_ITEMS[instrument] + 1)]


def _survey_rows(ctx: Ctx, plans: list[Plan], rng: random.Random) -> list[dict]:
    """The site's questionnaire (its `surveys` parameter): at intake, about three weeks in, and
    again about two months into a job or education; some never answer."""
    if ctx.site.surveys is None:
        return []
    instrument = ctx.site.surveys.instrument
    rows = []
    for p in plans:
        if p.intake is None or rng.random() < 0.15:
            continue
        day = p.intake + timedelta(rng.randint(14, 28))
        if day <= ctx.today and (p.discharge is None or day < p.discharge):
            rows += _response(rng, p.cid, day, instrument, "intake", 0.0)
        for pl in p.outcomes()[:1]:
            day = pl.start + timedelta(rng.randint(56, 75))
            if day <= ctx.today and (p.discharge is None or day < p.discharge) and rng.random() < 0.8:
                rows += _response(rng, p.cid, day, instrument, "in_work", 0.6)
    return rows


# --------------------------------------------------------------------------- assembly

def _site_rows(ctx: Ctx, used: set[str]) -> dict[str, list[dict]]:
    """Every table's rows for one site."""
    consultants, clinicians = _staff(ctx)
    plans = _plans(ctx)
    _assign(ctx, plans, consultants, clinicians)
    contacts, linked = _contact_rows(ctx, plans)
    site = ctx.site.site
    return {
        "consultants": [{"consultant_id": k.id, "site": site, "name": k.name, "fte": k.fte,
                         "start_date": k.start} for k in consultants],
        "clinicians": [{"clinician_id": c.id, "site": site, "name": c.name, "team": c.teams[0]}
                       for c in clinicians],
        "candidates": _candidate_rows(ctx, plans, used),
        "phases": _phase_rows(ctx, plans),
        "goals": _goal_rows(ctx, plans),
        "actions": _action_rows(ctx, plans),
        "contacts": contacts,
        "employer_contacts": sorted(linked + _job_development(ctx, consultants),
                                    key=lambda r: (r["consultant_id"], r["date"])),
        "placements": _placement_rows(ctx, plans),
        "fidelity": _fidelity_rows(ctx),
        "supervision": _supervision_rows(ctx, len(consultants)),
        "conferences": _conference_rows(ctx, plans),
        **_answer_rows(ctx, plans),
    }


def _answer_rows(ctx: Ctx, plans: list[Plan]) -> dict[str, list[dict]]:
    rng = _answers_rng(ctx)
    return {"followups": _followup_rows(ctx, plans, rng), "surveys": _survey_rows(ctx, plans, rng)}


def _names(params: list[SiteParams], seed: int) -> dict[str, dict]:
    """Staff names per site: each language's pool shuffled once and dealt out without repeats."""
    out, dealt = {}, {}
    for p in params:
        lang = p.language
        if lang not in dealt:
            pools = {k: list(TEXT[lang][k]) for k in ("consultants", "clinicians", "supervisors")}
            shuffler = random.Random(f"{seed}:{lang}:names")
            for pool in pools.values():
                shuffler.shuffle(pool)
            dealt[lang] = pools
        pools = dealt[lang]
        ftes = SHAPES[p.site].ftes
        clinicians = sum(_team_sizes(SHAPES[p.site], max(1, len(p.teams))))
        out[p.site] = {"consultants": pools["consultants"][:len(ftes)],
                       "clinicians": pools["clinicians"][:clinicians],
                       "supervisor": pools["supervisors"][0]}
        for key, n in (("consultants", len(ftes)), ("clinicians", clinicians), ("supervisors", 1)):
            pools[key] = pools[key][n:] or list(TEXT[lang][key])
    return out


def _frame(table: str, rows: list[dict]) -> pd.DataFrame:
    """Rows to an exchange-format frame: the declared columns in the declared order."""
    columns = TABLES[table].column_names
    return pd.DataFrame.from_records(rows, columns=columns) if rows else \
        pd.DataFrame({c: pd.Series([], dtype="object") for c in columns})


def generate(today: date, seed: int = 2026, *,
             params_dir: str | Path | None = None) -> dict[str, pd.DataFrame]:
    """Exchange-format frames for the demo sites, anchored on `today`; same inputs, same frames."""
    params = [load_params(params_dir or PARAMS_DIR, s) for s in DEMO_SITES]
    names = _names(params, seed)
    rows: dict[str, list[dict]] = {name: [] for name in TABLES}
    used: set[str] = set()  # identity numbers given out, so nobody is registered twice
    for p in params:
        ctx = Ctx(p, SHAPES[p.site], TEXT[p.language], today, random.Random(f"{seed}:{p.site}"),
                  names[p.site])
        for name, site_rows in _site_rows(ctx, used).items():
            rows[name] += site_rows
    return {name: _frame(name, rows[name]) for name in TABLES}


def build_demo_db(url: str | None, today: date, seed: int = 2026, key: bytes = b"demo-key", *,
                  params_dir: str | Path | None = None) -> list[str]:
    """Write the demo sites (replacing them); an SQLite file is deleted first so it is fresh."""
    url = store.db_url(url)
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        path = url.removeprefix("sqlite:///")
        for suffix in ("", "-journal", "-wal", "-shm"):
            Path(path + suffix).unlink(missing_ok=True)
    frames = generate(today, seed, params_dir=params_dir)
    engine = store.connect(url)
    try:
        written = store.write_sites(engine, frames, key)
    finally:
        engine.dispose()
    return [s for s in DEMO_SITES if s in written]
