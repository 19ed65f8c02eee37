"""Settings shared by every environment; the per-environment modules change only what differs."""

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent.parent

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
DEBUG = False
ALLOWED_HOSTS = [h for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "").split(",") if h]

INSTALLED_APPS = [
    # The admin site with the review rule on every write (events/admin_site.py).
    "events.admin_apps.ArchiveAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "axes",
    "csp",
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    "simple_history",
    "import_export",
    "events",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # The project's own middleware is all in kerman_site/middleware.py.
    "kerman_site.middleware.QueryStringLimitMiddleware",
    # Before the rest, so a cached page skips sessions, CSRF and the view (events/caching.py).
    "kerman_site.middleware.PageCacheMiddleware",
    "kerman_site.middleware.ContentSecurityPolicyMiddleware",
    "kerman_site.middleware.PermissionsPolicyMiddleware",
    "kerman_site.middleware.PinPrimaryMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Records which user made each change, for every model's history.
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks; then ours, so its process_exception sees a database error first.
    "axes.middleware.AxesMiddleware",
    "kerman_site.middleware.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "kerman_site.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "kerman_site" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]
# Forms draw Django's widget templates with Jinja2, several times faster (events/form_renderer.py).
FORM_RENDERER = "events.form_renderer.FormRenderer"

WSGI_APPLICATION = "kerman_site.wsgi.application"

# How long a write waits for another connection's write to finish before giving up with "database is locked":
# well under gunicorn's 30 s worker timeout, so the editor is told to retry instead of meeting a killed worker.
SQLITE_BUSY_TIMEOUT = 20


def sqlite_tuned(database):
    """A SQLite database's connection options; any other engine is returned unchanged."""
    if database["ENGINE"] == "django.db.backends.sqlite3":
        options = database.setdefault("OPTIONS", {})
        # WAL lets readers go on while an editor writes (and NORMAL sync is safe under WAL); a 64 MB page cache
        # and memory-mapped reads keep the list indexes in memory (a deep page's index walk: 2.8 → 2.0 ms).
        options.setdefault(
            "init_command",
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-65536; PRAGMA mmap_size=268435456;",
        )
        # A transaction takes the write lock when it begins, waiting up to the busy timeout for it. A deferred
        # one reads first and is refused at once when it then tries to write while another connection holds
        # the lock (SQLite cannot wait there without risking a deadlock): 88 of 100 concurrent saves failed.
        options.setdefault("transaction_mode", "IMMEDIATE")
        options.setdefault("timeout", SQLITE_BUSY_TIMEOUT)
    return database


def postgres_tuned(database, environ=os.environ):
    """A PostgreSQL database's backend and connection options; any other engine is returned unchanged.

    The backend is Django's, through kerman_site/postgresql (a health check without a round trip).

    A page runs the same few queries every time, several of them over seven or eight joined tables, which
    PostgreSQL took longer to plan than to run (an organization page's attributions: 6-7 ms of planning, 0.7 ms of
    execution). With the parameters sent apart from the SQL, psycopg prepares a statement a connection has run
    `prepare_threshold` times, and PostgreSQL keeps its plan for the connection, replanning per value only
    where that plans better (plan_cache_mode auto). DATABASE_PREPARE_THRESHOLD=0 turns it off, as a pooler
    that hands each transaction another server connection (PgBouncer in transaction mode) needs."""
    if database["ENGINE"] == "django.db.backends.postgresql":
        database["ENGINE"] = "kerman_site.postgresql"
        threshold = environ.get("DATABASE_PREPARE_THRESHOLD", "5").strip()
        if not threshold.isdigit():
            raise ValueError(f"DATABASE_PREPARE_THRESHOLD must be a whole number (0 turns it off), not {threshold!r}")
        if int(threshold):
            options = database.setdefault("OPTIONS", {})
            options.setdefault("server_side_binding", True)
            options.setdefault("prepare_threshold", int(threshold))
    return database


def tuned(database):
    return postgres_tuned(sqlite_tuned(database))


DATABASES = {
    "default": tuned(
        dj_database_url.config(env="DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}", conn_max_age=60)
    )
}
# Read replicas (comma-separated URLs): public reads go to them, writes and editors to the primary.
for _index, _url in enumerate(u for u in os.environ.get("DATABASE_REPLICA_URLS", "").split(",") if u):
    DATABASES[f"replica{_index}"] = tuned(dj_database_url.parse(_url, conn_max_age=60)) | {
        "TEST": {"MIRROR": "default"}
    }
DATABASE_ROUTERS = ["kerman_site.db_routers.PrimaryReplicaRouter"]

