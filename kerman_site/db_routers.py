"""Reads to read replicas, writes (and anything an editor does) to the primary.

Active only when DATABASE_REPLICA_URLS names one or more replicas (see docs/deploy.md). A replica lags
the primary by a moment, so whoever is editing reads from the primary for the whole request: otherwise an
editor could save a record and be shown the old version on the next page.
"""

import random
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings

PRIMARY = "default"
_pinned = ContextVar("use_primary", default=False)


def replica_aliases():
    return [alias for alias in settings.DATABASES if alias.startswith("replica")]


class PrimaryReplicaRouter:
    def db_for_read(self, model, **hints):
        replicas = replica_aliases()
        if _pinned.get() or not replicas:
            return PRIMARY
        return random.choice(replicas)

    def db_for_write(self, model, **hints):
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        # Every alias holds the same data: rows read from a replica may be related to rows from the primary.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == PRIMARY


@contextmanager
def reads_from_primary(pinned=True):
    """Within it, reads go to the primary when `pinned` (kerman_site.middleware.PinPrimaryMiddleware decides)."""
    token = _pinned.set(pinned)
    try:
        yield
    finally:
        _pinned.reset(token)
