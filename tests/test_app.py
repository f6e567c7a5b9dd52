"""The map page through Streamlit's AppTest: dates, URL, summary, evidence, errors."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from geo import settings, store
from geo.ingest import ingest_paths
from geo.textsafe import escape_markdown

st_testing = pytest.importorskip("streamlit.testing.v1")
APP = str(Path(__file__).resolve().parent.parent / "app.py")
TIMEOUT = 120


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Return the path of a demo database (the demo corpus ingested once per session)."""
    path = tmp_path_factory.mktemp("app") / "demo.db"
    ingest_paths(store.open_db(str(path)), [Path(settings.DEMO_DIR.value())])
    store.close_db(str(path))
    return str(path)


def run_app(monkeypatch: pytest.MonkeyPatch, db: str, date: str | None = None,
            query: dict[str, str] | None = None):
    """Run the map page on ``db`` (with ``?date=`` and other query parameters when given);
    return the AppTest."""
    monkeypatch.setenv("CONTROLMAP_DB", db)
    at = st_testing.AppTest.from_file(APP, default_timeout=TIMEOUT)
    if date is not None:
        at.query_params["date"] = date
    for key, value in (query or {}).items():
        at.query_params[key] = value
    return at.run()


def query_value(at, key: str) -> str:
    """Return a query parameter of the page's URL (AppTest gives a str or a list)."""
    value = at.query_params[key]
    return value[0] if isinstance(value, list) else value


def headline(at) -> str:
    """Return the page's 'N of 34 provincial capitals' line."""
    lines = [m.value for m in at.markdown if "provincial capitals" in m.value]
    assert len(lines) == 1, [m.value for m in at.markdown]
    return lines[0]


def url_date(at) -> str:
    """Return the page URL's ``date`` parameter (AppTest gives a str or a one-item list)."""
    value = at.query_params["date"]
    return value[0] if isinstance(value, list) else value


def button(at, label: str):
    """Return the button labelled ``label``."""
    return next(b for b in at.button if b.label == label)


def test_page_renders_the_date_from_the_url(monkeypatch, demo_db) -> None:
    at = run_app(monkeypatch, demo_db, "2021-08-13")
    assert not at.exception
    assert not at.error
    assert at.slider[0].value == dt.date(2021, 8, 13)
    assert url_date(at) == "2021-08-13"
    assert "of 34 provincial capitals held by the Taliban" in headline(at)
    assert at.title[0].value == "Who controls Afghanistan's provinces"


def test_the_chart_is_drawn_on_the_server_with_the_chosen_day(monkeypatch, demo_db) -> None:
    at = run_app(monkeypatch, demo_db, "2021-08-13")
    [svg] = [m.value for m in at.markdown if "cm-chart" in m.value]
    assert "2021-08-13: " in svg
    assert 'class="cm-chart-day"' in svg
    assert not at.get("vega_lite_chart")  # no charting library for the browser to load


def test_capitals_count_grows_from_early_july_to_the_fall_of_kabul(monkeypatch, demo_db) -> None:
    early = headline(run_app(monkeypatch, demo_db, "2021-07-01"))
    late = headline(run_app(monkeypatch, demo_db, "2021-08-16"))
    assert early.startswith("**0 of 34")
    assert int(late.strip("*").split()[0]) >= 30


def test_next_day_button_changes_the_day_the_url_and_the_summary(monkeypatch, demo_db) -> None:
    at = run_app(monkeypatch, demo_db, "2021-08-13")
    before = headline(at)
    button(at, "Next day").click().run()
    assert at.slider[0].value == dt.date(2021, 8, 14)
    assert url_date(at) == "2021-08-14"
    assert headline(at) != before
    button(at, "Previous day").click().run()
    assert at.slider[0].value == dt.date(2021, 8, 13)
    assert headline(at) == before


def test_change_buttons_jump_to_the_days_a_province_changed(monkeypatch, demo_db) -> None:
    from geo.model import load_model

    changes = load_model(demo_db).timeline.change_days()
    at = run_app(monkeypatch, demo_db, "2021-07-20")
    button(at, "Next change").click().run()
    after = min(d for d in changes if d > dt.date(2021, 7, 20))
    assert at.slider[0].value == after
    button(at, "Previous change").click().run()
    assert at.slider[0].value == max(d for d in changes if d < after)


def test_moving_the_slider_writes_the_url(monkeypatch, demo_db) -> None:
    at = run_app(monkeypatch, demo_db, "2021-08-05")
    at.slider[0].set_value(dt.date(2021, 8, 15)).run()
    assert url_date(at) == "2021-08-15"
    assert not at.exception


