"""Remake the README's screenshots of the web pages from a generated community.

    .venv/bin/python scripts/screenshots.py

Generates the demo's community (500 members, seed 42) into a temporary store with
``qconnect demo --no-serve``, serves it, signs in by link in headless Chromium (Debian's, as
the tests use), and writes ``docs/for-you.png`` and ``docs/form-groups.png``.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from graph_schema import open_store  # noqa: E402
from models.privacy import placeable  # noqa: E402
from tests.browser import chromium_path, serving_site  # noqa: E402

WIDTH = 1100
HEIGHT = 1500


def _below(page: Any, selector: str, height: int) -> dict[str, float]:
    """The part of the whole page from just above ``selector``, ``height`` pixels tall."""
    top = page.locator(selector).first.evaluate(
        "e => e.getBoundingClientRect().top + window.scrollY")
    return {"x": 0, "y": max(0, top - 24), "width": WIDTH, "height": height}


def main() -> None:
    docs = ROOT / "docs"
    docs.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="qconnect-screens-") as folder:
        location = str(Path(folder) / "demo.db")
        subprocess.run([str(Path(sys.executable).with_name("qconnect")), "demo", "--no-serve",
                        "--store", location], check=True, stdout=subprocess.DEVNULL)
        with open_store(location) as store:
            community = store.export()
        people = sorted(community.members, key=lambda m: m.id)
        member = next(m for m in people if m.wants_to_learn and m.visibility == "members")
        leads = {c for g in community.groups for c in g.coordinators}
        counts = Counter(t for m in people if placeable(m) for t in m.interests)
        topic = min(sorted(counts), key=lambda t: (abs(counts[t] - 24), t))
        coordinator = next(m for m in people if m.id in leads and topic not in m.interests)
        with serving_site(location) as site, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium_path(),
                                                 args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": WIDTH, "height": 900})
            page.goto(site.link(member.id))
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url(f"{site.url}/")
            page.screenshot(path=docs / "for-you.png", full_page=True,
                            clip=_below(page, "h1", HEIGHT))
            page.context.clear_cookies()
            page.goto(site.link(coordinator.id, "coordinator"))
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url(f"{site.url}/form-groups")
            page.get_by_label("Interested in the topic").fill(topic)
            page.get_by_role("button", name="Propose groups").click()
            page.wait_for_selector("#proposed-groups")
            page.screenshot(path=docs / "form-groups.png", full_page=True,
                            clip=_below(page, "#proposed-groups", HEIGHT))
            browser.close()
    print(f"wrote {docs / 'for-you.png'} and {docs / 'form-groups.png'}")


if __name__ == "__main__":
    main()
