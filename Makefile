# Two commands on a bare machine with Python 3.11+: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export PORT

.PHONY: run test test-zapier lint bench clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.run-deps: $(VENV)/bin/python requirements.txt
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.dev-deps: $(VENV)/.run-deps requirements-dev.txt
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

## run: set up .venv and the embedded database, then start web, worker and beat (Ctrl-C stops all);
## a summary (URLs, admin password, demo key, curl lines) is printed once the server answers
run: DEBUG ?= true
run: export DEBUG := $(DEBUG)
run: LOG_LEVEL ?= WARNING
run: export LOG_LEVEL := $(LOG_LEVEL)
run: $(VENV)/.run-deps
	@echo "Preparing the database and the demo workspace…"
	@$(BIN)/python manage.py migrate --noinput -v 0
	@WS=$$($(BIN)/python manage.py setup_demo --quiet) && \
	$(BIN)/python manage.py load_demo_knowledge_base $$WS -v 0 && \
	KEY=$$($(BIN)/python manage.py create_api_key $$WS --name "Demo key" --scopes all --replace) && \
	WKEY=$$($(BIN)/python manage.py create_api_key $$WS --name "Demo widget" --publishable --origins http://127.0.0.1:$(PORT),http://localhost:$(PORT) --replace) && \
	{ $(BIN)/python manage.py run_banner --port $(PORT) --workspace $$WS --key $$KEY --widget-key $$WKEY --parent-pid $$$$ & } && \
	PATH="$(CURDIR)/$(BIN):$$PATH" exec $(BIN)/honcho start --procfile Procfile --port $(PORT)

## test: set up .venv with the test tools and run the whole suite, then the Zapier app's
## tests (against a server started from .venv) when Node.js is installed
test: $(VENV)/.dev-deps
	$(BIN)/pytest $(PYTEST_ARGS)
	@if [ -z "$(SKIP_ZAPIER)" ]; then $(MAKE) --no-print-directory test-zapier; fi

## test-zapier: the Zapier app's tests (zapier/, npm test); skipped without Node.js
test-zapier: $(VENV)/.dev-deps
	@if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then \
	  if [ ! -d zapier/node_modules ]; then (cd zapier && npm ci --no-audit --no-fund); fi; \
	  cd zapier && npm test; \
	else \
	  echo "Zapier app tests skipped: Node.js not found (install Node.js 20+ and npm to run them)"; \
	fi

## lint: ruff over the whole tree
lint: $(VENV)/.dev-deps
	$(BIN)/ruff check .

## bench: the benchmarks under bench/ (not part of the test suite)
bench: $(VENV)/.dev-deps
	@set -e; for b in $(wildcard bench/bench_*.py); do echo "== $$b"; $(BIN)/python $$b; done

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .ruff_cache zapier/node_modules
