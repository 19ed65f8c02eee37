"""Production settings for benchmarks/import_bench.py, which renders admin pages in-process without collectstatic."""

from benchmarks.settings import *  # noqa: F403

STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