def test_a_bad_or_out_of_range_date_opens_a_day_in_range(monkeypatch, demo_db) -> None:
    at = run_app(monkeypatch, demo_db, "not-a-date")
    from geo.model import load_model

    first, last = load_model(demo_db).days()
    assert not at.exception
    assert at.slider[0].value == last
    at = run_app(monkeypatch, demo_db, "2030-01-01")
    assert at.slider[0].value == last
    at = run_app(monkeypatch, demo_db, "1990-01-01")
    assert at.slider[0].value == first


def test_a_bad_date_in_the_link_is_named_in_a_warning(monkeypatch, demo_db) -> None:
    at = run_app(monkeypatch, demo_db, "2021-13-45")
    assert not at.exception
    warning = " ".join(w.value for w in at.warning)
    assert "2021" in warning
    assert "13" in warning
    assert "not a YYYY" in warning
    at = run_app(monkeypatch, demo_db, "2030-01-01")
    assert "outside the reports" in " ".join(w.value for w in at.warning)
    assert not run_app(monkeypatch, demo_db, "2021-08-13").warning


def test_the_province_in_the_link_is_selected_and_written_back(monkeypatch, demo_db) -> None:
    monkeypatch.setenv("CONTROLMAP_DB", demo_db)
    at = st_testing.AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params["date"] = "2021-08-13"
    at.query_params["province"] = "AF-KAN"
    at.run()
    assert not at.exception
    assert any("Kandahar" in m.value and "since" in m.value for m in at.markdown)
    next(s for s in at.selectbox if s.label == "Province").set_value("AF-GHA").run()
    value = at.query_params["province"]
    assert (value[0] if isinstance(value, list) else value) == "AF-GHA"


def test_evidence_names_no_server_path_and_shows_a_sentence_once(monkeypatch, demo_db) -> None:
    at = run_app(monkeypatch, demo_db, "2021-08-15")
    for iso in ("AF-KAB", "AF-KAN", "AF-HER", "AF-BAL"):
        next(s for s in at.selectbox if s.label == "Province").set_value(iso).run()
        quotes = [t.value for t in at.text]
        assert len(quotes) == len(set(quotes)), iso
        sources = [m.value for m in at.markdown if m.value.startswith("Source")]
        assert sources, iso
        assert not any("/" in src.split("](")[0] for src in sources), sources


def test_last_day_disables_next_day(monkeypatch, demo_db) -> None:
    at = run_app(monkeypatch, demo_db, "2030-01-01")
    assert button(at, "Next day").disabled
    assert not button(at, "Previous day").disabled


def test_picking_a_province_shows_its_quotes(monkeypatch, demo_db) -> None:
    at = run_app(monkeypatch, demo_db, "2021-08-13")
    picker = next(s for s in at.selectbox if s.label == "Province")
    picker.set_value("AF-GHA").run()
    assert not at.exception
    texts = [t.value for t in at.text]
    assert texts, "no quote shown"
    assert any("Ghazni" in t for t in texts)
    assert any("Ghazni" in m.value and "Taliban" in m.value for m in at.markdown)


def test_play_advances_one_day_per_run_and_stops_at_the_end(monkeypatch, demo_db) -> None:
    from geo.model import load_model

    last = load_model(demo_db).days()[1]
    at = run_app(monkeypatch, demo_db, (last - dt.timedelta(days=1)).isoformat())
    button(at, "Play").click().run()
    assert at.slider[0].value == last
    at.run()
    assert at.slider[0].value == last
    assert any(b.label == "Play" for b in at.button), "playing did not stop at the last day"


def test_a_database_that_does_not_exist_is_an_error_and_is_not_created(
        monkeypatch, tmp_path) -> None:
    missing = tmp_path / "new.db"
    at = run_app(monkeypatch, str(missing), "2021-08-13")
    assert not at.exception
    assert "There is no database" in plain(messages(at.error))
    assert "controlmap demo --db PATH" in plain(messages(at.error))
    assert not missing.exists()


def messages(elements) -> str:
    return "\n".join(str(e.value) for e in elements)


def plain(text: str) -> str:
    """Return Markdown source with its backslash escapes undone (what a reader sees)."""
    return re.sub(r"\\(.)", r"\1", text)


def page_text(at) -> str:
    """Return every element of the page and its sidebar, as their protobuf text."""
    out: list[str] = []

    def walk(node) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None:
            out.append(str(proto))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return "\n".join(out)


