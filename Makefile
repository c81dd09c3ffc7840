# Slate: `make run` opens the app on the demo course; `make test` runs the whole suite.
# Both create .venv and install everything first (system packages too, when run as root).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
PYTEST_ARGS ?=

.PHONY: run test bench bench-quick lint schema system-deps venv screenshot clean package package-check

run: system-deps $(STAMP)
	@if [ -z "$$DISPLAY" ] && [ -z "$$WAYLAND_DISPLAY" ] && [ -z "$$QT_QPA_PLATFORM" ]; then \
	  echo "No display found. On a desktop, run 'make run' there; here you can try"; \
	  echo "  xvfb-run -a make run      (a virtual screen)"; \
	  echo "  $(BIN)/slate self-test    (drives the real window offscreen and reports)"; \
	  exit 1; fi
	$(BIN)/slate

# The server tests also run against a throwaway PostgreSQL when one can be had (see
# packaging/test-postgres.sh); set SLATE_TEST_POSTGRES_URL yourself to use another.
test: system-deps $(STAMP)
	@pg_url="$${SLATE_TEST_POSTGRES_URL:-$$(bash packaging/test-postgres.sh start)}"; \
	SLATE_TEST_POSTGRES_URL="$$pg_url" QT_QPA_PLATFORM=offscreen \
	  $(BIN)/python -m pytest $(PYTEST_ARGS); status=$$?; \
	[ -n "$$SLATE_TEST_POSTGRES_URL" ] || bash packaging/test-postgres.sh stop; \
	exit $$status
	$(BIN)/lint-imports --no-cache

lint: $(STAMP)
	$(BIN)/ruff check app ui sync tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python bench/run_all.py

bench-quick: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python bench/run_all.py --quick

# The JSON Schemas of course.json and quiz files, generated from app/courses/manifest.py.
schema: $(STAMP)
	$(BIN)/python -m app.courses.schema docs

screenshot: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python docs/make_screenshot.py docs

system-deps:
	@bash packaging/system-deps.sh

# Linux builds in dist/ (packaging/build_linux.sh): the one-folder app, a tarball and a .deb.
# `make package-check` runs the built app's self-test, installs the .deb (as root), checks it
# and removes it again (packaging/check_linux.sh).
PACKAGE_STAMP := $(VENV)/.package-stamp
package: system-deps $(PACKAGE_STAMP)
	bash packaging/build_linux.sh

package-check:
	bash packaging/check_linux.sh

$(PACKAGE_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[package]'
	@touch $(PACKAGE_STAMP)

venv: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Slate needs Python 3.11 or newer; this is " + sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,postgres]'
	@touch $(STAMP)

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache
