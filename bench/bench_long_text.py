"""Cost of one long sentence and of adversarial texts: is each stage linear in text length?

Texts of 5, 10, 20, 40 KB (``--sizes``): "prose", the demo reports (``data/demo``) run
together with every full stop and line break turned into a comma, so that the whole text is
one sentence of realistic words; and adversarial runs: ``[`` x N, ``(`` x N, ``*`` x N,
``_`` x N, capitalised words, place names, and a list "Kabul, Herat, Kandahar, ...".
Each stage is timed once per text in CPU seconds (process time: the machine is shared):
the geocoder, the rule engine, the learned engine, Markdown stripping and ``parse_text`` of
HTML. A stage
that takes over ``--budget`` seconds is not run on the larger sizes (the row says so).

    .venv/bin/python bench/bench_long_text.py [--sizes 5,10,20,40] [--budget 20]

A linear stage doubles its time with the size; a quadratic one quadruples it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from geo.documents import markdown_to_text, parse_text
from geo.extract import extract as extract_rules
from geo.extraction import extract as extract_engine
from geo.gazetteer import load_gazetteer
from geo.geocode import geocode
from geo.records import Document

ROOT = Path(__file__).resolve().parent.parent
PUBLISHED = dt.date(2021, 8, 20)


def prose(size: int) -> str:
    """The demo reports as one sentence: full stops and line breaks become commas."""
    parts = []
    for path in sorted((ROOT / "data" / "demo").glob("*.txt")):
        body = path.read_text(encoding="utf-8").split("\n", 1)[1]
        parts.append(re.sub(r"[.!?]\s+|\s*\n\s*", ", ", body).strip(", "))
    text = ", ".join(parts)
    while len(text) < size:
        text = f"{text}, {text}"
    return text[:size]


def repeat(unit: str) -> Callable[[int], str]:
    """A text of ``unit`` repeated up to the size."""
    return lambda size: (unit * (size // len(unit) + 1))[:size]


def reports(size: int) -> str:
    """The demo reports as they are (sentences and paragraphs kept), repeated."""
    parts = [p.read_text(encoding="utf-8").split("\n", 1)[1]
             for p in sorted((ROOT / "data" / "demo").glob("*.txt"))]
    text = "\n\n".join(parts)
    while len(text) < size:
        text = f"{text}\n\n{text}"
    return text[:size]


TEXTS: dict[str, Callable[[int], str]] = {
    "reports": reports,
    "prose": prose,
    "[ x N": repeat("["),
    "( x N": repeat("("),
    "* x N": repeat("*"),
    "_ x N": repeat("_"),
    "[a](b x N": repeat("[a](b "),
    "capitalised words": repeat("Mohammad Karim Sultani Ahmad Shah Haji "),
    "place names": repeat("Kunduz Herat Kandahar Lashkar Gah Ghazni Zaranj "),
    "list X Y Z": repeat("Kunduz, Herat, Kandahar, Lashkar Gah, Ghazni, Zaranj, "),
    "captured list": repeat("the Taliban captured Kunduz and seized Herat, "),
}


def stages(gaz) -> dict[str, Callable[[str], object]]:
    """The timed stages: each takes the text."""
    def doc(text: str) -> Document:
        return Document("long.txt", text, PUBLISHED)

    return {
        "geocode": lambda text: geocode(text, gaz),
        "rules": lambda text: extract_rules(doc(text), gaz),
        "learned": lambda text: extract_engine(doc(text), gaz, engine="learned"),
        "markdown": markdown_to_text,
        "html": lambda text: parse_text(f"<html><body><p>{text}</p></body></html>",
                                        "long.html", fmt="html", default_date=PUBLISHED),
    }


def main() -> None:
    """Print one markdown table per text: seconds per stage and size."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="5,10,20,40", help="sizes in KB")
    parser.add_argument("--budget", type=float, default=20.0,
                        help="seconds after which a stage is not run on larger sizes")
    parser.add_argument("--texts", default=",".join(TEXTS), help="which texts")
    parser.add_argument("--stages", default="geocode,rules,learned,markdown,html")
    args = parser.parse_args()
    sizes = [int(float(s) * 1024) for s in args.sizes.split(",")]
    gaz = load_gazetteer()
    chosen = {k: v for k, v in stages(gaz).items() if k in args.stages.split(",")}
    chosen["geocode"]("warm up Kabul") if "geocode" in chosen else None
    extract_engine(Document("w.txt", "The Taliban took Kabul.", PUBLISHED), gaz)
    for name in args.texts.split(","):
        make = TEXTS[name]
        print(f"\n### {name}\n")
        print("| stage | " + " | ".join(f"{s // 1024} KB s" for s in sizes) + " |")
        print("|---|" + "---|" * len(sizes))
        for stage, run in chosen.items():
            cells, over = [], False
            for size in sizes:
                if over:
                    cells.append("skipped")
                    continue
                text = make(size)
                t0 = time.process_time()
                run(text)
                took = time.process_time() - t0
                cells.append(f"{took:.3f}")
                over = took > args.budget
            print(f"| {stage} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
