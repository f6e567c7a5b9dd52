"""The map page in headless Chromium: offline, 34 provinces, colours follow the date, evidence.

Starts the real app (``streamlit run app.py``) on a demo database; every request that
leaves localhost is aborted and recorded, and must not happen. Needs Debian's
/usr/bin/chromium (no browser download); skipped without it.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

from geo import mapview, settings, store
from geo.baselines import add_theatre_baseline
from geo.ingest import ingest_paths

pytestmark = pytest.mark.browser

if not Path("/usr/bin/chromium").exists():
    pytest.skip("/usr/bin/chromium is missing: the browser tests need Debian's chromium",
                allow_module_level=True)  # fmt: skip
sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is missing")

import browser_support  # noqa: E402 (after the skips)

LOCAL_HOSTS = browser_support.LOCAL_HOSTS
WAIT_MS = 60_000
TALIBAN = mapview.COLORS["taliban"].lower()
BEFORE, AFTER = dt.date(2021, 8, 5), dt.date(2021, 8, 16)
FALLS = Path(__file__).resolve().parent.parent / "data" / "capital_falls.csv"
GHAZNI = (33.3, 67.9)  # inside Ghazni province, away from its borders
PROVINCE_FILLS_JS = """() => window.cmProvinces ? window.cmProvinces.getLayers()
    .filter(l => l._path).map(l => [l.feature.id, (l._path.getAttribute('fill') || '')
    .toLowerCase()]) : null"""


@pytest.fixture(scope="module")
def running_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Start the app on a fresh demo database (as `controlmap demo` builds it: the demo
    corpus and the theatre's baseline); yield its URL without the trailing slash."""
    path = tmp_path_factory.mktemp("browser-map") / "controlmap.db"
    ingest_paths(store.open_db(str(path)), [Path(settings.DEMO_DIR.value())])
    add_theatre_baseline(store.open_db(str(path)))
    store.close_db(str(path))
    with browser_support.serving(str(path)) as url:
        yield url




@pytest.fixture
def page(running_app: str, tmp_path: Path):
    """Yield a fresh page (new user-data dir); no dialog and no outside request allowed."""
    guard = browser_support.Guard()
    with sync_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=str(browser_support.CHROMIUM),
            args=browser_support.CHROMIUM_ARGS, viewport={"width": 1400, "height": 1000},
        )  # fmt: skip
        context.route("**/*", guard.route)
        tab = context.new_page()
        tab.on("dialog", guard.dialog)
        try:
            yield tab
        finally:
            context.close()
    assert guard.dialogs == [], f"a dialog fired: {guard.dialogs}"
    assert guard.outside == [], f"requests left localhost: {guard.outside}"


def map_frame(page):
    """Return the streamlit-folium frame once its 34 provinces are drawn."""
    page.wait_for_function(
        "() => Array.from(document.querySelectorAll('iframe'))"
        ".some(f => f.contentWindow && f.contentWindow.cmProvinces)", timeout=WAIT_MS)
    for frame in page.frames:
        if frame.evaluate("() => !!window.cmProvinces"):
            frame.wait_for_function(
                "() => window.cmProvinces.getLayers().filter(l => l._path).length === 34",
                timeout=WAIT_MS)  # fmt: skip
            return frame
    raise AssertionError("no map frame")


def province_fills(page) -> dict[str, str]:
    """Return each province's drawn fill colour, by ISO code."""
    return dict(map_frame(page).evaluate(PROVINCE_FILLS_JS))


def open_day(page, url: str, day: dt.date) -> dict[str, str]:
    """Open the map at ``day`` (``?date=``) and return the provinces' fill colours."""
    page.goto(f"{url}/?date={day.isoformat()}")
    page.get_by_text(f"{day:%A %d %B %Y}").wait_for(timeout=WAIT_MS)
    page.wait_for_load_state("networkidle")
    page.wait_for_function(
        "(day) => Array.from(document.querySelectorAll('iframe')).some(f => f.contentWindow"
        " && f.contentWindow.cmProvinces && f.contentWindow.cmProvinces.cmDay === day)",
        arg=day.isoformat(), timeout=WAIT_MS)  # fmt: skip
    return province_fills(page)


def fallen_between(start: dt.date, end: dt.date) -> list[str]:
    """Return the provinces whose capitals fell after ``start`` and by ``end``."""
    with FALLS.open(encoding="utf-8") as handle:
        return [r["province_iso"] for r in csv.DictReader(handle)
                if start < dt.date.fromisoformat(r["fell_on"]) <= end]  # fmt: skip


def test_34_provinces_drawn_with_only_local_assets(page, running_app: str) -> None:
    fills = open_day(page, running_app, dt.date(2021, 8, 13))
    assert len(fills) == 34
    assert set(fills.values()) <= {c.lower() for c in mapview.COLORS.values()}
    requested = page.evaluate("() => performance.getEntriesByType('resource').map(e => e.name)")
    frame = map_frame(page)
    requested += frame.evaluate("() => performance.getEntriesByType('resource').map(e => e.name)")
    # Leaflet comes in the one map script (Leaflet, the shapes, the period's styles)
    assert any("/app/static/cm/map-" in u for u in requested)
    assert all(urlparse(u).hostname in LOCAL_HOSTS for u in requested if "://" in u)


