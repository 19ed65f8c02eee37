# Two commands matter: `make run` (set up and serve on SQLite) and `make test` (set up and check everything).
# Debian's python3.11 is built with profile-guided and link-time optimisation; a Python built from source without
# them (pyenv's, first on PATH on these machines) ran the non-browser suite in 121 s where Debian's took 102 s,
# and the incident's admin change page in 713 ms of CPU where it took 584. Taken when it can make a venv.
ifeq ($(origin PYTHON),undefined)
PYTHON := $(shell /usr/bin/python3.11 -c 'import ensurepip, venv' >/dev/null 2>&1 && echo /usr/bin/python3.11 || echo python3)
endif
VENV := .venv
BIN := $(VENV)/bin
# The venv remembers the interpreter that made it: another PYTHON makes it again.
VENV_MADE := $(VENV)/.made-by-$(subst /,_,$(PYTHON))
PORT ?= 8000
export DJANGO_SETTINGS_MODULE ?= kerman_site.settings.dev

.PHONY: run serve loadtest bench bench-postgres bench-newsroom test test-fast test-postgres lint format migrate seed clean geodata

$(VENV_MADE):
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	touch $@

$(VENV)/.installed-run: requirements.txt $(VENV_MADE)
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(VENV_MADE)
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.installed-run

# The Nu HTML Checker (vnu-jar) for the HTML validity test, pinned in package-lock.json.
# Without npm (a bare machine) the step is skipped and the HTML test says why it skips; CI installs npm.
node_modules/.installed: package.json package-lock.json
	@if command -v npm >/dev/null; then \
		npm ci --no-audit --no-fund --loglevel=error && touch $@; \
	else \
		echo "npm not found: skipping vnu-jar; the HTML validity test will be skipped (CI installs npm)."; \
	fi

# The country outlines the maps are drawn from, copied from the pinned npm package (events/geodata/README.md).
geodata: node_modules/.installed
	cp node_modules/world-atlas/countries-50m.json events/geodata/countries-50m.json

migrate: $(VENV)/.installed-run
	$(BIN)/python manage.py migrate --noinput

# Loads the article's fixtures only into a database that does not hold them yet, so a restart
# never overwrites what editors changed in the admin.
seed: migrate
	$(BIN)/python manage.py load_archive

run: seed
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# The production stack on one machine: production settings, gunicorn with 2 x cores + 1 workers, static
# files from whitenoise, the same SQLite file (or DATABASE_URL). Plain HTTP on loopback, so the HTTPS
# redirect is off; a key is made once into .secret_key unless DJANGO_SECRET_KEY is set. With
# DJANGO_CACHE_URL=redis://127.0.0.1:6379/1 every worker shares one cache (docs/deploy.md).
# Threaded workers: a request runs in a thread while the worker's main loop tells gunicorn it is alive, so
# --timeout restarts a frozen worker but never cuts off a long download (with sync workers it killed any
# request past 30 s: the 100,000-incident CSV); a slow reader holds a thread, not a whole worker.
WORKERS ?= $(shell echo $$(( $$(nproc 2>/dev/null || echo 1) * 2 + 1 )))
THREADS ?= 4
serve: $(VENV)/.installed-run .secret_key
	@echo "make serve: production settings over plain HTTP on 127.0.0.1:$(PORT), so the HTTPS redirect is off."
	@if [ -n "$$DJANGO_CACHE_URL" ]; then echo "make serve: the shared cache at $$DJANGO_CACHE_URL"; fi
	export DJANGO_SETTINGS_MODULE=kerman_site.settings.prod \
		DJANGO_SECRET_KEY="$${DJANGO_SECRET_KEY:-$$(cat .secret_key)}" \
		DJANGO_ALLOWED_HOSTS="$${DJANGO_ALLOWED_HOSTS:-127.0.0.1,localhost}" \
		DJANGO_SECURE_SSL_REDIRECT=0 && \
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0 && \
	$(BIN)/python manage.py migrate --noinput && \
	$(BIN)/python manage.py load_archive && \
	exec $(BIN)/gunicorn kerman_site.wsgi --bind 127.0.0.1:$(PORT) --workers $(WORKERS) \
		--worker-class gthread --threads $(THREADS) \
		--max-requests 2000 --max-requests-jitter 200 --timeout 30 --no-control-socket

