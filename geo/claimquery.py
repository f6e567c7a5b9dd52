"""The Claims page's queries: filter, sort and page the stored claims in SQL.

The page never loads every claim: it asks for one page of rows (``LIMIT``/``OFFSET``),
their total count, the filter widgets' ranges (:func:`filter_options`) and single claims
by id. Every function takes a connection, so the page's cost and memory follow the page
size, not the database size. A claim's status (``active`` or ``rejected``) is its latest
edit's action, computed in SQL; the filter is :class:`geo.review.ClaimFilter`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import sqlalchemy as sa

from geo.review import ClaimFilter
from geo.store import CLAIM_FIELDS, claims, documents, edits

SortKey = Literal["date", "province", "place", "confidence", "claim_id"]
#: The orders the page offers: each sorts on its column, then on the claim id (stable).
SORTS: tuple[SortKey, ...] = ("date", "province", "place", "confidence", "claim_id")
_SORT_COLUMNS: dict[str, sa.ColumnElement[Any]] = {
    "date": claims.c.event_date,
    "province": claims.c.province_iso,
    "place": claims.c.place,
    "confidence": claims.c.confidence,
    "claim_id": claims.c.claim_id,
}
#: The text fields a search looks in (as the page's search box says).
_TEXT_COLUMNS = ("claim_id", "place", "quote", "source", "document", "note", "claimant", "author")
PAGE_SIZES: tuple[int, ...] = (25, 50, 100, 200)


@dataclass(frozen=True)
class FilterOptions:
    """What the filter widgets offer: the claims' first and last day, actors, total count."""

    first: dt.date | None
    last: dt.date | None
    actors: tuple[str, ...]
    total: int


def _status_column() -> sa.ColumnElement[str]:
    """Return ``'rejected'`` when a claim's latest edit is a reject, else ``'active'``."""
    latest = (
        sa.select(edits.c.action)
        .where(edits.c.claim_id == claims.c.claim_id)
        .order_by(edits.c.edit_id.desc())
        .limit(1)
        .scalar_subquery()
    )
    return sa.case((latest == "reject", "rejected"), else_="active").label("status")


def _where(flt: ClaimFilter, status: sa.ColumnElement[str]) -> list[sa.ColumnElement[bool]]:
    """Return the SQL conditions of a filter (an empty field means any)."""
    conds: list[sa.ColumnElement[bool]] = []
    if flt.provinces:
        conds.append(claims.c.province_iso.in_(sorted(flt.provinces)))
    if flt.start is not None:
        conds.append(claims.c.event_date >= flt.start)
    if flt.end is not None:
        conds.append(claims.c.event_date <= flt.end)
    if flt.kinds:
        conds.append(claims.c.kind.in_(sorted(flt.kinds)))
    if flt.actors:
        conds.append(claims.c.actor.in_(sorted(flt.actors)))
    if flt.statuses and set(flt.statuses) != {"active", "rejected"}:
        conds.append(status.in_(sorted(flt.statuses)))
    needle = " ".join(flt.text.split()).lower()
    if needle:
        fields = [sa.func.lower(claims.c[name]) for name in _TEXT_COLUMNS]
        fields.append(sa.func.lower(sa.func.coalesce(documents.c.name, "")))
        conds.append(sa.or_(*(f.contains(needle, autoescape=True) for f in fields)))
    return conds


def _source() -> sa.FromClause:
    return claims.outerjoin(documents, documents.c.doc_id == claims.c.doc_id)


def _row_columns(status: sa.ColumnElement[str]) -> list[sa.ColumnElement[Any]]:
    return [
        *(claims.c[name] for name in CLAIM_FIELDS),
        claims.c.doc_id,
        sa.func.coalesce(documents.c.name, claims.c.document).label("document_name"),
        status,
    ]


def count_claims(conn: sa.Connection, flt: ClaimFilter) -> int:
    """Return how many stored claims pass ``flt``."""
    status = _status_column()
    # The documents join is only needed to search their names.
    source = _source() if flt.text.strip() else claims
    query = sa.select(sa.func.count()).select_from(source).where(*_where(flt, status))
    return int(conn.execute(query).scalar_one())


def page_claims(
    conn: sa.Connection,
    flt: ClaimFilter,
    *,
    limit: int = 50,
    offset: int = 0,
    sort: SortKey = "date",
    descending: bool = False,
) -> list[dict]:
    """Return one page of the claims that pass ``flt``, sorted by ``sort``.

    Returns
    -------
    list of dict
        At most ``limit`` rows like :func:`geo.store.load_claim_rows` gives (every claim
        field, ``doc_id``, ``document_name``, ``status``), after skipping ``offset``; ties
        are broken by claim id, so pages never overlap.
    """
    if sort not in _SORT_COLUMNS:
        raise ValueError(f"Unknown sort {sort!r}; use one of {', '.join(SORTS)}")
    status = _status_column()
    column = _SORT_COLUMNS[sort]
    order = [column.desc() if descending else column.asc()]
    if sort != "claim_id":
        order.append(claims.c.claim_id.desc() if descending else claims.c.claim_id.asc())
    query = (
        sa.select(*_row_columns(status))
        .select_from(_source())
        .where(*_where(flt, status))
        .order_by(*order)
        .limit(max(1, int(limit)))
        .offset(max(0, int(offset)))
    )
    return [dict(row) for row in conn.execute(query).mappings()]


def claims_by_id(conn: sa.Connection, claim_ids: Iterable[str]) -> dict[str, dict]:
    """Return the claim rows (as :func:`page_claims` gives) of ``claim_ids``, by id."""
    ids = sorted({str(c) for c in claim_ids})
    status = _status_column()
    out: dict[str, dict] = {}
    for i in range(0, len(ids), 500):
        query = (
            sa.select(*_row_columns(status))
            .select_from(_source())
            .where(claims.c.claim_id.in_(ids[i : i + 500]))
        )
        out.update({row["claim_id"]: dict(row) for row in conn.execute(query).mappings()})
    return out


def claim_by_id(conn: sa.Connection, claim_id: str) -> dict | None:
    """Return one claim's row, or None when no claim has this id."""
    return claims_by_id(conn, [claim_id.strip()]).get(claim_id.strip())


def filter_options(conn: sa.Connection) -> FilterOptions:
    """Return the first and last event day, the actors and the number of stored claims."""
    first, last, total = conn.execute(
        sa.select(sa.func.min(claims.c.event_date), sa.func.max(claims.c.event_date),
                  sa.func.count())
    ).one()
    actors = tuple(conn.execute(sa.select(claims.c.actor).distinct().order_by(claims.c.actor))
                   .scalars())  # fmt: skip
    return FilterOptions(first, last, actors, int(total))


def recent_edits(conn: sa.Connection, limit: int = 200) -> list[dict]:
    """Return the newest ``limit`` edits (``edit_id, claim_id, action, author, note,
    created_at``), newest first."""
    query = sa.select(edits).order_by(edits.c.edit_id.desc()).limit(limit)
    return [dict(row._mapping) for row in conn.execute(query)]


def page_count(total: int, size: int) -> int:
    """Return how many pages of ``size`` rows hold ``total`` rows (at least one).

    Examples
    --------
    >>> page_count(0, 50), page_count(50, 50), page_count(51, 50)
    (1, 1, 2)
    """
    return max(1, -(-total // max(1, size)))


def ids_of(rows: Sequence[dict]) -> list[str]:
    """Return the claim ids of rows, in order."""
    return [r["claim_id"] for r in rows]
