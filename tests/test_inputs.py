"""Bad input to ``controlmap ingest``, one class per case: each is refused (or read) with a
message naming the path, no traceback, in bounded time and memory, and the rest of the
batch is ingested (exit code 3 when something was refused).

Every case runs the real CLI in a subprocess with a timeout and an address-space limit
(``RLIMIT_AS``), on a real SQLite file (and PostgreSQL where ``CONTROLMAP_TEST_POSTGRES``
is set, for the NUL case, which the two backends once stored differently).

Unreadable files and folders: root reads a ``chmod 000`` file, and CI runs as root, so the
child process drops the two capabilities that let root ignore file permissions
(``CAP_DAC_OVERRIDE``, ``CAP_DAC_READ_SEARCH``, through ``prctl(PR_CAPBSET_DROP)``) before
it runs; where that is not allowed the test is skipped and says why.
"""

from __future__ import annotations

import codecs
import ctypes
import json
import os
import resource
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CLI = [sys.executable, "-c", "from geo.cli import main; main()"]
GOOD = "date 2021-08-08 The Taliban captured Zaranj on Friday, officials said.\n"
#: Address space for the child: the interpreter, the gazetteer and the model fit, an
#: unbounded read of /dev/zero does not.
MEMORY_LIMIT = 3 * 1024**3
_PR_CAPBSET_DROP, _CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH = 24, 1, 2


def _limits(drop_file_override: bool) -> Callable[[], None]:
    def preexec() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
        if drop_file_override and os.geteuid() == 0:
            libc = ctypes.CDLL(None, use_errno=True)
            for cap in (_CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH):
                if libc.prctl(_PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
                    raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) refused")
    return preexec


