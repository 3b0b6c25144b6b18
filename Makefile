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

## run: set up .venv and the embedded database, then start web, worker and beat (Ctrl-C stops all)
run: DEBUG ?= true
run: export DEBUG := $(DEBUG)
run: $(VENV)/.run-deps
	$(BIN)/python manage.py migrate --noinput
	@WS=$$($(BIN)/python manage.py setup_demo) && \
	$(BIN)/python manage.py load_demo_knowledge_base $$WS && \
	KEY=$$($(BIN)/python manage.py create_api_key $$WS --name "Demo key" --scopes all --replace) && \
	echo "Demo API key:    $$KEY  (all scopes; a new one each run)" && \
	echo "Try:             curl -H 'Authorization: Bearer $$KEY' http://127.0.0.1:$(PORT)/v1/me" && \
	echo "Chat:            curl -H 'Authorization: Bearer $$KEY' -H 'Content-Type: application/json' -d '{\"message\": \"How long is shipping?\"}' http://127.0.0.1:$(PORT)/v1/chat" && \
	WKEY=$$($(BIN)/python manage.py create_api_key $$WS --name "Demo widget" --publishable --origins http://127.0.0.1:$(PORT),http://localhost:$(PORT) --replace) && \
	echo "Chat widget:     http://127.0.0.1:$(PORT)/widget/demo?key=$$WKEY  (a page embedding it)" && \
	echo "Admin:           http://127.0.0.1:$(PORT)/admin/" && \
	echo "API docs:        http://127.0.0.1:$(PORT)/v1/docs/" && \
	echo "Health:          http://127.0.0.1:$(PORT)/healthz"
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho start --procfile Procfile --port $(PORT)

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
