# Two commands do everything: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-sqlite test-postgres bench setup clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

run: $(STAMP)
	$(BIN)/zhenxing migrate
	$(BIN)/zhenxing load-demo
	$(BIN)/zhenxing banner
	exec $(BIN)/honcho start -f Procfile

test: $(STAMP)
	$(BIN)/python -m tests.run

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf var .pytest_cache test-artifacts