.secret_key: | $(VENV_MADE)
	umask 077 && $(BIN)/python -c "import secrets; print(secrets.token_urlsafe(50))" > $@

# A bounded load test of `make serve` on loopback with wrk (apt-get install wrk); writes docs/benchmarks.md.
loadtest: $(VENV)/.installed-run
	$(BIN)/python benchmarks/loadtest.py

# Every page type at 1,000 and 100,000 incidents (built once into benchmarks/.data/, git-ignored), cold and
# warm, against a trivial view; needs wrk (apt-get install wrk). Writes its section of docs/benchmarks.md.
bench: $(VENV)/.installed-dev
	@command -v wrk >/dev/null || { echo "make bench needs wrk, the HTTP load tool: apt-get install wrk"; exit 1; }
	$(BIN)/python -m benchmarks.bench

# The same pages on PostgreSQL (databases kerman_bench_1k and kerman_bench_100k, built once beside the one
# DATABASE_URL names), and SQLite's in the same run for a per-page comparison. Its own section of the doc.
#   DATABASE_URL=postgres://kerman:kerman@127.0.0.1:5432/kerman make bench-postgres
bench-postgres: $(VENV)/.installed-dev
	@command -v wrk >/dev/null || { echo "make bench-postgres needs wrk, the HTTP load tool: apt-get install wrk"; exit 1; }
	$(BIN)/python -m benchmarks.bench --database postgres

# Readers over 76 public addresses while an editor saves an incident every 2 s, and without the editor, at
# 100,000 incidents on SQLite and PostgreSQL (DATABASE_URL as above). Its own section of docs/benchmarks.md.
bench-newsroom: $(VENV)/.installed-dev
	@command -v wrk >/dev/null || { echo "make bench-newsroom needs wrk, the HTTP load tool: apt-get install wrk"; exit 1; }
	$(BIN)/python -m benchmarks.newsroom

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Every test, browser tests included, then the 15 slowest so a slow one is seen the day it lands. Two
# processes (pytest-xdist) share the tests, one per core; on a machine busy with other work they only get in
# each other's way, so `PYTEST_WORKERS=0` runs them in one. PYTEST_ARGS passes more options, e.g.
# `make test-fast PYTEST_ARGS="-k history -x"`.
# Whole files go to a process (--dist loadfile): a module's rows (`module_rows`, `seeded`) and subprocesses are
# then made once, where dealing tests out one by one made them in both processes (test-fast: 4 min 17 s of
# CPU instead of 5 min 3 s; 146 s instead of 168 s in the same hour).
# Bytecode is written even where the environment says not to: pytest keeps its assertion-rewritten test modules
# (and the plugins') as bytecode, and without it each process rewrites ~380 modules, 4-5 s of CPU.
PYTEST_WORKERS ?= 2
PYTEST_BASE := PYTHONDONTWRITEBYTECODE= DJANGO_SETTINGS_MODULE=kerman_site.settings.test $(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadfile --durations=15
PYTEST := $(PYTEST_BASE) $(PYTEST_ARGS)
test: $(VENV)/.installed-dev node_modules/.installed lint
	DJANGO_SETTINGS_MODULE=kerman_site.settings.test $(BIN)/python manage.py check --fail-level WARNING
	DJANGO_SETTINGS_MODULE=kerman_site.settings.test $(BIN)/python manage.py makemigrations --check --dry-run
	$(PYTEST)

# The quick loop while working: everything but the browser tests (tests/browser/), without lint or checks,
# and the property tests drawing a fifth of their examples (the quick Hypothesis profile, tests/conftest.py);
# `make test` and CI draw them all.
test-fast: $(VENV)/.installed-dev
	$(PYTEST) --ignore=tests/browser --hypothesis-profile=quick

# The suite again on PostgreSQL: DATABASE_URL must name a database on a running server whose role may create
# the test database (.ci/run sets one up on loopback). Without the tests marked same_on_every_database, which
# run on a SQLite file of their own or in a browser whatever DATABASE_URL says (tests/conftest.py);
# `PYTEST_ARGS='-m ""'` runs them too.
test-postgres: $(VENV)/.installed-dev node_modules/.installed
	@case "$(DATABASE_URL)" in postgres*) ;; *) echo "Set DATABASE_URL=postgres://..." >&2; exit 2;; esac
	DATABASE_URL="$(DATABASE_URL)" $(PYTEST_BASE) -m "not same_on_every_database" $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache node_modules
