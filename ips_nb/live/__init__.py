"""The live layer: the dashboards Voila serves (`dashboard`), the server around them (`serve`,
`voila_app`).

Every section a dashboard shows is a page of the pages layer over narrowed data: there is no
second implementation of a figure here.

May import: pages, figures and data. Never batch or the command line.
"""
