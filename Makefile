# Two commands that work on a fresh machine: `make demo` and `make test`.
# Each creates .venv with the machine's python3 and installs what it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test bench clean chromium

$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/equitygraph demo

test: $(STAMP) chromium
	$(BIN)/equitygraph neo4j install --home .neo4j
	$(BIN)/python -m pytest

# The page tests open the HTML in a real headless Chromium, from Debian's packages.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "the page tests need Chromium: sudo apt-get install chromium" >&2; exit 1; fi; }

bench: $(STAMP)
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) equitygraph-demo *.egg-info
