# Mera: the two commands of the README, and a few helpers.
#   make demo   — set up, check the rules, calculate the example households, build the embedded
#                 SQLite register with the example population, calculate its applications and
#                 recalculate the register for the month, then serve the staff web application at
#                 http://127.0.0.1:8000 (demo accounts printed on start; Ctrl-C stops it)
#   make test   — set up, run the whole test suite
# Both create the local virtual environment .venv when it is missing.

PYTHON ?= $(shell command -v python3.11 || command -v python3.12 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench clean browser

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert (3, 11) <= sys.version_info[:2] <= (3, 12), "Mera needs Python 3.11 or 3.12 (durable-rules does not build on 3.13)"'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,openfisca]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/mera rules check
	@for f in examples/households/*.yaml; do \
		echo; $(BIN)/mera calc --household $$f --all || exit 1; \
	done
	$(BIN)/mera db upgrade
	$(BIN)/mera db seed --persons 2000 --if-empty
	$(BIN)/mera assess --period 2026-03 --save
	$(BIN)/mera recalc --period 2026-03
	$(BIN)/mera audit verify
	$(BIN)/mera demo

# The browser tests drive Debian's chromium; install it when it is missing and we may (root, apt).
browser:
	@test -x /usr/bin/chromium || { command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ] \
		&& apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core; } \
		|| echo "chromium is missing: the browser tests will fail (apt-get install chromium)"

test: $(STAMP) browser
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/mera bench calc

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
