from .base import *  # noqa: F403

DEBUG = True
# A fixed key is fine here: dev settings only ever serve 127.0.0.1.
SECRET_KEY = SECRET_KEY or "dev-only-insecure-key-do-not-use-in-production"  # noqa: F405
ALLOWED_HOSTS = ALLOWED_HOSTS or ["127.0.0.1", "localhost"]  # noqa: F405
