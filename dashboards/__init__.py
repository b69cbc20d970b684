"""The package `ips_nb.dashboards` (pyproject.toml's package-dir): found by ips_nb.resources, in a checkout and installed."""
