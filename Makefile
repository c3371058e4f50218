# The two commands of the README: `make run` and `make test`. Everything else is a helper.
VENV ?= .venv
PY := $(VENV)/bin/python
WINNOW := $(VENV)/bin/winnow

.PHONY: setup run test lint typecheck bench audit hostile clean

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[dev]"
	touch $@

setup: $(VENV)/.installed

run: setup
	@mkdir -p var
	@rm -f var/sample-scan.jsonl
	$(WINNOW) scan --input examples/sample.jsonl --output var/sample-scan.jsonl --no-progress
	@$(PY) examples/summarize.py var/sample-scan.jsonl
	-$(WINNOW) check "add me on wechat: abc123 for cheap followers" examples/images/gradient.png
	@echo "Serving the API on http://127.0.0.1:8000 (docs at /docs, console at /review); Ctrl-C stops it."
	@echo "In another shell: $(WINNOW) keys create --tenant demo --name me   (then send Authorization: Bearer <key>)"
	$(WINNOW) serve

lint: setup
	$(VENV)/bin/ruff check src tests benchmarks examples
	$(VENV)/bin/ruff format --check src tests benchmarks examples

typecheck: setup
	$(VENV)/bin/mypy

test: lint typecheck
	$(PY) -m pytest

bench: setup
	$(PY) benchmarks/bench_text.py
	$(PY) benchmarks/bench_image.py

# Known vulnerabilities in the installed dependencies. Needs the network (PyPI's advisory
# database), so CI, which runs offline, does not run it; see docs/reliability.md.
audit: setup
	$(VENV)/bin/pip-audit --skip-editable

# The hostile-input corpus, full size, written to var/hostile (docs/reliability.md).
hostile: setup
	$(PY) benchmarks/hostile/make_corpus.py var/hostile --full

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
