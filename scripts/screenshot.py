"""Take the README's screenshot of the map: ``docs/map-2021-08-13.png``.

Builds the demo database in a temporary folder, starts the app on it, opens the map on
2021-08-13 in headless Chromium (Debian's ``/usr/bin/chromium``, 1400×950), selects Kandahar so
the evidence shows beside the map, and saves the page.

    .venv/bin/python scripts/screenshot.py [--date 2021-08-13] [-o docs/map-2021-08-13.png]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from browser_support import launch_browser, serving  # noqa: E402

from geo import settings, store  # noqa: E402
from geo.baselines import add_theatre_baseline  # noqa: E402
from geo.ingest import ingest_paths  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    """Build the demo database, serve it and save the screenshot."""
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--date", default="2021-08-13")
    parser.add_argument("-o", "--output", type=Path,
                        default=ROOT / "docs" / "map-2021-08-13.png")  # fmt: skip
    parser.add_argument("--province", default="AF-KAN")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="controlmap-shot-") as work:
        db = Path(work) / "demo.db"
        ingest_paths(store.open_db(str(db)), [Path(settings.DEMO_DIR.value())])
        add_theatre_baseline(store.open_db(str(db)))  # as `controlmap demo` builds it
        store.close_db(str(db))
        with serving(str(db)) as url, sync_playwright() as playwright:
            browser = launch_browser(playwright)
            page = browser.new_page(viewport={"width": 1400, "height": 950})
            page.goto(f"{url}/?date={args.date}&province={args.province}")
            page.get_by_text("Supporting evidence", exact=False).wait_for(timeout=120_000)
            page.wait_for_function(
                "() => Array.from(document.querySelectorAll('iframe')).some(f => f.contentWindow"
                " && f.contentWindow.cmProvinces && f.contentWindow.cmProvinces.cmDay)",
                timeout=120_000)  # fmt: skip
            page.wait_for_load_state("networkidle")
            page.wait_for_timeout(1500)
            args.output.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(args.output))
            browser.close()
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
