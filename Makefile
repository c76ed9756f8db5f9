# Two commands set everything up on a fresh machine:
#   make site   create .venv, install, validate, build the site into site/
#   make test   the same set-up, then the test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The browser tests drive Debian's chromium; Playwright never downloads a browser here.
CHROMIUM := /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: site test serve validate clean bench conformance test-debs bench-debs

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

# axe-core (accessibility checker) from the npm registry, for the browser tests
AXE := .cache/npm/node_modules/axe-core/axe.min.js
$(AXE):
	npm install --silent --no-audit --no-fund --prefix .cache/npm axe-core@4

# The browser check's engine (检查我的文件 on the standard pages) from the npm registry: DuckDB-WASM
# runs the SQL, Pyodide runs educat's own check code. Versions pinned: the site publishes these files.
CHECK_ENGINE := .cache/npm/node_modules/@duckdb/duckdb-wasm/dist/duckdb-eh.wasm .cache/npm/node_modules/pyodide/pyodide.mjs
$(CHECK_ENGINE) &:
	npm install --silent --no-audit --no-fund --save-exact --prefix .cache/npm @duckdb/duckdb-wasm@1.32.0 pyodide@314.0.8

# PostgreSQL as WebAssembly (PGlite), run by node: tests/test_dialects.py runs the --dialect postgres SQL on it
PGLITE := .cache/npm/node_modules/@electric-sql/pglite/dist/index.js
$(PGLITE):
	npm install --silent --no-audit --no-fund --save-exact --prefix .cache/npm @electric-sql/pglite@0.5.17

# The Nu HTML Checker (vnu) from the npm registry, and Debian's Java to run it, for
# tests/test_html_validity.py. The version is pinned: the test's allow-list matches its messages.
VNU := .cache/npm/node_modules/vnu-jar/build/dist/vnu.jar
JAVA := /usr/bin/java
$(VNU):
	npm install --silent --no-audit --no-fund --save-exact --prefix .cache/npm vnu-jar@26.9.27

# Debian packages, as file:package pairs: chromium for the browser tests, Java for the Nu HTML
# Checker, and a CJK font so that the screenshots in test-artifacts/ show Chinese, not boxes.
CJK_FONT := /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc
TEST_DEBS := $(CHROMIUM):chromium $(JAVA):default-jre-headless $(CJK_FONT):fonts-noto-cjk
BENCH_DEBS := $(CHROMIUM):chromium $(JAVA):default-jre-headless  # make bench also runs Spark (Java 17)
APT_LOG := .cache/apt.log

# Installs the packages of the pairs whose file is missing, in one apt-get run. apt stays quiet:
# its output goes to $(APT_LOG), printed only when it fails.
define apt_install
	@missing=$$(for pair in $(1); do [ -e "$${pair%%:*}" ] || printf '%s ' "$${pair#*:}"; done); \
	if [ -n "$$missing" ]; then \
	  echo "安装 Debian 软件包:$${missing% }(要几分钟;apt 的输出写入 $(APT_LOG))"; \
	  mkdir -p $(dir $(APT_LOG)); \
	  { $(SUDO) mkdir -p /usr/share/man/man1 && \
	    $(SUDO) apt-get update -qq && \
	    $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; } > $(APT_LOG) 2>&1 \
	  || { cat $(APT_LOG); echo "apt-get 失败,输出见上(也在 $(APT_LOG))"; exit 1; }; \
	fi
endef
# (/usr/share/man/man1: the JRE's post-install needs it; slim images drop it)

test-debs:
	$(call apt_install,$(TEST_DEBS))

bench-debs:
	$(call apt_install,$(BENCH_DEBS))

validate: $(STAMP)
	$(BIN)/educat validate

site: $(STAMP) $(CHECK_ENGINE)
	$(BIN)/educat build --out site   # validates first; the old site stays if anything fails

test: $(STAMP) test-debs $(AXE) $(VNU) $(CHECK_ENGINE) $(PGLITE)
	$(BIN)/pytest

serve: $(STAMP)
	$(BIN)/educat serve

clean:
	rm -rf site .pytest_cache

# Benchmarks (not part of the tests): medians and ratios against the baselines, same run.
bench: $(STAMP) bench-debs $(CHECK_ENGINE)
	$(BIN)/python -m educat.dev.bench

# Differential conformance against frictionless-py (not part of the tests: CI runs 300 examples
# per engine in make test). CONFORMANCE_EXAMPLES=20000 make conformance for a longer run.
CONFORMANCE_EXAMPLES ?= 5000
conformance: $(STAMP)
	CONFORMANCE_EXAMPLES=$(CONFORMANCE_EXAMPLES) $(BIN)/pytest -q -p no:cacheprovider tests/test_conformance.py
