"""Measure the near-copy threshold of geo/stories.py on real reports and made-up copies.

    .venv/bin/python bench/bench_stories.py

Prints, for several shingle sizes, the most similar pairs of *different* real reports
(the seed, the dev corpus, the demo corpus: none may reach the threshold) and the least
similar made-up copies of each report (another outlet's dateline and credit line, one
sentence added, both: all must reach it), by exact Jaccard of the shingle sets; then the
pairs the real StoryIndex (MinHash LSH) links among the real reports (must be none) and
among the copies (must be all).
"""

from __future__ import annotations

import random
import time

from _corpus import source_texts

from geo import signatures, stories

# Made-up furniture a syndicating outlet adds (our own words).
HEADER = "By our correspondent | Wire service copy | Updated 10:42 GMT\n\n"
CREDIT = "\n\nThis report was first published by a wire agency and is republished with permission."
EXTRA = ("A spokesman for the provincial police said on Tuesday evening that he could not "
         "confirm the reports and that more details would be released later.")


def variants(text: str) -> dict[str, str]:
    """Return the made-up copies of one report."""
    paragraphs = text.split("\n\n")
    middle = len(paragraphs) // 2
    added = "\n\n".join([*paragraphs[:middle], EXTRA, *paragraphs[middle:]])
    return {
        "header+credit": HEADER + text + CREDIT,
        "one sentence added": added,
        "header+credit+sentence": HEADER + added + CREDIT,
    }


def closest_real(texts: dict[str, str], size: int, n: int) -> list[tuple[float, str, str]]:
    sets = {k: signatures.shingles(v, size) for k, v in texts.items()}
    names = sorted(sets)
    pairs = [(signatures.jaccard(sets[a], sets[b]), a, b)
             for i, a in enumerate(names) for b in names[i + 1:]]
    return sorted(pairs, reverse=True)[:n]


def weakest_copies(texts: dict[str, str], size: int) -> dict[str, tuple[float, str]]:
    out: dict[str, tuple[float, str]] = {}
    for name, text in texts.items():
        base = signatures.shingles(text, size)
        for kind, copy in variants(text).items():
            score = signatures.jaccard(base, signatures.shingles(copy, size))
            if kind not in out or score < out[kind][0]:
                out[kind] = (score, name)
    return out


def lsh_links(texts: dict[str, str]) -> list[tuple[str, str, float]]:
    """Return the (a, b, estimated similarity) pairs the StoryIndex links."""
    index = stories.StoryIndex()
    ids = {name: i for i, name in enumerate(sorted(texts))}
    sigs = {name: signatures.minhash_of(texts[name], index.template) for name in ids}
    for name, i in ids.items():
        index.add(i, sigs[name])
    names = {i: name for name, i in ids.items()}
    links = set()
    for name, i in ids.items():
        for j, score in index.matches(sigs[name], exclude=i):
            a, b = sorted((name, names[j]))
            links.add((a, b, round(score, 3)))
    return sorted(links)


def main() -> None:
    texts = dict(source_texts())
    print(f"{len(texts)} real reports ({sum('dev/' in k for k in texts)} dev, "
          f"{sum('demo/' in k for k in texts)} demo, {sum('seed/' in k for k in texts)} seed)\n")
    print("| shingle words | closest real pair J | 2nd | 3rd | weakest copy J "
          "(header+credit / +sentence / both) |")
    print("|---|---|---|---|---|")
    for size in (3, 4, 5, 6, 8):
        top = closest_real(texts, size, 3)
        weak = weakest_copies(texts, size)
        copies = " / ".join(f"{weak[k][0]:.3f}" for k in
                            ("header+credit", "one sentence added", "header+credit+sentence"))
        print(f"| {size} | " + " | ".join(f"{j:.3f}" for j, _, _ in top) + f" | {copies} |")
    print(f"\nMade-up copies reaching each threshold ({signatures.SHINGLE_WORDS}-word shingles, "
          f"exact J, of {len(texts)} reports):\n")
    print("| threshold | header+credit | one sentence added | header+credit+sentence |")
    print("|---|---|---|---|")
    base = {k: signatures.shingles(v) for k, v in texts.items()}
    for th in (0.5, 0.6, 0.7, 0.8):
        row = []
        for kind in ("header+credit", "one sentence added", "header+credit+sentence"):
            row.append(sum(signatures.jaccard(base[k], signatures.shingles(variants(v)[kind])) >= th
                           for k, v in texts.items()))
        print(f"| {th} | " + " | ".join(map(str, row)) + " |")
    print(f"\nClosest real pairs at {signatures.SHINGLE_WORDS}-word shingles:")
    for j, a, b in closest_real(texts, signatures.SHINGLE_WORDS, 8):
        print(f"  {j:.3f}  {a}  {b}")
    weak = weakest_copies(texts, signatures.SHINGLE_WORDS)
    print("Weakest made-up copies:")
    for kind, (j, name) in weak.items():
        print(f"  {j:.3f}  {kind:24s} {name}")
    t0 = time.perf_counter()
    real = lsh_links(texts)
    elapsed = time.perf_counter() - t0
    print(f"\nStoryIndex (threshold {stories.THRESHOLD}, {signatures.NUM_PERM} permutations) "
          f"links among real reports: {real or 'none'} ({elapsed:.2f} s for {len(texts)})")
    copies = {}
    for name, text in texts.items():
        copies[name] = text
        for kind, copy in variants(text).items():
            copies[f"{name} [{kind}]"] = copy
    links = lsh_links(copies)
    expected = 6 * len(texts)  # each report and its 3 copies: 4 choose 2 pairs
    wrong = [(a, b) for a, b, _ in links if a.split(" [")[0] != b.split(" [")[0]]
    lowest = min((s for *_, s in links), default=None)
    print(f"links among reports and their copies: {len(links)} of {expected} pairs, "
          f"{len(wrong)} across reports, lowest estimated similarity {lowest}")
    lengths = sorted(len(signatures.shingles(t)) for t in texts.values())
    print(f"shingles per report: min {lengths[0]}, median {lengths[len(lengths) // 2]}, "
          f"max {lengths[-1]}")
    scale()


def scale(n: int = 2000) -> None:
    """Time what ingest pays per document for an index of ``n`` stored documents."""
    rng = random.Random(1)
    words = [f"w{i}" for i in range(5000)]
    index = stories.StoryIndex()
    t0 = time.perf_counter()
    blobs = [signatures.signature_bytes(signatures.minhash_of(" ".join(rng.choices(words, k=200)),
                                                        index.template)) for _ in range(n)]
    t1 = time.perf_counter()
    for i, blob in enumerate(blobs):
        index.add(i, signatures.minhash_from_bytes(blob, index.template))
    t2 = time.perf_counter()
    probe = signatures.minhash_of(" ".join(rng.choices(words, k=200)), index.template)
    for _ in range(100):
        index.matches(probe)
    t3 = time.perf_counter()
    print(f"\n{n} made-up 200-word texts: hashing {(t1 - t0) / n * 1e3:.2f} ms each; "
          f"loading {n} stored signatures into an index {t2 - t1:.2f} s; "
          f"a query {(t3 - t2) / 100 * 1e3:.2f} ms")


if __name__ == "__main__":
    main()
