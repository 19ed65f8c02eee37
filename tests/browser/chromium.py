"""Debian's chromium and the flags every headless run here uses (the browser tests, benchmarks/): no sandbox
in a container, and nothing that reaches the network on its own."""

from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
