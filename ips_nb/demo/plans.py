"""The demo's candidates' courses: each decided first (a `Plan`), before any row is written.

Part of ips_nb.demo (which see): a site's shape (how big, how busy, which towns), the dates the
courses are drawn on, and the plans themselves, some anchored on what the pages and the agenda
must show (every phase, outcome and discharge reason; the problems an agenda raises), the rest
at random. ips_nb.demo.tables writes the tables from the plans, so they agree with each other.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from ips_nb.data.params import SiteParams
from ips_nb.data.schema import OUTCOME_KINDS
from ips_nb.figures.periods import Month, agenda_as_of, conference_date, next_conference_week

DEMO_SITES: tuple[str, ...] = ("aarhus", "odense", "jonkoping", "malmo")
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


# Discharge reasons without an outcome, handed out in turn so the demo shows all of them.
OTHER_REASONS = ("own_request", "referred_elsewhere", "moved", "no_contact", "absence", "other")
HOURS = {"job": (8, 10, 12, 15, 15, 18, 20, 20, 25, 30, 37), "education": (15, 20, 25, 30, 37),
         "internship": (10, 12, 15, 20), "work_trial": (6, 8, 10, 12)}
INITIALS = "ABCDEFGHIJKLMNOPRSTV"


# --------------------------------------------------------------------------- dates

def weekday_in(rng: random.Random, lo: date, hi: date) -> date:
    """A random working day in [lo, hi] (a weekend day only if the range holds no other)."""
    if hi < lo:
        return lo
    d = lo + timedelta(days=rng.randint(0, (hi - lo).days))
    if d.weekday() == 5:
        d = d - timedelta(1) if d - timedelta(1) >= lo else min(d + timedelta(2), hi)
    elif d.weekday() == 6:
        d = d + timedelta(1) if d + timedelta(1) <= hi else max(d - timedelta(2), lo)
    return d


def days_after(rng: random.Random, d: date, lo_days: int, hi_days: int) -> date:
    """A working day lo..hi days after d."""
    return weekday_in(rng, d + timedelta(lo_days), d + timedelta(max(lo_days, hi_days)))


def years_before(d: date, years: int) -> date:
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
    referral = weekday_in(ctx.rng, intake - timedelta(gap[1]), intake - timedelta(gap[0]))
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

    r = weekday_in(rng, week_lo, ctx.lim)  # new referral for this week's agenda, with consent
    plans.append(Plan(referral=r, consent=r, role="new_referral"))

    r = weekday_in(rng, F, L)  # referred in the month
    intake = days_after(rng, r, 4, 15)
    p = Plan(referral=r, role="month_referral")
    if intake <= T:
        p.intake = intake
    p.consent = _consent(rng, r, p.intake)
    plans.append(p)

    plans.append(_taken_in(ctx, weekday_in(rng, F, L), "month_intake"))
    plans.append(_taken_in(ctx, weekday_in(rng, T - timedelta(12), T), "engagement"))
    plans.append(_taken_in(ctx, weekday_in(rng, T - timedelta(40), T - timedelta(16)),
                           "assessment"))

    start = weekday_in(rng, F, L)  # a job starts in the month
    p = _taken_in(ctx, start - timedelta(rng.randint(50, 220)), "month_job")
    _outcome(ctx, p, "job", start)
    plans.append(p)

    start = weekday_in(rng, max(F, T - timedelta(55)), L)  # an education starts in the month
    p = _taken_in(ctx, start - timedelta(rng.randint(60, 260)), "month_education")
    _outcome(ctx, p, "education", start)
    plans.append(p)

    start = weekday_in(rng, week_lo, ctx.lim)  # good news for this week's agenda
    p = _taken_in(ctx, start - timedelta(rng.randint(40, 160)), "good_news")
    _outcome(ctx, p, "job", start)
    plans.append(p)

    start = weekday_in(rng, T - timedelta(330), T - timedelta(90))  # in follow-along support
    p = _taken_in(ctx, start - timedelta(rng.randint(30, 150)), "follow_along")
    _outcome(ctx, p, "job", start)
    plans.append(p)

    end = weekday_in(rng, ctx.as_of - timedelta(13), ctx.lim)  # a placement just ended
    start = end - timedelta(rng.randint(28, 70))
    p = _taken_in(ctx, start - timedelta(rng.randint(30, 120)), "placement_ended")
    _trial(ctx, p, "internship", start, end, "completed")
    plans.append(p)

    start = weekday_in(rng, F, L)  # a work trial starts in the month
    p = _taken_in(ctx, start - timedelta(rng.randint(30, 100)), "month_trial")
    _trial(ctx, p, "work_trial", start, start + timedelta(rng.randint(28, 56)), "completed")
    plans.append(p)

    p = _taken_in(ctx, weekday_in(rng, L - timedelta(150), L - timedelta(5)), "no_consent")
    p.consent = None  # enrolled, but has not agreed to the exchange: not discussed across sectors
    plans.append(p)

    p = _taken_in(ctx, weekday_in(rng, L - timedelta(75), L - timedelta(35)), "waiting")
    p.first_ec = None  # no employer contact yet, more than 30 days after intake
    plans.append(p)

    p = _taken_in(ctx, weekday_in(rng, T - timedelta(400), T - timedelta(120)), "gone_quiet")
    p.quiet_from = weekday_in(rng, ctx.lim - timedelta(40), ctx.lim - timedelta(25))
    plans.append(p)

    for kind, why in (("job", "employed"), ("education", "education")):  # a full course
        p = _taken_in(ctx, weekday_in(rng, T - timedelta(700), T - timedelta(460)), f"old_{kind}")
        start = days_after(rng, p.intake, 30, 100)
        _outcome(ctx, p, kind, start)
        p.discharge, p.reason = days_after(rng, start, 270, 360), why
        plans.append(p)

    p = _taken_in(ctx, F - timedelta(rng.randint(90, 400)), "month_discharge")
    p.discharge, p.reason = weekday_in(rng, F, L), reason
    if reason == "absence":  # ended because of high absence at the workplace
        _trial(ctx, p, "internship", p.discharge - timedelta(40), p.discharge - timedelta(5),
               "absence")
    plans.append(p)
    return plans


def _random_plan(ctx: Ctx) -> Plan:
    """A candidate referred at any time in the two years; the course is filled in later."""
    rng, T = ctx.rng, ctx.today
    r = weekday_in(rng, T - timedelta(HISTORY_DAYS), T - timedelta(21))
    if rng.random() < 0.06:  # referred, never taken in
        p = Plan(referral=r, consent=None if rng.random() < 0.5 else r, role="never_taken_in")
        d = days_after(rng, r, 20, 50)
        if d <= T:
            p.discharge = d
            p.reason = rng.choice(("no_contact", "referred_elsewhere", "own_request"))
        return p
    intake = days_after(rng, r, 4, 25)
    if intake > T:
        return Plan(referral=r, consent=r if rng.random() < 0.5 else None)
    return Plan(referral=r, intake=intake, consent=_consent(rng, r, intake))


def _outcome_course(ctx: Ctx, p: Plan) -> None:
    """Job or education some months after intake; some end, some are followed by another job."""
    rng, T = ctx.rng, ctx.today
    span = (T - p.intake).days
    first = _outcome(ctx, p, "job" if rng.random() < 0.75 else "education",
                     days_after(rng, p.intake, 25, min(300, span)))
    if rng.random() < 0.32:
        end = days_after(rng, first.start, 30, 300)
        if end <= T:
            first.end = end
            first.end_reason = rng.choice(
                ("fired", "quit", "temporary", "absence", "illness") if first.kind == "job"
                else ("study_dropped", "study_done"))
            nxt = days_after(rng, end, 20, 90)
            if rng.random() < 0.5 and nxt <= T:
                _outcome(ctx, p, "job", nxt)
    last = p.placements[-1]
    if last.end is None and (T - last.start).days > 300 and rng.random() < 0.6:
        p.discharge = days_after(rng, last.start, 270, min(420, (T - last.start).days))
        p.reason = "employed" if last.kind == "job" else "education"
    elif last.end and (T - last.end).days > 30 and rng.random() < 0.5:
        p.discharge = days_after(rng, last.end, 10, min(60, (T - last.end).days))
        p.reason = ("absence" if last.end_reason == "absence"
                    else rng.choice(("own_request", "other")))


def _other_course(ctx: Ctx, p: Plan, reasons: list[str]) -> None:
    """No outcome (yet): perhaps an internship or work trial, perhaps discharged for a reason."""
    rng, T = ctx.rng, ctx.today
    span = (T - p.intake).days
    if span > 120 and rng.random() < ctx.shape.discharge_rate:
        p.discharge = days_after(rng, p.intake, 60, min(450, span))
        p.reason = reasons.pop(0) if reasons else rng.choice(OTHER_REASONS)
        if p.reason == "absence":  # ended because of high absence at the workplace
            start = p.discharge - timedelta(rng.randint(30, 50))
            end = p.discharge - timedelta(rng.randint(3, 10))
            _trial(ctx, p, "internship", start, end, "absence")
            return
    end = p.discharge or T
    if rng.random() < 0.25 and (end - p.intake).days > 40:
        start = days_after(rng, p.intake, 30, min(150, (end - p.intake).days))
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


def make_plans(ctx: Ctx) -> list[Plan]:
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


