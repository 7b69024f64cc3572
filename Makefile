# The two commands of the README: `make serve` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000

.PHONY: serve build test test-all lint chromium screenshots clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --editable '.[test]'
	touch $@

build: $(BIN)/.installed
	$(BIN)/sitegen build

# The live preview of the demo archive on 127.0.0.1 (Ctrl-C stops it).
serve: $(BIN)/.installed
	$(BIN)/sitegen serve --port $(PORT)

lint: $(BIN)/.installed
	$(BIN)/ruff check sitegen tests bench bench/run bench/scale bench/stress

# Browser tests use Debian's Chromium; install it when it is missing.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the browser tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends chromium; }

# The Nu HTML Checker (needs Java, which the machine has), from the npm registry.
VNU_JAR := $(VENV)/vnu/node_modules/vnu-jar/build/dist/vnu.jar
$(VNU_JAR):
	npm install --silent --no-audit --no-fund --prefix $(VENV)/vnu vnu-jar@26.9.27

# Everything but the full matrix of rebuild edits (a representative subset of it runs).
test: lint chromium $(VNU_JAR)
	$(BIN)/python -m pytest -m "not matrix"

# Everything, the full matrix of rebuild edits × modes × themes × sites included.
test-all: lint chromium $(VNU_JAR)
	$(BIN)/python -m pytest

# PNGs of the article, a claim and an entity page at 375, 768 and 1,440 px, light and dark.
screenshots: $(BIN)/.installed chromium
	$(BIN)/python docs/make_screenshots.py

clean:
	rm -rf $(VENV) public dist build .pytest_cache .ruff_cache
