"""Takes the screenshots of docs/editing.md's revision and review sections from the real admin.

Run from the project root: `.venv/bin/python docs/screenshots/editing_flow.py` (needs Debian's chromium).
It builds a scratch SQLite database with the seed data, an Editor (maryam) and a Reviewer (reza), serves it on
a loopback port, and walks the flow: an Editor corrects the published Kerman incident and its death toll, the
Reviewer reviews and publishes the pending revision, then restores an earlier one.
"""

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from tests.browser.conftest import CHROMIUM_ARGS  # noqa: E402  (the same flags as the browser tests)

OUT = Path(os.environ.get("SHOTS", ROOT / "docs" / "screenshots"))
PORT = os.environ.get("PORT", "8765")
BASE = f"http://127.0.0.1:{PORT}"
PASSWORD = "correct horse battery staple"


def manage(*args, env):
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


def main():
    scratch = tempfile.mkdtemp()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "kerman_site.settings.dev",
        "DATABASE_URL": f"sqlite:///{scratch}/shots.sqlite3",
    }
    manage("migrate", "--noinput", "-v", "0", env=env)
    manage("load_archive", env=env)
    manage(
        "shell",
        "-c",
        f"""
from django.contrib.auth.models import Group, User
for name, group in (("maryam", "Editor"), ("reza", "Reviewer")):
    user = User.objects.create_user(name, name + "@example.org", {PASSWORD!r}, is_staff=True)
    user.groups.add(Group.objects.get(name=group))
""",
        env=env,
    )
    with open(os.environ.get("SERVER_LOG", os.devnull), "w") as log:
        server = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{PORT}"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
        try:
            time.sleep(3)
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
                flow(browser)
                browser.close()
        finally:
            server.terminate()
            server.wait()


def login(browser, name):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{BASE}/admin/login/")
    page.fill("#id_username", name)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    return page


def shot(page, name, full=False):
    page.screenshot(path=str(OUT / name), full_page=full)


def incident_url(page):
    page.goto(f"{BASE}/admin/events/incident/?q=2024+Kerman+bombings")
    page.click("text=2024 Kerman bombings")
    return page.url


def flow(browser):
    editor = login(browser, "maryam")
    url = incident_url(editor)
    shot(editor, "editing-16-editor-opens-published.png")
    editor.fill("#id_summary", editor.input_value("#id_summary") + " (Corrected: the toll rose to 95.)")
    # The preferred death toll: the killed row ranked preferred.
    rows = editor.locator("#casualty_figures-group tbody tr.form-row")
    for i in range(rows.count()):
        row = rows.nth(i)
        kind = row.locator("select[name$='-kind']").input_value()
        if kind == "killed" and row.locator("select[name$='-rank']").input_value() == "preferred":
            value = row.locator("input[name$='-value']")
            value.fill(str(int(value.input_value()) + 1))
            break
    editor.fill("#id_change_reason", "IRNA's later figure")
    editor.click("input[name=_save]")
    shot(editor, "editing-17-pending-revision.png", full=True)

    reviewer = login(browser, "reza")
    reviewer.goto(f"{BASE}/admin/")
    shot(reviewer, "editing-18-review-queue.png")
    reviewer.click("#waiting-for-review td a[href*='/revision/']")
    shot(reviewer, "editing-19-review-diff.png", full=True)
    reviewer.fill("#id_note", "Checked against IRNA.")
    reviewer.click("button[value=publish]")
    shot(reviewer, "editing-20-history.png", full=True)
    reviewer.click("input[type=submit][value^='Compare']")
    shot(reviewer, "editing-22-compare.png", full=True)
    reviewer.goto(url.replace("/change/", "/history/"))
    reviewer.locator("#revision-list tbody tr").last.locator("a").first.click()
    shot(reviewer, "editing-21-restore.png", full=True)
    reviewer.fill("#id_note", "Back to the article's lead figure")
    reviewer.click("button[value=restore]")
    shot(reviewer, "editing-24-restored.png")

    # Two people open the same record; the second save is refused, naming the revisions.
    first, second = login(browser, "reza"), login(browser, "reza")
    first.goto(url)
    second.goto(url)
    first.fill("#id_target", first.input_value("#id_target") + ".")
    first.click("input[name=_save]")
    second.fill("#id_summary", "Overwritten?")
    second.click("input[name=_save]")
    shot(second, "editing-13-stale-edit-refused.png")

    public = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    public.goto(f"{BASE}/incidents/2024-kerman-bombings/revisions/1/")
    shot(public, "editing-23-permanent-link.png")


if __name__ == "__main__":
    main()
