"""Size and build time of the self-contained HTML map (``controlmap html``) on the demo data.

Builds the demo database into a temporary folder (or uses ``--db``), then reports:

a. ``htmlmap.map_html(model)``: median build time over ``--repeat`` runs (the model
   already loaded), and the file's size, raw and gzipped (what an e-mail attachment or a
   web server's compression would carry);
b. what the file holds: Leaflet (script + style sheet), the province shapes, the rest of
   the data (intervals, states, claims), the page's own markup and script;
c. the size the evidence would take as a copy per province and day (what the interval and
   claim-id tables avoid), side by side with the data block;
d. ``controlmap html -o FILE`` end to end in a subprocess (start, load, build, write),
   median of 3, and ``controlmap snapshot`` the same way beside it (most of both is the
   interpreter start, imports and the model build, not the export).

    .venv/bin/python bench/bench_htmlmap.py [--repeat N] [--db FILE]
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geo import htmlmap, mapdata, store  # noqa: E402
from geo.ingest import ingest_paths  # noqa: E402
from geo.model import load_model  # noqa: E402


def median_seconds(func, repeat: int) -> float:
    """Return the median wall time of ``repeat`` calls of ``func``."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def per_day_copy_bytes(model, first: dt.date, last: dt.date) -> int:
    """Return the JSON size of every province's evidence copied out for every day."""
    total, day = 0, first
    while day <= last:
        states = model.states_on(day)
        total += len(json.dumps({iso: [htmlmap.claim_entry(c) for c in s.evidence + s.contrary]
                                 for iso, s in states.items()}, ensure_ascii=False))
        day += dt.timedelta(days=1)
    return total


def main() -> None:
    """Print the figures as a markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--db", help="an existing database (default: build the demo)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or os.path.join(tmp, "demo.db")
        if not args.db:
            ingest_paths(store.open_db(db), [ROOT / "data" / "demo"])
        model = load_model(db)
        first, last = model.days()
        text = htmlmap.map_html(model)  # warm: boundaries, theatre, label points
        build = median_seconds(lambda: htmlmap.map_html(model), args.repeat)
        raw = text.encode("utf-8")
        js, css, _ = htmlmap.leaflet_assets()
        data = mapdata.script_json(htmlmap.map_data(model, first, last))
        shapes = mapdata.script_json(htmlmap.map_data(model, first, last)["shapes"])
        out = os.path.join(tmp, "map.html")
        cli = str(Path(sys.executable).with_name("controlmap"))
        end_to_end = median_seconds(lambda: subprocess.run(
            [cli, "html", "-o", out, "--db", db], check=True, capture_output=True), 3)
        snapshot = median_seconds(lambda: subprocess.run(
            [cli, "snapshot", "--date", last.isoformat(), "-o", out + ".geojson", "--db", db],
            check=True, capture_output=True), 3)
        kb = 1024
        rows = [
            ("claims / days", f"{len(model.claims)} / {(last - first).days + 1}"),
            ("build `map_html(model)` (median)", f"{build * 1000:.0f} ms"),
            ("`controlmap html -o` end to end (median of 3)", f"{end_to_end:.2f} s"),
            ("`controlmap snapshot -o` end to end, same run (median of 3)", f"{snapshot:.2f} s"),
            ("file size", f"{len(raw) / kb:.0f} KiB"),
            ("file size gzipped", f"{len(gzip.compress(raw)) / kb:.0f} KiB"),
            ("of which Leaflet (js + css)", f"{(len(js) + len(css)) / kb:.0f} KiB"),
            ("of which province shapes", f"{len(shapes) / kb:.0f} KiB"),
            ("of which intervals, states, claims", f"{(len(data) - len(shapes)) / kb:.0f} KiB"),
            ("evidence copied per province and day (avoided)",
             f"{per_day_copy_bytes(model, first, last) / kb:.0f} KiB"),
        ]
        print("| measure | value |\n|---|---|")
        for name, value in rows:
            print(f"| {name} | {value} |")


if __name__ == "__main__":
    main()
