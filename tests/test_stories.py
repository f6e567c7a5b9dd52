"""One article, one source: normalised content hashes, near-copies as stories, --replace.

Every text here is written for these tests (a made-up Farah report and its copies); the dev
corpus is only read in place, to check that no two different real reports are merged.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from geo import signatures, store, stories
from geo.cli import app
from geo.control import build_timeline
from geo.documents import clean_url, outlet_of, parse_text, read_document
from geo.ingest import ingest_document, ingest_paths
from geo.model import load_model, model_from_claims
from geo.records import Document, normalised_text
from geo.review import read_pasted
from tests.factories import make_claim

DAY = dt.date(2021, 8, 10)
ROOT = Path(__file__).resolve().parent.parent

GOVERNMENT = """date 2021-08-10

Farah still in government hands, officials say

FARAH - Afghan forces still control Farah city after pushing back a Taliban assault on its \
outskirts overnight, a spokesman for the provincial governor said on Tuesday.

He said reinforcements had reached the city by road from Herat and that shops in the main \
bazaar opened again in the afternoon.
"""

TALIBAN_BODY = """Taliban say they hold Farah

The Taliban captured Farah city on Tuesday, a Taliban spokesman said in a statement sent \
to journalists, adding that government troops had fled towards the airport.

The spokesman said the group's fighters were in control of the governor's office and the \
police headquarters. The claim could not be independently verified."""

TALIBAN = f"date 2021-08-10\n\n{TALIBAN_BODY}\n"
# The same wire story as another outlet prints it: its own dateline and credit line.
TALIBAN_OTHER_OUTLET = (
    "date 2021-08-10\n\nBy a staff writer, with agency reporting\n\n"
    f"{TALIBAN_BODY}\n\nThis story was distributed by an international news agency.\n"
)
# The same story with one line added by an editor.
TALIBAN_LINE_ADDED = TALIBAN.replace(
    "The spokesman said",
    "Farah lies close to the border with Iran.\n\nThe spokesman said",
)


def _variants_of(body: str) -> list[str]:
    """The Taliban report re-spaced: reflowed lines, doubled blank lines, trailing spaces."""
    words = body.split(" ")
    reflowed = "\n".join(" ".join(words[i : i + 9]) for i in range(0, len(words), 9))
    return [
        f"date 2021-08-10\n\n{body}\n",
        f"date 2021-08-10\n\n{reflowed}\n",
        "date 2021-08-10\n\n\n" + body.replace("\n\n", "\n\n\n\n").replace(". ", ".  ") + "  \n",
    ]


def _write(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def engine(tmp_path):
    engine = store.open_db(str(tmp_path / "stories.db"))
    yield engine
    store.close_db(str(tmp_path / "stories.db"))


def _documents(engine: sa.Engine) -> dict[str, dict]:
    with engine.connect() as conn:
        return {d["name"]: d for d in store.load_documents(conn)}


# --- normalised content hash ---------------------------------------------------------------

ARTICLE_TXT = """date 2021-08-10

Insurgents enter Farah city

FARAH - Taliban fighters entered the city of Farah on Tuesday and took
the governor's compound, a Taliban spokesman said in a statement posted
online.

The spokesman said the group's fighters had also seized the police
headquarters. There was no immediate comment from the provincial
authorities.
"""

ARTICLE_MD = """---
date: 2021-08-10
---
# Insurgents enter Farah city

FARAH - Taliban fighters entered the city of **Farah** on Tuesday and took the governor's \
compound, a [Taliban spokesman](https://example.org/statement) said in a statement posted \
online.

