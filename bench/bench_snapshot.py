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

    .venv/bin/python bench/bench_snapshot.py [--quick] [--repeat N] [--load-1m] [--legacy]
        [--reference REV]

By default two sections run (issue #12.2), then the table above with ``--legacy``:

e. **model build** at 1k / 10k / 50k documents (~3 claims each) and 1M claims:
   ``build_timeline`` µs per claim, side by side with the model of git revision
   ``--reference`` (default ``73b3aca``, before the linear rewrite; skipped when git or the
   revision is missing, and above 150,000 claims unless ``--reference-1m``);
f. **``controlmap snapshot --date D``** wall time (a real subprocess) on the demo database
   and on a 50k-document database (150,000 synthetic claims saved with
   ``store.save_claims_bulk``): the first run (cold: builds the state intervals) and the
   median of ``--repeat`` warm runs (the intervals already built), demo and 50k
   interleaved.

Target (issue): a snapshot in under 50 ms at 100,000 claims, cost growing no faster than
linearly.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import os
import random
import resource
import statistics
import subprocess
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


ROOT = Path(__file__).resolve().parent.parent
CONTROLMAP = str(Path(sys.executable).parent / "controlmap")


def reference_build(rev: str):
    """Return ``build_timeline`` of ``geo/control.py`` at git revision ``rev``, or None."""
    try:
        source = subprocess.run(["git", "show", f"{rev}:geo/control.py"], cwd=ROOT, check=True,
                                capture_output=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    spec = importlib.util.spec_from_loader("_control_reference", loader=None)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module.__name__] = module  # dataclasses look their module up
    exec(compile(source, f"{rev}:geo/control.py", "exec"), module.__dict__)
    return module.build_timeline


def clustered(claims: list[Claim], seed: int = 7) -> list[Claim]:
    """Return the claims rewritten as reports of one war: each province falls on one day
    (the government holds it before, the Taliban after), so states last for weeks and their
    evidence grows, as in a real corpus (the random claims flip side every day)."""
    import dataclasses

    rng = random.Random(seed)
    falls: dict[str, dt.date] = {}
    out = []
    for c in claims:
        if c.province_iso is None:
            out.append(c)
            continue
        fall = falls.setdefault(c.province_iso,
                                FIRST_DAY + dt.timedelta(days=rng.randrange(30, 60)))
        actor, kind = ("taliban", "captured") if c.event_date >= fall else ("government",
                                                                           "held")
        out.append(dataclasses.replace(c, actor=actor, kind=kind, claim_id=""))
    return out


def model_section(repeat: int, rev: str, reference_1m: bool, shape: str = "random") -> str:
    """Return the Markdown table of (e): build µs per claim, this model and ``rev``'s."""
    reference = reference_build(rev)
    sizes = [(1_000, 3_000), (10_000, 30_000), (50_000, 150_000), (None, 1_000_000)]
    rows = []
    for docs, n in sizes:
        claims = synthetic_claims(n)
        if shape == "clustered":
            claims = clustered(claims)
        runs = repeat if n >= 150_000 else max(repeat, 5)
        new = _median_time(lambda cs=claims: build_timeline(cs), runs)
        old = None
        if reference is not None and (n <= 150_000 or reference_1m):
            old = _median_time(lambda cs=claims: reference(cs), runs)
        rows.append([f"{docs:,}" if docs else "-", f"{n:,}", f"{new * 1e3:,.0f}",
                     f"{new / n * 1e6:.2f}", "-" if old is None else f"{old / n * 1e6:.2f}",
                     "-" if old is None else f"{old / new:.2f}"])
        print(f"  model N={n:,}", file=sys.stderr, flush=True)
    return _corpus.table(["documents", "claims", "build ms", "build µs/claim",
                          f"{rev} µs/claim", f"{rev} / now"], rows)


def _snapshot_wall(db: str, day: str) -> tuple[float, float]:
    """Return the wall time and the CPU time (user + system) of one snapshot command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run([CONTROLMAP, "snapshot", "--date", day, "--db", db, "-o", os.devnull],
                   check=True, capture_output=True, cwd=ROOT)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def cli_section(repeat: int, workdir: Path) -> tuple[str, dict]:
    """Return the Markdown table of (f) and its figures: snapshot wall time demo vs 50k."""
    demo = str(workdir / "demo.db")
    subprocess.run([CONTROLMAP, "demo", "--db", demo], check=True, capture_output=True,
                   cwd=ROOT)
    big = str(workdir / "50k.db")
    engine = store.open_db(big)
    with engine.begin() as conn:
        store.save_claims_bulk(conn, synthetic_claims(150_000))
    store.close_db(big)
    day = "2021-08-13"
    cold = {"demo": _snapshot_wall(demo, day), "50k": _snapshot_wall(big, day)}
    warm: dict[str, list[tuple[float, float]]] = {"demo": [], "50k": []}
    for _ in range(max(repeat, 5)):
        for name, db in (("demo", demo), ("50k", big)):
            warm[name].append(_snapshot_wall(db, day))
    wall = {k: statistics.median(w for w, _ in v) for k, v in warm.items()}
    cpu = {k: statistics.median(c for _, c in v) for k, v in warm.items()}
    rows = [[name, f"{cold[name][0]:.2f}", f"{wall[name]:.2f}",
             f"{min(w for w, _ in warm[name]):.2f}-{max(w for w, _ in warm[name]):.2f}",
             f"{cpu[name]:.2f}"] for name in ("demo", "50k")]
    ratio, cpu_ratio = wall["50k"] / wall["demo"], cpu["50k"] / cpu["demo"]
    text = _corpus.table(["database", "cold wall s (builds intervals)", "warm wall median s",
                          "warm wall range s", "warm CPU median s"], rows)
    text += (f"\n\nWarm 50k / demo: **{ratio:.2f}×** wall, **{cpu_ratio:.2f}×** CPU "
             f"(target ≤ 2×: {'met' if max(ratio, cpu_ratio) <= 2 else 'NOT met'}).")
    return text, {"cold": cold, "wall": wall, "cpu": cpu, "ratio": ratio}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="stop at 100,000 claims")
    parser.add_argument("--repeat", type=int, default=3, help="runs per timing (median)")
    parser.add_argument("--load-1m", action="store_true",
                        help="also store and load 1,000,000 claims (c and d at 1M)")
    parser.add_argument("--legacy", action="store_true",
                        help="also run the table of (a)-(d) (build, states_on, load, e2e)")
    parser.add_argument("--reference", default="73b3aca",
                        help="git revision whose model (e) compares with")
    parser.add_argument("--model-only", action="store_true", help="only section (e)")
    parser.add_argument("--reference-1m", action="store_true",
                        help="also time the reference model at 1,000,000 claims")
    args = parser.parse_args(argv)
    print(f"load average before: {Path('/proc/loadavg').read_text().strip()}")
    print(f"machine: {_corpus.machine()}\n")
    for shape in ("random", "clustered"):
        print(f"### (e) model build, {shape} claims\n")
        print(model_section(args.repeat, args.reference, args.reference_1m, shape) + "\n")
    if args.model_only:
        return
    with tempfile.TemporaryDirectory(prefix="bench_snapshot_cli_") as tmp:
        print("\n### (f) `controlmap snapshot` wall time\n")
        print(cli_section(args.repeat, Path(tmp))[0])
    print(f"\nload average after: {Path('/proc/loadavg').read_text().strip()}")
    if args.legacy:
        legacy(args)


def legacy(args: argparse.Namespace) -> None:
    """Run and print the table of (a)-(d)."""
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
