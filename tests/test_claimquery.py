"""The Claims page's SQL queries against real SQLite files: the same rows as the filter in
Python, stable pages, statuses from edits, and a page of 150k claims in a few bounded queries."""

from __future__ import annotations

import datetime as dt
import importlib.util
import shutil
from pathlib import Path

import pytest
from factories import StatementLog
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo import claimquery, review, store
from geo.ingest import ingest_paths

ROOT = Path(__file__).resolve().parent.parent
SCALE = 150_000


def _bench_module():
    spec = importlib.util.spec_from_file_location("bench_snapshot",
                                                  ROOT / "bench" / "bench_snapshot.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A demo database with one rejected claim."""
    path = tmp_path_factory.mktemp("cq") / "demo.db"
    engine = store.open_db(str(path))
    ingest_paths(engine, [ROOT / "data" / "demo"])
    with engine.begin() as conn:
        first = store.load_claims(conn)[0].claim_id
        store.reject_claim(conn, first, author="t", note="test")
    yield str(path)
    store.close_db(str(path))


def all_rows(db: str) -> list[dict]:
    with store.open_db(db).connect() as conn:
        return store.load_claim_rows(conn, include_rejected=True)


def test_status_comes_from_the_latest_edit(demo: str) -> None:
    rows = all_rows(demo)
    rejected = [r["claim_id"] for r in rows if r["status"] == "rejected"]
    with store.open_db(demo).connect() as conn:
        flt = review.ClaimFilter(statuses=frozenset({"rejected"}))
        assert claimquery.ids_of(claimquery.page_claims(conn, flt, limit=500)) == rejected
        assert claimquery.claim_by_id(conn, rejected[0])["status"] == "rejected"
        assert claimquery.claim_by_id(conn, "no-such-id") is None


FILTERS = st.builds(
    review.ClaimFilter,
    provinces=st.frozensets(st.sampled_from(["AF-KAN", "AF-HEL", "AF-NIM", "AF-KAB"]), max_size=2),
    start=st.none() | st.dates(dt.date(2021, 6, 20), dt.date(2021, 9, 10)),
    end=st.none() | st.dates(dt.date(2021, 6, 20), dt.date(2021, 9, 10)),
    kinds=st.frozensets(st.sampled_from(["captured", "recaptured", "contested", "held"]),
                        max_size=2),
    actors=st.frozensets(st.sampled_from(["taliban", "government", "nrf"]), max_size=2),
    statuses=st.frozensets(st.sampled_from(["active", "rejected"]), max_size=2),
    text=st.sampled_from(["", "kandahar", "CAPTURED", "%", "_", "said", "zz-none"]),
)  # fmt: skip


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(flt=FILTERS)
def test_sql_filter_gives_the_rows_the_python_filter_gives(demo: str, flt) -> None:
    expected = [r["claim_id"] for r in review.filter_claim_rows(all_rows(demo), flt)]
    with store.open_db(demo).connect() as conn:
        got = claimquery.ids_of(claimquery.page_claims(conn, flt, limit=10_000))
        assert claimquery.count_claims(conn, flt) == len(expected)
    assert got == expected  # ordered by date then id, as the store orders them


@pytest.mark.parametrize("sort", claimquery.SORTS)
def test_pages_cover_every_row_once_in_each_order(demo: str, sort) -> None:
    flt = review.ClaimFilter()
    with store.open_db(demo).connect() as conn:
        total = claimquery.count_claims(conn, flt)
        seen: list[str] = []
        for offset in range(0, total, 17):
            seen += claimquery.ids_of(claimquery.page_claims(conn, flt, limit=17, offset=offset,
                                                             sort=sort, descending=True))
    assert len(seen) == total == len(set(seen))


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A database of 150k synthetic claims (bench/bench_snapshot.py's generator)."""
    path = tmp_path_factory.mktemp("cq-big") / "big.db"
    engine = store.open_db(str(path))
    with engine.begin() as conn:
        assert store.save_claims_bulk(conn, _bench_module().synthetic_claims(SCALE)) > 140_000
    yield str(path)
    store.close_db(str(path))


def test_a_page_of_150k_claims_is_a_few_queries_not_a_full_load(big: str) -> None:
    flt = review.ClaimFilter(statuses=frozenset({"active"}), text="officials")
    engine = store.open_db(big)
    with StatementLog(engine) as log, engine.connect() as conn:
        options = claimquery.filter_options(conn)
        total = claimquery.count_claims(conn, flt)
        rows = claimquery.page_claims(conn, flt, limit=50, offset=1000, sort="confidence")
    assert options.total > 140_000
    assert total > 100_000
    assert len(rows) == 50
    assert len(log.queries()) <= 5, log.queries()
    assert all("LIMIT" in q.upper() or "COUNT(" in q.upper() or "DISTINCT" in q.upper()
               or "GROUP BY" in q.upper() or "MIN(" in q.upper() or "MAX(" in q.upper()
               for q in log.queries()), log.queries()


def test_the_claims_page_shows_one_page_of_150k_claims(
    big: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Its time per visit is measured by bench/bench_claims_page.py, not asserted here.
    from streamlit.testing.v1 import AppTest

    db = tmp_path / "big.db"
    shutil.copyfile(big, db)
    monkeypatch.setenv("CONTROLMAP_DB", str(db))
    at = AppTest.from_file(str(ROOT / "pages" / "2_Claims.py"), default_timeout=120)
    at.run()
    assert not at.exception
    assert not at.error
    assert len(at.dataframe[0].value) == 50
    store.close_db(str(db))