def test_there_is_no_text_box_to_type_a_database_into(monkeypatch, demo_db) -> None:
    at = run_app(monkeypatch, demo_db, "2021-08-13")
    assert not at.exception
    assert not at.sidebar.text_input, [t.label for t in at.sidebar.text_input]
    assert "Database: " in messages(at.sidebar.caption)


@pytest.mark.parametrize("crafted", ["/tmp/x.db", "sqlite:////tmp/x.db",
                                     "postgresql://u:p@10.0.0.1:5432/x"])
def test_a_crafted_db_query_parameter_is_refused_with_a_message(
        monkeypatch, demo_db, crafted) -> None:
    at = run_app(monkeypatch, demo_db, query={"db": crafted})
    assert not at.exception
    text = plain(messages(at.error))
    assert "There is no database named" in text
    assert not at.slider, "the page went on with some database"
    assert not Path("/tmp/x.db").exists()


def test_a_hostile_db_query_parameter_is_shown_as_text_not_a_link(monkeypatch, demo_db) -> None:
    payload = "[x](http://127.0.0.1:1/beacon) ![i](http://127.0.0.1:1/i.png)"
    at = run_app(monkeypatch, demo_db, query={"db": payload})
    raw = messages(at.error)
    assert "](http" not in raw
    assert escape_markdown("[x](http://127.0.0.1:1/beacon)") in raw


def test_configured_databases_are_offered_by_name_and_follow_the_url(
        monkeypatch, demo_db, tmp_path) -> None:
    empty = tmp_path / "empty.db"
    store.open_db(str(empty))
    store.close_db(str(empty))
    monkeypatch.setenv("CONTROLMAP_DATABASES", f"demo={demo_db};empty={empty}")
    at = run_app(monkeypatch, demo_db, "2021-08-13")
    picker = at.sidebar.selectbox(key="controlmap_db_pick")
    assert picker.options == ["demo", "empty"]
    assert query_value(at, "db") == "demo"
    assert at.slider, "the demo database has claims to draw"
    picker.set_value("empty").run()
    assert not at.exception
    assert query_value(at, "db") == "empty"
    assert "holds no claims yet" in messages(at.info)
    at.run()  # a rerun keeps the choice
    assert at.sidebar.selectbox(key="controlmap_db_pick").value == "empty"
    at = run_app(monkeypatch, demo_db, query={"db": "empty"})  # a shared link opens it
    assert at.sidebar.selectbox(key="controlmap_db_pick").value == "empty"


def test_the_chosen_database_travels_to_the_other_pages(monkeypatch, demo_db, tmp_path) -> None:
    empty = tmp_path / "empty.db"
    store.open_db(str(empty))
    store.close_db(str(empty))
    monkeypatch.setenv("CONTROLMAP_DATABASES", f"demo={demo_db};empty={empty}")
    at = run_app(monkeypatch, demo_db)
    at.sidebar.selectbox(key="controlmap_db_pick").set_value("empty").run()
    at.switch_page("pages/4_Export.py").run()
    assert not at.exception
    assert at.sidebar.selectbox(key="controlmap_db_pick").value == "empty"
    assert "holds no claims yet" in messages(at.info)


def test_a_database_password_never_reaches_the_page(monkeypatch) -> None:
    pytest.importorskip("psycopg")
    at = run_app(monkeypatch, "postgresql+psycopg://u:secret@127.0.0.1:1/x")
    assert not at.exception
    assert at.error
    text = page_text(at)
    assert "secret" not in text
    assert "u:***@127" in plain(messages(at.sidebar.caption))
    assert "u:***@127" in plain(messages(at.error))


def test_an_unreadable_database_shows_an_error_not_a_traceback(monkeypatch, tmp_path) -> None:
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"this is not a SQLite database, just some bytes " * 100)
    at = run_app(monkeypatch, str(bad))
    assert not at.exception
    assert at.error, "no error shown"
    assert "Traceback" not in at.error[0].value


def test_a_database_whose_claims_fall_on_one_day_opens_on_a_drawn_map(
        monkeypatch, tmp_path, seed_text) -> None:
    (tmp_path / "seed.txt").write_text(seed_text, encoding="utf-8")
    path = str(tmp_path / "one-day.db")
    ingest_paths(store.open_db(path), [tmp_path / "seed.txt"])
    store.close_db(path)
    at = run_app(monkeypatch, path)
    assert not at.exception, at.exception
    assert not at.error
    assert at.slider[0].value == dt.date(2021, 8, 12)
    assert "of 34 provincial capitals held by the Taliban" in headline(at)
