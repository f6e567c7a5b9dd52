"""The review pages in headless Chromium: real downloads, escaped hostile text, no egress.

Needs /usr/bin/chromium and ``tests/browser_support.py`` (``start_app``, ``launch_browser``).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from geo import settings, store
from geo.ingest import ingest_document, ingest_paths
from geo.records import Document

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip(f"{CHROMIUM} is missing: the browser tests need Debian's chromium",
                allow_module_level=True)

browser_support = pytest.importorskip(
    "browser_support", reason="tests/browser_support.py (start_app, launch_browser) is missing"
)
sync_api = pytest.importorskip("playwright.sync_api")

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
HOSTILE_DAY = dt.date(2021, 8, 20)
HOSTILE = (
    "The Taliban captured Bazarak, the capital of Panjshir province, on Friday. "
    f"{SCRIPT} {IMG}"
)
WAIT_MS = 90_000


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Start the app on a demo database that also holds a document with hostile markup."""
    path = tmp_path_factory.mktemp("browser-pages") / "controlmap.db"
    engine = store.open_db(str(path))
    ingest_paths(engine, [Path(settings.DEMO_DIR.value())])
    stored = ingest_document(engine, Document("hostile.txt", HOSTILE, HOSTILE_DAY,
                                              source="hostile.txt"))  # fmt: skip
    assert stored is not None
    assert [c.province_iso for c in stored.claims] == ["AF-PAN"]
    assert SCRIPT in stored.claims[0].quote
    store.close_db(str(path))
    with browser_support.serving(str(path)) as url:
        yield url




@pytest.fixture
def browser_page(app_url: str):
    """Yield (page, guard): a fresh page whose dialogs and outside requests are recorded."""
    with sync_api.sync_playwright() as playwright:
        browser = browser_support.launch_browser(playwright)
        context = browser.new_context(accept_downloads=True, viewport={"width": 1400,
                                                                       "height": 1000})
        guard = browser_support.Guard()
        context.route("**/*", guard.route)
        page = context.new_page()
        page.on("dialog", guard.dialog)
        try:
            yield page, guard
        finally:
            context.close()
            browser.close()
    assert guard.dialogs == [], f"a dialog fired: {guard.dialogs}"
    assert guard.outside == [], f"requests left localhost: {guard.outside}"


def wait_idle(page) -> None:
    """Wait until Streamlit has finished the current run."""
    page.wait_for_load_state("networkidle")
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="hidden", timeout=WAIT_MS)


def test_export_downloads_a_geojson_that_geopandas_reads(browser_page, tmp_path: Path,
                                                          app_url: str) -> None:
    import geopandas as gpd

    page, _guard = browser_page
    page.goto(f"{app_url}/Export?date=2021-08-15")
    button = page.get_by_role("button", name="Map of 2021-08-15 (GeoJSON)")
    button.wait_for(timeout=WAIT_MS)
    with page.expect_download(timeout=WAIT_MS) as info:
        button.click()
    download = info.value
    assert download.suggested_filename == "controlmap-snapshot-2021-08-15.geojson"
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    frame = gpd.read_file(target)
    assert len(frame) == 34
    assert set(frame["status"]) <= {"taliban", "government", "contested", "unknown"}
    assert frame.set_index("iso_3166_2").loc["AF-KAB", "status"] == "taliban"
    assert json.loads(target.read_text())["date"] == "2021-08-15"


def assert_shown_as_text(page) -> None:
    """The hostile markup is on the page as text in some frame, and no such element exists."""
    texts = []
    for frame in page.frames:
        assert frame.locator("img[src='x']").count() == 0
        assert frame.locator("script:text('alert(1)')").count() == 0
        texts.append(frame.locator("body").inner_text())
    assert any(SCRIPT in text for text in texts), "the script text is not shown as text"


def test_ingest_preview_shows_markup_as_text(browser_page, app_url: str) -> None:
    page, _guard = browser_page
    page.goto(f"{app_url}/Ingest")
    box = page.get_by_role("textbox", name="Report text")
    box.wait_for(timeout=WAIT_MS)
    box.fill(f"date 2021-08-21\n\n{HOSTILE} Still unconfirmed.")
    box.press("Control+Enter")
    preview = page.locator(".cm-document")
    preview.wait_for(timeout=WAIT_MS)
    wait_idle(page)
    assert SCRIPT in preview.inner_text()
    assert IMG in preview.inner_text()
    assert preview.locator("mark.cm-claim").count() >= 1
    assert_shown_as_text(page)


def test_claims_page_shows_the_hostile_quote_as_text(browser_page, app_url: str) -> None:
    page, _guard = browser_page
    page.goto(f"{app_url}/Claims")
    search = page.get_by_role("textbox", name="Search quotes, places, sources and notes")
    search.wait_for(timeout=WAIT_MS)
    search.fill("hostile.txt")
    search.press("Enter")
    page.get_by_text("1 of ", exact=False).wait_for(timeout=WAIT_MS)
    wait_idle(page)
    box = page.locator('[data-testid="stDataFrame"]').first.bounding_box()
    page.mouse.click(box["x"] + 18, box["y"] + 35 + 18)  # pick the one row: its quote shows
    page.get_by_role("button", name="Reject claim").wait_for(timeout=WAIT_MS)
    wait_idle(page)
    assert_shown_as_text(page)


