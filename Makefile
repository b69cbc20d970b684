# make demo: set up and build the demo reports.  make test: set up and run every test.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: setup demo test lint test-fast serve hub proxy lab sysdeps clean bench

# configurable-http-proxy for `ips-nb hub`, as pinned in package-lock.json, into node_modules/.
PROXY := node_modules/.bin/configurable-http-proxy

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	$(PY) -m pip check
	touch $(STAMP)

# npm ci into the project's own node_modules/; without npm (or its registry) the rest still works,
# and only `ips-nb hub` and its tests miss the proxy (a failure under CI=true, not a skip).
$(PROXY): package.json package-lock.json
	@if command -v npm >/dev/null; then \
	  npm ci --no-audit --no-fund --loglevel=error && touch $(PROXY) \
	    || echo "npm ci failed: ips-nb hub needs configurable-http-proxy (run make setup again)"; \
	else echo "npm not found: ips-nb hub needs Node.js >= 20 and npm (then run make setup again)"; fi

proxy: $(PROXY)

setup: $(STAMP) $(PROXY)

demo: setup
	$(VENV)/bin/ips-nb demo

# Chromium (browser and PDF tests), PostgreSQL (store/import tests), poppler-utils, Node.js/npm
# (the hub's proxy, then installed by `make proxy`) and OpenLDAP's slapd with ldap-utils and openssl
# (the hub's LDAP login test; Debian's slapd package starts no server here): from
# Debian's packages when running as root and missing; elsewhere install them yourself
# (the tests skip without them, except under CI=true, where a skip is a failure).
sysdeps:
	@if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
	  need=""; \
	  [ -x /usr/bin/chromium ] || need="$$need chromium"; \
	  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need="$$need postgresql"; \
	  command -v pdftoppm >/dev/null || need="$$need poppler-utils"; \
	  command -v npm >/dev/null || need="$$need nodejs npm"; \
	  [ -x /usr/sbin/slapd ] && command -v ldapwhoami >/dev/null || need="$$need slapd ldap-utils"; \
	  command -v openssl >/dev/null || need="$$need openssl"; \
	  if [ -n "$$need" ]; then echo "installing$$need"; \
	    (apt-get update -qq || true) && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$need >/dev/null; fi; \
	fi
	@$(MAKE) --no-print-directory proxy

# Every test: ruff and mypy (pyproject.toml), then tests/unit, tests/cli, tests/notebooks,
# tests/browser (Chromium), tests/system (PostgreSQL).
test: setup sysdeps lint
	$(PY) -m pytest -q

lint: setup
	$(VENV)/bin/ruff check ips_nb tests tools benchmarks
	$(VENV)/bin/mypy ips_nb

# The unit tests alone (SQLite only, no notebook, browser or server): under a minute.
test-fast: setup
	$(PY) -m pytest -q -n 2 tests/unit -m "not system"

# make serve PORT=8870 SITE=aarhus: another port (8866 taken), one site (its conference panel)
serve: setup
	$(VENV)/bin/ips-nb serve $(if $(PORT),--port $(PORT)) $(if $(SITE),--site $(SITE))

# Every site's dashboards behind JupyterHub: IPS_NB_HUB_PASSWORD=... make hub [PORT=8001] (docs/deployment.md)
hub: setup
	$(VENV)/bin/ips-nb hub $(if $(PORT),--port $(PORT))

lab: setup
	IPS_NB_DB=sqlite:///$(CURDIR)/data/ips.db $(VENV)/bin/jupyter lab workbooks/

bench: setup
	$(PY) benchmarks/batch.py

clean:
	rm -rf reports data .pytest_cache