AUTHENTICATION_BACKENDS = [
    # First, so a locked-out login is refused before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    # Editors can change what the public reads: longer than Django's default of 8.
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

FIXTURE_DIRS = [BASE_DIR / "fixtures"]

# Whole public pages for anonymous visitors, the lists' counts and the rows drawn, each cached until an edit
# changes what it shows (events/caching.py). The entries may live in each process's memory or in one shared
# Redis (production's DJANGO_CACHE_URL): their tags' versions are kept in the database, which every worker reads.
# DJANGO_PAGE_CACHE=0 / DJANGO_COUNT_CACHE=0 turn them off (the rows go with the counts).
PAGE_CACHE = os.environ.get("DJANGO_PAGE_CACHE", "1") != "0"
COUNT_CACHE = os.environ.get("DJANGO_COUNT_CACHE", "1") != "0"
# /api/ keeps its own validators and cache (events/api/views.py), behind its rate limit.
PAGE_CACHE_SKIP = ["/healthz", "/static/", "/bench/", "/api/"]
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "pages": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "pages",
        "OPTIONS": {"MAX_ENTRIES": 2000},
    },
    # Rows of lists and record pages, each drawn once (events/caching.py, drawn_records): about 2 KB each, so
    # 10 MB a process at most; a store of their own, so that they never push a page out of the one above.
    "rows": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "rows",
        "OPTIONS": {"MAX_ENTRIES": 5000},
    },
}

# The read API (events/api/): JSON only, no sign-in (it shows the public what the pages show), every client
# limited per address (kerman_site.security.client_ip). The counts live in the default cache: shared by every
# worker with production's Redis (DJANGO_CACHE_URL), else each worker process counts its own share.
REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [],
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_RATES": {"anon": os.environ.get("DJANGO_API_RATE", "120/minute")},
    "COERCE_DECIMAL_TO_STRING": False,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Kerman incident archive API",
    "DESCRIPTION": "Published records of the archive, read-only. Lists take the filters of the site's lists and "
    "page by cursor (follow `next`). Related records are {slug, url, name}; an unpublished one is named by a "
    "neutral phrase, with neither slug nor url.",
    "VERSION": "1",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SERVE_INCLUDE_SCHEMA": False,
    "ENUM_NAME_OVERRIDES": {"DatePrecisionEnum": "events.choices.DatePrecision"},
}


def shared_caches(location, backend="events.caching.SharedRedisCache"):
    """The caches in one store every worker and server reads (Redis at `location`, a redis:// URL), "pages" and
    "rows" each under its own key prefix. A Redis that does not answer within half a second counts as a miss."""
    options = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5} if "Redis" in backend else {}
    return {
        alias: {"BACKEND": backend, "LOCATION": location, "KEY_PREFIX": alias, "OPTIONS": options}
        for alias in ("default", "pages", "rows")
    }


# The public lists page through records at this size.
EVENTS_PAGE_SIZE = 20
# The timeline shows at most this many incidents and developments a page.
EVENTS_TIMELINE_SIZE = 100

# The site's public address (e.g. https://archive.example.org): canonical links, the sitemap, the feed and
# exports name it whatever host a request came through. Empty: the request's own host.
SITE_URL = os.environ.get("DJANGO_SITE_URL", "").rstrip("/")

# Where `manage.py release_dataset` writes the dataset releases that /data/ lists and serves (git-ignored).
DATA_RELEASES_DIR = Path(os.environ.get("DJANGO_DATA_RELEASES_DIR", BASE_DIR / "releases"))

# The admin's address; moving it off /admin/ sheds most password-guessing bots.
ADMIN_URL = os.environ.get("DJANGO_ADMIN_URL", "admin/").strip("/") + "/"
PAGE_CACHE_SKIP.append(f"/{ADMIN_URL}")
# Only staff sign in, on the admin's login page: where a sign-in goes when its ?next= is refused as unsafe
# (Django's default, /accounts/profile/, does not exist here).
LOGIN_REDIRECT_URL = "admin:index"

# --- Security that holds in every environment, so tests see what production sends ------------------

# A staff session lasts one working day at most, and ends when the browser closes.
# An incident's form carries every figure, reaction, attribution and timeline entry as inline rows: the Kerman
# incident posts about 1,500 fields, past Django's default of 1,000 (which answers 400 and saves nothing).
DATA_UPLOAD_MAX_NUMBER_FIELDS = 20_000
SESSION_COOKIE_AGE = 8 * 60 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# No inline script or style anywhere; the nonce is only for JSON-LD data blocks.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# Browser features the archive never uses, switched off for it and anything it might embed.
PERMISSIONS_POLICY = [
    "accelerometer",
    "autoplay",
    "browsing-topics",
    "camera",
    "display-capture",
    "geolocation",
    "gyroscope",
    "magnetometer",
    "microphone",
    "midi",
    "payment",
    "usb",
]

# How many reverse proxies (each appending to X-Forwarded-For) stand between the client and Django.
TRUSTED_PROXIES = int(os.environ.get("DJANGO_TRUSTED_PROXIES", "0"))

# django-axes: five failed logins from one address, or for one username, lock it for an hour. The
# address stops one machine trying many names; the username stops many machines trying one account.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 1  # hours
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]
AXES_CLIENT_IP_CALLABLE = "kerman_site.security.client_ip"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "lockout.html"
