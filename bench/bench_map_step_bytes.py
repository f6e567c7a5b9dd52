"""Bytes the server sends the browser per slider step on the map page (WebSocket frames).

Opens ``URL/?date=...`` in headless Chromium (Debian's ``/usr/bin/chromium``), waits for
the map, then presses the slider's right arrow ``--steps`` times, waiting for each rerun,
and prints the WebSocket bytes received during the first load and per step (median, max).

    .venv/bin/python bench/bench_map_step_bytes.py http://localhost:8501 [--steps 8]

A step that sends only what changed is a few tens of kilobytes whatever the data version;
one that re-sends the whole static map grows with it.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from browser_support import launch_browser


def main(argv: list[str] | None = None) -> None:
    """Measure and print the bytes of the first load and of each step."""
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--date", default="2021-08-05")
    parser.add_argument("--steps", type=int, default=8)
    args = parser.parse_args(argv)
    received: list[int] = []
    with sync_playwright() as playwright:
        browser = launch_browser(playwright)
        page = browser.new_page(viewport={"width": 1400, "height": 950})
        cdp = page.context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.on("Network.webSocketFrameReceived",
               lambda e: received.append(len(e["response"]["payloadData"])))  # fmt: skip
        page.goto(f"{args.url.rstrip('/')}/?date={args.date}")
        page.wait_for_function(
            "() => Array.from(document.querySelectorAll('iframe')).some(f => f.contentWindow"
            " && f.contentWindow.cmProvinces && f.contentWindow.cmProvinces.cmDay)",
            timeout=120_000)  # fmt: skip
        page.locator('[data-testid="stStatusWidget"]').wait_for(state="hidden", timeout=120_000)
        page.wait_for_timeout(1500)
        first = sum(received)
        steps = []
        slider = page.get_by_role("slider", name="Date")
        for _ in range(args.steps):
            before = sum(received)
            slider.focus()
            page.keyboard.press("ArrowRight")
            page.wait_for_timeout(300)
            page.locator('[data-testid="stStatusWidget"]').wait_for(state="hidden",
                                                                    timeout=120_000)
            page.wait_for_timeout(700)
            steps.append(sum(received) - before)
        browser.close()
    print(f"first load: {first / 1024:.0f} KB over the WebSocket; per step: median "
          f"{statistics.median(steps) / 1024:.1f} KB, max {max(steps) / 1024:.1f} KB "
          f"({len(steps)} steps)")  # fmt: skip


if __name__ == "__main__":
    main()
