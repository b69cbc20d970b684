"""The package `ips_nb.templates` (pyproject.toml's package-dir): found by ips_nb.resources, in a checkout and installed."""