def run_ingest(args: list[str], cwd: Path, db: str, *, timeout: float = 60,
               drop_file_override: bool = False) -> subprocess.CompletedProcess[str]:
    """Run ``controlmap ingest ARGS --db DB --engine rules`` in ``cwd``; fail on a timeout."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CONTROLMAP_ENGINE": "rules"}
    return subprocess.run([*CLI, "ingest", *args, "--db", db], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout,
                          preexec_fn=_limits(drop_file_override))


def stored_names(db: Path) -> list[str]:
    """Return the names of the documents stored in a SQLite file."""
    with sqlite3.connect(db) as conn:
        return sorted(row[0] for row in conn.execute("select name from documents"))


@pytest.fixture(scope="module")
def permissions_apply(tmp_path_factory) -> None:
    """Skip unless a child process can be made to obey ``chmod 000`` (see the docstring)."""
    probe = tmp_path_factory.mktemp("probe") / "locked"
    probe.write_text("x")
    probe.chmod(0)
    try:
        result = subprocess.run([sys.executable, "-c", f"open({str(probe)!r}).read()"],
                                preexec_fn=_limits(True), capture_output=True, timeout=30)
    except subprocess.SubprocessError as err:
        pytest.skip(f"cannot drop root's file-permission override here: {err}")
    if result.returncode == 0:
        pytest.skip("a chmod 000 file stays readable to this user even without "
                    "CAP_DAC_OVERRIDE: the unreadable-path cases cannot be tested here")


@dataclass(frozen=True)
class Case:
    """One bad input: ``make(folder)`` writes it and returns the paths to ingest."""

    make: Callable[[Path], list[str]]
    #: what the refusal (or the stored name) must say
    says: tuple[str, ...]
    #: the documents stored from the batch, good ones included
    stored: tuple[str, ...]
    exit_code: int = 3
    unreadable: bool = False


def _write(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)
    return path


def _batch(folder: Path) -> str:
    _write(folder / "good.txt", GOOD)
    return "good.txt"


def lone_surrogate(folder: Path) -> list[str]:
    lines = [json.dumps({"text": "The Taliban took Herat on Friday.", "date": "2021-08-13"}),
             '{"text": "The Taliban took Kunduz \\ud800 on Sunday.", "date": "2021-08-08"}']
    _write(folder / "feed.jsonl", "\n".join(lines) + "\n")
    return [_batch(folder), "feed.jsonl"]


def nul_in_json(folder: Path) -> list[str]:
    _write(folder / "feed.jsonl",
           '{"text": "The Taliban took Kunduz\\u0000 on Sunday.", "date": "2021-08-08"}\n')
    return [_batch(folder), "feed.jsonl"]


def bad_name_bytes(folder: Path) -> list[str]:
    (folder / "in").mkdir()
    Path(os.fsdecode(bytes(folder / "in") + b"/caf\xe9.txt")).write_text(GOOD.replace(
        "Zaranj", "Herat"))
    _write(folder / "in" / "good.txt", GOOD)
    return ["in"]


def unreadable_file_in_folder(folder: Path) -> list[str]:
    _write(folder / "in" / "good.txt", GOOD)
    _write(folder / "in" / "locked.txt", GOOD.replace("Zaranj", "Herat")).chmod(0)
    return ["in"]


def unreadable_folder(folder: Path) -> list[str]:
    _write(folder / "in" / "locked" / "inside.txt", GOOD.replace("Zaranj", "Herat"))
    (folder / "in" / "locked").chmod(0)
    _write(folder / "in" / "good.txt", GOOD)
    return ["in"]


def unreadable_file_named(folder: Path) -> list[str]:
    _write(folder / "locked.txt", GOOD.replace("Zaranj", "Herat")).chmod(0)
    return [_batch(folder), "locked.txt"]


def fifo(folder: Path) -> list[str]:
    os.mkfifo(folder / "pipe.txt")
    (folder / "in").mkdir()
    os.mkfifo(folder / "in" / "pipe2.txt")
    return [_batch(folder), "pipe.txt", "in"]


def dev_zero(folder: Path) -> list[str]:
    (folder / "zero.txt").symlink_to("/dev/zero")
    return [_batch(folder), "zero.txt"]


def nul_after_sniff(folder: Path) -> list[str]:
    _write(folder / "late-nul.txt", GOOD + "x" * 9000 + "\x00 and more text.\n")
    return [_batch(folder), "late-nul.txt"]


def utf16_bom(folder: Path) -> list[str]:
    _write(folder / "wide.txt", codecs.BOM_UTF16_LE + GOOD.replace("Zaranj", "Herat")
           .encode("utf-16-le"))
    return [_batch(folder), "wide.txt"]


def utf32_bom(folder: Path) -> list[str]:
    _write(folder / "wider.txt", codecs.BOM_UTF32_BE + GOOD.replace("Zaranj", "Herat")
           .encode("utf-32-be"))
    return [_batch(folder), "wider.txt"]


def utf16_no_bom(folder: Path) -> list[str]:
    _write(folder / "wide.txt", GOOD.replace("Zaranj", "Herat").encode("utf-16-le"))
    return [_batch(folder), "wide.txt"]


def unclosed_front_matter(folder: Path) -> list[str]:
    _write(folder / "open.md", "---\ndate: 2021-08-08\ntitle: Kunduz\n\nThe Taliban took "
           "Kunduz on Sunday.\n")
    return [_batch(folder), "open.md"]


def brackets(folder: Path) -> list[str]:
    _write(folder / "brackets.md", "date 2021-08-08 The Taliban took Kunduz. " + "[" * 60_000)
    return [_batch(folder), "brackets.md"]


CASES = {
    "JSONL lone surrogate": Case(lone_surrogate, ("feed.jsonl#2", "lone surrogate \\ud800"),
                                 ("feed.jsonl#1", "good.txt")),
    "JSONL \\u0000": Case(nul_in_json, ("feed.jsonl#1", "NUL character"), ("good.txt",)),
    "file name not UTF-8": Case(bad_name_bytes, (), ("caf\\xe9.txt", "good.txt"), 0),
    "unreadable file in a folder": Case(unreadable_file_in_folder,
                                        ("locked.txt cannot be read: Permission denied",),
                                        ("good.txt",), unreadable=True),
    "unreadable folder": Case(unreadable_folder, ("the folder in/locked cannot be read",),
                              ("good.txt",), unreadable=True),
    "chmod 000 file named": Case(unreadable_file_named,
                                 ("locked.txt cannot be read: Permission denied",),
                                 ("good.txt",), unreadable=True),
    "FIFO": Case(fifo, ("pipe.txt is not a regular file (a named pipe (FIFO))",
                        "pipe2.txt is not a regular file"), ("good.txt",)),
    "symlink to /dev/zero": Case(dev_zero, ("zero.txt is not a regular file (a character",),
                                 ("good.txt",)),
    "NUL after the first 8 KB": Case(nul_after_sniff,
                                     ("late-nul.txt", "NUL character at offset 9071"),
                                     ("good.txt",)),
    "UTF-16 with BOM": Case(utf16_bom, (), ("good.txt", "wide.txt"), 0),
    "UTF-32 with BOM": Case(utf32_bom, (), ("good.txt", "wider.txt"), 0),
    "UTF-16 without BOM": Case(utf16_no_bom, ("wide.txt looks like UTF-16 (little-endian)",),
                               ("good.txt",)),
    "unclosed front matter": Case(unclosed_front_matter,
                                  ("open.md: the front matter opened by '---'",
                                   "on line 1 is never closed"), ("good.txt",)),
    "60 KB of [": Case(brackets, (), ("brackets.md", "good.txt"), 0),
}


@pytest.mark.parametrize("name", CASES)
def test_bad_input_is_refused_by_name_and_the_batch_goes_on(name, tmp_path, request):
    case = CASES[name]
    if case.unreadable:
        request.getfixturevalue("permissions_apply")
    args = case.make(tmp_path)
    db = tmp_path / "x.db"
    result, cpu = child_cpu_seconds(lambda: run_ingest(
        args, tmp_path, str(db), timeout=300, drop_file_override=case.unreadable))
    output = result.stdout + result.stderr
    assert "Traceback" not in output, output
    assert result.returncode == case.exit_code, output
    for words in case.says:
        assert words in output, output
    assert stored_names(db) == sorted(case.stored)
    assert cpu < 30, f"{name} took {cpu:.1f} CPU s"


def test_a_refused_nul_leaves_postgresql_as_it_leaves_sqlite(tmp_path):
    url = os.environ.get("CONTROLMAP_TEST_POSTGRES")
    if not url:
        pytest.skip("CONTROLMAP_TEST_POSTGRES is not set: no PostgreSQL to compare with")
    import sqlalchemy as sa

    from geo import store

    args = nul_after_sniff(tmp_path)
    engine = store.open_db(url)
    with engine.connect() as conn:
        before = conn.execute(sa.text("select count(*) from documents")).scalar_one()
    pg = run_ingest(args, tmp_path, url)
    lite = run_ingest(args, tmp_path, str(tmp_path / "x.db"))
    assert (pg.returncode, lite.returncode) == (3, 3), pg.stderr + lite.stderr
    assert "Traceback" not in pg.stderr
    assert "NUL character" in pg.stderr
    with engine.connect() as conn:
        names = conn.execute(sa.text("select name from documents")).scalars().all()
    assert "late-nul.txt" not in names
    assert "late-nul.txt" not in stored_names(tmp_path / "x.db")
    assert len(names) <= before + 1  # good.txt at most (it may be stored already)


def child_cpu_seconds(run: Callable[[], subprocess.CompletedProcess[str]]
                      ) -> tuple[subprocess.CompletedProcess[str], float]:
    """Run a child and return it with the CPU seconds it used (user + system): unlike the
    wall clock, not inflated when other jobs share the machine's cores."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = run()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return result, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


