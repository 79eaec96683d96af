"""The web pages in a real browser: ``qconnect serve`` in its own process, Debian's Chromium
driven by Playwright, and axe-core's accessibility check.

Chromium is the system's (``scripts/install --test`` installs Debian's package); Playwright
never downloads a browser. Without Chromium the browser tests are skipped, except in CI
(``CI=true``), where that fails the run.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from graph_schema import open_store
from service.keys import new_key

__all__ = ["AXE", "Site", "accessibility_problems", "chromium_path", "serving_site"]

ROOT = Path(__file__).resolve().parents[1]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"


def chromium_path() -> str:
    """Debian's Chromium, or a skip (a failure in CI) saying how to install it."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    message = ("Chromium is missing: run 'scripts/install --test' as root, or apt-get install "
               "chromium")
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Site:
    """``qconnect serve`` running over the store at ``location``."""

    url: str
    location: str

    def link(self, member: str, role: str = "member",
             lasts: dt.timedelta = dt.timedelta(hours=1)) -> str:
        """A fresh sign-in link for ``member``, stored as an admin's ``keys link`` stores it."""
        text, key = new_key(role, member, kind="link",  # type: ignore[arg-type]
                            expires=dt.datetime.now(dt.UTC) + lasts)
        with open_store(self.location) as store:
            store.add_key(key)
        return f"{self.url}/sign-in/{text}"


@contextmanager
def serving_site(location: str, follow_interval: float = 0.5, workers: int = 1
                 ) -> Iterator[Site]:
    """``qconnect serve`` over ``location`` on a free port until the block ends, in ``workers``
    processes. It looks for writes made beside it every ``follow_interval`` seconds (by
    default every half second, so links made by the tests are seen at once)."""
    port = _free_port()
    env = {**os.environ, "QCONNECT_FOLLOW_INTERVAL": str(follow_interval),
           "QCONNECT_LOG_LEVEL": "WARNING"}
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("qconnect")), "serve", "--store", location,
         "--port", str(port), "--workers", str(workers)],
        env=env, cwd=ROOT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"qconnect serve stopped with exit code {process.returncode}")
            try:
                if httpx.get(f"{url}/ready", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("qconnect serve was not ready within two minutes")
            time.sleep(0.2)
        yield Site(url, location)
    finally:
        process.terminate()
        process.wait(timeout=30)


def accessibility_problems(page: Any) -> list[str]:
    """axe-core's serious and critical WCAG 2.2 A/AA violations on ``page``, one line each."""
    page.evaluate(AXE.read_text())
    found = page.evaluate("""async () => (await axe.run(document, {runOnly: {type: 'tag',
        values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22a', 'wcag22aa']}}))
        .violations""")
    return [f"{v['id']} ({v['impact']}): {v['help']} — "
            + "; ".join(n["target"][0] for n in v["nodes"][:3])
            for v in found if v["impact"] in ("serious", "critical")]
