"""Shared fixtures: the real gazetteer, the shared evaluation material when present."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SEED = SHARED / "seed" / "000_b78267a4efcda73d.txt"
EVAL_DEV = SHARED / "eval" / "dev"


@pytest.fixture(scope="session")
def gazetteer():
    """Return the real compiled gazetteer."""
    from geo.gazetteer import load_gazetteer

    return load_gazetteer()


@pytest.fixture(scope="session")
def seed_text() -> str:
    """Return the seed article's text, or skip when ../shared is absent."""
    if not SEED.exists():
        pytest.skip(f"the seed article {SEED} is absent (../shared not checked out)")
    return SEED.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def dev_corpus() -> Path:
    """Return the dev corpus folder, or skip when ../shared is absent."""
    if not (EVAL_DEV / "expected_claims.csv").exists():
        pytest.skip(f"the dev corpus {EVAL_DEV} is absent (../shared not checked out)")
    return EVAL_DEV


@pytest.fixture(scope="session")
def learned(gazetteer):
    """Return the learned engine with the shipped model."""
    from geo.extraction.learned import LearnedExtractor

    return LearnedExtractor(gazetteer)
