import os

from .base import *  # noqa: F403

DEBUG = True
# A fixed key is fine here: dev settings only ever serve 127.0.0.1.
SECRET_KEY = SECRET_KEY or "dev-only-insecure-key-do-not-use-in-production"  # noqa: F405
ALLOWED_HOSTS = ALLOWED_HOSTS or ["127.0.0.1", "localhost"]  # noqa: F405
# Templates and code change under a running server without any record changing: no cached pages or counts.
# (Tests run under kerman_site.settings.test, which turns them off as well.)
PAGE_CACHE = os.environ.get("DJANGO_PAGE_CACHE", "0") != "0"
COUNT_CACHE = os.environ.get("DJANGO_COUNT_CACHE", "0") != "0"
