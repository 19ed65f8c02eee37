"""Production: everything per-deployment comes from the environment; `manage.py check --deploy` is clean.

Required: DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS. Optional: DATABASE_URL (SQLite file by default),
DJANGO_CACHE_URL (a shared Redis; or DJANGO_CACHE_BACKEND and DJANGO_CACHE_LOCATION), DJANGO_STATIC_ROOT,
DJANGO_ADMIN_URL, DJANGO_CSRF_TRUSTED_ORIGINS, DJANGO_TRUSTED_PROXIES,
DJANGO_SECURE_SSL_REDIRECT (on unless "0"), DJANGO_LOG_LEVEL.
"""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403

DEBUG = False

if not SECRET_KEY:  # noqa: F405
    raise ImproperlyConfigured("Set DJANGO_SECRET_KEY: production settings refuse to start without one.")
if not ALLOWED_HOSTS:  # noqa: F405
    raise ImproperlyConfigured("Set DJANGO_ALLOWED_HOSTS to the comma-separated host names this site answers.")

CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

# A persistent connection is checked before reuse, so the site reconnects by itself after a database restart.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True  # noqa: F405

# One cache shared by every worker and server (docs/deploy.md): DJANGO_CACHE_URL=redis://host:6379/1, or a
# backend and location by name. Without either, each worker keeps its own copy in memory.
if os.environ.get("DJANGO_CACHE_URL"):
    if not os.environ["DJANGO_CACHE_URL"].startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured("DJANGO_CACHE_URL must be a Redis URL: redis://host:6379/1 (or rediss://, unix://).")
    CACHES = shared_caches(os.environ["DJANGO_CACHE_URL"])  # noqa: F405
elif os.environ.get("DJANGO_CACHE_BACKEND"):
    CACHES = shared_caches(os.environ.get("DJANGO_CACHE_LOCATION", ""), os.environ["DJANGO_CACHE_BACKEND"])  # noqa: F405

# Static files: whitenoise serves collectstatic's output, compressed and with content-hashed names.
STATIC_ROOT = os.environ.get("DJANGO_STATIC_ROOT", STATIC_ROOT)  # noqa: F405
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# HTTPS only. TLS ends at the proxy in front, which must set X-Forwarded-Proto (and strip the client's).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Off only for `make serve` on plain-HTTP loopback.
SECURE_SSL_REDIRECT = os.environ.get("DJANGO_SECURE_SSL_REDIRECT", "1") != "0"
# Load balancers ask over plain HTTP inside the network; a redirect would read as "down".
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True

SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_SECURE = True
# No script of ours reads the CSRF cookie (forms carry the token), so scripts need not see it.
CSRF_COOKIE_HTTPONLY = True

# Errors and warnings go to stderr, where gunicorn and the service manager collect them.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "{asctime} {levelname} {name}: {message}", "style": "{"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
}
