"""Snapshot cost against the number of claims: timeline build, day lookup, load, end to end.

Synthetic but realistic claims: places drawn from the gazetteer (a quarter whole provinces
at precision 3, a quarter provincial capitals at precision 1-2, the rest districts, towns,
crossings and bases at precision 1-2, 2 % places abroad that the model ignores), event
days over July-September 2021, actors taliban / government / nrf (nrf only in Panjshir and
Baghlan), kinds captured / recaptured / contested / held weighted by actor, five
claimants, confidences 0.4-0.98, about three claims per document.

For N = 1,000 / 10,000 / 100,000 / 1,000,000 claims (``--quick`` stops at 100,000):

a. ``build_timeline(claims)``;
b. a snapshot of an already built model: ``model.states_on(day)`` alone, and
   ``export.snapshot_features(model, day)`` (the full GeoJSON dict with evidence), each the
   median over 50 random days; plus ``json.dumps`` of it (``snapshot_geojson``);
c. ``store.load_claims`` from a SQLite file holding the N claims (``save_claims_bulk``),
   up to 100,000 (1,000,000 too with ``--load-1m``);
d. end to end, as ``controlmap snapshot --date D`` does it: ``model.load_model(db)`` (load
   + build) then ``export.snapshot_geojson`` (the province boundaries are loaded once
   before timing: a one-off cost, reported apart).

Every timing except (b) is the median of ``--repeat`` runs (default 3; at least 7 below
100,000 claims).

    .venv/bin/python bench/bench_snapshot.py [--quick] [--repeat N] [--load-1m]

Target (issue): a snapshot in under 50 ms at 100,000 claims, cost growing no faster than
linearly.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import _corpus

from geo import export, store
from geo import model as control_model
from geo.boundaries import load_province_table, load_provinces_geojson
from geo.control import build_timeline
from geo.gazetteer import load_gazetteer
from geo.records import Claim

FIRST_DAY = dt.date(2021, 7, 1)
DAYS = 92  # 1 July - 30 September 2021
SNAPSHOT_DAYS = 50
TARGET_MS = 50.0
_CLAIMANTS = ("taliban", "government", "local", "media", "analyst")
_KINDS = {
    "taliban": (("captured", "recaptured", "contested", "held"), (50, 10, 25, 15)),
    "government": (("recaptured", "held", "contested", "captured"), (40, 40, 15, 5)),
    "nrf": (("held", "recaptured", "contested", "captured"), (50, 20, 25, 5)),
}
_VERBS = {"captured": "captured", "recaptured": "retook", "contested": "attacked",
          "held": "still hold"}


def synthetic_claims(n: int, seed: int = 2021) -> list[Claim]:
    """Return ``n`` synthetic claims with ids (see the module docstring)."""
    rng = random.Random(seed)
    places = load_gazetteer().places
    by_kind = {
        "province": [p for p in places if p.kind == "province"],
        "capital": [p for p in places if p.kind == "capital"],
        "part": [p for p in places if p.province_iso and p.kind not in ("province", "capital")],
        "abroad": [p for p in places if not p.province_iso],
    }
    groups, weights = ("province", "capital", "part", "abroad"), (25, 25, 48, 2)
    out = []
    for i in range(n):
        place = rng.choice(by_kind[rng.choices(groups, weights)[0]])
        if place.province_iso in ("AF-PAN", "AF-BGL") and rng.random() < 0.3:
            actor = "nrf"
        else:
            actor = "taliban" if rng.random() < 0.6 else "government"
        kinds, kind_w = _KINDS[actor]
        kind = rng.choices(kinds, kind_w)[0]
        if place.kind == "province":
            precision = 3 if rng.random() < 0.8 else 2
        else:
            precision = 1 if rng.random() < 0.75 else 2
        day = FIRST_DAY + dt.timedelta(days=rng.randrange(DAYS))
        quote = (f"{actor.capitalize()} forces {_VERBS[kind]} {place.name} on "
                 f"{day:%d %B}, officials said, in report {i // 3}.")
        out.append(Claim(
            document=f"synthetic-{i // 3:07d}.txt", event_date=day, place=place.name,
            place_id=place.place_id, place_kind=place.kind, province_iso=place.province_iso,
            actor=actor, kind=kind, claimant=rng.choice(_CLAIMANTS), geo_precision=precision,
            confidence=round(rng.uniform(0.4, 0.98), 2), quote=quote, start=i * 7,
            end=i * 7 + len(quote), source=f"https://example.org/synthetic/{i // 3}",
            lat=place.lat, lon=place.lon,
        ).with_id())  # fmt: skip
    return out


def _median_time(fn, repeat: int) -> float:
    return _corpus.median_time(fn, repeat)[0]


def measure(n: int, repeat: int, workdir: Path, with_db: bool) -> dict:
    claims = synthetic_claims(n)
    repeat = repeat if n >= 100_000 else max(repeat, 7)  # small sizes are cheap: more runs
    provinces = {row["iso_3166_2"]: row for row in load_province_table()}
    res: dict = {"n": n}

    timeline = None

    def build() -> None:
        nonlocal timeline
        timeline = build_timeline(claims)

    res["build"] = _median_time(build, repeat)
    model = control_model.ControlModel(claims, [], timeline, provinces)
    rng = random.Random(n)
    days = [FIRST_DAY + dt.timedelta(days=rng.randrange(DAYS)) for _ in range(SNAPSHOT_DAYS)]
    states_t, features_t, json_t, evidence = [], [], [], []
    for day in days:
        t0 = time.perf_counter()
        model.states_on(day)
        states_t.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        features = export.snapshot_features(model, day)
        features_t.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        json.dumps(features, ensure_ascii=False)
        json_t.append(time.perf_counter() - t0)
        evidence.append(sum(len(f["properties"]["evidence"]) + len(f["properties"]["contrary"])
                            for f in features["features"]))
    res["states"] = statistics.median(states_t)
    res["features"] = statistics.median(features_t)
    res["json"] = statistics.median(json_t)
    res["evidence"] = statistics.median(evidence)
    if not with_db:
        return res
    db = str(workdir / f"claims_{n}.db")
    engine = store.open_db(db)
    t0 = time.perf_counter()
    with engine.begin() as conn:
        store.save_claims_bulk(conn, claims)
    res["save"] = time.perf_counter() - t0
    del model, timeline

    def load() -> None:
        with engine.connect() as conn:
            loaded = store.load_claims(conn)
        if len(loaded) != n:
            raise RuntimeError(f"loaded {len(loaded)} claims, stored {n}")

    res["load"] = _median_time(load, repeat)
    day = days[0]
    res["e2e"] = _median_time(
        lambda: export.snapshot_geojson(control_model.load_model(db), day), repeat)
    store.close_db(db)
    return res


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="stop at 100,000 claims")
    parser.add_argument("--repeat", type=int, default=3, help="runs per timing (median)")
    parser.add_argument("--load-1m", action="store_true",
                        help="also store and load 1,000,000 claims (c and d at 1M)")
    args = parser.parse_args(argv)
    sizes = [1_000, 10_000, 100_000] + ([] if args.quick else [1_000_000])

    t0 = time.perf_counter()
    load_provinces_geojson()
    load_province_table()
    boundaries_s = time.perf_counter() - t0
    load_gazetteer()
    results = []
    with tempfile.TemporaryDirectory(prefix="bench_snapshot_") as tmp:
        for n in sizes:
            with_db = n <= 100_000 or args.load_1m
            results.append(measure(n, args.repeat, Path(tmp), with_db))
            print(f"  measured N={n:,}", file=sys.stderr, flush=True)

    def ms(x: float | None) -> str:
        return "-" if x is None else f"{x * 1e3:,.1f}"

    def per(x: float | None, n: int) -> str:
        return "-" if x is None else f"{x / n * 1e6:.2f}"

    rows = []
    for r in results:
        n = r["n"]
        rows.append([
            f"{n:,}", ms(r["build"]), per(r["build"], n), f"{r['states'] * 1e3:.3f}",
            ms(r["features"]), ms(r["json"]), int(r["evidence"]), ms(r.get("load")),
            per(r.get("load"), n), ms(r.get("e2e")), per(r.get("e2e"), n),
        ])  # fmt: skip
    print("## Snapshot\n")
    print(f"machine: {_corpus.machine()}")
    print(f"median of {args.repeat} runs; (b) median of {SNAPSHOT_DAYS} random days; "
          f"province boundaries loaded once beforehand ({boundaries_s * 1e3:.0f} ms)\n")
    print(_corpus.table(
        ["claims N", "(a) build ms", "build µs/claim", "(b) states_on ms",
         "(b) snapshot_features ms", "+ json.dumps ms", "evidence items",
         "(c) load_claims ms", "load µs/claim", "(d) end to end ms", "e2e µs/claim"], rows))
    at_100k = next((r for r in results if r["n"] == 100_000), None)
    if at_100k:
        snap = (at_100k["states"] + at_100k["features"]) * 1e3
        print(f"\nAt 100,000 claims: snapshot of a built model (states_on + "
              f"snapshot_features) {snap:.1f} ms -> target < {TARGET_MS:.0f} ms "
              f"{'met' if snap < TARGET_MS else 'NOT met'}; end to end (load + build + "
              f"GeoJSON) {at_100k['e2e'] * 1e3:,.0f} ms.")


if __name__ == "__main__":
    main()
