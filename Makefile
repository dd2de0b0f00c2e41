# Kring's commands. Each creates .venv itself; see README.md.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
CATALOGS := $(wildcard web/translations/*/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGS:.po=.mo)
# Parallel test processes; CI machines have 2 cores.
TEST_WORKERS ?= 2

.PHONY: install compile run test trust soak lint format translations extract-messages clean bench screenshots

install: $(INSTALLED) $(COMPILED)

$(INSTALLED): requirements-dev.lock pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements-dev.lock
	$(PY) -m pip install -q --no-deps -e .
	touch $@

%.mo: %.po $(INSTALLED)
	$(VENV)/bin/pybabel compile -i $< -o $@

run: install
	$(PY) -m server migrate
	KRING_ORG_NAME="$${KRING_ORG_NAME:-Welzijn Rivierenland}" $(PY) -m server seed-demo
	KRING_ORG_NAME="$${KRING_ORG_NAME:-Welzijn Rivierenland}" $(PY) -m server serve --host 127.0.0.1 --port 8000

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# The browser tests run in a pytest process of their own: Playwright's sync API keeps an event
# loop in the thread, which the asyncio tests cannot share.
# Python here may be told not to write its bytecode (PYTHONDONTWRITEBYTECODE); the tests start
# hundreds of Kring processes, each of which would compile every module again: compile once.
compile: install
	$(PY) -m compileall -q -j 0 server services models realtime config harness tests > /dev/null

test: lint compile
	$(VENV)/bin/pytest -n $(TEST_WORKERS) -m "not browser and not soak"
	$(VENV)/bin/pytest -n $(TEST_WORKERS) -m "browser and not soak"

# The trust tier alone: the fault, load and attack cases of docs/reliability.md (`make test`
# runs them too). TRUST_REPORT=file.jsonl collects the figures they measure.
trust: compile
	$(VENV)/bin/pytest -n $(TEST_WORKERS) -m "trust and not browser"
	$(VENV)/bin/pytest -m "trust and browser"

# Not in CI: the load cases at the issue's full size, the fuzzers at ten times their examples,
# then the 30-minute soak (TRUST_SOAK_SECONDS, TRUST_SOAK_CLIENTS change it).
soak: install
	TRUST_SCALE=full TRUST_FUZZ_EXAMPLES=3000 $(VENV)/bin/pytest -m "trust and not browser" --timeout=1800
	$(VENV)/bin/pytest -m soak -s

# After changing user-facing text: refresh the catalogs, then translate the new entries.
extract-messages: install
	$(VENV)/bin/pybabel extract -F babel.cfg -k N_ -k gettext -k ngettext:1,2 --no-location \
		--sort-output --omit-header -o web/translations/messages.pot .
	$(VENV)/bin/pybabel update -i web/translations/messages.pot -d web/translations --no-fuzzy-matching

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache $(COMPILED)

# The benchmark (docs/performance.md): not part of `make test`. BENCH_SCALE=small for a quick run;
# BENCH_SCENARIOS=hot,idle,... to run some of them; BENCH_DATABASE=sqlite to skip PostgreSQL.
BENCH_SCALE ?= full
bench: install
	BENCH_SCALE=$(BENCH_SCALE) $(PY) -m bench.run
	BENCH_SCALE=$(BENCH_SCALE) $(PY) -m bench.search

# The README's pictures: the main pages at a desk's and a phone's size, on a fresh demo
# organisation (docs/screenshots/take.py). Needs Chromium at /usr/bin/chromium.
screenshots: install
	$(PY) docs/screenshots/take.py
