"""The extraction seam: one ``extract(document) -> Extraction`` whatever engine reads it.

Engines (the setting ``CONTROLMAP_ENGINE``, or ``--engine`` on the CLI):

- ``rules``: the regular-expression extractor of :mod:`geo.extract`;
- ``learned``: the rule engine's readings and every other sentence-and-province pair as
  candidates, decided by a trained arbiter (:mod:`geo.extraction.learned`). The default.

Examples
--------
>>> import datetime as dt
>>> from geo.records import Document
>>> doc = Document("x.txt", "The Taliban captured Zaranj on Friday.", dt.date(2021, 8, 7))
>>> [(c.place, c.actor, c.kind) for c in Extractor.for_engine("rules").extract(doc).claims]
[('Zaranj', 'taliban', 'captured')]
"""

from __future__ import annotations

from functools import lru_cache
from typing import Literal, Protocol, cast, get_args

from geo.errors import ControlmapError
from geo.extract import Extraction
from geo.extract import extract as extract_by_rules
from geo.gazetteer import Gazetteer, load_gazetteer
from geo.records import Document, Mention

EngineName = Literal["rules", "learned"]
ENGINES: tuple[str, ...] = get_args(EngineName)


class Engine(Protocol):
    """What an extraction engine offers: a name and ``extract``."""

    name: str

    def extract(self, doc: Document, mentions: list[Mention] | None = None) -> Extraction:
        """Return the mentions, claims and counts of a document."""
        ...


class RulesExtractor:
    """The regular-expression engine behind the seam."""

    name = "rules"

    def __init__(self, gazetteer: Gazetteer) -> None:
        self.gazetteer = gazetteer

    def extract(self, doc: Document, mentions: list[Mention] | None = None) -> Extraction:
        """Return what the rules read in ``doc``."""
        return extract_by_rules(doc, self.gazetteer, mentions)


class Extractor:
    """Builds engines by name; each engine owns its gazetteer, lexicon and model."""

    @staticmethod
    def for_engine(name: str | None = None, gazetteer: Gazetteer | None = None) -> Engine:
        """Return the engine called ``name`` (default: the ``CONTROLMAP_ENGINE`` setting)."""
        from geo.settings import ENGINE

        chosen = check_engine(name or ENGINE.value())
        gaz = gazetteer or load_gazetteer()
        if chosen == "rules":
            return RulesExtractor(gaz)
        from geo.extraction.learned import LearnedExtractor

        return LearnedExtractor(gaz)


def check_engine(name: str) -> EngineName:
    """Return ``name`` as an engine name, or raise a clear error naming the choices."""
    if name not in ENGINES:
        raise ControlmapError(f"unknown extraction engine {name!r}",
                              f"choose one of {', '.join(ENGINES)} (CONTROLMAP_ENGINE or --engine)")
    return cast(EngineName, name)


@lru_cache(maxsize=8)
def _engine(name: EngineName, gazetteer: Gazetteer) -> Engine:
    # as load_gazetteer: one engine per (engine, gazetteer), held (not keyed by id) so it
    # lives as long as its gazetteer does
    return Extractor.for_engine(name, gazetteer)


def extract(doc: Document, gazetteer: Gazetteer | None = None,
            mentions: list[Mention] | None = None, engine: str | None = None) -> Extraction:
    """Return the mentions, claims and counts of ``doc`` read by ``engine``.

    Engines are built once per (engine, gazetteer) and reused: loading the model and the
    lexicon costs more than reading a report.
    """
    from geo.settings import ENGINE

    name = check_engine(engine or ENGINE.value())
    return _engine(name, gazetteer or load_gazetteer()).extract(doc, mentions)
