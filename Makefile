# Two commands for a newcomer: `make run` and `make test`. Both go through the idempotent `make setup`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
WEB_PORT ?= 8000
SANDBOX_PORT ?= 8765
BENCH_SKUS ?= 2000
export VAR_DIR ?= $(CURDIR)/var

.PHONY: setup lock run test lint format bench messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Installs come from the lock (requirements/dev.txt: every package pinned, with its hashes), then the
# project itself without resolving anything; `pip check` fails if the lock no longer satisfies pyproject's
# runtime dependencies (run `make lock`). Re-runs whenever the lock or pyproject.toml changes.
$(VENV)/.installed: requirements/dev.txt pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements/dev.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	$(BIN)/python -m pip check
	touch $@

# A development .env (only if there is none), so the README's `python manage.py ...` commands work as printed
# in this checkout, against the sandbox on the ports `make run` uses (the suite never reads .env).
.env:
	@printf '%s\n' "# Written by make setup: development settings for manage.py run by hand (see .env.example)." \
	  DEBUG=1 PUBLIC_BASE_URL=http://127.0.0.1:$(WEB_PORT) \
	  TIKTOK_API_BASE_URL=http://127.0.0.1:$(SANDBOX_PORT) \
	  TIKTOK_ONBOARDING_URL=http://127.0.0.1:$(SANDBOX_PORT)/business-extension/auth \
	  TIKTOK_WEB_BASE_URL=http://127.0.0.1:$(SANDBOX_PORT) > $@
	@echo "Wrote .env (development: DEBUG=1, sandbox on :$(SANDBOX_PORT))."

setup: $(VENV)/.installed .env
	@mkdir -p $(VAR_DIR)
	DEBUG=1 $(BIN)/python manage.py compilemessages --ignore=.venv --ignore=var -v 0
	DEBUG=1 $(BIN)/python manage.py migrate --no-input -v 0

# `make lock` regenerates requirements/*.txt from the ranges in pyproject.toml with uv (`uv pip compile
# --generate-hashes`), installed in the venv as a dev tool only (pyproject's dev extra; the images and a
# fresh machine install with plain pip). uv rather than pip-tools: it takes the target platform as an
# argument (Linux x86_64, CPython 3.11), so the lock does not depend on the machine that regenerates it;
# it does not import pip's internals, so a pip upgrade cannot break it; and it resolves in seconds.
# dev.txt (runtime + sandbox + dev) is resolved first; runtime.txt (the production image) and sandbox.txt
# (the compose sandbox image) are constrained by it, so all three agree on every version. Existing pins
# are kept: `make lock LOCK_ARGS=--upgrade` (or `LOCK_ARGS='--upgrade-package django'`) moves them.
LOCK := $(BIN)/uv pip compile pyproject.toml --quiet --generate-hashes --python-version 3.11 \
	--python-platform x86_64-unknown-linux-gnu --custom-compile-command 'make lock'

# Depends on the current lock's packages (for uv), not on `.installed`: after a new dependency in
# pyproject.toml, `pip check` fails until the lock has it.
lock: | $(BIN)/python
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements/dev.txt
	$(LOCK) --extra dev $(LOCK_ARGS) -o requirements/dev.txt
	$(LOCK) --extra sandbox -c requirements/dev.txt -o requirements/sandbox.txt
	$(LOCK) -c requirements/dev.txt -o requirements/runtime.txt
	$(MAKE) --no-print-directory $(VENV)/.installed

RUN_ENV := DEBUG=1 PUBLIC_BASE_URL=http://127.0.0.1:$(WEB_PORT) \
	TIKTOK_API_BASE_URL=http://127.0.0.1:$(SANDBOX_PORT) \
	TIKTOK_ONBOARDING_URL=http://127.0.0.1:$(SANDBOX_PORT)/business-extension/auth \
	TIKTOK_WEB_BASE_URL=http://127.0.0.1:$(SANDBOX_PORT) \
	TIKTOK_REDIRECT_HOSTS=127.0.0.1:$(SANDBOX_PORT),ads.tiktok.com,business.tiktok.com,seller-br.tiktok.com \
	WEB_PORT=$(WEB_PORT) SANDBOX_PORT=$(SANDBOX_PORT)

# honcho's timestamps and Celery's log lines both use the store's time zone (settings.TIME_ZONE, which Celery
# follows), so one moment reads the same in every process; the demo stores are in São Paulo.
RUN_TZ ?= America/Sao_Paulo

# The sandbox process joins once sandbox/ has its entry point (honcho stops everything if one exits).
HAS_SANDBOX := $(wildcard sandbox/__main__.py)
PROCESSES := web worker beat $(if $(HAS_SANDBOX),sandbox)

run: setup
	$(RUN_ENV) $(BIN)/python manage.py seed_demo
	$(if $(HAS_SANDBOX),$(RUN_ENV) $(BIN)/python -m sandbox provision --data $(VAR_DIR)/sandbox.sqlite3)
	@echo ""
	@echo "  Admin shell, storefront and their logins: printed by seed_demo above."
	@echo "  Django admin:   http://127.0.0.1:$(WEB_PORT)/django-admin/"
	$(if $(HAS_SANDBOX),@echo "  TikTok sandbox: http://127.0.0.1:$(SANDBOX_PORT)/   demo@tiktok.test / sandbox")
	@echo "  Health:         http://127.0.0.1:$(WEB_PORT)/healthz"
	@echo ""
	$(RUN_ENV) TZ=$(RUN_TZ) $(BIN)/honcho start -f Procfile $(PROCESSES)

test: setup
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: $(VENV)/.installed
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

messages: $(VENV)/.installed
	for app in tiktok_admin store integration catalog_sync pixel tiktok_shop tiktok_ads; do \
	  (cd $$app && DEBUG=1 ../$(BIN)/python ../manage.py makemessages -l pt_BR -l es --no-obsolete -v 0); done
	DEBUG=1 $(BIN)/python manage.py makemessages -l pt_BR -l es --no-obsolete -v 0 \
	  --ignore='.venv/*' --ignore='var/*' --ignore='tests/*' --ignore='store/*' --ignore='integration/*' \
	  --ignore='catalog_sync/*' --ignore='pixel/*' --ignore='tiktok_shop/*' --ignore='tiktok_admin/*' \
	  --ignore='sandbox/*' --ignore='bench/*' --ignore='tiktok_api/*'

bench: setup
	$(BIN)/python -m bench --skus $(BENCH_SKUS)

clean:
	rm -rf $(VAR_DIR) $(VENV)
