"""JupyterHub configuration for the IPS dashboards: `jupyterhub -f ips_nb/live/jupyterhub_config.py`.

This is what `ips-nb hub` runs. Its settings come from the environment (`ips-nb hub` sets them
from its options): IPS_NB_HUB_PARAMS (the folder of site parameters and access.yaml),
IPS_NB_HUB_ACCESS, IPS_NB_HUB_DB, IPS_NB_HUB_REPORTS, IPS_NB_HUB_IP, IPS_NB_HUB_PORT,
IPS_NB_HUB_STATE (the hub's own database and cookie secret), and the demo login's password
IPS_NB_HUB_PASSWORD (required), IPS_NB_HUB_LOGIN_LOCK (seconds a user name or address is locked
after too many failed logins, doubling; default 30) and IPS_NB_HUB_TRUSTED_PROXIES (comma-separated
addresses of a TLS proxy in front of the hub, skipped in X-Forwarded-For) and IPS_NB_HUB_API_PORT
(the hub's own API on 127.0.0.1, which `ips-nb hub` asks whether the hub is up; default a free port).
The hub's pages are in the reader's language (templates/hub/, `lang` in access.yaml). A region with
its own login writes its own config file instead:
`from ips_nb.live.hub import configure`, then its authenticator (docs/deployment.md).
"""
from ips_nb.live.hub import configure_from_env

configure_from_env(get_config())  # type: ignore[name-defined]  # noqa: F821 - JupyterHub's config loader provides get_config
