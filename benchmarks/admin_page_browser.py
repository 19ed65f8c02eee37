"""What an editor waits for on a record's admin change page in a browser: when it answers and how long the page
stays frozen, with the autocompletes set up as this site does and as Django's admin alone does.

    DATABASE_URL=sqlite:///path/to/seeded.sqlite3 python -m benchmarks.admin_page_browser [--slug ...] [--runs 3]

Copies the database of DATABASE_URL (seeded with `manage.py load_archive`; the copy gets a superuser for the
run), serves it with `manage.py runserver` under the dev settings and opens the incident's change page in
Debian's chromium (/usr/bin/chromium) `--runs` times each way, alternating. "Django's own set-up" serves an
empty events/admin/autocomplete-deferred.js, so admin/js/autocomplete.js sets up every box at once as it
does without this site. Printed per run, in ms from the start of the navigation: the last byte of the HTML,
DOMContentLoaded, the load event, the longest main-thread task (Long Tasks API), and when the last
autocomplete was set up. The machine's other work shows in them: compare the two ways within one run.
"""

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.browser.chromium import CHROMIUM, CHROMIUM_ARGS

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "benchmark-password-1"
# Every long task from the start of the page, and the navigation's own marks.
OBSERVE = """() => {
    window.__longest = 0;
    new PerformanceObserver(list => {
        for (const entry of list.getEntries()) window.__longest = Math.max(window.__longest, entry.duration);
    }).observe({type: 'longtask', buffered: true});
}"""
ALL_SET_UP = """() => [...document.querySelectorAll('select.admin-autocomplete:not([name*="__prefix__"])')]
    .every(box => box.classList.contains('select2-hidden-accessible'))"""
MARKS = """() => {
    const nav = performance.getEntriesByType('navigation')[0];
    return {html: nav.responseEnd, ready: nav.domContentLoadedEventEnd, load: nav.loadEventStart,
            longest: window.__longest, boxes: document.querySelectorAll('.select2-container').length};
}"""


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(database, port):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "kerman_site.settings.dev", "DATABASE_URL": f"sqlite:///{database}"}
    make_user = (
        "from django.contrib.auth import get_user_model; "
        f"get_user_model().objects.create_superuser('browser-benchmark', 'b@example.org', {PASSWORD!r})"
    )
    subprocess.run([sys.executable, "manage.py", "shell", "-c", make_user], cwd=ROOT, env=env, check=True)
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload", "--nothreading"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    sys.exit("the development server did not start")


def measure(browser, base, slug, django_own):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=base)
    page = context.new_page()
    if django_own:
        page.route("**/events/admin/autocomplete-deferred.js", lambda route: route.fulfill(body="", status=200))
    page.goto("/admin/login/")
    page.fill("#id_username", "browser-benchmark")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")
    page.goto(f"/admin/events/incident/?q={slug}")
    change = page.locator("#result_list tbody th a").first.get_attribute("href")
    page.add_init_script(f"({OBSERVE})()")
    started = time.perf_counter()
    page.goto(change, timeout=180_000)
    while not page.evaluate(ALL_SET_UP):
        page.wait_for_timeout(50)
    set_up = (time.perf_counter() - started) * 1000
    marks = page.evaluate(MARKS)
    context.close()
    return {**marks, "set_up": set_up}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slug", default="2024-kerman-bombings")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("sqlite:///"):
        sys.exit("DATABASE_URL must name a seeded SQLite file: sqlite:///path/to/db.sqlite3")
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as scratch:
        database = Path(scratch) / "db.sqlite3"
        shutil.copyfile(url.removeprefix("sqlite:///"), database)
        port = free_port()
        server = serve(database, port)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
                results = {"this site's set-up": [], "Django's own set-up": []}
                for _ in range(args.runs):
                    for label in results:
                        django_own = label.startswith("Django")
                        results[label].append(measure(browser, f"http://127.0.0.1:{port}", args.slug, django_own))
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=30)
    for label, runs in results.items():
        print(f"{label} ({runs[0]['boxes']} autocompletes), ms from the start of the navigation:")
        for key, name in [
            ("html", "HTML received"),
            ("ready", "DOMContentLoaded"),
            ("load", "load event"),
            ("longest", "longest frozen stretch (task)"),
            ("set_up", "every autocomplete set up"),
        ]:
            values = [run[key] for run in runs]
            print(f"  {name}: median {statistics.median(values):,.0f} (runs: {', '.join(f'{v:,.0f}' for v in values)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
