"""The Claims page at scale: seconds per visit and the server's memory after each visit.

Builds a SQLite file of N synthetic claims (``bench_snapshot.synthetic_claims`` through
``store.save_claims_bulk``; default 150,000), starts ``controlmap serve`` on it (as ``make
run`` does: the pages' imports done before the server answers), and visits ``/Claims``
three times in headless Chromium, each in a new browser process with an empty profile (a
first-ever visit), then three times more in new tabs of one profile (each a new
Streamlit session, with the HTTP cache of a returning browser: Streamlit's scripts are
served ``immutable`` for a year), timing from navigation until the claims table is drawn,
then reading the server's resident memory (``VmRSS`` of the process) once the run has
finished. Visits start once the server says it is ready (its warm-up done: a warm server).

    .venv/bin/python bench/bench_claims_page.py [--claims 150000] [--visits 3] [--root DIR]
                                                [--db PATH]
    .venv/bin/python bench/bench_claims_page.py --db PATH --against /tmp/old [--pairs 8]

``--root`` runs the app from another checkout (``PYTHONPATH``; to compare with an older
version). ``--against ROOT --pairs N`` instead starts both checkouts' servers on the same
database, warms each with one visit, then alternates first-ever visits (a new browser
each) between them, N pairs, and prints each pair's ratio (this checkout / ROOT).
Target (issue #12): under 2 s per visit; memory after three visits within 100 MB of after
one.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT / "tests"))

from browser_support import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

from geo import store  # noqa: E402
from geo.cli import READY_LINE  # noqa: E402

TABLE = '[data-testid="stDataFrame"]'
#: how long to wait for a server's ready line (an older checkout prints none)
READY_TIMEOUT_S = 30


def build_database(path: Path, n: int) -> None:
    """Write ``n`` synthetic claims into a new SQLite file at ``path``."""
    from bench_snapshot import synthetic_claims

    with store.open_db(str(path)).begin() as conn:
        store.save_claims_bulk(conn, synthetic_claims(n))
    store.close_db(str(path))


def rss_mb(pid: int) -> float:
    """Return the resident memory of process ``pid`` in MB (from /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def start(root: Path, db: Path) -> tuple[str, subprocess.Popen]:
    """Start ``controlmap serve`` of ``root`` on ``db`` (as ``make run`` does); return its
    URL and process once it answers."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "PYTHONPATH": str(root)}
    cmd = [sys.executable, "-c", "from geo.cli import main; main()", "serve", "--port",
           str(port), "--db", str(db)]  # fmt: skip
    process = subprocess.Popen(cmd, cwd=root, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)  # fmt: skip
    ready = threading.Event()
    threading.Thread(target=_watch_ready, args=(process, ready), daemon=True).start()
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                break
        except OSError:
            time.sleep(0.2)
    else:
        process.kill()
        raise SystemExit("the app did not start")
    # A warm server: its model built (the build shares the interpreter with the first
    # visits and slows them). An older checkout says nothing: it gets READY_TIMEOUT_S.
    t0 = time.perf_counter()
    if not ready.wait(READY_TIMEOUT_S):
        print(f"  ({root}: no 'ready' line in {READY_TIMEOUT_S} s; visiting now)")
    else:
        print(f"  ({root}: ready {time.perf_counter() - t0:.1f} s after it first answered)")
    return url, process


def _watch_ready(process: subprocess.Popen, ready: threading.Event) -> None:
    """Set ``ready`` when ``process`` says its warm-up is done; drain its stderr."""
    for line in process.stderr:  # type: ignore[union-attr]
        if line.startswith(READY_LINE.encode()):
            ready.set()


def visit(context, url: str, timeout_s: float, *, close: bool = True) -> float:
    """Open the Claims page in a new tab (a new session) of ``context``; return the seconds
    until its table shows."""
    page = context.new_page()
    t0 = time.perf_counter()
    page.goto(f"{url}/Claims")
    page.wait_for_selector(TABLE, timeout=timeout_s * 1000)
    elapsed = time.perf_counter() - t0
    # Wait for the run to end (the status widget goes away) before reading the memory.
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')",
                           timeout=timeout_s * 1000)  # fmt: skip
    page.close()
    if close:
        context.close()
    return elapsed


def new_profile(browser):
    """Return a new browser context: an empty profile, its HTTP cache cold."""
    return browser.new_context(viewport={"width": 1400, "height": 950})


def first_visit(playwright, url: str, timeout_s: float) -> float:
    """Return the seconds a first-ever visit (a new browser process, an empty profile)
    takes until the claims table shows."""
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    try:
        return visit(new_profile(browser), url, timeout_s)
    finally:
        browser.close()


def compare(db: Path, ours: Path, theirs: Path, pairs: int, timeout_s: float) -> None:
    """Alternate first-ever visits between the servers of ``ours`` and ``theirs``; print
    the times and each pair's ratio."""
    import statistics

    from playwright.sync_api import sync_playwright

    servers = {root: start(root, db) for root in (ours, theirs)}
    times: dict[Path, list[float]] = {ours: [], theirs: []}
    try:
        with sync_playwright() as p:
            for url, _ in servers.values():
                first_visit(p, url, timeout_s)  # each server's first session
            for k in range(pairs):
                order = [ours, theirs] if k % 2 == 0 else [theirs, ours]
                for root in order:
                    times[root].append(first_visit(p, servers[root][0], timeout_s))
    finally:
        for _, process in servers.values():
            process.terminate()
            process.wait(timeout=30)
    for root, values in times.items():
        print(f"{root}: median {statistics.median(values):.2f} s; "
              + " ".join(f"{v:.2f}" for v in values))
    print("pairs (this / other): " + " ".join(
        f"{a / b:.2f}" for a, b in zip(times[ours], times[theirs], strict=True)))


def main(argv: list[str] | None = None) -> None:
    """Build the database, visit the page, print one line per visit and the summary."""
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=150_000)
    parser.add_argument("--visits", type=int, default=3)
    parser.add_argument("--root", type=Path, default=ROOT)
    parser.add_argument("--timeout", type=float, default=300)
    parser.add_argument("--db", type=Path, help="reuse this database (built if missing)")
    parser.add_argument("--against", type=Path, help="alternate first visits with ROOT's app")
    parser.add_argument("--pairs", type=int, default=8, help="pairs of visits (--against)")
    args = parser.parse_args(argv)
    print("load before:", Path("/proc/loadavg").read_text().strip())
    with tempfile.TemporaryDirectory(prefix="controlmap-bench-claims-") as work:
        db = args.db or Path(work) / "claims.db"
        if not db.exists():
            t0 = time.perf_counter()
            build_database(db, args.claims)
            print(f"database of {args.claims:,} claims built in {time.perf_counter() - t0:.1f} s")
        if args.against:
            compare(db, args.root.resolve(), args.against.resolve(), args.pairs, args.timeout)
            print("load after:", Path("/proc/loadavg").read_text().strip())
            return
        url, process = start(args.root.resolve(), db)
        try:
            print(f"server started: {rss_mb(process.pid):.0f} MB")
            with sync_playwright() as p:
                memory = []
                for k in range(1, args.visits + 1):
                    # A new browser process each time: nothing of an earlier visit (HTTP
                    # cache, compiled scripts) is left to help.
                    seconds = first_visit(p, url, args.timeout)
                    time.sleep(1.0)
                    memory.append(rss_mb(process.pid))
                    print(f"visit {k} (new browser, empty profile): {seconds:.2f} s, "
                          f"server memory {memory[-1]:.0f} MB")  # fmt: skip
                browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
                returning = new_profile(browser)
                visit(returning, url, args.timeout, close=False)  # fills its HTTP cache
                for k in range(1, args.visits + 1):
                    seconds = visit(returning, url, args.timeout, close=False)
                    time.sleep(1.0)
                    memory.append(rss_mb(process.pid))
                    print(f"visit {k} (new tab of a returning browser): {seconds:.2f} s, "
                          f"server memory {memory[-1]:.0f} MB")  # fmt: skip
                returning.close()
                browser.close()
            print(f"memory after visit {args.visits} - after visit 1 (new profiles): "
                  f"{memory[args.visits - 1] - memory[0]:+.0f} MB; after all "
                  f"{len(memory) + 1} visits: {memory[-1] - memory[0]:+.0f} MB")  # fmt: skip
        finally:
            process.terminate()
            process.wait(timeout=30)
    print("load after:", Path("/proc/loadavg").read_text().strip())


if __name__ == "__main__":
    main()
