"""One migration per file, numbered in order (see ips_nb.data.migrations)."""
