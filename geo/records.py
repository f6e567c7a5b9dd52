"""Plain records shared by every module: places, mentions, claims, documents and states.

They are frozen dataclasses (and one named tuple, :class:`Mention`, which the geocoder makes
by the thousand) so that the core stays pure functions over plain values; the store turns
them into rows and back.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

Status = Literal["taliban", "government", "resistance", "contested", "unknown"]
#: Legend order; the colours and labels are the theatre's (``data/theatre.json``).
STATUSES: tuple[str, ...] = ("taliban", "contested", "government", "resistance", "unknown")

ClaimKind = Literal["captured", "recaptured", "contested", "held"]
CLAIM_KINDS: tuple[str, ...] = ("captured", "recaptured", "contested", "held")

#: Place kinds. ``province`` and ``capital`` are what the province-level state follows;
#: the rest are places below province level, or outside Afghanistan.
PLACE_KINDS: tuple[str, ...] = (
    "province",
    "capital",
    "city",
    "town",
    "district",
    "crossing",
    "country",
    "foreign_city",
)


@dataclass(frozen=True, slots=True)
class Place:
    """A gazetteer entry.

    ``place_id`` is stable across rebuilds: ``prov:AF-GHA``, ``gn:1141540`` (GeoNames),
    ``dist:AF-FYB:dawlatabad``, ``xing:torkham``, ``country:TM``.
    ``province_iso`` is None for places outside Afghanistan; ``country`` is ISO 3166-1 alpha-2.
    """

    place_id: str
    name: str
    kind: str
    province_iso: str | None
    country: str
    lat: float
    lon: float
    population: int = 0
    names: tuple[str, ...] = ()


class Mention(NamedTuple):
    """A place name found in a text and the place it was resolved to.

    A named tuple rather than a frozen dataclass: as immutable, and four times cheaper to
    make, which matters to the geocoder's throughput (see ``bench/README.md``).
    """

    text: str
    start: int
    end: int
    place: str
    place_id: str
    kind: str
    province_iso: str | None
    country: str
    lat: float
    lon: float
    confidence: float
    reason: str

    def to_dict(self) -> dict:
        """Return the mention as the JSON object `controlmap geocode` prints."""
        out = self._asdict()
        out.pop("place_id")
        return out


@dataclass(frozen=True, slots=True)
class Document:
    """A document ready to ingest: its text, publication date and where it came from.

    ``name`` is the file name, or the URL for JSON Lines input; ``source`` the URL or path.
    ``url`` is the article's own address (``og:url``, ``rel=canonical``, the JSON Lines
    ``url`` field or a form field; http/https only) and ``outlet`` who published it (the
    URL's host, ``og:site_name``, the JSON Lines ``source`` field or a form field).
    ``notes`` says what the reader dropped (a URL that is not http/https), for the report.
    """

    name: str
    text: str
    published: dt.date
    source: str = ""
    title: str = ""
    url: str = ""
    outlet: str = ""

    notes: tuple[str, ...] = ()
    #: the SHA-256 of the normalised text (see :func:`normalised_text`): the same article
    #: with other whitespace, reflowed lines, or read from Markdown or HTML instead of plain
    #: text has the same hash, so it is stored once. Computed once, with the record: an
    #: ingest asks for it five times a document (the existence check, the writer's insert,
    #: conflict and story steps), and hashing the text was 7 % of a batch writer's time.
    content_hash: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "content_hash", content_hash_of(self.text))


def content_hash_of(text: str) -> str:
    """Return the SHA-256 (hex) of :func:`normalised_text` of ``text``."""
    return hashlib.sha256(normalised_text(text).encode("utf-8")).hexdigest()


def normalised_text(text: str) -> str:
    """Return the text as the content hash sees it: NFC, every whitespace run one space.

    Markup is already gone (the readers strip it); line breaks count as spaces so reflowed
    lines and different blank lines between paragraphs give the same text.

    Examples
    --------
    >>> normalised_text("Farah  fell\\n\\n\\nto the\\u00a0Taliban. ")
    'Farah fell to the Taliban.'
    """
    return " ".join(unicodedata.normalize("NFC", text).split())


@dataclass(frozen=True, slots=True)
class Claim:
    """A dated control claim: who did what to which place, said by whom, with its quote.

    ``actor`` is ``taliban``, ``government`` or another group's id (``nrf``).
    ``kind`` is one of :data:`CLAIM_KINDS`. ``claimant`` is who asserts it: ``taliban``
    (a Taliban spokesman), ``government`` (officials, ministry, army), ``local``
    (residents, local sources), ``media`` (the outlet's own reporting) or ``analyst``.
    ``geo_precision`` follows ACLED: 1 a named town or district, 2 near a town or part of
    a region, 3 a whole province. ``start``/``end`` are the quote's span in the document.
    """

    document: str
    event_date: dt.date
    place: str
    place_id: str
    place_kind: str
    province_iso: str | None
    actor: str
    kind: str
    claimant: str
    geo_precision: int
    confidence: float
    quote: str
    start: int
    end: int
    source: str = ""
    lat: float | None = None
    lon: float | None = None
    origin: str = "extracted"
    note: str = ""
    author: str = ""
    claim_id: str = field(default="")

    def with_id(self) -> Claim:
        """Return the claim with ``claim_id`` set to a hash of what identifies it."""
        if self.claim_id:
            return self
        key = "|".join(
            str(v)
            for v in (
                self.document,
                self.event_date.isoformat(),
                self.place_id,
                self.actor,
                self.kind,
                self.start,
                self.end,
                self.origin,
                self.note,
            )
        )
        digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]
        return _replace(self, claim_id=digest)


def _replace(claim: Claim, **changes: Any) -> Claim:
    from dataclasses import replace

    return replace(claim, **changes)


@dataclass(frozen=True, slots=True)
class CountStatement:
    """An aggregate statement ("10 of Afghanistan's 34 provincial capitals"), not mapped."""

    document: str
    event_date: dt.date
    actor: str
    count: int
    total: int
    unit: str
    quote: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class State:
    """The state of one province (``level='province'``) or place (``level='place'``) on a day.

    ``evidence`` holds the claims that support the status; ``contrary`` the claims that lost
    (kept visible). ``confirmed`` is False when only the side that gains from the state
    asserts it. The fields after ``contrary`` have defaults so that older callers work.
    """

    key: str
    level: str
    status: str
    since: dt.date | None
    confidence: float
    confirmed: bool
    evidence: tuple[Claim, ...] = ()
    contrary: tuple[Claim, ...] = ()
    #: The actor behind the status (``taliban``, ``government``, ``nrf``; ``contested``
    #: for attacks; empty when unknown).
    holder: str = ""
    #: The last day with supporting evidence (None when unknown).
    last_report: dt.date | None = None
    #: True when ``last_report`` is older than the staleness threshold on the day asked
    #: (set by :class:`geo.control.Timeline`'s lookups; see :func:`geo.control.age_label`).
    stale: bool = False
    #: The province a place follows (it changed hands after the place's last evidence).
    follows: str = ""
    #: Why the state is what it is when not from its own evidence ("follows Kandahar
    #: province, Taliban since 2021-08-13").
    note: str = ""

    @property
    def from_baseline(self) -> bool:
        """Return True when only an analyst's baseline supports the state."""
        return bool(self.evidence) and all(c.origin == "baseline" for c in self.evidence)
