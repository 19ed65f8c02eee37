"""How much of the page cache survives an editor at work: hit rates while one save lands every 2 seconds.

    python -m benchmarks.invalidation_probe [--incidents 1000] [--seconds 20] [--rebuild]

Builds (or reuses) the benchmark database of `make bench` at that size, then in one process with the
production settings and the page and count caches on (local memory): warms the cache over a fixed mix of
public addresses (home, the five lists, filtered and paged lists, detail pages of every kind, search, the
feed, the sitemap and the timeline), then reads random addresses of the mix for `--seconds` while, every 2
seconds, an editor changes a random incident (or adds a reaction). Scenarios:

- no edits;
- every save drops everything: what the site did before cache tags (one global content version), replayed
  as `bump_content_version()` with each save;
- an incident's description, its title, a casualty figure's value, a new reaction: with cache tags.

Every scenario's writes are rolled back at its end, so the database is the same for the next. Reported: cache
hit rate and requests per second of one in-process reader (no HTTP, no second worker: ratios, not capacity).
"""

import argparse
import json
import os
import random
import subprocess
import sys
import time

from benchmarks.bench import PYTHON, ROOT, build

SAVE_EVERY = 2.0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--run", action="store_true", help=argparse.SUPPRESS)  # inside the prepared environment
    args = parser.parse_args(argv)
    if args.run:
        return run(args.seconds)
    env = build(args.incidents, args.rebuild)
    command = [PYTHON, "-m", "benchmarks.invalidation_probe", "--run", "--seconds", str(args.seconds)]
    subprocess.run(command, cwd=ROOT, env=env, check=True)
    return 0


def run(seconds):
    import django

    os.environ["DJANGO_PAGE_CACHE"] = "1"
    django.setup()
    from django.conf import settings

    settings.COUNT_CACHE = True
    settings.PAGE_CACHE = True
    settings.ALLOWED_HOSTS = ["*"]
    # Static addresses without `collectstatic`'s manifest: the pages are the same size either way.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    from django.core.cache import caches
    from django.db import transaction
    from django.test import Client

    from events import caching

    caches[caching.CACHE_ALIAS].clear()
    client = Client(SERVER_NAME="localhost")
    addresses = mix()
    rng = random.Random(7)
    editors = editing(rng)
    results = []
    for scenario, edit in [("no edits", None), *editors]:
        caches[caching.CACHE_ALIAS].clear()
        with transaction.atomic():
            for address in addresses:  # every address once: the warm cache an editor starts from
                client.get(address)
            hits = misses = 0
            started = next_save = time.monotonic()
            saves = 0
            while time.monotonic() - started < seconds:
                if edit is not None and time.monotonic() >= next_save:
                    edit()
                    saves += 1
                    next_save += SAVE_EVERY
                response = client.get(rng.choice(addresses))
                if response.get("X-Page-Cache") == "hit":
                    hits += 1
                else:
                    misses += 1
            elapsed = time.monotonic() - started
            transaction.set_rollback(True)
        row = {
            "scenario": scenario,
            "saves": saves,
            "requests": hits + misses,
            "hit rate": round(hits / max(hits + misses, 1), 3),
            "requests/s": round((hits + misses) / elapsed, 1),
        }
        results.append(row)
        print(json.dumps(row), flush=True)
    print()
    print("| scenario | saves | requests | hit rate | requests/s |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for row in results:
        print(
            f"| {row['scenario']} | {row['saves']} | {row['requests']} | {row['hit rate']:.0%} | {row['requests/s']} |"
        )
    return 0


def mix():
    """A fixed mix of public addresses, about as many detail pages as lists, over the whole archive."""
    from django.urls import reverse

    from events.models import Incident, Organization, Person, Place, Reaction

    rng = random.Random(1)
    addresses = ["/", "/timeline/", "/feed.atom", "/sitemap.xml", "/search/?q=synthetic", "/search/?q=kerman"]
    for name in ("incident", "person", "organization", "place", "reaction"):
        listed = reverse(f"events:{name}-list")
        addresses += [listed, f"{listed}?page=2"]
    addresses += ["/incidents/?kind=bombing", "/incidents/?ordering=most-killed", "/reactions/?category=country"]
    for model, count in ((Incident, 30), (Person, 10), (Organization, 5), (Place, 5), (Reaction, 15)):
        slugs = list(model.objects.published().values_list("slug", flat=True))
        for slug in rng.sample(slugs, min(count, len(slugs))):
            addresses.append(model(slug=slug).get_absolute_url())
    return addresses


def editing(rng):
    """(scenario, one save) pairs."""
    from events import caching
    from events.models import CasualtyFigure, Incident, Reaction

    incident_ids = list(Incident.objects.published().values_list("pk", flat=True))
    figure_ids = list(CasualtyFigure.objects.values_list("pk", flat=True))
    reaction_ids = list(Reaction.objects.published().values_list("pk", flat=True))

    def description(bump_everything=False):
        incident = Incident.objects.get(pk=rng.choice(incident_ids))
        incident.description = f"{incident.description} Edited at {time.time()}."
        incident.save()
        if bump_everything:
            caching.bump_content_version()

    def title():
        incident = Incident.objects.get(pk=rng.choice(incident_ids))
        incident.title = f"{incident.title} (edited)"
        incident.save()

    def figure():
        row = CasualtyFigure.objects.get(pk=rng.choice(figure_ids))
        row.value = (row.value or 0) + 1
        row.save()

    def reaction():
        # A copy of an existing reaction, on another incident: a new row with every constraint met.
        row = Reaction.objects.get(pk=rng.choice(reaction_ids))
        row.pk = None
        row._state.adding = True
        row.incident_id = rng.choice(incident_ids)
        row.slug = f"probe-{time.time_ns()}"
        row.save()

    return [
        ("every save drops everything (before)", lambda: description(bump_everything=True)),
        ("an incident's description", description),
        ("an incident's title", title),
        ("a casualty figure's value", figure),
        ("a new reaction", reaction),
    ]


if __name__ == "__main__":
    sys.exit(main())
