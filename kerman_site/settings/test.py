from .base import *  # noqa: F403

SECRET_KEY = "test-only-key"
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
# Hashing passwords slowly buys nothing in tests.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Tests run without collectstatic: whitenoise finds static files in the apps, as in development.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# Off unless a test turns them on (tests/test_caching.py): many tests change settings or rows behind Django's
# back and expect the next page to show it.
PAGE_CACHE = False
COUNT_CACHE = False
