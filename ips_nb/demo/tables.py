"""The demo's tables written from the plans (ips_nb.demo.plans): people, then every table.

Part of ips_nb.demo (which see). Each table is a list of row dicts in the exchange format;
ips_nb.demo assembles a site's tables and makes the frames.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from stdnum.dk import cpr as dk_cpr

from ips_nb.data.identity import se_check_digit
from ips_nb.data.schema import OUTCOME_KINDS, SURVEY_RANGES
from ips_nb.demo.plans import (
    HOLIDAY_WEEKS,
    HOURS,
    INITIALS,
    Ctx,
    Placement,
    Plan,
    Shape,
    days_after,
    phase_history,
    phase_on,
    weekday_in,
    years_before,
)
from ips_nb.figures.outcomes import add_months
from ips_nb.figures.periods import Month, Week, conference_date

# --------------------------------------------------------------------------- people

@dataclass(frozen=True)
class Staff:
    id: str
    name: str
    fte: float = 1.0
    teams: tuple[str | None, ...] = ()
    start: date | None = None


def make_staff(ctx: Ctx) -> tuple[list[Staff], list[Staff]]:
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
        for _ in range(team_sizes(ctx.shape, len(teams))[t]):
            cid = f"{pre}-b{len(clinicians) + 1:02d}"
            clinicians.append(Staff(cid, next(names), teams=(team,)))
    return consultants, clinicians


def team_sizes(shape: Shape, n_teams: int) -> list[int]:
    """Clinicians per team; a team the demo does not know gets two."""
    return [shape.clinicians[t] if t < len(shape.clinicians) else 2 for t in range(n_teams)]


def assign_staff(ctx: Ctx, plans: list[Plan], consultants: list[Staff], clinicians: list[Staff]) -> None:
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
    born = years_before(T, age) - timedelta(rng.randint(0, 364))
    latest = years_before(p.referral, 18)
    if born > latest:
        born = latest - timedelta(rng.randint(0, 180))
    return max(born, years_before(T, 65) + timedelta(1))


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

def candidate_rows(ctx: Ctx, plans: list[Plan], used: set[str]) -> list[dict]:
    initials: set[str] = set()
    rows = []
    for p in plans:
        rows.append({"candidate_id": p.cid, "site": ctx.site.site, "referral_date": p.referral,
                     **_person(ctx, p, used, initials), "consultant_id": p.consultant,
                     "clinician_id": p.clinician, "consent_date": p.consent,
                     "intake_date": p.intake, "phase": phase_on(p, ctx.today),
                     "discharge_date": p.discharge, "discharge_reason": p.reason})
    return rows


def phase_rows(ctx: Ctx, plans: list[Plan]) -> list[dict]:
    """The phase history of every candidate, oldest row first."""
    return [{"candidate_id": p.cid, "phase": phase, "from_date": day}
            for p in sorted(plans, key=lambda p: p.cid)
            for day, phase in phase_history(p, ctx.today)]


def placement_rows(ctx: Ctx, plans: list[Plan]) -> list[dict]:
    rows = []
    every = sorted(((pl.start, p.cid, pl) for p in plans for pl in p.placements),
                   key=lambda t: t[:2])
    for i, (_, cid, pl) in enumerate(every):
        rows.append({"placement_id": f"{ctx.shape.prefix}-p{i + 1:03d}", "candidate_id": cid,
                     "kind": pl.kind, "employer": pl.employer, "start_date": pl.start,
                     "end_date": pl.end, "hours_per_week": pl.hours,
                     "end_reason": ctx.text["end"][pl.end_reason] if pl.end_reason else None})
    return rows


def goal_rows(ctx: Ctx, plans: list[Plan]) -> list[dict]:
    """The candidate's goal in their own words; sometimes an earlier one they changed."""
    rng, T, rows = ctx.rng, ctx.today, []
    for p in plans:
        if p.intake is None:
            continue
        starts = [pl.start for pl in p.outcomes()]
        bound = min([T, p.discharge or T] + [s - timedelta(3) for s in starts])
        set_date = min(days_after(rng, p.intake, 0, 21), bound)
        if set_date > T or set_date < p.intake:
            set_date = p.intake
        if p.intake > T - timedelta(3) and not starts:
            continue  # just taken in: no goal written down yet
        if rng.random() < 0.2 and (bound - set_date).days > 40:
            other = "education" if p.goal_kind == "job" else "job"
            rows.append({"candidate_id": p.cid, "kind": other, "set_date": set_date,
                         "description": rng.choice(ctx.text[other])[0], "status": "dropped"})
            set_date = days_after(rng, set_date, 20, min(90, (bound - set_date).days))
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
    return weekday_in(rng, created, T) if created < T and rng.random() < 0.15 else None


