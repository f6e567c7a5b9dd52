"""What the review pages compute: previews, highlighted text, claim filters, manual claims.

The Streamlit pages (``pages/``) only arrange widgets; everything they show is built here
from plain values, so it is tested without a browser. Every piece of document text that
ends up in HTML goes through :func:`html.escape` (see :func:`highlight_html`); tables are
plain rows for ``st.dataframe``, which escapes by itself.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Any
from urllib.parse import urlparse

from geo.documents import FORMATS, parse_text, read_documents
from geo.errors import ClaimError, DocumentError
from geo.gazetteer import Gazetteer
from geo.mapdata import CONFIDENCE_HELP, ORIGIN_LABELS  # noqa: F401 (the pages read them here)
from geo.records import CLAIM_KINDS, Claim, Document, Mention, Place

#: The extensions the Ingest page accepts (without the dot), as ``st.file_uploader`` wants.
UPLOAD_TYPES: tuple[str, ...] = tuple(ext.lstrip(".") for ext in FORMATS)
#: Who can assert a claim (see :class:`geo.records.Claim`).
CLAIMANTS: tuple[str, ...] = ("analyst", "media", "local", "government", "taliban")
#: The actors offered for a manual claim (others found in the data are added by the page).
ACTORS: tuple[str, ...] = ("taliban", "government", "nrf")
CLAIM_STATUSES: tuple[str, ...] = ("active", "rejected")
#: Place kinds that are not inside one Afghan province and so cannot carry a manual claim.
_NOT_PROVINCIAL = frozenset({"country", "foreign_city"})

_MARK_STYLE = {
    "claim": "background:#ffd8a8;border-bottom:2px solid #e8590c;padding:0 1px;",
    "mention": "background:#d0ebff;padding:0 1px;",
}


# --- highlighted text ----------------------------------------------------------------------


def mention_title(mention: Mention, province_names: Mapping[str, str] | None = None) -> str:
    """Return the tooltip of a mention: place → province, kind, confidence and reason.

    Examples
    --------
    >>> m = Mention("Zaranj", 0, 6, "Zaranj", "gn:1", "capital", "AF-NIM", "AF", 31.0, 61.9,
    ...             0.95, "capital of Nimroz")
    >>> mention_title(m, {"AF-NIM": "Nimroz"})
    'Zaranj → Nimroz (AF-NIM) · capital · confidence 0.95 · capital of Nimroz'
    """
    names = province_names or {}
    if mention.province_iso:
        where = f"{names.get(mention.province_iso, mention.province_iso)} ({mention.province_iso})"
    else:
        where = f"outside Afghanistan ({mention.country})"
    return (
        f"{mention.place} → {where} · {mention.kind} · confidence {mention.confidence:.2f} · "
        f"{mention.reason}"
    )


def highlight_html(
    text: str,
    mentions: Sequence[Mention],
    claims: Sequence[Claim] = (),
    province_names: Mapping[str, str] | None = None,
) -> str:
    """Return ``text`` as escaped HTML with each place mention marked.

    Parameters
    ----------
    text
        The document text the mention spans refer to.
    mentions
        The mentions found in ``text``; overlapping or out-of-range spans are skipped.
    claims
        Claims extracted from ``text``: a mention inside a claim's quote span that resolves
        to the claim's place is marked as a claim target (``class="cm-claim"``).
    province_names
        ISO code to province name, for the tooltips.

    Returns
    -------
    str
        A ``<div>`` whose every text piece, tooltip and attribute went through
        :func:`html.escape`; mentions are ``<mark>`` elements whose ``title`` reads
        "place → province · kind · confidence · reason".
    """
    targets = {(c.place_id, c.start, c.end) for c in claims}
    parts: list[str] = []
    pos = 0
    for mention in sorted(mentions, key=lambda m: (m.start, -m.end)):
        if mention.start < pos or mention.end > len(text) or mention.end <= mention.start:
            continue
        is_target = any(
            place_id == mention.place_id and start <= mention.start and mention.end <= end
            for place_id, start, end in targets
        )
        css = "claim" if is_target else "mention"
        title = mention_title(mention, province_names)
        if is_target:
            title += " · target of a claim"
        parts.append(html.escape(text[pos : mention.start]))
        parts.append(
            f'<mark class="cm-{css}" style="{_MARK_STYLE[css]}" '
            f'title="{html.escape(title, quote=True)}">'
            f"{html.escape(text[mention.start : mention.end])}</mark>"
        )
        pos = mention.end
    parts.append(html.escape(text[pos:]))
    body = "".join(parts)
    return (
        '<div class="cm-document" style="white-space:pre-wrap;line-height:1.6;'
        f'font-family:inherit;">{body}</div>'
    )


# --- reading what the user gives -----------------------------------------------------------


def format_of(name: str) -> str | None:
    """Return the format (``txt``, ``md``, ``html``, ``jsonl``) of a file name, or None.

    Examples
    --------
    >>> format_of("report.HTM"), format_of("notes.pdf")
    ('html', None)
    """
    return FORMATS.get(PurePath(name).suffix.lower())


def upload_limit_bytes(max_upload_mb: int) -> int:
    """Return the upload limit in bytes of a limit in megabytes."""
    return max_upload_mb * 1024 * 1024


def read_upload(
    name: str,
    data: bytes,
    *,
    default_date: dt.date | None = None,
    max_bytes: int | None = None,
    url: str = "",
    outlet: str = "",
) -> list[Document | DocumentError]:
    """Read an uploaded file into documents, refusals included (one per JSON Lines line).

    Parameters
    ----------
    name
        The uploaded file's name; its extension gives the format.
    data
        The file's bytes.
    default_date
        The publication date of documents that do not give one.
    max_bytes
        Refuse a file larger than this (the page's upload limit).
    url, outlet
        The article's URL and outlet given in a form (as for :func:`read_pasted`); not
        used for JSON Lines, whose lines carry their own.

    Returns
    -------
    list of Document or DocumentError
        The documents, or the errors that refuse them (a batch goes on past a bad file).
    """
    name = PurePath(name).name or "upload"
    fmt = format_of(name)
    if fmt is None:
        return [
            DocumentError(
                f"{name}: unsupported file type.",
                hint=f"upload one of {', '.join('.' + t for t in UPLOAD_TYPES)}",
            )
        ]
    if max_bytes is not None and len(data) > max_bytes:
        return [
            DocumentError(
                f"{name} is {len(data):,} bytes, over the {max_bytes:,}-byte upload limit.",
                hint="split the file, or raise CONTROLMAP_MAX_UPLOAD_MB",
            )
        ]
    if fmt != "jsonl":
        try:
            return [parse_text(data, name, fmt=fmt, default_date=default_date, source=name,
                               url=url, outlet=outlet)]
        except DocumentError as err:
            return [err]
    with tempfile.TemporaryDirectory(prefix="controlmap-upload-") as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        items = list(read_documents(path, default_date=default_date))
    return [
        dataclasses.replace(item, source=name)
        if isinstance(item, Document) and item.source == str(path)
        else item
        for item in items
    ]


def read_pasted(
    text: str,
    name: str = "pasted.txt",
    *,
    fmt: str = "txt",
    default_date: dt.date | None = None,
    url: str = "",
    outlet: str = "",
) -> Document:
    """Turn pasted text into a document, with the article's URL and outlet if given.

    ``url`` and ``outlet`` are the Paste tab's form fields: they win over what the text
    says (an HTML page's ``og:url`` and ``og:site_name``); a URL that is not http/https is
    dropped with a note in ``Document.notes``; without an outlet the URL's host names it.

    Raises
    ------
    DocumentError
        If the text is empty, too large, undated (and ``default_date`` is None) or the date is
        in the future, or ``url`` is not an http(s) address.
    """
    name = name.strip() or "pasted.txt"
    url, outlet = url.strip(), " ".join(outlet.split())
    if url:  # a form field the user typed: say so rather than drop it
        parsed = urlparse(url)
        if parsed.scheme.lower() not in ("http", "https") or not parsed.netloc:
            raise DocumentError(f"{url!r} is not a web address.",
                                hint="Give the article's http:// or https:// URL, or leave "
                                "it empty.")
    return parse_text(text, name, fmt=fmt, default_date=default_date, source=name, url=url,
                      outlet=outlet)


# --- tables --------------------------------------------------------------------------------


def _province_label(iso: str | None, province_names: Mapping[str, str]) -> str:
    if not iso:
        return ""
    return f"{province_names.get(iso, iso)} ({iso})"


def claim_preview_rows(
    claims: Iterable[Claim], province_names: Mapping[str, str]
) -> list[dict]:
    """Return the claims a document would add, as rows for the Ingest page's table.

    Columns: date, place, province, actor, kind, claimant, confidence, quote.
    """
    return [
        {
            "date": c.event_date.isoformat(),
            "place": c.place,
            "province": _province_label(c.province_iso, province_names),
            "actor": c.actor,
            "kind": c.kind,
            "claimant": c.claimant,
            "confidence": round(c.confidence, 2),
            "quote": c.quote,
        }
        for c in claims
    ]


def mention_rows(mentions: Iterable[Mention], province_names: Mapping[str, str]) -> list[dict]:
    """Return mentions as table rows: text, place, kind, province, country, confidence, reason."""
    return [
        {
            "text": m.text,
            "place": m.place,
            "kind": m.kind,
            "province": _province_label(m.province_iso, province_names),
            "country": m.country,
            "confidence": m.confidence,
            "reason": m.reason,
            "lat": m.lat,
            "lon": m.lon,
        }
        for m in mentions
    ]


def candidate_rows(
    hits: Iterable[tuple[Place, float, str]], province_names: Mapping[str, str]
) -> list[dict]:
    """Return gazetteer search hits as rows (place, kind, province ISO and name, ...)."""
    return [
        {
            "place": place.name,
            "kind": place.kind,
            "province_iso": place.province_iso or "",
            "province": province_names.get(place.province_iso or "", ""),
            "country": place.country,
            "score": round(score, 1),
            "matched spelling": matched,
            "lat": place.lat,
            "lon": place.lon,
            "place_id": place.place_id,
        }
        for place, score, matched in hits
    ]


def claim_table_rows(rows: Iterable[Mapping], province_names: Mapping[str, str]) -> list[dict]:
    """Return stored claim rows (:func:`geo.store.load_claim_rows`) as the Claims table."""
    return [
        {
            "claim_id": r["claim_id"],
            "status": r["status"],
            "date": _iso(r["event_date"]),
            "province": _province_label(r["province_iso"], province_names),
            "place": r["place"],
            "actor": r["actor"],
            "kind": r["kind"],
            "claimant": r["claimant"],
            "confidence": r["confidence"],
            "origin": r["origin"],
            "quote": r["quote"],
            "source": r["source"] or r.get("document_name", "") or r["document"],
            "note": r["note"],
        }
        for r in rows
    ]


def edit_rows(edits: Iterable[Mapping], claims_by_id: Mapping[str, Mapping]) -> list[dict]:
    """Return the edits (:func:`geo.store.load_edits`) with the claim each one is about."""
    out = []
    for e in edits:
        claim = claims_by_id.get(e["claim_id"], {})
        created = e["created_at"]
        out.append(
            {
                "time (UTC)": created.strftime("%Y-%m-%d %H:%M:%S")
                if isinstance(created, dt.datetime)
                else str(created),
                "author": e["author"],
                "action": e["action"],
                "claim_id": e["claim_id"],
                "claim": claim_label(claim) if claim else "",
                "note": e["note"],
            }
        )
    return out


def claim_label(row: Mapping, width: int = 70) -> str:
    """Return a one-line label of a claim row for a select box.

    Examples
    --------
    >>> claim_label({"claim_id": "ab12", "event_date": dt.date(2021, 8, 6), "place": "Zaranj",
    ...              "actor": "taliban", "kind": "captured", "status": "active",
    ...              "quote": "The Taliban captured Zaranj."})
    'ab12 · 2021-08-06 · Zaranj · taliban captured · The Taliban captured Zaranj.'
    """
    quote = " ".join(str(row.get("quote", "")).split())
    if len(quote) > width:
        quote = quote[: width - 1] + "…"
    label = (
        f"{row['claim_id']} · {_iso(row['event_date'])} · {row['place']} · "
        f"{row['actor']} {row['kind']} · {quote}"
    )
    return label + (" [rejected]" if row.get("status") == "rejected" else "")


def _iso(value: object) -> str:
    return value.isoformat() if isinstance(value, dt.date) else str(value)


# --- filters -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClaimFilter:
    """What the Claims page filters on; an empty collection or None means "any"."""

    provinces: frozenset[str] = frozenset()
    start: dt.date | None = None
    end: dt.date | None = None
    kinds: frozenset[str] = frozenset()
    actors: frozenset[str] = frozenset()
    statuses: frozenset[str] = frozenset()
    text: str = ""

    def matches(self, row: Mapping) -> bool:
        """Return True if a claim row (:func:`geo.store.load_claim_rows`) passes the filter."""
        day = row["event_date"]
        needle = " ".join(self.text.split()).casefold()
        return (
            (not self.provinces or row["province_iso"] in self.provinces)
            and (self.start is None or day >= self.start)
            and (self.end is None or day <= self.end)
            and (not self.kinds or row["kind"] in self.kinds)
            and (not self.actors or row["actor"] in self.actors)
            and (not self.statuses or row["status"] in self.statuses)
            and (not needle or needle in _haystack(row))
        )


def date_span(value: object) -> tuple[dt.date | None, dt.date | None]:
    """Return (start, end) of a ``st.date_input`` range value (0, 1 or 2 dates, or a date).

    Examples
    --------
    >>> date_span((dt.date(2021, 8, 1),))
    (datetime.date(2021, 8, 1), None)
    """
    if isinstance(value, dt.date):
        return value, value
    days = list(value) if isinstance(value, tuple | list) else []
    days += [None, None]
    return days[0], days[1]


def _haystack(row: Mapping) -> str:
    fields = ("claim_id", "place", "quote", "source", "document", "document_name", "note",
              "claimant", "author")  # fmt: skip
    return " ".join(" ".join(str(row.get(f) or "").split()) for f in fields).casefold()


def filter_claim_rows(rows: Iterable[Mapping], flt: ClaimFilter) -> list[Mapping]:
    """Return the claim rows that pass ``flt``, in their order."""
    return [r for r in rows if flt.matches(r)]


# --- manual claims -------------------------------------------------------------------------


def places_in_province(gaz: Gazetteer, province_iso: str, query: str = "") -> list[Place]:
    """Return the places a manual claim on a province can name: the province first.

    Parameters
    ----------
    gaz
        The gazetteer.
    province_iso
        The province (``AF-HEL``).
    query
        Narrow the list to places whose name is like this (fuzzy search); empty for all.

    Returns
    -------
    list of Place
        The province itself, its capital, then the other places of the province by name
        (or by search score when ``query`` is given).
    """
    province = gaz.provinces.get(province_iso)
    if province is None:
        raise ClaimError(
            f"Unknown province {province_iso!r}.", hint="Pick a province like AF-HEL."
        )
    if query.strip():
        hits = [p for p, _, _ in gaz.search(query, limit=200) if p.province_iso == province_iso]
        others = [p for p in hits if p.place_id != province.place_id]
    else:
        capital = gaz.capitals.get(province_iso)
        rest = sorted(
            (p for p in gaz.places if p.province_iso == province_iso
             and p.kind not in _NOT_PROVINCIAL and p.kind != "province"
             and (capital is None or p.place_id != capital.place_id)),
            key=lambda p: (p.name.casefold(), p.place_id),
        )  # fmt: skip
        others = ([capital] if capital else []) + rest
    return [province, *others]


def manual_place_options(gaz: Gazetteer, province_iso: str, query: str = "") -> list[Place]:
    """Return the places the manual-claim picker offers, the one to file on by default first.

    Without a search the province comes first (a claim on the whole province); with a
    search the best hit comes first, so the place the user found is the one filed.
    """
    places = places_in_province(gaz, province_iso, query)
    if query.strip() and len(places) > 1:
        return [*places[1:], places[0]]
    return places


def place_picker_key(province_iso: str, query: str) -> str:
    """Return the widget key of the place picker for one province and search text."""
    return f"manual_place:{province_iso}:{' '.join(query.split()).casefold()}"


def place_option_label(place: Place) -> str:
    """Return how a place reads in the picker: ``Nad Ali (district)``."""
    kind = "whole province" if place.kind == "province" else place.kind.replace("_", " ")
    return f"{place.name} ({kind})"


def claim_details(row: Mapping) -> str:
    """Return a claim row's details in one line (Markdown-safe: values escaped)."""
    from geo.mapview import escape_markdown

    parts = [_iso(row["event_date"]), row["place"], f"{row['actor']} {row['kind']}",
             f"said by {row['claimant']}", f"confidence {float(row['confidence']):.2f}",
             f"source {row.get('source') or row.get('document_name') or row['document']}"]
    if row.get("note"):
        parts.append(f"note: {row['note']}")
    return escape_markdown(" · ".join(str(p) for p in parts))


def geo_precision_of(place: Place) -> int:
    """Return the ACLED-style precision of a claim on ``place`` (3 a province, else 1 or 2)."""
    if place.kind == "province":
        return 3
    if place.kind in ("area", "valley"):
        return 2
    return 1


def build_manual_claim(
    place: Place,
    *,
    event_date: dt.date,
    actor: str,
    kind: str,
    claimant: str,
    confidence: float,
    quote: str,
    note: str,
    source: str = "",
    today: dt.date | None = None,
) -> Claim:
    """Return the manual claim an analyst enters, checked; store it with add_manual_claim.

    Raises
    ------
    ClaimError
        Naming the field at fault: a place outside Afghanistan, a date in the future, an
        unknown kind, an empty actor, quote or note, a confidence outside 0-1.
    """
    today = today or dt.date.today()
    quote, note, actor = quote.strip(), note.strip(), actor.strip().lower()
    if not place.province_iso:
        raise ClaimError(
            f"{place.name} is outside Afghanistan; a claim needs an Afghan place.",
            hint="Pick a province or a place inside one.",
        )
    if place.kind in _NOT_PROVINCIAL:
        raise ClaimError(f"{place.name} is a {place.kind}, not an Afghan place.",
                         hint="Pick a province or a place inside one.")
    if event_date > today:
        raise ClaimError(f"The date {event_date.isoformat()} is in the future.",
                         hint="A claim reports something that already happened.")
    if kind not in CLAIM_KINDS:
        raise ClaimError(f"Unknown kind {kind!r}.", hint=f"Use one of {', '.join(CLAIM_KINDS)}.")
    if not actor:
        raise ClaimError("The actor is empty.", hint="Say who acted: taliban, government, ...")
    if not 0.0 <= confidence <= 1.0:
        raise ClaimError(f"Invalid confidence {confidence!r}.",
                         hint="Use a number between 0 and 1.")
    if not quote:
        raise ClaimError("The quote is empty.",
                         hint="Paste the sentence the claim rests on, or describe the evidence.")
    if not note:
        raise ClaimError("The note is empty.",
                         hint="Say why you add this claim (source, phone call, ...).")
    return Claim(
        document="manual",
        event_date=event_date,
        place=place.name,
        place_id=place.place_id,
        place_kind=place.kind,
        province_iso=place.province_iso,
        actor=actor,
        kind=kind,
        claimant=claimant,
        geo_precision=geo_precision_of(place),
        confidence=float(confidence),
        quote=quote,
        start=0,
        end=len(quote),
        source=source.strip(),
        lat=place.lat,
        lon=place.lon,
        origin="manual",
        note=note,
    )


# --- export --------------------------------------------------------------------------------


def parse_day(value: str | None) -> dt.date | None:
    """Return the date of a ``YYYY-MM-DD`` string, or None when it is missing or malformed.

    Examples
    --------
    >>> parse_day("2021-08-15"), parse_day("15/08/2021"), parse_day(None)
    (datetime.date(2021, 8, 15), None, None)
    """
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None


def export_day(requested: str | None, span: tuple[dt.date, dt.date] | None) -> dt.date:
    """Return the default export date: the requested day within the span, else the last day.

    Parameters
    ----------
    requested
        The map's chosen date (the ``date`` query parameter), possibly missing or malformed.
    span
        The first and last day with evidence, or None for an empty database (today then).
    """
    day = parse_day(requested)
    if span is None:
        return day or dt.date.today()
    if day is None:
        return span[1]
    return min(max(day, span[0]), span[1])


def export_file_names(day: dt.date, span: tuple[dt.date, dt.date] | None) -> dict[str, str]:
    """Return the download file names, each carrying its date or date range.

    Examples
    --------
    >>> names = export_file_names(dt.date(2021, 8, 15), (dt.date(2021, 7, 4), dt.date(2021, 9, 6)))
    >>> names["snapshot"], names["timeline_csv"]
    ('controlmap-snapshot-2021-08-15.geojson', 'controlmap-timeline-2021-07-04_2021-09-06.csv')
    """
    first, last = span if span else (day, day)
    window = f"{first.isoformat()}_{last.isoformat()}"
    return {
        "snapshot": f"controlmap-snapshot-{day.isoformat()}.geojson",
        "timeline_csv": f"controlmap-timeline-{window}.csv",
        "timeline_geojson": f"controlmap-timeline-{window}.geojson",
        "claims_csv": f"controlmap-claims-{last.isoformat()}.csv",
    }


# --- maps ----------------------------------------------------------------------------------


def d3_winding(geometry: Mapping) -> dict:
    """Return a GeoJSON polygon geometry with its rings reversed for d3/Vega.

    RFC 7946 wants exterior rings counter-clockwise; d3's spherical geometry reads such a
    ring as "the whole globe minus this area" and fills the chart. Reversing every ring
    (exterior and holes) gives d3 what it expects. Other geometry types are returned as is.
    """
    coords: Any = geometry.get("coordinates")
    if geometry.get("type") == "Polygon":
        return {"type": "Polygon", "coordinates": [list(reversed(r)) for r in coords]}
    if geometry.get("type") == "MultiPolygon":
        return {
            "type": "MultiPolygon",
            "coordinates": [[list(reversed(r)) for r in poly] for poly in coords],
        }
    return dict(geometry)


def points_chart(points: Sequence[Mapping], provinces_geojson: Mapping, *, height: int = 380):
    """Return an Altair map of points over the province outlines (no tiles: works offline).

    Parameters
    ----------
    points
        Rows with ``lat``, ``lon`` and ``place`` (and any other columns for the tooltip:
        ``kind``, ``province``, ``country``).
    provinces_geojson
        The provinces FeatureCollection (:func:`geo.boundaries.load_provinces_geojson`).
    height
        Chart height in pixels.

    Returns
    -------
    altair.LayerChart
        Province outlines with a tooltip of the province name, and the points on top.
    """
    import altair as alt

    features = [
        {"type": "Feature", "geometry": d3_winding(f["geometry"]),
         "properties": {"name": f["properties"]["name"],
                        "iso": f["properties"]["iso_3166_2"]}}
        for f in provinces_geojson["features"]
    ]  # fmt: skip
    outlines = (
        alt.Chart(alt.Data(values=features))
        .mark_geoshape(fill="#f1f3f5", stroke="#868e96", strokeWidth=0.7)
        .encode(tooltip=[alt.Tooltip("properties.name:N", title="province"),
                         alt.Tooltip("properties.iso:N", title="ISO")])
    )  # fmt: skip
    tooltip = [c for c in ("place", "kind", "province", "country", "score", "reason")
               if points and c in points[0]]  # fmt: skip
    rows = [{k: v for k, v in p.items() if k in {"lat", "lon", *tooltip}} for p in points]
    dots = (
        alt.Chart(alt.Data(values=rows))
        .mark_circle(size=90, color="#c92a2a", opacity=0.85, stroke="white", strokeWidth=1)
        .encode(longitude="lon:Q", latitude="lat:Q",
                tooltip=[alt.Tooltip(f"{c}:N") for c in tooltip])
    )  # fmt: skip
    return (
        alt.layer(outlines, dots)
        .project(type="mercator")
        .properties(height=height)
    )