#: CPU seconds a 2 MiB single sentence may take to ingest, per engine: a guard against the
#: quadratic reading it once had (hours), not a speed target (bench/README.md has the
#: figures: 8.6-9.1 s with either engine, alone on this machine), hence the margin for a
#: shared machine.
ENGINE_CPU_LIMIT = {"rules": 25.0, "learned": 25.0}


@pytest.mark.slow
@pytest.mark.parametrize("engine", ENGINE_CPU_LIMIT)
def test_a_2_mib_sentence_ingests_in_bounded_time(tmp_path, engine):
    """A 2 MiB sentence (the size limit) of real report prose with no full stop: extraction
    reads it in pieces of at most 2,000 characters, so it costs what 2 MiB of short
    sentences cost (it took hours when each verb rescanned the whole sentence). It takes
    seconds, on purpose: it is the bound the size limit promises."""
    sys.path.insert(0, str(ROOT / "bench"))
    from bench_long_text import prose

    limit = 2 * 1024 * 1024
    text = "date 2021-08-20 " + prose(limit - 100)
    _write(tmp_path / "long.txt", text)
    assert len(text.encode("utf-8")) <= limit
    assert ". " not in text[16:]
    result, cpu = child_cpu_seconds(lambda: subprocess.run(
        [*CLI, "ingest", "long.txt", "--db", str(tmp_path / "x.db")], cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT), "CONTROLMAP_ENGINE": engine},
        capture_output=True, text=True, timeout=600, preexec_fn=_limits(False)))
    assert result.returncode == 0, result.stderr
    assert stored_names(tmp_path / "x.db") == ["long.txt"]
    assert "read in pieces" in result.stderr  # the reader is told how it was read
    assert cpu < ENGINE_CPU_LIMIT[engine], f"2 MiB sentence took {cpu:.1f} CPU s ({engine})"
