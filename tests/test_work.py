"""The parallel ingest's worker side (geo._work): pure, and light to import."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

from geo import _work, signatures
from geo.extraction import extract
from geo.records import Document


def test_prepare_chunk_outside_a_worker_is_pure_and_matches_the_serial_extraction(gazetteer):
    doc = Document("z.txt", "The Taliban captured Zaranj, the capital of Nimroz, on Friday.",
                   dt.date(2021, 8, 7))

    [prepared] = _work.prepare_chunk([doc], "learned")

    assert isinstance(prepared, _work.Prepared)
    assert list(prepared.claims) == extract(doc, gazetteer, engine="learned").claims
    assert [c.province_iso for c in prepared.claims] == ["AF-NIM"]
    assert prepared.signature == signatures.signature_bytes(signatures.minhash_of(doc.text))


def test_a_worker_imports_neither_sqlalchemy_nor_the_store():
    # what a Dask worker imports to run a chunk: the task's module by name, then the engine
    code = ("import sys; from geo import _work; _work.Preparer('learned'); "
            "print(sorted(m for m in ('sqlalchemy', 'geo.store', 'geo.stories', 'geo.ingest') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=120)
    assert out.stdout.strip() == "[]", out.stderr
