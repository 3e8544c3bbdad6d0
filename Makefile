# The two set-up commands are `make run` and `make test`; both bootstrap everything first.
VENV      := .venv
PY        := $(VENV)/bin/python
BIN       := $(VENV)/bin
STAMP     := $(VENV)/.installed
# Debian packages the sandbox and the five languages need (checked with dpkg, installed as root).
DEBS      := bubblewrap libseccomp2 util-linux gcc g++ make python3 openjdk-17-jdk-headless nodejs

.PHONY: install system-packages run grade-example test lint typecheck pytest bench bench-service bench-judge0 bench-monitoring clean

install: system-packages $(STAMP)

system-packages:
	@missing=""; for p in $(DEBS); do \
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

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

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
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/ruff check src tests benchmarks

typecheck: install
	$(BIN)/mypy

pytest: install
	$(BIN)/pytest

test: lint typecheck pytest

bench: install
	$(PY) benchmarks/engine.py

bench-service: install
	$(PY) benchmarks/service.py

bench-judge0: install
	$(PY) benchmarks/judge0_calls.py

# Monitoring endpoints at 50 concurrent requests over 100 000 submissions, on SQLite and on
# PostgreSQL (postgres@127.0.0.1:5432, trust authentication; a scratch database is dropped).
bench-monitoring: install
	$(PY) benchmarks/monitoring.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
