"""Texts shared by the benchmarks: the seed article, the dev reports and the demo corpus.

The seed article and the six dev reports live outside the repository
(``/work/shared/seed`` and ``/work/shared/eval/dev``, or ``$CONTROLMAP_SHARED``); they are
read in place when present, never copied. Without them the benchmarks use the repository's
own ``data/demo/*.txt`` only.
"""

from __future__ import annotations

import contextlib
import os
import platform
import statistics
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from geo.documents import parse_text

ROOT = Path(__file__).resolve().parent.parent
DEMO_DIR = ROOT / "data" / "demo"
SHARED = Path(os.environ.get("CONTROLMAP_SHARED", "/work/shared"))
#: The seed article's size: the "article" the geocoding target is stated for.
SEED_SIZE = 2_600


def source_texts() -> list[tuple[str, str]]:
    """Return (label, text) of every available source text, header lines removed.

    The seed first, then the dev reports, then the demo reports, each in name order.
    """
    paths: list[tuple[str, Path]] = []
    for label, folder in (("seed", SHARED / "seed"), ("dev", SHARED / "eval" / "dev")):
        if folder.is_dir():
            paths += [(f"{label}/{p.name}", p) for p in sorted(folder.glob("*.txt"))]
    paths += [(f"demo/{p.name}", p) for p in sorted(DEMO_DIR.glob("*.txt"))]
    out = []
    for label, path in paths:
        doc = parse_text(path.read_bytes(), path.name)
        out.append((label, doc.text))
    return out


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in text.split("\n\n") if p.strip()]


def seed_sized_texts(size: int = SEED_SIZE) -> list[tuple[str, str]]:
    """Return one text of about ``size`` characters per source text.

    Each starts with its own paragraphs; a shorter text is padded with the paragraphs of
    the texts after it (cyclically), and the result is cut at the last paragraph or
    sentence end before ``size`` (or at ``size`` when there is none).
    """
    sources = source_texts()
    out = []
    for i, (label, _) in enumerate(sources):
        paras: list[str] = []
        length = 0
        k = i
        while length < size:
            for para in _paragraphs(sources[k % len(sources)][1]):
                paras.append(para)
                length += len(para) + 2
                if length >= size:
                    break
            k += 1
        text = "\n\n".join(paras)
        out.append((label, _cut(text, size)))
    return out


def _cut(text: str, size: int) -> str:
    if len(text) <= size:
        return text
    head = text[:size]
    for mark in ("\n\n", ". "):
        at = head.rfind(mark)
        if at > size * 0.9:
            return head[: at + 1].rstrip()
    return head


# --- timing and reporting ------------------------------------------------------------------


def median_time(fn: Callable[[], object], repeat: int = 3) -> tuple[float, list[float]]:
    """Return the median wall time of ``repeat`` calls of ``fn`` and all the times."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), times


def machine() -> str:
    """Return a one-line description of the machine: CPU model, cores, Python, date."""
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = commit = ""
    with contextlib.suppress(OSError):
        load = " load " + Path("/proc/loadavg").read_text().split()[0]
    with contextlib.suppress(OSError):
        commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                                capture_output=True, text=True, check=False).stdout.strip()
    return (f"{model}, nproc {os.cpu_count()}, Python {platform.python_version()}, "
            f"{time.strftime('%Y-%m-%d')}, commit {commit or '?'}{load}")


def table(headers: list[str], rows: list[list[object]]) -> str:
    """Return a markdown table."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)
