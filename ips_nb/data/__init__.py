"""The data layer: what the product knows, and how it gets in and out.

The exchange format declared once (`schema`), the store over SQLite or PostgreSQL (`tables`
(declarations), `connection` (engines, transactions), `frames` (reads), `store` (writes)), site
parameters (`params`), reading and checking a SOURCE (`readers`, `problems`, `validate`), import and
export (`importer`, `export`) and the CPR/personnummer pseudonym (`identity`).

May import: the standard library, third-party packages and other modules of this layer only.
Never imports figures, pages, batch, live or the command line.
"""
