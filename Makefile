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
	$(BIN)/pip install --quiet -e '.[test,spark]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/equitygraph demo

test: $(STAMP) chromium
	$(BIN)/equitygraph neo4j install --home .neo4j
	$(BIN)/python -m pytest

# The page tests open the HTML in a real headless Chromium, from Debian's packages, with a CJK font
# so that Chinese names render in screenshots as users see them.
chromium:
	@{ command -v chromium >/dev/null 2>&1 && fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; } || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	  else echo "the page tests need Chromium and a CJK font: sudo apt-get install chromium fonts-noto-cjk" >&2; exit 1; fi; }

bench: $(STAMP)
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) equitygraph-demo *.egg-info
