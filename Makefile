# The two commands of the README: `make run` and `make test`. Everything else is a helper.
VENV ?= .venv
PY := $(VENV)/bin/python
WINNOW := $(VENV)/bin/winnow

.PHONY: setup run test lint typecheck bench clean

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

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
