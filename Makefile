# Two commands for a newcomer: `make run` and `make test`. Both go through the idempotent `make setup`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
WEB_PORT ?= 8000
SANDBOX_PORT ?= 8765
BENCH_SKUS ?= 2000
export VAR_DIR ?= $(CURDIR)/var

.PHONY: setup run test lint format bench messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

setup: $(VENV)/.installed
	@mkdir -p $(VAR_DIR)
	DEBUG=1 $(BIN)/python manage.py compilemessages --ignore=.venv --ignore=var -v 0
	DEBUG=1 $(BIN)/python manage.py migrate --no-input -v 0

RUN_ENV := DEBUG=1 PUBLIC_BASE_URL=http://127.0.0.1:$(WEB_PORT) \
	TIKTOK_API_BASE_URL=http://127.0.0.1:$(SANDBOX_PORT) \
	TIKTOK_ONBOARDING_URL=http://127.0.0.1:$(SANDBOX_PORT)/business-extension/auth \
	TIKTOK_WEB_BASE_URL=http://127.0.0.1:$(SANDBOX_PORT) \
	TIKTOK_REDIRECT_HOSTS=127.0.0.1:$(SANDBOX_PORT),ads.tiktok.com,business.tiktok.com,seller-br.tiktok.com \
	WEB_PORT=$(WEB_PORT) SANDBOX_PORT=$(SANDBOX_PORT)

# The sandbox process joins once sandbox/ has its entry point (honcho stops everything if one exits).
HAS_SANDBOX := $(wildcard sandbox/__main__.py)
PROCESSES := web worker beat $(if $(HAS_SANDBOX),sandbox)

run: setup
	$(RUN_ENV) $(BIN)/python manage.py seed_demo
	$(if $(HAS_SANDBOX),$(RUN_ENV) $(BIN)/python -m sandbox provision --data $(VAR_DIR)/sandbox.sqlite3)
	@echo ""
	@echo "  Admin:          http://127.0.0.1:$(WEB_PORT)/admin/"
	@echo "                  merchant / merchant-demo-1 (admin of the 3 demo stores), viewer / viewer-demo-1"
	@echo "  Storefront:     http://127.0.0.1:$(WEB_PORT)/s/lojademo/"
	@echo "  Django admin:   http://127.0.0.1:$(WEB_PORT)/django-admin/   ops / ops-demo-1"
	$(if $(HAS_SANDBOX),@echo "  TikTok sandbox: http://127.0.0.1:$(SANDBOX_PORT)/   demo@tiktok.test / sandbox")
	@echo "  Health:         http://127.0.0.1:$(WEB_PORT)/healthz"
	@echo ""
	$(RUN_ENV) $(BIN)/honcho start -f Procfile $(PROCESSES)

test: setup
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

messages: $(VENV)/.installed
	for app in tiktok_admin store integration catalog_sync pixel tiktok_shop; do \
	  (cd $$app && DEBUG=1 ../$(BIN)/python ../manage.py makemessages -l pt_BR -l es --no-obsolete -v 0); done
	DEBUG=1 $(BIN)/python manage.py makemessages -l pt_BR -l es --no-obsolete -v 0 \
	  --ignore='.venv/*' --ignore='var/*' --ignore='tests/*' --ignore='store/*' --ignore='integration/*' \
	  --ignore='catalog_sync/*' --ignore='pixel/*' --ignore='tiktok_shop/*' --ignore='tiktok_admin/*' \
	  --ignore='sandbox/*' --ignore='bench/*' --ignore='tiktok_api/*'

bench: setup
	$(BIN)/python -m bench --skus $(BENCH_SKUS)

clean:
	rm -rf $(VAR_DIR) $(VENV)
