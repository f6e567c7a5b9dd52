"""The review pages run in Streamlit's AppTest against a real demo database copy."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from geo import review, settings, store
from geo.ingest import ingest_paths
from geo.textsafe import escape_markdown

ROOT = Path(__file__).resolve().parent.parent
PAGES = ["1_Ingest.py", "2_Claims.py", "3_Gazetteer.py", "4_Export.py"]
TIMEOUT = 120
ZARANJ = (
    "date 2021-08-06\n\nThe Taliban captured Zaranj, the capital of Nimroz province, on Friday."
)


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the demo database once per session."""
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    report = ingest_paths(store.open_db(str(path)), [Path(settings.DEMO_DIR.value())])
    assert report.documents > 20
    store.close_db(str(path))
    return path


@pytest.fixture
def db(demo_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """Return a fresh copy of the demo database, set as CONTROLMAP_DB."""
    path = tmp_path / "controlmap.db"
    shutil.copyfile(demo_template, path)
    monkeypatch.setenv("CONTROLMAP_DB", str(path))
    yield str(path)
    store.close_db(str(path))


def page(name: str) -> AppTest:
    return AppTest.from_file(str(ROOT / "pages" / name), default_timeout=TIMEOUT)


def counts(db: str) -> dict[str, int]:
    with store.open_db(db).connect() as conn:
        return store.count_rows(conn)


def claim_rows(db: str) -> list[dict]:
    with store.open_db(db).connect() as conn:
        return store.load_claim_rows(conn, include_rejected=True)


def raw(elements) -> str:
    """Return the elements' Markdown source, as the browser receives it."""
    return "\n".join(str(e.value) for e in elements)


def messages(elements) -> str:
    """Return the elements' text as a reader sees it (Markdown escapes undone)."""
    return re.sub(r"\\(.)", r"\1", raw(elements))


@pytest.mark.parametrize("name", PAGES)
def test_page_renders_without_exception(db: str, name: str) -> None:
    at = page(name).run()
    assert not at.exception
    assert not at.error, messages(at.error)
    assert at.title


@pytest.mark.parametrize("name", PAGES)
def test_page_shows_a_short_error_for_a_bad_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    bogus = tmp_path / "not-a-db.db"
    bogus.write_text("hello, not sqlite")
    monkeypatch.setenv("CONTROLMAP_DB", str(bogus))
    at = page(name).run()
    assert not at.exception
    assert "is not a SQLite database" in messages(at.error)


def test_ingest_previews_commits_and_refuses_a_second_commit(db: str) -> None:
    before = counts(db)
    at = page("1_Ingest.py").run()
    at.text_area(key="ingest_text").input(ZARANJ).run()
    assert not at.exception
    assert not at.error, messages(at.error)
    preview = at.dataframe[0].value
    assert list(preview.columns) == ["date", "place", "province", "actor", "kind", "claimant",
                                     "confidence", "quote"]  # fmt: skip
    assert preview.iloc[0][["date", "place", "actor", "kind"]].tolist() == [
        "2021-08-06", "Zaranj", "taliban", "captured"]
    assert preview.iloc[0]["province"] == "Nimroz (AF-NIM)"
    assert counts(db) == before  # a preview stores nothing
    at.button(key="ingest_commit_text").click().run()
    assert not at.exception
    assert "Stored 1 document(s) with 1 claim(s)" in messages(at.success)
    after = counts(db)
    assert after["documents"] == before["documents"] + 1
    assert after["claims"] == before["claims"] + 1
    assert "already stored" in messages(at.info)  # the preview now says so
    at.button(key="ingest_commit_text").click().run()
    assert "already stored" in messages(at.warning)
    assert counts(db) == after


def test_ingest_paste_keeps_the_url_and_outlet_given_in_the_form(db: str) -> None:
    at = page("1_Ingest.py").run()
    at.text_area(key="ingest_text").input(ZARANJ).run()
    at.text_input(key="ingest_url").input("https://news.example.org/zaranj").run()
    at.button(key="ingest_commit_text").click().run()
    assert not at.error, messages(at.error)
    with store.open_db(db).connect() as conn:
        [doc] = [d for d in store.load_documents(conn) if d["url"]]
    assert (doc["url"], doc["outlet"]) == ("https://news.example.org/zaranj", "news.example.org")


def test_ingest_paste_refuses_a_url_that_is_not_http(db: str) -> None:
    before = counts(db)
    at = page("1_Ingest.py").run()
    at.text_area(key="ingest_text").input(ZARANJ).run()
    at.text_input(key="ingest_url").input("javascript:alert(1)").run()
    at.text_input(key="ingest_outlet").input("Kabul Times").run()
    assert "is not a web address" in messages(at.error)
    assert not _has_key(at, "ingest_commit_text")
    assert counts(db) == before


def test_ingest_previews_what_the_commit_stores_under_the_learned_engine(db: str) -> None:
    timeline = ("date 2021-08-14\n\nTimeline\n\nAug. 13: The Taliban said they had seized "
                "Kandahar, capital of Kandahar province; Herat, capital of Herat province; and "
                "Qalat, capital of Zabul province.")
    at = page("1_Ingest.py").run()
    at.text_area(key="ingest_text").input(timeline).run()
    assert not at.exception
    previewed = set(at.dataframe[0].value["province"])
    assert {"Kandahar (AF-KAN)", "Herat (AF-HER)", "Zabul (AF-ZAB)"} <= previewed
    at.button(key="ingest_commit_text").click().run()
    with store.open_db(db).connect() as conn:
        stored = {c.province_iso for c in store.load_claims(conn) if c.document == "pasted.txt"}
    assert {"AF-KAN", "AF-HER", "AF-ZAB"} <= stored


def test_ingest_refreshes_the_model_the_other_pages_use(db: str) -> None:
    with spy_downloads() as seen:
        page("4_Export.py").run()
        assert "pasted.txt" not in _download(seen, "controlmap-claims-")
    at = page("1_Ingest.py").run()
    at.text_area(key="ingest_text").input(ZARANJ).run()
    at.button(key="ingest_commit_text").click().run()
    with spy_downloads() as seen:
        page("4_Export.py").run()
        assert "pasted.txt" in _download(seen, "controlmap-claims-")


def test_ingest_of_undated_text_without_a_date_says_how_to_fix_it(db: str) -> None:
    at = page("1_Ingest.py").run()
    at.text_area(key="ingest_text").input("The Taliban captured Zaranj on Friday.").run()
    assert not at.exception
    text = messages(at.error)
    assert "no publication date" in text
    assert "date YYYY-MM-DD" in text
    assert not _has_key(at, "ingest_commit_text")
    at.date_input(key="ingest_date").set_value(dt.date(2021, 8, 7)).run()
    assert not at.error, messages(at.error)
    assert at.dataframe[0].value.iloc[0]["date"] == "2021-08-06"


def test_ingest_escapes_markup_in_the_preview(db: str) -> None:
    at = page("1_Ingest.py").run()
    at.text_area(key="ingest_text").input(
        "date 2021-08-20\n\nThe Taliban captured Bazarak, the capital of Panjshir province. "
        "<script>alert(1)</script> <img src=x onerror=alert(1)>"
    ).run()
    [html] = [h for h in at.get("html") if "cm-document" in h.proto.body]  # not the page CSS
    body = html.proto.body
    assert "<script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "&lt;img src=x onerror=alert(1)&gt;" in body
    assert 'class="cm-claim"' in body


def test_ingest_uploads_a_batch_with_a_progress_bar_and_reports_refusals(db: str) -> None:
    before = counts(db)
    at = page("1_Ingest.py").run()
    lines = [{"text": "The Taliban captured Taloqan on Sunday.", "date": "2021-08-09"},
             {"text": "The Taliban captured Aybak on Monday.", "date": "2021-08-10"}]
    at.file_uploader(key="ingest_files").set_value([
        ("batch.jsonl", "\n".join(json.dumps(x) for x in lines).encode(), "application/json"),
        ("empty.txt", b"", "text/plain"),
    ]).run()  # fmt: skip
    assert not at.exception
    assert "empty.txt is empty" in messages(at.error)
    at.button(key="ingest_commit_files").click().run()
    assert not at.exception
    assert "Stored 2 document(s)" in messages(at.success)
    assert counts(db)["documents"] == before["documents"] + 2


def test_ingest_names_the_upload_limit(db: str) -> None:
    at = page("1_Ingest.py").run()
    limit = settings.MAX_UPLOAD_MB.value()
    uploader = at.file_uploader(key="ingest_files")
    assert f"at most {limit} MB" in uploader.label
    assert uploader.proto.max_upload_size_mb == int(limit)


def _has_key(at: AppTest, key: str) -> bool:
    try:
        at.button(key=key)
    except KeyError:
        return False
    return True


def test_claims_reject_then_restore_changes_the_effective_claims(db: str) -> None:
    with store.open_db(db).connect() as conn:
        active = store.load_claims(conn)
    target = active[0].claim_id
    at = page("2_Claims.py").run()
    at.text_input(key="claims_picked").input(target).run()
    at.text_input(key="claims_review_note").input("duplicate report").run()
    at.button(key="claims_reject").click().run()
    assert not at.exception
    assert f"Rejected claim {target}" in messages(at.success)
    with store.open_db(db).connect() as conn:
        assert target not in {c.claim_id for c in store.load_claims(conn)}
        [edit] = store.load_edits(conn, target)
    assert (edit["action"], edit["note"], edit["author"]) == (
        "reject", "duplicate report", settings.EDITOR.value())
    history = at.dataframe[-1].value
    assert history.iloc[0][["action", "claim_id", "note"]].tolist() == [
        "reject", target, "duplicate report"]
    # the rejected claim stays on the page, marked rejected, with a Restore button
    assert not _has_key(at, "claims_reject")
    assert any("rejected" in m.value for m in at.markdown if target in m.value)
    at.button(key="claims_restore").click().run()
    assert f"Restored claim {target}" in messages(at.success)
    with store.open_db(db).connect() as conn:
        assert target in {c.claim_id for c in store.load_claims(conn)}


def test_claims_filters_narrow_the_table(db: str) -> None:
    at = page("2_Claims.py").run()
    total = len(at.dataframe[0].value)
    at.multiselect(key="claims_provinces").set_value(["AF-NIM"]).run()
    table = at.dataframe[0].value
    assert 0 < len(table) < total
    assert set(table["province"]) == {"Nimroz (AF-NIM)"}
    at.text_input(key="claims_text").input("no such words anywhere").run()
    assert "No claim matches the filters." in messages(at.caption)


def test_claims_add_a_manual_claim_with_the_editor_as_author(db: str) -> None:
    at = page("2_Claims.py").run()
    at.sidebar.text_input(key="controlmap_editor").input("ana").run()
    at.selectbox(key="manual_province").set_value("AF-PAN").run()
    at.selectbox(key=review.place_picker_key("AF-PAN", "")).set_value("prov:AF-PAN").run()
    at.date_input(key="manual_date").set_value(dt.date(2021, 9, 6)).run()
    at.selectbox(key="manual_kind").set_value("captured").run()
    at.text_area(key="manual_quote").input("Panjshir fell to the Taliban.").run()
    at.text_input(key="manual_note").input("checked with two sources").run()
    at.button(key="manual_add").click().run()
    assert not at.exception
    assert not at.error, messages(at.error)
    assert "Added manual claim" in messages(at.success)
    [manual] = [r for r in claim_rows(db) if r["origin"] == "manual"]
    assert (manual["province_iso"], manual["author"], manual["note"], manual["status"]) == (
        "AF-PAN", "ana", "checked with two sources", "active")
    history = at.dataframe[-1].value
    assert history.iloc[0][["action", "author"]].tolist() == ["add", "ana"]


def test_claims_a_manual_claim_on_a_searched_district_is_filed_on_that_district(db: str) -> None:
    at = page("2_Claims.py").run()
    at.sidebar.text_input(key="controlmap_editor").input("ana").run()
    at.selectbox(key="manual_province").set_value("AF-HEL").run()
    at.text_input(key="manual_query").input("Nad Ali").run()
    picked = at.selectbox(key=review.place_picker_key("AF-HEL", "Nad Ali")).value
    assert picked != "prov:AF-HEL"  # the hit, not the whole province, is what is filed
    assert "Nad" in messages(at.caption)
    at.date_input(key="manual_date").set_value(dt.date(2021, 8, 1)).run()
    at.text_area(key="manual_quote").input("Nad Ali fell.").run()
    at.text_input(key="manual_note").input("two sources").run()
    at.button(key="manual_add").click().run()
    assert not at.error, messages(at.error)
    [manual] = [r for r in claim_rows(db) if r["origin"] == "manual"]
    assert (manual["place_id"], manual["province_iso"]) == (picked, "AF-HEL")
    assert "Nad" in manual["place"]
    assert manual["geo_precision"] == 1


def test_claims_page_picks_a_claim_by_id_and_names_an_unknown_id(db: str) -> None:
    at = page("2_Claims.py").run()
    at.text_input(key="claims_picked").input("no-such-claim").run()
    assert "no-such-claim" in messages(at.warning)
    target = claim_rows(db)[3]["claim_id"]
    at.text_input(key="claims_picked").input(target).run()
    assert any(target in m.value for m in at.markdown)
    assert _has_key(at, "claims_reject")


def test_claims_page_shows_one_page_of_rows_and_pages_on(db: str) -> None:
    at = page("2_Claims.py").run()
    total = len(claim_rows(db))
    first = at.dataframe[0].value
    assert len(first) == min(50, total)
    assert f"{total:,} of {total:,} claims match" in messages(at.caption)
    if total > 50:
        at.number_input(key="claims_page").set_value(2).run()
        second = at.dataframe[0].value
        assert set(first["claim_id"]).isdisjoint(second["claim_id"])


def test_claims_a_manual_claim_without_quote_shows_an_error(db: str) -> None:
    before = counts(db)
    at = page("2_Claims.py").run()
    at.text_input(key="manual_note").input("a note").run()
    at.button(key="manual_add").click().run()
    assert not at.exception
    assert "The quote is empty." in messages(at.error)
    assert counts(db) == before


def test_gazetteer_finds_lashkargah_in_helmand(db: str) -> None:
    at = page("3_Gazetteer.py").run()
    at.text_input(key="gaz_name").input("Lashkargah").run()
    assert not at.exception
    table = at.dataframe[0].value
    assert table.iloc[0]["province_iso"] == "AF-HEL"
    assert table.iloc[0]["province"] == "Helmand"
    assert {"place", "kind", "country", "score", "matched spelling", "lat", "lon"} <= set(
        table.columns)
    [chart] = at.get("vega_lite_chart")
    assert "geoshape" in chart.proto.spec


def test_gazetteer_geocodes_a_sentence_with_reasons(db: str) -> None:
    at = page("3_Gazetteer.py").run()
    at.text_area(key="gaz_text").input("Fighting continued around Lashkar Gah.").run()
    assert not at.exception
    table = at.dataframe[0].value
    assert table.iloc[0]["province"] == "Helmand (AF-HEL)"
    assert table.iloc[0]["reason"]
    assert at.get("vega_lite_chart")


class Downloads(dict):
    """File name -> bytes of every download button; ``eager`` names those built on the run."""

    def __init__(self) -> None:
        super().__init__()
        self.eager: set[str] = set()


@contextlib.contextmanager
def spy_downloads() -> Iterator[Downloads]:
    """Record what download buttons hand to Streamlit (file name -> bytes).

    A button with a callable ``data`` builds its file only when clicked; the spy clicks it
    (calls the callable) so the test can read the file; a button given the file itself is
    also listed in ``eager``.
    """
    seen = Downloads()
    original = MemoryMediaFileStorage.load_and_get_id
    original_deferred = MediaFileManager.add_deferred

    def spy(storage, path_or_data, mimetype, kind, filename=None):
        if filename is not None and isinstance(path_or_data, bytes | str):
            data = path_or_data if isinstance(path_or_data, bytes) else path_or_data.encode()
            seen[filename] = data
            seen.eager.add(filename)
        return original(storage, path_or_data, mimetype, kind, filename)

    def spy_deferred(manager, data_callable, mimetype, coordinates, file_name=None, **kwargs):
        data = data_callable()
        seen[file_name] = data if isinstance(data, bytes) else data.encode()
        return original_deferred(manager, data_callable, mimetype, coordinates,
                                 file_name=file_name, **kwargs)  # fmt: skip

    MemoryMediaFileStorage.load_and_get_id = spy
    MediaFileManager.add_deferred = spy_deferred
    try:
        yield seen
    finally:
        MemoryMediaFileStorage.load_and_get_id = original
        MediaFileManager.add_deferred = original_deferred


def _download(seen: dict[str, bytes], prefix: str) -> str:
    [name] = [n for n in seen if n.startswith(prefix)]
    return seen[name].decode("utf-8")


def test_export_offers_dated_downloads_and_a_34_province_snapshot(db: str) -> None:
    with spy_downloads() as seen:
        at = page("4_Export.py")
        at.query_params["date"] = "2021-08-15"
        at.run()
    assert not at.exception
    buttons = at.get("download_button")
    assert len(buttons) == 7
    prefixes = ("controlmap-snapshot-2021-08-15.geojson", "controlmap-evidence-2021-08-15.csv",
                "controlmap-timeline-", "controlmap-claims-", "controlmap-acled-",
                "controlmap-map-")  # fmt: skip
    assert all(n.startswith(prefixes) for n in seen)
    timeline = sorted(n for n in seen if n.startswith("controlmap-timeline-"))
    assert [Path(n).suffix for n in timeline] == [".csv", ".geojson"]
    assert all(n.count("2021-") == 2 for n in timeline)
    snapshot = json.loads(seen["controlmap-snapshot-2021-08-15.geojson"])
    assert snapshot["date"] == "2021-08-15"
    assert len(snapshot["features"]) == 34
    assert {f["properties"]["status"] for f in snapshot["features"]} <= {
        "taliban", "government", "resistance", "contested", "unknown"}
    kabul = next(f for f in snapshot["features"] if f["properties"]["iso_3166_2"] == "AF-KAB")
    assert kabul["properties"]["status"] == "taliban"
    intervals = json.loads(seen[timeline[1]])["features"]
    assert {f["properties"]["iso_3166_2"] for f in intervals} == {
        f["properties"]["iso_3166_2"] for f in snapshot["features"]}
    assert all("start" in f["properties"] for f in intervals)
    assert _download(seen, "controlmap-claims-").startswith("document,event_date,place")
    assert _download(seen, "controlmap-acled-").startswith("event_date,admin1,location")
    assert _download(seen, "controlmap-map-").startswith("<!DOCTYPE html>")


def test_export_builds_no_file_until_its_button_is_clicked(db: str) -> None:
    with spy_downloads() as seen:
        at = page("4_Export.py").run()
        at.date_input(key="export_date").set_value(dt.date(2021, 8, 1)).run()
    assert not at.exception
    assert "controlmap-snapshot-2021-08-01.geojson" in seen
    assert len(at.get("download_button")) == 7
    assert seen.eager == set()  # every button was given a callable, none a built file


def test_export_adds_place_points_to_the_snapshot_when_asked(db: str) -> None:
    with spy_downloads() as seen:
        at = page("4_Export.py")
        at.query_params["date"] = "2021-08-13"
        at.run()
        without = json.loads(seen["controlmap-snapshot-2021-08-13.geojson"])
        at.toggle(key="export_places").set_value(True).run()
        with_places = json.loads(seen["controlmap-snapshot-2021-08-13.geojson"])
    assert not at.exception
    assert {f["properties"]["level"] for f in without["features"]} == {"province"}
    points = [f for f in with_places["features"] if f["properties"]["level"] == "place"]
    assert points
    assert {f["geometry"]["type"] for f in points} == {"Point"}


def test_export_keeps_the_day_of_the_url_and_writes_it_back(db: str) -> None:
    at = page("4_Export.py")
    at.query_params["date"] = "2021-08-13"
    at.run()
    assert at.date_input(key="export_date").value == dt.date(2021, 8, 13)
    at.date_input(key="export_date").set_value(dt.date(2021, 8, 20)).run()
    assert at.query_params["date"] in ("2021-08-20", ["2021-08-20"])


def test_map_day_carries_over_to_the_export_page(db: str) -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.query_params["date"] = "2021-08-13"
    at.run()
    assert not at.exception
    at.query_params.clear()  # a page link in the sidebar drops the query string
    at.switch_page("pages/4_Export.py").run()

    assert not at.exception
    assert at.date_input(key="export_date").value == dt.date(2021, 8, 13)


def test_export_defaults_to_the_last_day(db: str) -> None:
    with spy_downloads() as seen:
        at = page("4_Export.py").run()
    day = at.date_input(key="export_date").value
    assert f"controlmap-snapshot-{day.isoformat()}.geojson" in seen
    assert f"controlmap-claims-{day.isoformat()}.csv" in seen


# --------------------------------------------------------------------------- hostile text

BEACON = "[x](http://127.0.0.1:1/beacon)"
IMAGE = "![i](http://127.0.0.1:1/i.png)"
TAG = "<img src=x onerror=alert(1)>"


def assert_inert(markdown: str, payload: str) -> None:
    """The payload is shown escaped (as text), never as a link, an image or HTML."""
    assert escape_markdown(payload) in markdown, markdown
    assert payload not in markdown
    assert_no_live_markup(markdown)


def assert_no_live_markup(markdown: str) -> None:
    """No link or image syntax (``](``) and no unescaped ``<`` (HTML) in Markdown source."""
    assert "](" not in markdown
    assert not re.search(r"(?<!\\)<", markdown), markdown


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("payload", [BEACON, IMAGE, TAG])
def test_a_hostile_database_name_in_the_url_is_refused_as_text(
        db: str, name: str, payload: str) -> None:
    at = page(name)
    at.query_params["db"] = payload
    at.run()
    assert not at.exception
    assert "There is no database named" in messages(at.error)
    assert_inert(raw(at.error), payload)


@pytest.mark.parametrize("payload", [BEACON, IMAGE, TAG])
def test_ingest_shows_a_hostile_pasted_name_as_text(db: str, payload: str) -> None:
    at = page("1_Ingest.py").run()
    at.text_input(key="ingest_name").input(payload).run()
    at.text_area(key="ingest_text").input(ZARANJ).run()
    at.button(key="ingest_commit_text").click().run()
    at.button(key="ingest_commit_text").click().run()
    assert not at.exception
    assert "already stored" in messages(at.info)
    assert_inert(raw(at.info), payload)
    assert_inert(raw(at.warning), payload)


# A file name keeps no folder part, so these links and images point nowhere in particular.
@pytest.mark.parametrize("payload", ["[x](beacon.example)", "![i](i.png)", TAG])
def test_ingest_shows_hostile_upload_names_as_text(db: str, payload: str) -> None:
    at = page("1_Ingest.py").run()
    good = f"{payload}.txt"
    at.file_uploader(key="ingest_files").set_value([
        (good, ZARANJ.encode(), "text/plain"),
        (f"{payload}-empty.txt", b"", "text/plain"),
    ]).run()  # fmt: skip
    assert not at.exception
    assert "is empty" in messages(at.error)
    assert_inert(raw(at.error), payload)
    [label] = [e.label for e in at.expander if "2021-08-06" in e.label]
    assert_inert(label, payload)


@pytest.mark.parametrize("payload", [BEACON, IMAGE, TAG])
def test_ingest_shows_a_hostile_jsonl_date_and_url_as_text(db: str, payload: str) -> None:
    at = page("1_Ingest.py").run()
    lines = [{"text": "The Taliban captured Taloqan on Sunday.", "date": payload},
             {"text": "The Taliban captured Aybak on Monday.", "date": "2021-08-10",
              "url": payload}]
    at.file_uploader(key="ingest_files").set_value([
        ("batch.jsonl", "\n".join(json.dumps(x) for x in lines).encode(), "application/json"),
    ]).run()  # fmt: skip
    assert not at.exception
    assert at.error, "the bad date was not refused"
    assert_inert(raw(at.error), payload)
    assert_no_live_markup(raw([*at.markdown, *at.caption, *at.info, *at.warning, *at.error]))


# --------------------------------------------------------------------------- read-only


@pytest.fixture
def read_only(db: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("CONTROLMAP_READ_ONLY", "1")
    return db


def test_read_only_claims_page_has_no_edit_controls(read_only: str) -> None:
    at = page("2_Claims.py").run()
    assert not at.exception
    assert at.dataframe, "the claims are still shown"
    for key in ("claims_reject", "claims_restore", "manual_add"):
        assert not _has_key(at, key), key
    assert not at.sidebar.text_input
    assert "read-only" in messages(at.caption)


def test_read_only_ingest_page_offers_nothing_to_ingest(read_only: str) -> None:
    before = counts(read_only)
    at = page("1_Ingest.py").run()
    assert not at.exception
    assert "read-only" in messages(at.info)
    assert not at.text_area
    assert not at.get("file_uploader")
    assert counts(read_only) == before


def test_read_only_refuses_writes_in_the_action_layer(read_only: str) -> None:
    from geo.appstate import ReadOnlyError, check_writable

    with pytest.raises(ReadOnlyError, match="read-only"):
        check_writable()


def test_a_writable_app_lets_the_action_layer_write(db: str) -> None:
    from geo.appstate import check_writable

    check_writable()  # no error: CONTROLMAP_READ_ONLY is not set