PANJSHIR_LAT_LON = (35.35, 69.85)  # inside Panjshir, away from its borders


def click_province_on_map(page, lat: float, lon: float) -> None:
    """Click the point (lat, lon) of the Leaflet map, whichever frame holds it."""
    for frame in page.frames:
        point = frame.evaluate(
            """([lat, lon]) => {
                const maps = Object.keys(window).filter(k => k.startsWith('map_'))
                    .map(k => window[k]).filter(m => m && m.latLngToContainerPoint);
                if (!maps.length) return null;
                const map = maps[0];
                map.setView([lat, lon], 8, {animate: false});
                const p = map.latLngToContainerPoint([lat, lon]);
                const box = map.getContainer().getBoundingClientRect();
                return {x: box.left + p.x, y: box.top + p.y};
            }""",
            [lat, lon],
        )
        if point is None:
            continue
        page.wait_for_timeout(500)
        element = frame.frame_element() if frame.parent_frame else None
        offset = element.bounding_box() if element else {"x": 0, "y": 0}
        page.mouse.click(offset["x"] + point["x"], offset["y"] + point["y"])
        return
    raise AssertionError("no Leaflet map found on the map page")


def test_map_evidence_of_panjshir_shows_the_quote_as_text(browser_page, app_url: str) -> None:
    page, _guard = browser_page
    page.goto(f"{app_url}/?date={HOSTILE_DAY.isoformat()}")
    page.wait_for_load_state("networkidle")
    page.wait_for_function(
        "() => Array.from(document.querySelectorAll('iframe')).length > 0 "
        "|| document.querySelector('.leaflet-container') !== null",
        timeout=WAIT_MS,
    )
    page.wait_for_timeout(2_000)
    click_province_on_map(page, *PANJSHIR_LAT_LON)
    page.wait_for_timeout(2_000)
    wait_idle(page)
    assert_shown_as_text(page)



TRUNCATED_JS = """() => Array.from(document.querySelectorAll(
    'button p, button span, [data-testid="stMetricLabel"] *, [data-testid="stWidgetLabel"] p,'
    + ' [data-baseweb="tag"] span'))
    .filter(e => e.offsetParent !== null && e.clientWidth > 0
                 && e.scrollWidth > e.clientWidth + 1)
    .map(e => e.innerText.slice(0, 40))"""


@pytest.mark.parametrize("width", [1024, 1400])
@pytest.mark.parametrize("name", ["Ingest", "Claims", "Gazetteer", "Export"])
def test_no_label_on_a_page_is_cut_short(browser_page, app_url: str, name: str,
                                         width: int) -> None:
    page, _guard = browser_page
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{app_url}/{name}")
    page.get_by_role("heading", level=1).first.wait_for(timeout=WAIT_MS)
    wait_idle(page)
    if name == "Claims":  # a filter pill must read in full
        page.get_by_role("combobox").first.click()
        page.keyboard.type("Badakhshan")
        page.keyboard.press("Enter")
        page.keyboard.press("Escape")
        wait_idle(page)
    assert page.evaluate(TRUNCATED_JS) == []


def test_the_map_day_travels_to_the_export_page(browser_page, app_url: str) -> None:
    page, _guard = browser_page
    page.goto(f"{app_url}/?date=2021-08-13")
    page.get_by_text("Friday 13 August 2021").wait_for(timeout=WAIT_MS)
    wait_idle(page)
    page.locator('[data-testid="stSidebarNav"] a', has_text="Export").click()
    page.get_by_role("button", name="Map of 2021-08-13 (GeoJSON)").wait_for(timeout=WAIT_MS)
    assert "date=2021-08-13" in page.url


def test_clicking_a_claims_row_picks_that_claim(browser_page, app_url: str) -> None:
    page, _guard = browser_page
    page.goto(f"{app_url}/Claims")
    grid = page.locator('[data-testid="stDataFrame"]').first
    grid.wait_for(timeout=WAIT_MS)
    wait_idle(page)
    box = grid.bounding_box()
    page.mouse.click(box["x"] + 18, box["y"] + 35 + 18)  # the first row's selection cell
    picked = page.get_by_role("textbox", name="Claim id (or click a row above)")
    page.wait_for_function(
        "() => { const e = Array.from(document.querySelectorAll('input')).find("
        "i => i.getAttribute('aria-label') === 'Claim id (or click a row above)');"
        " return e && e.value.length > 0; }", timeout=WAIT_MS)  # fmt: skip
    claim_id = picked.input_value()
    assert claim_id
    button = page.get_by_role("button", name="Reject claim").or_(
        page.get_by_role("button", name="Restore claim"))
    button.first.wait_for(timeout=WAIT_MS)
    assert page.get_by_text(f"Claim {claim_id}", exact=False).count() >= 1
