"""The Nu HTML Checker (npm vnu-jar, run with the machine's java) finds no error on the checked pages."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

from tests.browser.conftest import CHECKED_PAGES

VNU_JAR = Path(settings.BASE_DIR) / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def vnu_command():
    java = shutil.which("java")
    if java and VNU_JAR.exists():
        return [java, "-jar", str(VNU_JAR)]
    reason = f"the Nu HTML Checker needs java and {VNU_JAR} (`make test` runs `npm ci`; .ci/run installs a JRE)"
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


def test_checked_pages_are_valid_html(client, archive, tmp_path):
    command = vnu_command()
    files = {}
    for index, path in enumerate(CHECKED_PAGES + ["/no-such-page/"]):
        response = client.get(path)
        assert response.status_code in (200, 404), path
        file = tmp_path / f"page-{index}.html"
        file.write_bytes(response.content)
        files[file.name] = path
    result = subprocess.run(
        [*command, "--errors-only", "--format", "json", "--exit-zero-always", *map(str, sorted(tmp_path.iterdir()))],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    messages = json.loads(result.stderr or result.stdout)["messages"]
    errors = [
        f"{files.get(str(m.get('url', '')).rsplit('/', 1)[-1], m.get('url'))}:{m.get('lastLine')}: {m.get('message')}"
        for m in messages
        if m.get("type") in ("error", "non-document-error")
    ]
    assert errors == []
