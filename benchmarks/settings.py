"""Production settings plus a trivial view, for `make bench`: the same stack a deployment runs."""

from kerman_site.settings.prod import *  # noqa: F403

ROOT_URLCONF = "benchmarks.urls"
