# Two commands: `make run` (set up, build the demo warehouse if missing, start the dashboard)
# and `make test` (set up with the test extras, run the whole suite).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8501
DEMO_TICKETS ?= 50000
# test processes: one per core (pytest-xdist); TEST_WORKERS=0 runs the suite in one process
TEST_WORKERS ?= auto

.PHONY: run test check demo bench clean screenshot

$(BIN)/python:
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11 or newer is needed"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt requirements-lake.txt $(VENV)/.runtime
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

demo: $(VENV)/.runtime
	$(BIN)/python -m etl demo --if-missing --tickets $(DEMO_TICKETS)

run: demo
	$(BIN)/python -m streamlit run dashboard/app.py --server.port $(PORT) --server.address 127.0.0.1 \
		--browser.gatherUsageStats false

test: $(VENV)/.dev
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadscope

check: $(VENV)/.dev
	$(BIN)/python -m ruff check etl dashboard tests
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadscope

# The benchmark (docs: etl/devtools/bench.py): BENCH_SIZES=100000,1000000 make bench for a shorter run.
BENCH_SIZES ?= 100000,1000000,10000000
bench: $(VENV)/.dev
	$(BIN)/python -m etl bench --sizes $(BENCH_SIZES) --browser --out bench-results.json

clean:
	rm -rf $(VENV) .pytest_cache data/demo data/warehouse.duckdb data/.warehouse.duckdb.*

# Refresh docs/screenshot.png from the browser test (needs chromium).
screenshot: $(VENV)/.dev
	DESK_SCREENSHOT=docs/screenshot.png $(BIN)/python -m pytest -q tests/test_browser.py -k overview
