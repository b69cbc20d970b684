"""The figures layer: every number a supervisor or clinician acts on, as pure functions over frames.

Periods and their `as_of` (`periods`), the supervision figures (`metrics`), each candidate's phase
on a day from the phase history (`phases`), the weekly agenda's
rules (`agenda_rules`) and the IPS-25 fidelity estimates (`fidelity`). Nothing here reads the clock,
a file or the database: callers hand in a site's frames and the period. See docs/figures.md.

May import: the data layer (its frame and parameter types) and this layer. Never pages, batch,
live or the command line.
"""
