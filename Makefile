# Set-up is two commands: `make demo` and `make test`. Both build .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.install-stamp
UV_VERSION := 0.13.9

.PHONY: chromium install demo serve test lint unit bench bench-quick lock clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q "uv==$(UV_VERSION)"
	$(BIN)/uv pip install -q --python $(BIN)/python -c constraints.txt -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/ipaas demo

serve: install
	$(BIN)/ipaas serve

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

test: lint chromium
	$(BIN)/pytest -q

# The browser tests drive Debian's chromium (no browser downloads).
chromium:
	test -x /usr/bin/chromium || (apt-get update && apt-get install -y chromium)

bench-quick: install
	$(BIN)/python -m bench --quick

bench: install
	$(BIN)/python -m bench
	$(BIN)/python -m bench.report

# Refresh the constraints file after changing dependencies in pyproject.toml.
lock: install
	$(BIN)/uv pip freeze --python $(BIN)/python --exclude-editable > constraints.txt

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