def test_capitals_that_fell_turn_taliban_between_5_and_16_august(page, running_app) -> None:
    fallen = fallen_between(BEFORE, AFTER)
    assert len(fallen) >= 25
    before = open_day(page, running_app, BEFORE)
    assert [iso for iso in fallen if before[iso] == TALIBAN] == []
    after = open_day(page, running_app, AFTER)
    assert [iso for iso in fallen if after[iso] != TALIBAN] == []


def test_kabul_is_government_from_the_baseline_and_panjshir_resistance_after_the_fall(
    page, running_app: str,
) -> None:
    assert open_day(page, running_app, dt.date(2021, 8, 13))["AF-KAB"] == (
        mapview.COLORS["government"].lower())
    assert open_day(page, running_app, dt.date(2021, 8, 20))["AF-PAN"] == (
        mapview.COLORS["resistance"].lower())


def test_slider_key_repaints_the_map_and_writes_the_url(page, running_app: str) -> None:
    before = open_day(page, running_app, dt.date(2021, 8, 11))
    slider = page.get_by_role("slider", name="Date")
    slider.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_url("**date=2021-08-12", timeout=WAIT_MS)
    page.wait_for_function(
        "() => Array.from(document.querySelectorAll('iframe')).some(f => f.contentWindow"
        " && f.contentWindow.cmProvinces && f.contentWindow.cmProvinces.cmDay === '2021-08-12')",
        timeout=WAIT_MS)  # fmt: skip
    after = province_fills(page)
    assert before["AF-GHA"] != TALIBAN
    assert after["AF-GHA"] == TALIBAN
    page.get_by_text("Thursday 12 August 2021").wait_for(timeout=WAIT_MS)


def click_ghazni(page):
    """Click Ghazni on the map; return its first quote in the evidence, once drawn."""
    frame = map_frame(page)
    x, y = frame.evaluate("([lat, lon]) => { const p = window.map.latLngToContainerPoint("
                          "[lat, lon]); return [p.x, p.y]; }", list(GHAZNI))  # fmt: skip
    box = frame.frame_element().bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + y)
    quote = page.locator('[data-testid="stText"]').filter(has_text="Ghazni").first
    quote.wait_for(timeout=WAIT_MS)
    return quote


def test_clicking_ghazni_shows_its_quotes(page, running_app: str) -> None:
    open_day(page, running_app, dt.date(2021, 8, 13))
    quote = click_ghazni(page)
    assert "Ghazni" in quote.inner_text()
    page.get_by_text("Supporting evidence", exact=False).wait_for(timeout=WAIT_MS)


TRUNCATED_JS = """() => Array.from(document.querySelectorAll(
    'button p, button span, [data-testid="stMetricLabel"] *, [data-testid="stWidgetLabel"] p,'
    + ' [data-baseweb="tag"] span, [data-testid="stMarkdownContainer"] p'))
    .filter(e => e.offsetParent !== null && e.clientWidth > 0
                 && e.scrollWidth > e.clientWidth + 1)
    .map(e => e.innerText.slice(0, 40))"""


def test_clicking_a_province_brings_its_evidence_into_view_without_a_focus_box(
    page, running_app: str
) -> None:
    page.set_viewport_size({"width": 1400, "height": 950})
    open_day(page, running_app, dt.date(2021, 8, 13))
    quote = click_ghazni(page)
    shown = quote.bounding_box()
    assert shown is not None
    assert 0 <= shown["y"] < 950, f"the evidence is drawn at y={shown['y']}, below the fold"
    frame = map_frame(page)
    outline = frame.evaluate("() => { const e = document.activeElement;"
                             " return e && e.tagName.toLowerCase() === 'path' ?"
                             " getComputedStyle(e).outlineStyle : 'none'; }")  # fmt: skip
    assert outline == "none"
    styles = frame.evaluate("() => Array.from(document.querySelectorAll("
                            "'path.leaflet-interactive')).slice(0, 3).map(p => { p.focus();"
                            " return getComputedStyle(p).outlineStyle; })")  # fmt: skip
    assert set(styles) <= {"none"}


def test_the_base_map_names_neighbours_kabul_and_capitals(page, running_app: str) -> None:
    open_day(page, running_app, dt.date(2021, 8, 13))
    frame = map_frame(page)
    countries = frame.locator(".cm-country-label").all_inner_texts()
    assert {"PAKISTAN", "IRAN", "TAJIKISTAN"} <= {c.upper() for c in countries}
    assert frame.locator(".cm-cap-label.cm-national").inner_text() == "Kabul"
    legend = frame.locator(".cm-legend").inner_text()
    assert "unconfirmed" in legend
    assert "Neighbour" in legend


@pytest.mark.parametrize("width", [1024, 1400])
def test_no_control_on_the_map_page_is_cut_short(page, running_app: str, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    open_day(page, running_app, dt.date(2021, 8, 13))
    assert page.evaluate(TRUNCATED_JS) == []
    chart = page.locator("svg.cm-chart").first.bounding_box()
    assert chart["width"] > 500, f"the chart is {chart['width']} px wide"