def _action_list(ctx: Ctx, plans: list[Plan]) -> list[tuple]:
    """(created, cid, description, owner, due, done) for every action, anchored ones included."""
    rng, T, out = ctx.rng, ctx.today, []
    for p in plans:
        if p.intake is None:
            continue
        created, end = p.intake, min(p.discharge or T, T)
        while created <= end:
            desc, owner = _pick_action(ctx, p, created)
            due = days_after(rng, created, 7, 28)
            out.append((created, p.cid, desc, owner, due, _action_done(ctx, p, created, due)))
            created = days_after(rng, created, 21, 45)
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
        due = weekday_in(rng, last - timedelta(20), last - timedelta(3))
        desc, owner = _pick_action(ctx, p, due)
        done = weekday_in(rng, last + timedelta(1), min(last + timedelta(12), ctx.today))
        out.append((max(p.intake, due - timedelta(14)), p.cid, desc, owner, due, done))
    ok = [p for p in plans if p.enrolled(ctx.lim) and p.consent and p.consent <= ctx.as_of
          and p.intake <= ctx.as_of - timedelta(35)]
    monday, friday = ctx.week.monday, ctx.week.day(5)
    for p in rng.sample(ok, min(3, len(ok))):
        created = max(p.intake, min(ctx.conference - timedelta(7), ctx.today))
        desc, owner = _pick_action(ctx, p, created)
        out.append((created, p.cid, desc, owner, weekday_in(rng, monday, friday), None))
    for p in rng.sample(ok, min(2, len(ok))):
        due = weekday_in(rng, ctx.as_of - timedelta(20), ctx.as_of - timedelta(2))
        desc, owner = _pick_action(ctx, p, due)
        out.append((max(p.intake, due - timedelta(14)), p.cid, desc, owner, due, None))
    return out


def action_rows(ctx: Ctx, plans: list[Plan]) -> list[dict]:
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
    while (d := days_after(rng, d, 6, 40 if rng.random() < 0.06 else 20)) <= stop:
        out.append((d, "other" if rng.random() < 0.12 else "meeting"))
    starts = [pl.start for pl in p.placements]
    if rng.random() < 0.88:
        hi = min([p.intake + timedelta(35), stop] + [s - timedelta(2) for s in starts])
        if hi >= p.intake:
            out.append((weekday_in(rng, p.intake + timedelta(2), hi), "benefits_counselling"))
    for pl in p.placements:
        if pl.kind == "job":
            for _ in range(rng.randint(1, 2)):
                day = weekday_in(rng, max(p.intake, pl.start - timedelta(21)),
                                  pl.start - timedelta(2))
                out.append((day, "interview"))
        if pl.kind in OUTCOME_KINDS:
            out += _follow_along(ctx, p, pl, stop)
    return [(d, k) for d, k in out if p.intake <= d <= stop]


def _follow_along(ctx: Ctx, p: Plan, pl: Placement, stop: date) -> list[tuple[date, str]]:
    rng = ctx.rng
    out = [(pl.start - timedelta(rng.randint(2, 6)), "meeting"),
           (days_after(rng, pl.start, 1, 3), "meeting")]
    d = pl.start
    for _ in range(4):
        d = days_after(rng, d, 6, 8)
        out.append((d, "meeting"))
    end = min(pl.end or stop, stop)
    while (d := days_after(rng, d, 21, 40)) <= end:
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
    d = weekday_in(rng, p.intake + timedelta(p.first_ec), p.intake + timedelta(p.first_ec))
    out = []
    while d <= stop:
        out.append(d)
        d = days_after(rng, d, 5, 16)
    return out


def contact_rows(ctx: Ctx, plans: list[Plan]) -> tuple[list[dict], list[dict]]:
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


def job_development(ctx: Ctx, consultants: list[Staff]) -> list[dict]:
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


def conference_rows(ctx: Ctx, plans: list[Plan]) -> list[dict]:
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


def supervision_rows(ctx: Ctx, n_consultants: int) -> list[dict]:
    """Monthly group supervision; clinicians join about every fourth session."""
    rng, rows = ctx.rng, []
    m, i = Month(ctx.start.year, ctx.start.month), 0
    supervisor = ctx.names["supervisor"]
    while m.first <= ctx.today:
        d = weekday_in(rng, m.first + timedelta(7), m.first + timedelta(20))
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


def fidelity_rows(ctx: Ctx) -> list[dict]:
    """IPS-25 reviews about every six months, improving; one site has one in progress."""
    rng, L, site = ctx.rng, ctx.month.last, ctx.site.site
    dates = []
    for k in range(1 if ctx.shape.incomplete_review else 0, 6):
        centre = L - timedelta(25 + 182 * k)
        d = weekday_in(rng, centre - timedelta(8), min(centre + timedelta(8), L))
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
        d = weekday_in(rng, max(ctx.month.first, L - timedelta(20)), L - timedelta(2))
        items = sorted(rng.sample(range(1, 26), rng.randint(10, 18)))
        rows += [{"site": site, "review_date": d, "item": n, "score": rng.randint(2, 5)}
                 for n in items]
    return rows


# --------------------------------------------------------------------------- follow-ups and surveys
# Drawn from a generator of their own, after everything else, so adding them changed no row of
# the other tables.

FOLLOW_UP_MONTHS = 4  # the demo's sites call those who left for work 4 months on, as Aalborg does


def answers_rng(ctx: Ctx) -> random.Random:
    return random.Random(f"{ctx.rng.random()}:{ctx.site.site}:answers")


def followup_rows(ctx: Ctx, plans: list[Plan], rng: random.Random) -> list[dict]:
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


def survey_rows(ctx: Ctx, plans: list[Plan], rng: random.Random) -> list[dict]:
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


