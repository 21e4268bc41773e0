# Back Coach: every target works on a fresh clone.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8080
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: install test run lint exercises redis-server speech-tools nginx node node-deps clean chromium

# Two editable installs: the webhook (with the dev extra: test and lint tools) and the
# developer package of tools/ (chat, simulate, bench, and the helpers the tests share),
# which the webhook's wheel and Docker image do not carry.
# The runtime dependencies come from requirements.lock first (hashes checked), so the
# suite runs on exactly what the Docker image installs; the dev tools on top.
$(STAMP): pyproject.toml tools/pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --require-hashes --no-deps -r requirements.lock
	$(BIN)/pip install --quiet -e '.[dev]' -e ./tools
	touch $(STAMP)

install: $(STAMP)

# The tests start a throwaway real redis-server on a free port; install it if missing.
redis-server:
	@command -v redis-server >/dev/null 2>&1 || { \
		echo "installing redis-server (Debian package)"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq redis-server >/dev/null; \
	}
	@command -v redis-server >/dev/null 2>&1

# tests/test_front_proxy.py puts a real nginx, with infra/nginx's limits, in front of
# gunicorn on loopback; install it if missing (the test starts its own, never the system's).
nginx:
	@command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || { \
		echo "installing nginx (Debian package)"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq nginx >/dev/null; \
	}
	@command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]

# tests/test_clinic_browser.py drives the clinician's pages in a real headless Chromium
# (Selenium and Debian's chromedriver); install both if missing.
chromium:
	@{ [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; } || { \
		echo "installing chromium and chromium-driver (Debian packages)"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium chromium-driver >/dev/null; \
	}
	@[ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]

# tests/test_count_timing.py measures the counted holds with a real speech engine:
# espeak-ng renders the SSML, sox reads the audio. Install both if missing.
speech-tools:
	@{ command -v espeak-ng >/dev/null 2>&1 && command -v sox >/dev/null 2>&1; } || { \
		echo "installing espeak-ng and sox (Debian packages)"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq espeak-ng sox >/dev/null; \
	}
	@command -v espeak-ng >/dev/null 2>&1 && command -v sox >/dev/null 2>&1

# tests/test_intent_check.py runs virtual-alexa's sample matcher (node) over the models:
# install node and npm if missing (Debian packages), then the pinned packages of
# tests/intent_check/package-lock.json whenever node_modules is missing or the lock changed.
INTENT_CHECK := tests/intent_check
NODE_STAMP := $(INTENT_CHECK)/node_modules/.installed

node:
	@{ command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; } || { \
		echo "installing nodejs and npm (Debian packages)"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq nodejs npm >/dev/null; \
	}
	@command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1

$(NODE_STAMP): $(INTENT_CHECK)/package-lock.json | node
	cd $(INTENT_CHECK) && npm ci --no-audit --no-fund
	touch $(NODE_STAMP)

node-deps: $(NODE_STAMP)

# tests/test_screens.py runs Amazon's APL validator (apl-suggester, offline) over every
# screen the skill sends: its pinned packages, as above, from tests/apl_check/package-lock.json.
APL_CHECK := tests/apl_check
APL_STAMP := $(APL_CHECK)/node_modules/.installed

$(APL_STAMP): $(APL_CHECK)/package-lock.json | node
	cd $(APL_CHECK) && npm ci --no-audit --no-fund
	touch $(APL_STAMP)

node-deps: $(APL_STAMP)

test: $(STAMP) redis-server speech-tools nginx wrk node-deps chromium
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest -q

# Serve locally on 127.0.0.1:$(PORT): verification off, embedded store unless REDIS_URL is set.
run: $(STAMP)
	PORT=$(PORT) $(BIN)/backcoach run $(ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

exercises: $(STAMP)
	$(BIN)/backcoach exercises

# The skill's icons (skill-package/assets/images/), rendered from assets/icon.svg.
.PHONY: icons
icons: $(STAMP)
	$(BIN)/backcoach-dev icons

# Talk to the skill in the terminal (in-process; REDIS_URL keeps your place between runs).
# make chat ARGS="--user ann --realtime"
.PHONY: chat
chat: $(STAMP)
	$(BIN)/backcoach-dev chat $(ARGS)

clean:
	rm -rf $(VENV) .venv-audit .venv-lock .pytest_cache .ruff_cache build *.egg-info tools/build tools/*.egg-info

# The load test installs wrk (Debian package) if missing; the suite runs a short bench too.
.PHONY: bench wrk
wrk:
	@command -v wrk >/dev/null 2>&1 || { \
		echo "installing wrk (Debian package)"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq wrk >/dev/null; \
	}
	@command -v wrk >/dev/null 2>&1

# docs/ARCHITECTURE.md, 'Performance': the skill and a hello-world ASK SDK skill under gunicorn on loopback,
# driven by wrk, against a throwaway redis-server (a few minutes; BENCH_ARGS=--quick
# for under one, BENCH_ARGS="--json bench.json" to keep the figures).
bench: $(STAMP) redis-server wrk
	$(BIN)/backcoach-dev bench $(BENCH_ARGS)

# requirements.lock: the runtime dependencies, exact versions with hashes, resolved by
# pip-compile (pip-tools, its own venv) from pyproject.toml; the Docker image and
# make install take them from it. Run after changing a dependency, and commit the lock.
.PHONY: lock
lock:
	@[ -x .venv-lock/bin/pip-compile ] || { $(PYTHON) -m venv .venv-lock && \
		.venv-lock/bin/pip install --quiet 'pip-tools>=7.4,<8'; }
	.venv-lock/bin/pip-compile --quiet --generate-hashes --strip-extras --no-emit-index-url \
		--no-emit-find-links --output-file requirements.lock pyproject.toml

# Known vulnerabilities in the pinned dependencies (pip-audit, its own venv so it does
# not mix with the project's). Needs PyPI's per-release JSON API or OSV: not part of
# make test, because the build machines here cannot reach either.
.PHONY: audit
audit: $(STAMP)
	@[ -x .venv-audit/bin/pip-audit ] || { $(PYTHON) -m venv .venv-audit && \
		.venv-audit/bin/pip install --quiet 'pip-audit>=2.7,<3'; }
	.venv-audit/bin/pip-audit --strict --progress-spinner off $(AUDIT_ARGS) .

# Scale-out (issue 18; README, "Scaling out"): a real Redis Cluster (3 masters, 3
# replicas) on loopback, two `backcoach serve` instances behind a round-robin nginx,
# 500 simulated patients, one master killed mid-run; prints one JSON object.
# A few minutes on 2 cores; SCALE_ARGS="--patients 100 --think 1" for a quick one.
.PHONY: scale-test
scale-test: $(STAMP) redis-server nginx
	$(BIN)/backcoach-dev scale $(SCALE_ARGS)