The spokesman said the group's fighters had also seized the police headquarters. There was \
no immediate comment from the provincial authorities.
"""

ARTICLE_HTML = """<!doctype html><html><head><title>Insurgents enter Farah city | Example</title>
<meta property="article:published_time" content="2021-08-10T08:00:00Z">
<meta property="og:site_name" content="Example News">
<meta property="og:url" content="https://news.example.com/2021/08/10/farah">
</head><body><nav><a href="/">Home</a> <a href="/world">World</a></nav>
<article><h1>Insurgents enter Farah city</h1>
<p>FARAH - Taliban fighters entered the city of <b>Farah</b> on Tuesday and took the
governor's compound, a Taliban spokesman said in a statement posted online.</p>
<p>The spokesman said the group's fighters had also seized the police headquarters. There
was no immediate comment from the provincial authorities.</p>
</article><footer>Copyright Example News</footer></body></html>
"""


def test_one_article_as_txt_md_and_html_has_one_content_hash():
    docs = [parse_text(ARTICLE_TXT, "a.txt"), parse_text(ARTICLE_MD, "a.md", fmt="md"),
            parse_text(ARTICLE_HTML, "a.html", fmt="html")]
    assert len({normalised_text(d.text) for d in docs}) == 1
    assert len({d.content_hash for d in docs}) == 1


def test_an_article_in_three_formats_is_stored_once(engine, tmp_path):
    folder = _write(tmp_path / "in", {"a.txt": ARTICLE_TXT, "a.md": ARTICLE_MD,
                                      "a.html": ARTICLE_HTML})
    report = ingest_paths(engine, [folder], extractor="rules")
    assert report.documents == 1
    assert len(report.skipped) == 2
    assert len(_documents(engine)) == 1


def test_another_word_is_another_content_hash():
    a = Document("a.txt", "Farah fell on Tuesday.", DAY)
    b = Document("b.txt", "Farah fell on Wednesday.", DAY)
    assert a.content_hash != b.content_hash


@settings(max_examples=60, deadline=None)
@given(
    words=st.lists(st.text(alphabet="abcdefghij.,'", min_size=1, max_size=8), min_size=1,
                   max_size=30),
    gaps=st.lists(st.sampled_from([" ", "  ", "\n", "\n\n", "\t", " \n ", "\u00a0", "\n\n\n"]),
                  min_size=30, max_size=30),
)
def test_the_content_hash_ignores_how_words_are_spaced(words, gaps):
    plain = Document("a.txt", " ".join(words), DAY)
    spaced = "".join(w + gaps[i] for i, w in enumerate(words))
    assert Document("b.txt", "\n " + spaced, DAY).content_hash == plain.content_hash


def test_the_content_hash_is_taken_over_composed_characters():
    composed = Document("a.txt", "Herat\u00e9 fell.", DAY)
    decomposed = Document("b.txt", "Herate\u0301 fell.", DAY)
    assert composed.content_hash == decomposed.content_hash


# --- shingles, signatures, the index -------------------------------------------------------


def test_the_index_scores_its_candidates_as_similarity_does():
    texts = [TALIBAN, TALIBAN_OTHER_OUTLET, TALIBAN_LINE_ADDED, GOVERNMENT]
    sigs = [signatures.minhash_of(text) for text in texts]
    index = stories.StoryIndex()
    for doc_id, mh in enumerate(sigs):
        index.add(doc_id, mh)

    for doc_id, mh in enumerate(sigs):
        found = index.matches(mh, exclude=doc_id)
        expected = sorted(((other, signatures.similarity(mh, sigs[other]))
                           for other in range(len(texts)) if other != doc_id
                           and signatures.similarity(mh, sigs[other]) >= index.threshold),
                          key=lambda t: (-t[1], t[0]))
        assert found == expected
    assert {d for d, _ in index.matches(sigs[0], exclude=0)} == {1, 2}
    assert signatures.signature_bytes(index.signature(3)) == signatures.signature_bytes(sigs[3])


def test_a_removed_or_replaced_document_is_no_longer_matched():
    a, b = signatures.minhash_of(TALIBAN), signatures.minhash_of(TALIBAN_OTHER_OUTLET)
    index = stories.StoryIndex()
    index.add(1, a)
    index.add(2, b)
    index.remove(1)
    assert index.matches(b, exclude=2) == []
    index.add(2, signatures.minhash_of(GOVERNMENT))  # replaced by another text
    assert index.matches(a) == []
    assert len(index) == 1


def test_a_signature_read_back_from_bytes_estimates_the_same_similarity():
    a, b = signatures.minhash_of(TALIBAN), signatures.minhash_of(TALIBAN_OTHER_OUTLET)
    back = signatures.minhash_from_bytes(signatures.signature_bytes(b))
    assert len(signatures.signature_bytes(b)) == 4 * signatures.NUM_PERM
    assert signatures.similarity(a, back) == signatures.similarity(a, b)


def test_near_copies_reach_the_threshold_and_another_report_does_not():
    base = signatures.shingles(TALIBAN)
    assert signatures.jaccard(base, signatures.shingles(TALIBAN_OTHER_OUTLET)) >= stories.THRESHOLD
    assert signatures.jaccard(base, signatures.shingles(TALIBAN_LINE_ADDED)) >= stories.THRESHOLD
    assert signatures.jaccard(base, signatures.shingles(GOVERNMENT)) < 0.1


def _real_reports(dev_corpus: Path | None) -> dict[str, str]:
    paths = sorted((ROOT / "data" / "demo").glob("*.txt"))
    if dev_corpus is not None:
        paths += sorted(dev_corpus.glob("*.txt"))
    return {f"{p.parent.name}/{p.name}": read_document(p)[0].text for p in paths}


def test_no_two_different_real_reports_are_one_story(request):
    shared = ROOT.parent / "shared" / "eval" / "dev"
    if not shared.is_dir():
        pytest.skip(f"the dev corpus is absent ({shared}); only the demo corpus is checked")
    texts = _real_reports(shared)
    index = stories.StoryIndex()
    sigs = {name: signatures.minhash_of(text) for name, text in texts.items()}
    names = sorted(texts)
    for i, name in enumerate(names):
        index.add(i, sigs[name])
    links = {(name, names[j]) for i, name in enumerate(names)
             for j, _ in index.matches(sigs[name], exclude=i)}
    assert links == set()
    # and by a wide margin: the closest pair is far below the threshold
    closest, a, b = stories.closest_pairs(texts, 1)[0]
    assert closest < stories.THRESHOLD / 4, (a, b)


def test_no_two_demo_reports_are_one_story():
    texts = _real_reports(None)
    closest, a, b = stories.closest_pairs(texts, 1)[0]
    assert closest < stories.THRESHOLD / 4, (a, b)


# --- ingest links near-copies --------------------------------------------------------------


def _ingest_farah(engine, tmp_path, files: dict[str, str]):
    folder = _write(tmp_path / "farah", files)
    return ingest_paths(engine, [folder], extractor="rules")


def test_a_near_copy_is_stored_and_linked_to_its_original(engine, tmp_path):
    report = _ingest_farah(engine, tmp_path, {
        "1-taliban.txt": TALIBAN, "2-wire.txt": TALIBAN_OTHER_OUTLET,
        "3-added.txt": TALIBAN_LINE_ADDED, "4-government.txt": GOVERNMENT})
    assert report.documents == 4
    docs = _documents(engine)
    original = docs["1-taliban.txt"]["doc_id"]
    assert docs["1-taliban.txt"]["story_id"] is None
    assert docs["2-wire.txt"]["story_id"] == original
    assert docs["3-added.txt"]["story_id"] == original
    assert docs["4-government.txt"]["story_id"] is None
    with engine.connect() as conn:
        story_of = stories.story_of_documents(conn)
    assert story_of["1-taliban.txt"] == story_of["2-wire.txt"] == story_of["3-added.txt"]
    assert story_of["4-government.txt"] != story_of["1-taliban.txt"]


def test_a_copy_of_a_copy_joins_the_first_story(engine):
    first = Document("a.txt", TALIBAN, DAY)
    second = Document("b.txt", TALIBAN_OTHER_OUTLET, DAY)
    third = Document("c.txt", TALIBAN_OTHER_OUTLET.replace("distributed", "sent out"), DAY)
    for doc in (first, second, third):
        ingest_document(engine, doc, extractor="rules")
    docs = _documents(engine)
    assert docs["c.txt"]["story_id"] == docs["a.txt"]["doc_id"]


def test_the_index_is_rebuilt_from_stored_signatures_and_backfills_missing_ones(engine):
    for name, text in (("a.txt", TALIBAN), ("b.txt", GOVERNMENT)):
        ingest_document(engine, Document(name, text, DAY), extractor="rules")
    with engine.begin() as conn:
        stored = dict(conn.execute(sa.select(store.document_minhash.c.doc_id,
                                             store.document_minhash.c.minhash)).all())
        assert len(stored) == 2
        # a database from before signatures were kept: the index hashes the texts once
        conn.execute(sa.delete(store.document_minhash))
        index = stories.StoryIndex.load(conn)
        assert len(index) == 2
        rebuilt = dict(conn.execute(sa.select(store.document_minhash.c.doc_id,
                                              store.document_minhash.c.minhash)).all())
    assert rebuilt == stored


def _backfill_twice(engine) -> int:
    """Two writers' indexes both backfill an old document's signature: one row, no error."""
    with engine.begin() as conn:
        conn.execute(sa.delete(store.document_minhash))
        first, second = stories.StoryIndex(), stories.StoryIndex()
        first.refresh(conn)
        # the second writer looked for missing signatures before the first stored its own
        conn.execute(sa.delete(store.document_minhash))
        second.refresh(conn)
        first_blob = signatures.signature_bytes(first.signature(min(first.doc_ids())))
        stories._insert_signature(conn, min(first.doc_ids()), first_blob)
        return conn.execute(sa.select(sa.func.count()).select_from(
            store.document_minhash)).scalar_one()


def test_a_signature_stored_by_two_backfills_is_kept_once(engine):
    ingest_document(engine, Document("a.txt", TALIBAN, DAY), extractor="rules")
    assert _backfill_twice(engine) == 1


def test_the_batch_index_forgets_a_deleted_document(engine):
    index = stories.StoryIndex()
    ingest_document(engine, Document("a.txt", TALIBAN, DAY), extractor="rules",
                    story_index=index)
    with engine.begin() as conn:
        conn.execute(sa.delete(store.documents))
    ingest_document(engine, Document("b.txt", TALIBAN_OTHER_OUTLET, DAY), extractor="rules",
                    story_index=index)
    assert _documents(engine)["b.txt"]["story_id"] is None
    assert len(index) == 1



def test_a_copy_whose_best_match_was_deleted_joins_the_story_of_the_next_best(engine):
    index = stories.StoryIndex()
    # (another story last, so that SQLite does not give the deleted id to the new copy)
    for name, text in (("a.txt", TALIBAN_OTHER_OUTLET), ("b.txt", TALIBAN_LINE_ADDED),
                       ("z.txt", GOVERNMENT)):
        ingest_document(engine, Document(name, text, DAY), extractor="rules", story_index=index)
    ids = {name: row["doc_id"] for name, row in _documents(engine).items()}
    ranked = [d for d, _ in index.matches(signatures.minhash_of(TALIBAN))]
    assert sorted(ranked) == sorted([ids["a.txt"], ids["b.txt"]])  # there is a next best
    with engine.begin() as conn:
        conn.execute(sa.delete(store.documents).where(store.documents.c.doc_id == ranked[0]))
    [survivor] = [d for d in _documents(engine).values() if d["doc_id"] == ranked[1]]
    expected = survivor["story_id"] if survivor["story_id"] is not None else survivor["doc_id"]

    ingest_document(engine, Document("c.txt", TALIBAN, DAY), extractor="rules",
                    story_index=index)

    assert _documents(engine)["c.txt"]["story_id"] == expected

# --- the control model counts stories ------------------------------------------------------


def _farah(model) -> str:
    return model.timeline.province_state("AF-FRA", DAY).status


def test_one_taliban_report_against_one_government_report_leaves_farah_contested(
        engine, tmp_path):
    _ingest_farah(engine, tmp_path, {"t.txt": TALIBAN, "g.txt": GOVERNMENT})
    assert _farah(load_model(str(tmp_path / "stories.db"))) == "contested"


def test_whitespace_variants_of_one_taliban_report_do_not_flip_farah(engine, tmp_path):
    files = {f"t{i}.txt": text for i, text in enumerate(_variants_of(TALIBAN_BODY))}
    report = _ingest_farah(engine, tmp_path, {**files, "g.txt": GOVERNMENT})
    assert report.documents == 2
    assert _farah(load_model(str(tmp_path / "stories.db"))) == "contested"


def test_copies_of_one_taliban_story_do_not_outweigh_one_independent_report(engine, tmp_path):
    _ingest_farah(engine, tmp_path, {
        "t.txt": TALIBAN, "t-wire.txt": TALIBAN_OTHER_OUTLET, "t-added.txt": TALIBAN_LINE_ADDED,
        "g.txt": GOVERNMENT})
    model = load_model(str(tmp_path / "stories.db"))
    assert _farah(model) == "contested"
    # counted as three sources, the copies would have flipped it
    assert _farah(model_from_claims(model.claims)) == "taliban"


def test_two_outlets_copies_of_one_wire_story_count_as_one_source():
    wire_a = make_claim(document="outlet-a.txt", confidence=0.8)
    wire_b = make_claim(document="outlet-b.txt", confidence=0.7)
    held = make_claim(document="local.txt", actor="government", kind="held", confidence=0.8)
    day = wire_a.event_date
    independent = build_timeline([wire_a, wire_b, held])
    one_story = build_timeline([wire_a, wire_b, held],
                               story_of={"outlet-a.txt": "story:1", "outlet-b.txt": "story:1"})
    assert independent.province_state("AF-KDZ", day).status == "taliban"
    assert one_story.province_state("AF-KDZ", day).status == "contested"


# --- --replace -----------------------------------------------------------------------------


def _cli(*args: str):
    return CliRunner().invoke(app, list(args))


def test_a_corrected_date_is_skipped_with_a_hint_and_replaced_with_replace(tmp_path):
    db = str(tmp_path / "r.db")
    path = _write(tmp_path / "in", {"t.txt": TALIBAN.replace("2021-08-10", "2021-08-11")})
    assert _cli("ingest", str(path), "--db", db, "--engine", "rules").exit_code == 0
    path.joinpath("t.txt").write_text(TALIBAN, encoding="utf-8")

    result = _cli("ingest", str(path), "--db", db, "--engine", "rules")
    assert result.exit_code == 0, result.output
    assert "skipped t.txt (already stored; use --replace to update it)" in result.stderr
    engine = store.open_db(db)
    assert _documents(engine)["t.txt"]["published"] == dt.date(2021, 8, 11)

    result = _cli("ingest", str(path), "--db", db, "--engine", "rules", "--replace")
    assert result.exit_code == 0, result.output
    assert "1 replaced" in result.stderr
    assert _documents(engine)["t.txt"]["published"] == DAY
    with engine.connect() as conn:
        claims = store.load_claims(conn)
        assert store.count_rows(conn)["documents"] == 1
    assert {c.event_date for c in claims} == {DAY}
    store.close_db(db)


def test_the_same_document_again_is_skipped_even_with_replace(engine):
    doc = Document("t.txt", TALIBAN, DAY)
    ingest_document(engine, doc, extractor="rules")
    before = _documents(engine)["t.txt"]
    assert ingest_document(engine, doc, extractor="rules", replace=True) is None
    assert _documents(engine)["t.txt"] == before


def test_replacing_keeps_edits_of_claims_extracted_again_and_the_copies_link(engine):
    md = "---\ndate: 2021-08-10\ntitle: {title}\n---\n" + TALIBAN_BODY + "\n"
    ingest_document(engine, parse_text(md.format(title="Farah"), "t.md", fmt="md"),
                    extractor="rules")
    ingest_document(engine, Document("wire.txt", TALIBAN_OTHER_OUTLET, DAY), extractor="rules")
    with engine.begin() as conn:
        [claim] = [c for c in store.load_claims(conn) if c.document == "t.md"]
        store.reject_claim(conn, claim.claim_id, author="analyst", note="checked")
    corrected = parse_text(md.format(title="Taliban claim Farah"), "t.md", fmt="md")
    assert ingest_document(engine, corrected, extractor="rules", replace=True) is not None
    docs = _documents(engine)
    assert docs["t.md"]["title"] == "Taliban claim Farah"
    assert docs["wire.txt"]["story_id"] == docs["t.md"]["doc_id"]
    with engine.connect() as conn:
        assert claim.claim_id in store.rejected_claim_ids(conn)
        assert [e["note"] for e in store.load_edits(conn, claim.claim_id)] == ["checked"]


def test_bare_text_never_erases_the_url_its_html_gave(engine):
    html = parse_text(ARTICLE_HTML, "a.html", fmt="html")
    ingest_document(engine, html, extractor="rules")
    assert ingest_document(engine, parse_text(ARTICLE_TXT, "a.txt"), extractor="rules",
                           replace=True) is None
    assert _documents(engine)["a.html"]["url"] == "https://news.example.com/2021/08/10/farah"


# --- document metadata ---------------------------------------------------------------------


def test_html_gives_url_outlet_and_title():
    doc = parse_text(ARTICLE_HTML, "a.html", fmt="html")
    assert (doc.url, doc.outlet, doc.title) == (
        "https://news.example.com/2021/08/10/farah", "Example News", "Insurgents enter Farah city")


def test_html_canonical_link_gives_the_url_and_its_host_the_outlet():
    html = ARTICLE_HTML.replace('<meta property="og:site_name" content="Example News">', "")
    html = html.replace('<meta property="og:url" content="https://news.example.com/2021/08/10/farah">',
                        '<link rel="canonical" href="https://www.reuters.com/world/farah-1">')
    doc = parse_text(html, "a.html", fmt="html")
    assert (doc.url, doc.outlet) == ("https://www.reuters.com/world/farah-1", "Reuters")


def test_a_javascript_url_is_dropped_with_a_note():
    html = ARTICLE_HTML.replace("https://news.example.com/2021/08/10/farah", "javascript:alert(1)")
    doc = parse_text(html, "a.html", fmt="html")
    assert doc.url == ""
    dropped = ("a.html: the URL 'javascript:alert(1)' was dropped: only http and https URLs "
               "are kept.")
    assert doc.notes == (dropped,)


@pytest.mark.parametrize("value", ["ftp://example.org/a", "data:text/html,x", "//example.org/a",
                                   "/world/farah", "https://", "https://exa mple.org/a",
                                   "http://[::1", "https://example.org/\x07"])
def test_only_absolute_http_urls_are_kept(value):
    url, note = clean_url(value, "x.html")
    assert url == ""
    assert note is not None
    assert "x.html" in note


def test_a_known_host_names_its_outlet_and_an_unknown_host_names_itself():
    assert outlet_of("https://apnews.com/article/x") == "Associated Press"
    assert outlet_of("https://gandhara.rferl.org/a/x.html") == "RFE/RL's Radio Azadi (Gandhara)"
    assert outlet_of("https://www.rferl.org/a/x.html") == "Radio Free Europe/Radio Liberty"
    assert outlet_of("https://www.local-paper.example/x") == "local-paper.example"


def test_jsonl_gives_url_and_outlet_from_its_fields(tmp_path):
    path = tmp_path / "batch.jsonl"
    lines = [
        {"text": TALIBAN_BODY, "date": "2021-08-10", "url": "https://tolonews.com/afghanistan/1",
         "title": "Farah"},
        {"text": GOVERNMENT, "date": "2021-08-10", "url": "https://example.org/g",
         "source": "  Example   Daily "},
        {"text": "Kunduz fell.", "date": "2021-08-08", "url": "file:///etc/passwd"},
    ]
    path.write_text("\n".join(json.dumps(line) for line in lines), encoding="utf-8")
    a, b, c = read_document(path)
    assert (a.url, a.outlet, a.title) == ("https://tolonews.com/afghanistan/1", "TOLOnews", "Farah")
    assert (b.url, b.outlet) == ("https://example.org/g", "Example Daily")
    assert (c.name, c.url, c.outlet) == ("batch.jsonl#3", "", "")
    assert len(c.notes) == 1
    assert "file:///etc/passwd" in c.notes[0]


def test_pasted_text_takes_url_and_outlet_from_the_form():
    doc = read_pasted(TALIBAN, "farah.txt", url=" https://www.aljazeera.com/news/x ", outlet="")
    assert (doc.url, doc.outlet) == ("https://www.aljazeera.com/news/x", "Al Jazeera")
    doc = read_pasted(ARTICLE_HTML, fmt="html", url="https://example.net/b", outlet="My Outlet")
    assert (doc.url, doc.outlet) == ("https://example.net/b", "My Outlet")


def test_ingest_stores_the_metadata_and_reports_a_dropped_url(engine, tmp_path):
    html = ARTICLE_HTML.replace("https://news.example.com/2021/08/10/farah", "javascript:x()")
    folder = _write(tmp_path / "in", {"a.html": html})
    report = ingest_paths(engine, [folder], extractor="rules")
    doc = _documents(engine)["a.html"]
    assert (doc["url"], doc["outlet"], doc["title"]) == ("", "Example News",
                                                        "Insurgents enter Farah city")
    assert [name for name, _ in report.notes] == ["a.html"]


# --- PostgreSQL ----------------------------------------------------------------------------

PG_URL = os.environ.get("CONTROLMAP_TEST_POSTGRES", "")


@pytest.mark.skipif(not PG_URL, reason="CONTROLMAP_TEST_POSTGRES is not set (no PostgreSQL "
                    "server to test on)")
def test_near_copies_are_linked_and_counted_once_on_postgresql():
    engine = store.open_db(PG_URL)

    def empty() -> None:
        with engine.begin() as conn:
            for table in ("edits", "counts", "claims", "mentions", "document_minhash",
                          "documents"):
                conn.execute(sa.text(f"DELETE FROM {table}"))

    empty()
    try:
        for name, text in (("t.txt", TALIBAN), ("wire.txt", TALIBAN_OTHER_OUTLET),
                           ("g.txt", GOVERNMENT)):
            ingest_document(engine, dataclasses.replace(parse_text(text, name)),
                            extractor="rules")
        docs = _documents(engine)
        assert docs["wire.txt"]["story_id"] == docs["t.txt"]["doc_id"]
        assert _farah(load_model(PG_URL)) == "contested"
        assert _backfill_twice(engine) == 3
    finally:
        empty()


# --- migrating old hashes ------------------------------------------------------------------


def test_rehashing_an_old_database_links_variants_and_deletes_nothing(engine):
    import hashlib

    texts = {"a.txt": TALIBAN_BODY, "b.txt": TALIBAN_BODY.replace("\n\n", "\n\n\n"),
             "c.txt": GOVERNMENT, "d.txt": TALIBAN_OTHER_OUTLET}
    with engine.begin() as conn:
        for name, text in texts.items():  # stored as the old version did: raw-text hashes
            conn.execute(sa.insert(store.documents).values(
                content_hash=hashlib.sha256(text.encode()).hexdigest(), name=name, source="",
                title="", published=DAY, text=text, ingested_at=dt.datetime(2026, 1, 1)))
        counts = stories.rehash_documents(conn)
        signatures = conn.execute(sa.select(sa.func.count()).select_from(
            store.document_minhash)).scalar_one()
    assert counts == {"documents": 4, "changed": 4, "variants": 1, "copies": 1}
    assert signatures == 4
    docs = _documents(engine)
    assert docs["a.txt"]["content_hash"] == Document("x", TALIBAN_BODY, DAY).content_hash
    assert docs["b.txt"]["story_id"] == docs["a.txt"]["doc_id"]
    assert docs["c.txt"]["story_id"] is None
    assert docs["d.txt"]["story_id"] == docs["a.txt"]["doc_id"]
    # the variant's text now matches the first document: skipped
    assert ingest_document(engine, Document("e.txt", texts["b.txt"], DAY)) is None


def test_the_cli_names_a_dropped_url(tmp_path):
    html = ARTICLE_HTML.replace("https://news.example.com/2021/08/10/farah", "javascript:x()")
    path = _write(tmp_path / "in", {"a.html": html})
    result = _cli("ingest", str(path), "--db", str(tmp_path / "n.db"), "--engine", "rules")
    assert result.exit_code == 0, result.output
    assert "note: a.html: the URL 'javascript:x()' was dropped" in result.stderr
    store.close_db(str(tmp_path / "n.db"))
