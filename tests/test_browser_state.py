"""The map in headless Chromium on the cases an analyst trusts it by: one-day databases,
places that agree with their province, and a database choice that holds across pages.

Each test starts the real app on its own database (Debian's chromium, no network).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from geo import settings, store
from geo.baselines import add_theatre_baseline
from geo.ingest import ingest_paths

pytestmark = pytest.mark.browser

if not Path("/usr/bin/chromium").exists():
    pytest.skip("/usr/bin/chromium is missing: the browser tests need Debian's chromium",
                allow_module_level=True)  # fmt: skip
sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is missing")

import browser_support  # noqa: E402 (after the skips)

WAIT_MS = 60_000
#: Every layer's tooltip in the map frame: [kind, tooltip text] (province or place).
TOOLTIPS_JS = """() => { const out = []; window.cmProvinces._map.eachLayer(l => {
    const t = l.getTooltip && l.getTooltip(); if (!t) return;
    const kind = (l instanceof L.CircleMarker) ? 'place' : (l.feature ? 'province' : '');
    if (kind) out.push([kind, String(t.getContent()).replace(/<[^>]*>/g, '\\n')]); });
    return out; }"""


def demo_database(folder: Path) -> str:
    path = folder / "demo.db"
    ingest_paths(store.open_db(str(path)), [Path(settings.DEMO_DIR.value())])
    add_theatre_baseline(store.open_db(str(path)))
    store.close_db(str(path))
    return str(path)


def browse(tmp_path: Path, url: str, visit) -> None:
    guard = browser_support.Guard()
    with sync_api.sync_playwright() as playwright:
        browser = browser_support.launch_browser(playwright)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.route("**/*", guard.route)
            page.on("dialog", guard.dialog)
            visit(page, url)
        finally:
            browser.close()
    assert guard.dialogs == []
    assert guard.outside == []


def map_frame(page):
    page.wait_for_function(
        "() => Array.from(document.querySelectorAll('iframe'))"
        ".some(f => f.contentWindow && f.contentWindow.cmProvinces"
        " && f.contentWindow.cmProvinces.getLayers().filter(l => l._path).length === 34)",
        timeout=WAIT_MS)  # fmt: skip
    return next(f for f in page.frames if f.evaluate("() => !!window.cmProvinces"))


def test_a_database_of_the_seed_article_alone_opens_on_a_drawn_map(tmp_path, seed_text):
    (tmp_path / "seed.txt").write_text(seed_text, encoding="utf-8")
    path = tmp_path / "seed.db"
    ingest_paths(store.open_db(str(path)), [tmp_path / "seed.txt"])
    store.close_db(str(path))

    def visit(page, url):
        page.goto(url)
        map_frame(page)
        body = page.inner_text("body")
        assert "Traceback" not in body
        assert "StreamlitInvalid" not in body

    with browser_support.serving(str(path)) as url:
        browse(tmp_path, url, visit)


def test_no_place_marker_is_older_than_its_provinces_last_change(tmp_path):
    def visit(page, url):
        page.goto(f"{url}/?date=2021-09-06")
        page.get_by_text("Monday 06 September 2021").wait_for(timeout=WAIT_MS)
        page.wait_for_load_state("networkidle")
        tips = map_frame(page).evaluate(TOOLTIPS_JS)
        since = {}
        for kind, text in tips:
            lines = [x.strip() for x in text.split("\n") if x.strip()]
            found = re.search(r"since (\d{4}-\d{2}-\d{2})", text)
            if kind == "province" and found:
                since[lines[0]] = dt.date.fromisoformat(found.group(1))
        places = [(t.split("\n"), re.search(r"since (\d{4}-\d{2}-\d{2})", t))
                  for kind, t in tips if kind == "place"]
        assert places, "no place markers on 6 September"
        for lines, found in places:
            lines = [x.strip() for x in lines if x.strip()]
            province = lines[1]  # "<Name> province"
            if found and province in since:
                assert dt.date.fromisoformat(found.group(1)) >= since[province], lines

    with browser_support.serving(demo_database(tmp_path)) as url:
        browse(tmp_path, url, visit)


def test_the_database_picked_in_the_sidebar_holds_on_every_page(tmp_path, monkeypatch):
    first = demo_database(tmp_path)
    other = tmp_path / "other.db"
    ingest_paths(store.open_db(str(other)), [Path(settings.DEMO_DIR.value()) /
                                              "2021-08-06_zaranj.txt"])
    store.close_db(str(other))
    monkeypatch.setenv("CONTROLMAP_DATABASES", f"demo={first};other={other}")

    def visit(page, url):
        page.goto(f"{url}/?db=other")
        map_frame(page)
        for name in ("Claims", "Export", "Gazetteer", "Ingest"):
            page.get_by_role("link", name=re.compile(f"^{name}$")).first.click()
            page.get_by_role("heading", name=re.compile(name)).first.wait_for(timeout=WAIT_MS)
            page.wait_for_url(re.compile(r"db=other"), timeout=WAIT_MS)
            # The page reads the picked database: its only report's day, not the demo's.
            assert "date=2021-08-06" in page.url or name in ("Gazetteer", "Ingest"), page.url

    with browser_support.serving(first) as url:
        browse(tmp_path, url, visit)
