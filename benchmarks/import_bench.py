"""`python -m benchmarks.import_bench`: what an admin import costs per row, and what the limits keep out.

Runs the admin's own views in-process (Django's test client, production settings, DEBUG off) on a fresh SQLite
archive (migrate + the seed) in benchmarks/.data/, so the figures are the view's own work without network:

1. Per-row cost of a CSV import of incidents, the dry run and the confirmation timed separately, for new rows
   and for rows that update existing incidents. Each is one request under `make serve` (gunicorn --timeout 30),
   so the largest file the admin accepts (events.resources.MAX_ROWS) must finish well inside 30 s.
2. What a refused file costs: a 10,000-row CSV, a file over the size limit, and an XLSX whose shared strings
   expand to ~1 GB. Each upload runs in a fresh process, whose peak resident memory (ru_maxrss, which includes
   Python and Django themselves) is printed; the goal is under 200 MB.

Prints the figures; nothing is written outside benchmarks/.data/.
"""

import argparse
import html
import io
import os
import re
import resource
import secrets
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "benchmarks" / ".data"
SEED_DB = DATA / "import-bench-seed.sqlite3"
ENV = {
    "DJANGO_SETTINGS_MODULE": "benchmarks.import_settings",
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(40),
    "DJANGO_ALLOWED_HOSTS": "testserver",
    "DJANGO_SECURE_SSL_REDIRECT": "0",
    "DJANGO_LOG_LEVEL": "CRITICAL",
}
HEADER = "slug,title,kind,date,date_precision,place,summary,description,sources,status\n"
FORMATS = ["csv", "xlsx", "json"]


def setup(db_path):
    os.environ.update(ENV, DATABASE_URL=f"sqlite:///{db_path}")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def build_seed():
    DATA.mkdir(exist_ok=True)
    if SEED_DB.exists():
        return
    building = SEED_DB.with_suffix(".building")
    building.unlink(missing_ok=True)
    subprocess.run(
        [sys.executable, "-m", "benchmarks.import_bench", "--build-seed", str(building)],
        cwd=ROOT,
        check=True,
    )
    building.rename(SEED_DB)


def incident_csv(rows, prefix="bench-incident", status="draft"):
    lines = [
        f"{prefix}-{i},Bench incident {i},bombing,2024-01-03,day,kerman,A bench row.,"
        f"{'A longer description of what happened. ' * 8},kerman-bombings-article,{status}"
        for i in range(rows)
    ]
    return (HEADER + "\n".join(lines) + "\n").encode()


def client_for_reviewer():
    from django.contrib.auth import get_user_model
    from django.test import Client

    user, _ = get_user_model().objects.get_or_create(
        username="bench-reviewer", defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client()
    client.force_login(user)
    return client


def post_upload(client, content, name, file_format):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    return client.post(
        reverse("admin:events_incident_import"),
        {"resource": "0", "format": str(FORMATS.index(file_format)), "import_file": SimpleUploadedFile(name, content)},
    )


def post_confirm(client, dry_run):
    from django.urls import reverse

    return client.post(reverse("admin:events_incident_process_import"), confirm_data(dry_run))


def confirm_data(dry_run):
    """The confirmation form's hidden fields, read from the dry run's page as a browser would; {} if none."""
    page = dry_run.content.decode()
    action = page.find('action="/admin/events/incident/process_import/"')
    if action < 0:
        return {}
    form = page[action : page.index("</form>", action)]
    return {
        html.unescape(name): html.unescape(value)
        for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form)
    }


def time_import(rows, update):
    """(dry-run seconds, confirm seconds) for `rows` incidents; with `update`, the rows exist already."""
    from events.models import Incident

    client = client_for_reviewer()
    prefix = f"bench-{'update' if update else 'new'}-{rows}"
    if update:
        # Make the rows first (one import), then import them again with a changed title.
        post_confirm(client, post_upload(client, incident_csv(rows, prefix), "seed.csv", "csv"))
        assert Incident.objects.filter(slug__startswith=prefix).count() == rows
        content = incident_csv(rows, prefix).replace(b"Bench incident", b"Renamed incident")
    else:
        content = incident_csv(rows, prefix)
    started, cpu = time.perf_counter(), time.process_time()
    dry_run = post_upload(client, content, "bench.csv", "csv")
    dry, dry_cpu = time.perf_counter() - started, time.process_time() - cpu
    if not confirm_data(dry_run):
        errors = re.findall(r'<(?:li|td)[^>]*class="[^"]*error[^"]*"[^>]*>(.*?)</', dry_run.content.decode(), re.S)
        raise SystemExit(f"The dry run of {rows} rows offered no confirmation ({dry_run.status_code}): {errors[:3]}")
    started, cpu = time.perf_counter(), time.process_time()
    confirmed = post_confirm(client, dry_run)
    done, done_cpu = time.perf_counter() - started, time.process_time() - cpu
    assert confirmed.status_code == 302, confirmed.status_code
    assert (
        Incident.objects.filter(slug__startswith=prefix, title__startswith="Renamed" if update else "Bench").count()
        == rows
    )
    return dry, done, dry_cpu, done_cpu


SHARED_STRINGS_TYPE = (
    b'<Override PartName="/xl/sharedStrings.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'
)


