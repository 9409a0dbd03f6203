"""Real headless Chromium (Debian's ``chromium``) opening a local file with the network cut:
what the page became, what it logged, and every request it made.

.ci/run installs chromium and sets FOLDCHECK_REQUIRE_CHROMIUM, so CI never skips a test that
needs it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import NamedTuple

import pytest


class Opened(NamedTuple):
    dom: str  # the DOM after the page's scripts ran
    console: list[str]  # every console line Chromium logged
    requests: list[str]  # every URL the page itself asked for (Chromium's own are left out)


def chromium_open(page: Path, tmp_path: Path) -> Opened:
    """``page`` opened with a proxy that refuses and no name resolving, so nothing leaves
    the machine; the network log records what the page tried anyway."""
    browser = shutil.which("chromium")
    if browser is None:
        if os.environ.get("FOLDCHECK_REQUIRE_CHROMIUM"):
            pytest.fail("chromium is not installed (apt-get install -y chromium)")
        pytest.skip("chromium is not installed (apt-get install -y chromium)")
    profile = tmp_path / f"profile-{page.stem}"
    net_log = tmp_path / f"net-{page.stem}.json"
    done = subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={profile}",
            "--proxy-server=127.0.0.1:9",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            "--enable-logging=stderr",
            "--v=0",
            f"--log-net-log={net_log}",
            "--dump-dom",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    console = [line for line in done.stderr.splitlines() if ":CONSOLE" in line]
    return Opened(done.stdout, console, _page_requests(net_log))


def _page_requests(net_log: Path) -> list[str]:
    """The URLs of requests made for a file:// page (their network isolation key is the file
    origin); the browser's own update and account checks have another key and are not the
    page's doing."""
    events = json.loads(net_log.read_text(encoding="utf-8"))["events"]
    return sorted(
        {
            params["url"]
            for params in (event.get("params", {}) for event in events)
            if "url" in params and str(params.get("network_isolation_key", "")).startswith("file:")
        }
    )
