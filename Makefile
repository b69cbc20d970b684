# make demo: set up and build the demo reports.  make test: set up and run every test.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: setup demo test test-fast serve lab sysdeps clean bench

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	$(PY) -m pip check
	touch $(STAMP)

setup: $(STAMP)

demo: setup
	$(VENV)/bin/ips-nb demo

# Chromium (browser and PDF tests), PostgreSQL (store/import tests) and poppler-utils: from
# Debian's packages when running as root and missing; elsewhere install them yourself
# (the tests skip without them, except under CI=true, where a skip is a failure).
sysdeps:
	@if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
	  need=""; \
	  [ -x /usr/bin/chromium ] || need="$$need chromium"; \
	  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need="$$need postgresql"; \
	  command -v pdftoppm >/dev/null || need="$$need poppler-utils"; \
	  if [ -n "$$need" ]; then echo "installing$$need"; \
	    (apt-get update -qq || true) && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$need >/dev/null; fi; \
	fi

# Every test: tests/unit, tests/cli, tests/notebooks, tests/browser (Chromium), tests/system (PostgreSQL).
test: setup sysdeps
	$(PY) -m pytest -q

# The unit tests alone (SQLite only, no notebook, browser or server): under a minute.
test-fast: setup
	$(PY) -m pytest -q tests/unit -m "not system"

serve: setup
	$(VENV)/bin/ips-nb serve

lab: setup
	IPS_NB_DB=sqlite:///$(CURDIR)/data/ips.db $(VENV)/bin/jupyter lab workbooks/

bench: setup
	$(PY) benchmarks/batch.py

clean:
	rm -rf reports data .pytest_cache
