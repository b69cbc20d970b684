"""The package `ips_nb.demo_params` (pyproject.toml's package-dir): the demo's parameters, which
`ips-nb demo` writes into the folder it runs in; found by ips_nb.resources, in a checkout and installed."""