def with_shared_strings(workbook, strings_xml):
    """The workbook's zip with a declared shared-strings part (openpyxl itself writes inline strings)."""
    out = io.BytesIO()
    with zipfile.ZipFile(workbook) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "[Content_Types].xml":
                content = content.replace(b"</Types>", SHARED_STRINGS_TYPE)
            target.writestr(item, content)
        with target.open("xl/sharedStrings.xml", "w") as part:
            for chunk in strings_xml:
                part.write(chunk)
    return out.getvalue()


def xlsx_of_tiny_strings(expanded_bytes):
    """A one-row XLSX with as many shared strings as the limits allow, filling `expanded_bytes`: the costliest
    spreadsheet the limits still let through."""
    import openpyxl

    sheet = io.BytesIO()
    workbook = openpyxl.Workbook()
    workbook.active.append(["slug", "title", "kind", "date", "date_precision", "place", "summary", "sources", "status"])
    workbook.active.append(
        ["tiny", "Tiny", "bombing", "2024-01-03", "day", "kerman", "Fine.", "kerman-bombings-article", "draft"]
    )
    workbook.save(sheet)
    from events.resources import MAX_SHARED_STRINGS

    text = b"a" * ((expanded_bytes - 100_000) // MAX_SHARED_STRINGS - 20)
    head = b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    # Distinct strings, as a real sheet's would be; the limits' largest: MAX_SHARED_STRINGS of them.
    items = (b"<si><t>%d%s</t></si>" % (i, text[: -len(str(i))]) for i in range(MAX_SHARED_STRINGS))
    return with_shared_strings(sheet, [head, *items, b"</sst>"])


def xlsx_bomb(expanded_mb):
    """A real XLSX whose shared-strings part is `expanded_mb` MB of one repeated character (~1000:1)."""
    import openpyxl

    sheet = io.BytesIO()
    workbook = openpyxl.Workbook()
    workbook.active.append(["slug", "title"])
    workbook.active.append(["bomb", "x"])
    workbook.save(sheet)
    head = b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>'
    megabyte = b"x" * (1 << 20)
    return with_shared_strings(sheet, [head, *(megabyte for _ in range(expanded_mb)), b"</t></si></sst>"])


def refused_upload(case):
    """One upload in this process; prints the outcome and this process's peak memory."""
    from events import resources

    client = client_for_reviewer()
    if case == "rows":
        lines = "".join(f"r{i},R,bombing,,,kerman,,,,draft\n" for i in range(10_000))
        content, name, file_format = (HEADER + lines).encode(), "10000-rows.csv", "csv"
    elif case == "size":
        padding = "x" * 2000
        rows = resources.MAX_UPLOAD_BYTES // 2000 + 10
        content = (HEADER + "".join(f"s{i},{padding},,,,,,,,\n" for i in range(rows))).encode()
        name, file_format = "huge.csv", "csv"
    elif case == "bomb":
        content, name, file_format = xlsx_bomb(1024), "bomb.xlsx", "xlsx"
    else:
        content, name, file_format = xlsx_of_tiny_strings(resources.MAX_EXPANDED_BYTES), "tiny.xlsx", "xlsx"
    started = time.perf_counter()
    response = post_upload(client, content, name, file_format)
    took = time.perf_counter() - started
    page = response.content.decode()
    errors = " ".join(html.unescape(e) for e in re.findall(r'<ul class="errorlist"[^>]*><li>(.*?)</li>', page))
    if not errors and confirm_data(response):
        errors = "(accepted: the dry run offers the confirmation)"
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"  {case:7}: {len(content) / 1e6:6.2f} MB upload, HTTP {response.status_code}, {took:5.2f} s, "
        f"peak memory of the whole process {peak_mb:5.0f} MB\n  -> {errors or '(no error!)'}"
    )


def in_fresh_archive(*args):
    """Run this script with `args` in a new process on a fresh copy of the seeded archive."""
    db = DATA / "import-bench-run.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    shutil.copy(SEED_DB, db)
    subprocess.run([sys.executable, "-m", "benchmarks.import_bench", *args, str(db)], cwd=ROOT, check=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="*", default=[100, 200])
    parser.add_argument("--build-seed", help=argparse.SUPPRESS)
    parser.add_argument("--time", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--refuse", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build_seed:
        setup(args.build_seed)
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        call_command("load_archive", verbosity=0)
        return
    if args.time:
        rows, kind, db = args.time
        setup(db)
        dry, done, dry_cpu, done_cpu = time_import(int(rows), update=kind == "update")
        n = int(rows)
        print(
            f"  {n} {kind} rows: dry run {dry:5.2f} s (CPU {dry_cpu:5.2f} s), confirm {done:5.2f} s "
            f"(CPU {done_cpu:5.2f} s); a row: {dry / n * 1000:.0f} + {done / n * 1000:.0f} ms "
            f"(CPU {dry_cpu / n * 1000:.0f} + {done_cpu / n * 1000:.0f} ms)"
        )
        return
    if args.refuse:
        case, db = args.refuse
        setup(db)
        refused_upload(case)
        return
    build_seed()
    print("Import of incidents from CSV, per request (the dry run and the confirmation are two requests):")
    for rows in args.rows:
        for kind in ("new", "update"):
            in_fresh_archive("--time", str(rows), kind)
    print(f"Load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print("Uploads at and over the limits, each in a fresh process:")
    for case in ("rows", "size", "bomb", "allowed"):
        in_fresh_archive("--refuse", case)


if __name__ == "__main__":
    main()
