# The two commands:  make run  (notebooks on the bundled data -> reports/)  and  make test.
# Needs only Python >= 3.11 and make: the first call creates .venv and installs crmlib.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.crmlib-installed
# the tests also need the extras they exercise (pyspark for crmlib.spark, PyMC-Marketing for crmlib.clv.bayes)
TEST_STAMP := $(VENV)/.crmlib-test-installed
TEST_EXTRAS ?= spark,bayes
REPORTS ?= reports
# Tests use both cores; set PYTEST_WORKERS=0 to run in one process.
PYTEST_WORKERS ?= 2
# `make bench BENCH_ARGS=--quick` for a fast look
BENCH_ARGS ?=

.PHONY: run test lab bench lint install clean help

help:
	@echo "make run    crmlib report on the default data: every notebook, $(REPORTS)/index.html"
	@echo "make test   run the whole test suite, notebooks included (small parameters)"
	@echo "make lab    JupyterLab on notebooks/"
	@echo "make bench  benchmarks against lifetimes and plain pandas (prints ratios)"
	@echo "make lint   ruff on the library, tests, benchmarks and notebooks"

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "crmlib needs Python >= 3.11; run: make PYTHON=python3.11 ...")'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[notebooks,dev,big]"
	@# rfc3987-syntax (pulled in by jsonschema's format extras) builds grammars on every
	@# `import nbformat`, about 3 s per notebook kernel (STACK_NOTES.md); nothing here uses it.
	-@$(PY) -m pip uninstall --quiet --yes rfc3987-syntax
	@touch $@

$(TEST_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -e ".[notebooks,dev,big,$(TEST_EXTRAS)]"
	@touch $@

install: $(STAMP)

# No MPLBACKEND here: the notebook kernels must use Jupyter's inline backend so the executed
# notebooks and their HTML show the charts (crmlib.reports also strips it from kernels).
run: $(STAMP)
	$(VENV)/bin/crmlib report --out $(REPORTS)

# One BLAS/OpenMP thread per test worker: two workers already fill the two cores, and
# oversubscribed threads made a 0.3 s gradient-boosting fit take 15 s.
# --dist loadgroup keeps the Spark tests on one worker, so one JVM serves them all.
test: $(TEST_STAMP)
	MPLBACKEND=Agg OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 \
		$(PY) -m pytest -n $(PYTEST_WORKERS) --dist loadgroup --durations=15

lab: $(STAMP)
	$(VENV)/bin/jupyter lab notebooks/

bench: $(STAMP)
	$(PY) benchmarks/run_all.py $(BENCH_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check crmlib tests benchmarks notebooks

clean:
	rm -rf $(REPORTS) .pytest_cache build *.egg-info
