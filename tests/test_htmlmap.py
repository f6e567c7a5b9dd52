"""The self-contained HTML map: one offline file, compact data, escaped text, and in Chromium
(opened from disk with every non-file request aborted) 34 provinces, colours that follow
the slider and evidence on click."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from factories import make_claim

from geo import htmlmap, mapdata, store
from geo.errors import ControlmapError
from geo.ingest import ingest_paths
from geo.model import load_model, model_from_claims

DEMO = Path(__file__).resolve().parent.parent / "data" / "demo"
CONTROLMAP = str(Path(sys.executable).with_name("controlmap"))
HOSTILE = '</script><img src=x onerror="alert(1)"><b>bold</b> & {{data}}'
DATA_BLOCK = re.compile(r'<script type="application/json" id="cm-data">(.*?)</script>', re.S)


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory) -> str:
    db = str(tmp_path_factory.mktemp("htmlmap") / "demo.db")
    assert ingest_paths(store.open_db(db), [DEMO]).refused == []
    yield db
    store.close_db(db)


@pytest.fixture(scope="module")
def demo_model(demo_db: str):
    return load_model(demo_db)


@pytest.fixture(scope="module")
def demo_html(demo_db: str, tmp_path_factory) -> Path:
    """The map written by the real CLI on the demo database."""
    path = tmp_path_factory.mktemp("html") / "map.html"
    done = subprocess.run([CONTROLMAP, "html", "-o", str(path), "--db", demo_db],
                          capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return path


def embedded(text: str) -> dict:
    [block] = DATA_BLOCK.findall(text)
    return json.loads(block)


def hostile_model():
    claim = make_claim(quote=HOSTILE, place="Kunduz", document=HOSTILE[:20] + ".txt",
                       source="javascript:alert(1)").with_id()
    return model_from_claims([claim])


# --------------------------------------------------------------------------- the file


def test_the_file_loads_nothing_from_outside(demo_html: Path) -> None:
    text = demo_html.read_text(encoding="utf-8")

    markup = re.sub(r"<script\b.*?</script>", "", text, flags=re.S)

    assert "Leaflet 1.9.4" in text
    assert not re.search(r"""\b(src|href)=""", markup)  # no external script, style or image
    assert "<link" not in markup
    assert "url(images/" not in text
    assert "default-src 'none'" in text


def test_the_data_holds_every_province_and_each_claim_once(demo_html: Path, demo_model) -> None:
    data = embedded(demo_html.read_text(encoding="utf-8"))

    assert len(data["shapes"]["features"]) == 34
    assert set(data["provinces"]) == set(demo_model.provinces)
    ids = [c["id"] for c in data["claims"]]
    assert len(ids) == len(set(ids))
    assert set(ids) <= {c.claim_id for c in demo_model.claims}
    assert (data["first"], data["last"]) == tuple(d.isoformat() for d in demo_model.days())
    assert [e["id"] for e in data["legend"]][:5] == list(mapdata.STATUSES)


@pytest.mark.parametrize("day", ["2021-07-10", "2021-08-06", "2021-08-13", "2021-08-15",
                                 "2021-09-06"])  # fmt: skip
def test_the_page_data_gives_each_province_its_state_that_day(demo_html: Path, demo_model,
                                                               day: str) -> None:
    data = embedded(demo_html.read_text(encoding="utf-8"))
    states = demo_model.states_on(dt.date.fromisoformat(day))

    for iso, row in data["provinces"].items():
        pick = [s for s in row["states"] if s[0] <= day][-1]
        shown = data["states"][pick[2]]
        assert (shown["status"], shown["confirmed"]) == (states[iso].status,
                                                         states[iso].confirmed), (iso, day)
        # The style of that day, stale (faded, dotted) once nothing newer was reported.
        assert data["styles"][pick[1]] == mapdata.state_style(states[iso]), (iso, day)
        quotes = [data["claims"][i]["quote"] for i in shown["evidence"]]
        assert quotes == [c.quote for c in states[iso].evidence]


def test_document_text_cannot_close_the_data_block_or_fill_a_slot() -> None:
    text = htmlmap.map_html(hostile_model())

    assert HOSTILE not in text
    assert "<img src=x" not in text
    [claim] = embedded(text)["claims"]
    assert claim["quote"] == HOSTILE
    assert claim["link"] is None  # only http(s) sources become links
    assert text.count("Leaflet 1.9.4,") == 1  # the {{data}} in the quote stayed text


def test_from_and_to_choose_the_slider_days(demo_model) -> None:
    data = embedded(htmlmap.map_html(demo_model, dt.date(2021, 8, 1), dt.date(2021, 8, 20)))

    assert (data["first"], data["last"]) == ("2021-08-01", "2021-08-20")
    assert all(s[0] >= "2021-08-01" for r in data["provinces"].values() for s in r["states"])
    assert all(s[0] <= "2021-08-20" for r in data["provinces"].values() for s in r["states"])


def test_an_empty_database_or_reversed_days_is_a_clean_error(demo_model) -> None:
    with pytest.raises(ControlmapError, match="no claims"):
        htmlmap.map_html(model_from_claims([]))
    with pytest.raises(ControlmapError, match="after"):
        htmlmap.map_html(demo_model, dt.date(2021, 8, 20), dt.date(2021, 8, 1))


def test_the_cli_says_why_it_cannot_write_a_map(tmp_path: Path) -> None:
    db = str(tmp_path / "empty.db")
    store.open_db(db)
    store.close_db(db)
    done = subprocess.run([CONTROLMAP, "html", "-o", str(tmp_path / "m.html"), "--db", db],
                          capture_output=True, text=True, timeout=120, check=False)  # fmt: skip

    assert done.returncode == 1
    assert "no claims" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "m.html").exists()


# --------------------------------------------------------------------------- in Chromium

FILLS_JS = """() => window.cmProvinces.getLayers().filter(l => l._path)
    .map(l => [l.feature.id, l._path.getAttribute('fill').toLowerCase()])"""
CLICK_POINT_JS = """([lat, lon]) => { const p = window.cmMap.latLngToContainerPoint([lat, lon]);
    const r = document.getElementById('cm-map').getBoundingClientRect();
    return [r.left + p.x, r.top + p.y]; }"""


@pytest.fixture
def offline_page(tmp_path: Path):
    """Yield (page, outside requests, dialogs) of a Chromium that may only read files."""
    if not Path("/usr/bin/chromium").exists():
        pytest.skip("/usr/bin/chromium is missing: the browser tests need Debian's chromium")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is missing")
    import browser_support

    outside: list[str] = []
    dialogs: list[str] = []

    def route(request_route) -> None:
        url = request_route.request.url
        if url.startswith("file:"):
            request_route.continue_()
        else:
            outside.append(url)
            request_route.abort()

    with sync_api.sync_playwright() as playwright:
        browser = browser_support.launch_browser(playwright)
        context = browser.new_context(viewport={"width": 1400, "height": 950})
        context.route("**/*", route)
        page = context.new_page()
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        try:
            yield page, outside, dialogs
        finally:
            context.close()
            browser.close()


def open_map(page, path: Path, day: str = "") -> None:
    page.goto(path.as_uri() + (f"#{day}" if day else ""))
    page.wait_for_function("() => window.cmProvinces && window.cmProvinces.getLayers()"
                           ".filter(l => l._path).length === 34", timeout=30_000)  # fmt: skip


def click_province(page, name: str) -> None:
    [(lat, lon)] = [(la, lo) for n, la, lo in mapdata.label_points() if n == name]
    x, y = page.evaluate(CLICK_POINT_JS, [lat, lon])
    page.mouse.click(x, y)


@pytest.mark.browser
def test_the_file_offline_draws_34_provinces_that_follow_the_slider(
        offline_page, demo_html: Path) -> None:
    page, outside, dialogs = offline_page
    open_map(page, demo_html, "2021-08-05")
    before = dict(page.evaluate(FILLS_JS))
    assert page.locator("#cm-day").inner_text() == "2021-08-05"

    slider = page.locator("#cm-slider")
    slider.focus()
    for _ in range(11):  # to 2021-08-16 with the keyboard, as a reader would
        page.keyboard.press("ArrowRight")
    after = dict(page.evaluate(FILLS_JS))

    taliban = mapdata.COLORS["taliban"].lower()
    assert page.locator("#cm-day").inner_text() == "2021-08-16"
    assert len(before) == len(after) == 34
    assert sum(f == taliban for f in after.values()) > sum(f == taliban for f in before.values())
    assert after["AF-KAB"] == taliban
    assert before["AF-KAB"] != taliban
    assert outside == []
    assert dialogs == []


@pytest.mark.browser
def test_play_moves_the_map_through_the_days(offline_page, demo_html: Path) -> None:
    page, outside, _ = offline_page
    open_map(page, demo_html, "2021-08-01")
    page.get_by_role("button", name="Play").click()
    page.wait_for_function("() => document.getElementById('cm-day').textContent >= '2021-08-03'",
                           timeout=10_000)  # fmt: skip
    page.get_by_role("button", name="Pause").click()
    assert outside == []


@pytest.mark.browser
def test_clicking_a_province_shows_its_evidence_beside_the_map(offline_page, demo_html: Path,
                                                               demo_model) -> None:
    page, outside, _ = offline_page
    open_map(page, demo_html, "2021-08-13")
    click_province(page, "Kandahar")

    panel = page.locator("#cm-panel")
    panel.locator("h2").wait_for(timeout=10_000)
    state = demo_model.states_on(dt.date(2021, 8, 13))["AF-KAN"]
    assert panel.locator("h2").inner_text() == "Kandahar province"
    assert mapdata.LABELS[state.status] in panel.inner_text()
    quotes = panel.locator("blockquote").all_inner_texts()
    assert quotes[: len(state.evidence)] == [c.quote for c in state.evidence]
    assert panel.is_visible()
    box = panel.locator("blockquote").first.bounding_box()
    assert box is not None
    assert box["y"] < 950  # in the viewport, not below the fold
    assert outside == []


@pytest.mark.browser
def test_hostile_document_text_is_shown_as_text(offline_page, tmp_path: Path) -> None:
    path = tmp_path / "hostile.html"
    path.write_text(htmlmap.map_html(hostile_model()), encoding="utf-8")
    page, outside, dialogs = offline_page
    open_map(page, path)
    click_province(page, "Kunduz")
    page.locator("#cm-panel blockquote").wait_for(timeout=10_000)

    assert page.locator("#cm-panel blockquote").inner_text() == HOSTILE
    assert page.locator("img[src='x']").count() == 0
    assert page.locator("#cm-panel b").count() == 0
    assert page.locator("#cm-panel a").count() == 0  # javascript: is no link
    assert dialogs == []
    assert outside == []


@pytest.mark.browser
def test_places_below_province_level_appear_with_their_reports(offline_page, demo_html: Path,
                                                               demo_model) -> None:
    page, outside, _ = offline_page
    open_map(page, demo_html, "2021-08-13")
    day = dt.date(2021, 8, 13)
    known = {pid for pid, _c, s in mapdata.place_states(demo_model, day) if s.since}
    shown = page.evaluate("() => Object.keys(window.cmPlaces)"
                          ".filter(id => window.cmMap.hasLayer(window.cmPlaces[id]))")
    assert known & set(shown)
    assert set(shown) <= known
    place_id = sorted(set(shown))[0]
    claim = demo_model.timeline.place_claims[place_id]
    page.evaluate("(id) => window.cmPlaces[id].fire('click')", place_id)

    panel = page.locator("#cm-panel")
    assert panel.locator("h2").inner_text() == claim.place
    state = demo_model.timeline.place_state(place_id, day)
    quotes = panel.locator("blockquote").all_inner_texts()
    assert quotes[: len(state.evidence)] == [c.quote for c in state.evidence]
    assert outside == []
