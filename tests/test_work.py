"""The parallel ingest's worker side (geo._work): pure, and light to import."""

from __future__ import annotations

import datetime as dt
import pickle
import subprocess
import sys

from geo import _work, signatures
from geo.extraction import extract
from geo.records import Document


def test_prepare_chunk_outside_a_worker_is_pure_and_matches_the_serial_extraction(gazetteer):
    doc = Document("z.txt", "The Taliban captured Zaranj, the capital of Nimroz, on Friday.",
                   dt.date(2021, 8, 7))

    [extracted] = _work.prepare_chunk([doc], "learned")

    assert isinstance(extracted, _work.Extracted)
    assert list(extracted.claims) == extract(doc, gazetteer, engine="learned").claims
    assert [c.province_iso for c in extracted.claims] == ["AF-NIM"]
    assert extracted.signature == signatures.signature_bytes(signatures.minhash_of(doc.text))


def test_what_a_worker_extracted_comes_back_from_pickle_equal_and_without_the_document():
    doc = Document("q.txt", "Taliban fighters seized Qala-i-Naw, capital of Badghis, on July 7. "
                   "Eight of 34 provincial capitals have fallen.", dt.date(2021, 7, 8))
    [extracted] = _work.prepare_chunk([doc], "learned")
    assert isinstance(extracted, _work.Extracted)

    wire = pickle.dumps(extracted, protocol=pickle.HIGHEST_PROTOCOL)
    back = pickle.loads(wire)

    assert back == extracted
    # every part made the round trip
    assert len(back.claims) == len(extracted.claims) > 0
    assert len(back.mentions) == len(extracted.mentions) > 0
    assert len(back.counts) == len(extracted.counts) > 0
    assert all(type(m).__name__ == "Mention" for m in back.mentions)
    assert b"geo.records" not in wire  # plain values, not pickled records
    assert doc.text.encode() not in wire  # the client keeps the document


def test_a_worker_imports_neither_sqlalchemy_nor_the_store():
    # what a Dask worker imports to run a chunk: the task's module by name, then the engine
    code = ("import sys; from geo import _work; _work.Preparer('learned'); "
            "print(sorted(m for m in ('sqlalchemy', 'geo.store', 'geo.stories', 'geo.ingest') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=120)
    assert out.stdout.strip() == "[]", out.stderr
