# The two set-up commands are `make run` and `make test`; both bootstrap everything first.
VENV      := .venv
PY        := $(VENV)/bin/python
BIN       := $(VENV)/bin
STAMP     := $(VENV)/.installed
# npm may come with a nodejs that is not Debian's (whose npm package would then conflict),
# so Debian's npm is asked for only when no npm is on the PATH.
NPM_DEB   := $(if $(shell command -v npm 2>/dev/null),,npm)
# Debian packages the sandbox, the five languages, the frontend build and the browser tests
# need (checked with dpkg, installed as root).
DEBS      := bubblewrap libseccomp2 util-linux gcc g++ make python3 openjdk-17-jdk-headless nodejs \
             chromium $(NPM_DEB)
# The web UI's browser bundles, built from frontend/ (see frontend/README.md).
WEB_BUILD := src/batchjudge/web/static/build
WEB_STAMP := $(WEB_BUILD)/.built
# The documentation site (mkdocs.yml), served by the app at /guide. mkdocs empties its
# site dir on every build, so the stamp lives beside it.
GUIDE_STAMP := $(WEB_BUILD)/.guide-built
GUIDE_SOURCES := mkdocs.yml $(shell find docs docs_hooks -type f -not -name '*.pyc' 2>/dev/null)
MKDOCS    := NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs

.PHONY: install system-packages run grade-example test lint typecheck docs pytest bench bench-service bench-judge0 bench-monitoring bench-packages bench-pages bench-load bench-scale clean

install: system-packages $(STAMP) $(WEB_STAMP) $(GUIDE_STAMP)

# $(call debian-packages,LIST): install what LIST lacks (checked with dpkg, installed as root).
define debian-packages
	@missing=""; for p in $(1); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing Debian packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	  else \
	    echo "missing Debian packages; run: sudo apt-get install -y$$missing"; \
	  fi; \
	fi
endef

system-packages:
	$(call debian-packages,$(DEBS))

# The monitoring benchmark's load generator.
bench-packages:
	$(call debian-packages,wrk)

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev,docs]'
	touch $(STAMP)

# node and npm come from system-packages, which must run first but changes nothing here.
$(WEB_STAMP): frontend/package.json frontend/package-lock.json frontend/build.mjs \
              $(wildcard frontend/src/*.js) | system-packages
	npm ci --prefix frontend --no-audit --no-fund
	node frontend/build.mjs
	touch $(WEB_STAMP)

$(GUIDE_STAMP): $(GUIDE_SOURCES) | $(STAMP)
	$(MKDOCS) build --strict --quiet
	touch $(GUIDE_STAMP)

# The documentation site, built strictly: a broken link, anchor or missing page fails.
docs: install
	$(MKDOCS) build --strict

# The grading service on http://127.0.0.1:8000: migrates the SQLite database, seeds demo
# users and problems on the first run (printing their tokens and curl commands every run),
# then serves. A second run keeps the data.
run: install
	$(BIN)/batchjudge db upgrade
	$(BIN)/batchjudge seed-demo examples/sum-pairs examples/average
	$(BIN)/batchjudge serve --host 127.0.0.1 --port 8000

# The engine alone: grade the bundled example from the command line.
grade-example: install
	$(BIN)/batchjudge grade examples/sum-pairs examples/sum-pairs/submissions/solve.cpp

lint: install
	$(BIN)/ruff format --check src tests benchmarks docs_hooks
	$(BIN)/ruff check src tests benchmarks docs_hooks

typecheck: install
	$(BIN)/mypy

pytest: install
	$(BIN)/pytest

test: lint typecheck docs pytest

bench: install
	$(PY) benchmarks/engine.py

bench-service: install
	$(PY) benchmarks/service.py

bench-judge0: install
	$(PY) benchmarks/judge0_calls.py

# Monitoring endpoints at 50 concurrent requests over 100 000 submissions, on SQLite and on
# PostgreSQL (postgres@127.0.0.1:5432, trust authentication; a scratch database is dropped).
bench-monitoring: install bench-packages
	$(PY) benchmarks/monitoring.py

# Web UI pages: the server's answer and the full load in headless chromium, per page.
bench-pages: install
	$(PY) benchmarks/pages.py

# 50 simulated students submit and poll a real server on 127.0.0.1 for 60 s (SQLite; pass
# ARGS="--database-url postgresql+psycopg://..." for PostgreSQL). Fails on any error
# other than 429/503.
bench-load: install
	$(PY) benchmarks/load.py $(ARGS)

# C++ grading throughput with one single-slot `batchjudge worker`, then two, behind one
# `serve --no-workers`, and their ratio (target 1.6x). Needs PostgreSQL
# (postgres@127.0.0.1:5432, trust authentication; a scratch database is dropped) and Redis
# on 127.0.0.1:6379. ARGS="--quick" for a smoke run.
bench-scale: install
	$(PY) benchmarks/scale.py $(ARGS)

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache frontend/node_modules $(WEB_BUILD)
