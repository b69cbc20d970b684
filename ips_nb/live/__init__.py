"""The live layer: the dashboards Voila serves (`dashboard`), the server around them (`serve`,
`voila_app`, with `guard`: the Host and Origin checks, `kernels`: owners, warm pool, culling,
limits, and `revocation`: open pages ended and saves refused once access is lost),
and a region's hub in front of them (`hub`: JupyterHub's configuration, `access`: who sees which
site, `jupyterhub_config.py`: the file `jupyterhub -f` reads; `wording`: this layer's labels).

Every section a dashboard shows is a page of the pages layer over narrowed data: there is no
second implementation of a figure here.

May import: pages, figures and data. Never batch or the command line.
"""
