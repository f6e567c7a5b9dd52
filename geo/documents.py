"""Reading documents to ingest: plain text, Markdown, HTML and JSON Lines.

Every document becomes a :class:`geo.records.Document` whose ``text`` is what claim and
mention spans refer to, with a publication date. What cannot be ingested (empty, binary,
not UTF-8, too large, undated) is refused with a :class:`geo.errors.DocumentError` that
names the document and says how to fix it. :func:`read_documents` yields those errors
instead of raising them, so one bad file does not stop a batch.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import json
import os
import re
import stat
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit

from geo.errors import DocumentError
from geo.records import Document
from geo.settings import DATA_DIR, max_document_bytes

__all__ = ["FORMATS", "clean_url", "load_outlets", "outlet_of", "parse_published",
           "parse_text", "read_document", "read_documents"]

#: Supported file extensions and the format each is read as.
FORMATS: dict[str, str] = {
    ".txt": "txt",
    ".md": "md",
    ".markdown": "md",
    ".html": "html",
    ".htm": "html",
    ".jsonl": "jsonl",
}

EARLIEST_PUBLICATION = dt.date(1990, 1, 1)
_SUPPORTED = ", ".join(FORMATS)
_DATE_HINT = "add a first line 'date YYYY-MM-DD' or pass --date YYYY-MM-DD"
# Share of control characters above which a text is taken for binary data.
_CONTROL_RATIO = 0.05
_SNIFF_BYTES = 8192
#: the control characters counted against a text (tab, line feed, form feed and carriage
#: return are text), as bytes to delete and as a str translation table deleting them
_CONTROL_BYTES = bytes([*(c for c in range(32) if c not in (9, 10, 12, 13)), 127])
_NO_CONTROLS = dict.fromkeys(_CONTROL_BYTES)

# "date 2021-08-12 The Taliban..." or "Date: 2021-08-12": the article may go on on the
# same line, so only the header itself is removed. Without a colon the value must start
# with a digit, so that a text opening with "Date palms ..." is not taken for a header.
_DATE_HEADER = re.compile(
    r"\A[ \t]*date(?:[ \t]*:[ \t]*(?P<colon>[^\s]+)|[ \t]+(?P<plain>\d[^\s]*))[ \t]*\n?",
    re.IGNORECASE,
)
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(?P<body>.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)


def parse_published(value: str, name: str, *, lenient: bool = False) -> dt.date:
    """Parse and check a publication date.

    Parameters
    ----------
    value : str
        ``YYYY-MM-DD``, optionally followed by a time (``2021-08-12T10:00:00+00:00``).
        With ``lenient`` any form ``dateparser`` reads ("August 12, 2021"), as found in
        HTML metadata.
    name : str
        The document the date belongs to, for the error message.
    lenient : bool, default False
        Accept the forms ``dateparser`` reads.

    Returns
    -------
    datetime.date
        The date.

    Raises
    ------
    DocumentError
        If the date does not parse, is in the future or is before 1990.

    Examples
    --------
    >>> parse_published("2021-08-12", "kunduz.txt")
    datetime.date(2021, 8, 12)
    >>> parse_published("2021-08-12T06:30:00Z", "kunduz.html")
    datetime.date(2021, 8, 12)
    """
    text = value.strip().strip("\"'")
    published = _iso_date(text)
    if published is None and lenient:
        published = _loose_date(text)
    if published is None:
        raise DocumentError(
            f"{name}: the publication date {value!r} is not a date.",
            hint="write it as YYYY-MM-DD, e.g. 2021-08-12",
        )
    return check_published(published, name)


def check_published(published: dt.date, name: str) -> dt.date:
    """Return ``published`` if it is a plausible publication date.

    Raises
    ------
    DocumentError
        If the date is after today or before 1990.

    Examples
    --------
    >>> import datetime as dt
    >>> check_published(dt.date(2021, 8, 12), "kunduz.txt")
    datetime.date(2021, 8, 12)
    """
    if published > dt.date.today():
        raise DocumentError(
            f"{name}: the publication date {published.isoformat()} is in the future.",
            hint="check the year; a report cannot be published after today",
        )
    if published < EARLIEST_PUBLICATION:
        raise DocumentError(
            f"{name}: the publication date {published.isoformat()} is before 1990.",
            hint="check the year; controlmap ingests reports from 1990 on",
        )
    return published


def _iso_date(text: str) -> dt.date | None:
    match = re.match(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:$|[T\s])", text)
    if not match:
        return None
    try:
        return dt.date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


def _loose_date(text: str) -> dt.date | None:
    import dateparser  # slow to import; only unusual metadata needs it

    try:
        parsed = dateparser.parse(text, languages=["en"])
    except (ValueError, OverflowError, TypeError):
        return None
    return parsed.date() if parsed is not None else None


# --------------------------------------------------------------------------- metadata

#: Known hosts and the outlet each names (``host,outlet``); see ``data/README.md``.
OUTLETS_PATH = DATA_DIR / "outlets.csv"
_URL_SCHEMES = ("http", "https")
_MAX_URL = 2048
_MAX_OUTLET = 200


def clean_url(value: object, name: str) -> tuple[str, str | None]:
    """Return a document's URL if it is an absolute http/https URL, else "" and why not.

    Returns
    -------
    (str, str or None)
        The URL (stripped) or "", and a note naming the document and the dropped value
        (None when the URL is kept or there was none).

    Examples
    --------
    >>> clean_url(" https://example.org/a ", "a.html")
    ('https://example.org/a', None)
    >>> clean_url("javascript:alert(1)", "a.html")[1]
    "a.html: the URL 'javascript:alert(1)' was dropped: only http and https URLs are kept."
    """
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        return "", None
    shown = text if len(text) <= 80 else text[:77] + "..."
    try:
        parts = urlsplit(text)
        host = parts.hostname
    except ValueError:
        parts, host = None, None
    if parts is None or parts.scheme.lower() not in _URL_SCHEMES or not host:
        why = "only http and https URLs are kept"
    elif len(text) > _MAX_URL or any(c.isspace() or ord(c) < 32 for c in text):
        why = f"a URL has no spaces or control characters and at most {_MAX_URL} characters"
    else:
        return text, None
    return "", f"{name}: the URL {shown!r} was dropped: {why}."


def load_outlets(path: Path = OUTLETS_PATH) -> dict[str, str]:
    """Return the known hosts (lower case, without ``www.``) and their outlet names."""
    with path.open(encoding="utf-8", newline="") as handle:
        return {row["host"].strip().lower().removeprefix("www."): row["outlet"].strip()
                for row in csv.DictReader(handle) if row.get("host") and row.get("outlet")}


def outlet_of(url: str, outlets: Mapping[str, str] | None = None) -> str:
    """Return the outlet a URL's host names: a known host's outlet, else the bare host.

    A host matches a known host or any of its subdomains, the longest match winning.

    Examples
    --------
    >>> outlet_of("https://uk.reuters.com/article/x", {"reuters.com": "Reuters"})
    'Reuters'
    >>> outlet_of("https://www.example.org/a", {})
    'example.org'
    """
    try:
        host = (urlsplit(url).hostname or "").lower().removeprefix("www.")
    except ValueError:
        return ""
    table = load_outlets() if outlets is None else outlets
    labels = host.split(".")
    for i in range(len(labels) - 1):
        outlet = table.get(".".join(labels[i:]))
        if outlet:
            return outlet
    return host


def _clean_outlet(value: object) -> str:
    """An outlet name on one line, of bounded length."""
    text = " ".join(value.split()) if isinstance(value, str) else ""
    return text[:_MAX_OUTLET]


def _source_metadata(name: str, url: object, outlet: object) -> tuple[str, str, tuple[str, ...]]:
    """Return the document's URL, outlet and notes from what the format or a form gave.

    The outlet given (``og:site_name``, the JSON Lines ``source``, a form field) wins;
    otherwise the URL's host names it.
    """
    clean, note = clean_url(url, name)
    named = _clean_outlet(outlet)
    return clean, named or (outlet_of(clean) if clean else ""), (note,) if note else ()


def _html_source(tree) -> tuple[str, str]:
    """The article's URL (``og:url``, else ``rel=canonical``) and ``og:site_name``."""
    def first(xpath: str) -> str:
        values = [v.strip() for v in tree.xpath(xpath) if v.strip()]
        return values[0] if values else ""

    url = first("//meta[@property='og:url']/@content") or first(
        "//link[contains(concat(' ', normalize-space(@rel), ' '), ' canonical ')]/@href")
    return url, first("//meta[@property='og:site_name']/@content")


# --------------------------------------------------------------------------- raw checks


def _too_large(size: int, name: str) -> DocumentError:
    limit = max_document_bytes()
    return DocumentError(
        f"{name} is {size:,} bytes, over the {limit:,}-byte limit.",
        hint="split the document, or raise CONTROLMAP_MAX_DOCUMENT_BYTES",
    )


def shown_name(name: str | os.PathLike[str]) -> str:
    """Return a file name or path as it can be shown and stored: bytes that are not UTF-8
    (a name read from disk as ``surrogateescape``), lone surrogates and control characters
    written as escapes (``caf\\xe9.txt``), so that no message or database write fails on it.

    Examples
    --------
    >>> shown_name(os.fsdecode(b"caf\\xe9.txt"))
    'caf\\\\xe9.txt'
    >>> shown_name("two\\nlines.txt")
    'two\\\\nlines.txt'
    """
    text = os.fspath(name)
    try:
        text = text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # a surrogate that no byte was escaped to
        text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return _CONTROL_CHARS.sub(lambda m: repr(m.group())[1:-1], text)


_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")


def check_storable(value: str, name: str, what: str = "text") -> None:
    """Refuse a string that no database stores alike: a NUL character (PostgreSQL refuses
    it, SQLite keeps it) or a lone surrogate (``"\\ud800"`` in JSON: not encodable).

    Raises
    ------
    DocumentError
        Naming the document, the field and the offset.

    Examples
    --------
    >>> check_storable("Kunduz fell.", "a.txt")
    >>> try:
    ...     check_storable("Kunduz\\x00fell.", "a.txt")
    ... except DocumentError as err:
    ...     print(err.args[0])
    a.txt: its text holds a NUL character at offset 6.
    """
    nul = value.find("\x00")
    if nul >= 0:
        raise DocumentError(
            f"{name}: its {what} holds a NUL character at offset {nul}.",
            hint="NUL is not text; remove it (e.g. `tr -d '\\000'`) and ingest again",
        )
    surrogate = _LONE_SURROGATE.search(value)
    if surrogate:
        raise DocumentError(
            f"{name}: its {what} holds a lone surrogate "
            f"{surrogate.group().encode('unicode_escape').decode()} at offset "
            f"{surrogate.start()}, which is not a character.",
            hint="fix the \\u escape in the JSON (a surrogate needs its pair) and ingest again",
        )


#: Byte-order marks and their encodings; UTF-32 before UTF-16, whose mark it begins with.
_BOMS: tuple[tuple[bytes, str, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le", "UTF-32 (little-endian)"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "UTF-32 (big-endian)"),
    (codecs.BOM_UTF8, "utf-8", "UTF-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16 (little-endian)"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16 (big-endian)"),
)


def _wide_encoding(raw: bytes) -> tuple[str, str] | None:
    """Return (codec, label) when text without a byte-order mark looks like UTF-16 or
    UTF-32 (most characters ASCII, so NUL bytes at every other or three of four offsets)."""
    head = raw[: _SNIFF_BYTES - _SNIFF_BYTES % 4]
    if len(head) < 8 or b"\x00" not in head:
        return None
    def share(offset: int, step: int) -> float:
        column = head[offset::step]
        return column.count(0) / len(column) if column else 0.0
    for codec, label, zeros, text in (("utf-32-le", "UTF-32 (little-endian)", (1, 2, 3), 0),
                                      ("utf-32-be", "UTF-32 (big-endian)", (0, 1, 2), 3)):
        if all(share(z, 4) > 0.9 for z in zeros) and share(text, 4) < 0.5:
            return codec, label
    if share(1, 2) > 0.6 and share(0, 2) < 0.1:
        return "utf-16-le", "UTF-16 (little-endian)"
    if share(0, 2) > 0.6 and share(1, 2) < 0.1:
        return "utf-16-be", "UTF-16 (big-endian)"
    return None


def _check_binary(sample: str | bytes, name: str) -> None:
    """Refuse NUL bytes, or a text where control characters are common; a NUL in a string
    (a JSON "\\u0000", a pasted text) is named as such, with its offset."""
    if isinstance(sample, str):
        check_storable(sample, name)
    head = sample[:_SNIFF_BYTES]
    if isinstance(head, bytes):
        nul = b"\x00" in head
        controls = len(head) - len(head.translate(None, _CONTROL_BYTES))
    else:
        nul = "\x00" in head
        controls = len(head) - len(head.translate(_NO_CONTROLS))
    if nul or (head and controls / len(head) > _CONTROL_RATIO):
        raise DocumentError(
            f"{name} looks like binary data, not text.",
            hint=f"convert it to text first; supported formats are {_SUPPORTED}",
        )


def _decode(raw: bytes, name: str) -> str:
    """Decode UTF-8, or UTF-16/UTF-32 with a byte-order mark (the mark dropped); say where
    decoding failed, and name UTF-16/UTF-32 without a mark rather than call it binary."""
    if len(raw) > max_document_bytes():
        raise _too_large(len(raw), name)
    codec, label, bom = "utf-8", "UTF-8", 0
    for mark, mark_codec, mark_label in _BOMS:
        if raw.startswith(mark):
            codec, label, bom = mark_codec, mark_label, len(mark)
            break
    else:
        wide = _wide_encoding(raw)
        if wide is not None:
            raise DocumentError(
                f"{name} looks like {wide[1]} text without a byte-order mark.",
                hint=f"save it as UTF-8 (e.g. `iconv -f {wide[0]} -t utf-8`), or with a BOM",
            )
    if codec == "utf-8":
        _check_binary(raw, name)
    try:
        text = raw[bom:].decode(codec)
    except UnicodeDecodeError as err:
        offset = bom + err.start  # an offset into the file, BOM included
        raise DocumentError(
            f"{name} is not {label}: byte 0x{raw[offset]:02x} at offset {offset} cannot be "
            "decoded.",
            hint="save the file as UTF-8 (e.g. `iconv -f latin1 -t utf-8`)",
        ) from None
    if codec != "utf-8":
        _check_binary(text, name)
    check_storable(text, name)
    return text


def _normalise(text: str) -> str:
    """Return the text with Unix line ends and composed (NFC) characters."""
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", text)


def _check_not_empty(text: str, name: str) -> None:
    if not text:
        raise DocumentError(f"{name} is empty.", hint="give a file with the article's text")
    if not text.strip():
        raise DocumentError(
            f"{name} contains only whitespace.", hint="give a file with the article's text"
        )


# --------------------------------------------------------------------------- formats


def split_date_header(text: str) -> tuple[str | None, str]:
    """Split an optional ``date YYYY-MM-DD`` header from the start of a text.

    Returns
    -------
    (str or None, str)
        The header's date value (unparsed) or None, and the text without the header; the
        rest of the header's line is kept as the start of the text.

    Examples
    --------
    >>> split_date_header(" date 2021-08-12 The Taliban took Kunduz.")
    ('2021-08-12', 'The Taliban took Kunduz.')
    >>> split_date_header("Date palms grow in Kandahar.")
    (None, 'Date palms grow in Kandahar.')
    """
    match = _DATE_HEADER.match(text)
    if not match:
        return None, text
    return match.group("colon") or match.group("plain"), text[match.end() :]


_FRONT_MATTER_OPENING = re.compile(r"\A---[ \t]*\n[ \t]*[\w-]+[ \t]*:")


def _front_matter(text: str, name: str) -> tuple[dict[str, str], str]:
    """Split a YAML front matter block; only flat ``key: value`` lines are read.

    Raises
    ------
    DocumentError
        If a front matter block is opened ("---" then "key: value") and never closed.
    """
    match = _FRONT_MATTER.match(text)
    if not match:
        if _FRONT_MATTER_OPENING.match(text):
            raise DocumentError(
                f"{name}: the front matter opened by '---' on line 1 is never closed.",
                hint="end it with a line '---' before the article's text",
            )
        return {}, text
    fields = {}
    for line in match.group("body").splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip() and not key.startswith((" ", "\t")):
            fields[key.strip().lower()] = value.strip().strip("\"'")
    return fields, text[match.end() :]


# Each rule is linear in the text's length: a span's content may not hold the character
# that opens or closes it (link text no "[" or "]", a URL no "(" or ")", emphasis no "*"),
# so a match attempt stops at the next such character instead of rescanning the rest of
# the line or the text from every opening one ("[" x 60 KB took 25 s with "[^\]]+").
# Inline spans do not cross lines.
_MarkdownRule = tuple[re.Pattern[str], "str | Callable[[re.Match[str]], str]"]
_MARKDOWN_RULES: tuple[_MarkdownRule, ...] = (
    (re.compile(r"^[ \t]*(```|~~~).*$\n?", re.M), ""),  # code fences (content kept)
    (re.compile(r"^[ \t]*\[[^\[\]\n]+\]:[ \t]+\S+.*$\n?", re.M), ""),  # link definitions
    (re.compile(r"^[ \t]*(?:[-*_][ \t]*){3,}$", re.M), ""),  # horizontal rules
    # headings: the closing hashes stripped by rstrip, not by a backtracking "(.*?)[ #]*$"
    (re.compile(r"^[ \t]{0,3}#{1,6}[ \t]+(.*)$", re.M), lambda m: m.group(1).rstrip(" \t#")),
    (re.compile(r"^[ \t]{0,3}>[ \t]?", re.M), ""),  # block quotes
    (re.compile(r"^([ \t]*)[-*+][ \t]+", re.M), r"\1"),  # bullets
    (re.compile(r"!\[([^\[\]\n]*)\]\([^()\n]*\)"), r"\1"),  # images
    (re.compile(r"\[([^\[\]\n]+)\]\([^()\n]*\)"), r"\1"),  # links
    (re.compile(r"\[([^\[\]\n]+)\]\[[^\[\]\n]*\]"), r"\1"),  # reference links
    (re.compile(r"`([^`\n]+)`"), r"\1"),  # inline code
    # **strong** may hold a single "*" ("**3*4 officials**"), *emphasis* one inside a
    # word ("*x_y*"); each stops at the next pair, or at a lone one
    (re.compile(r"\*\*(?=[^\s*])((?:[^*\n]|\*(?!\*))*[^\s*])\*\*"), r"\1"),  # **strong**
    (re.compile(r"__(?=[^\s_])((?:[^_\n]|_(?!_))*[^\s_])__"), r"\1"),  # __strong__
    (re.compile(r"(?<![\w*])\*(?=[^\s*])((?:[^*\n]|(?<=\w)\*(?=\w))*[^\s*])\*(?!\*)"),
     r"\1"),  # *emphasis*
    (re.compile(r"(?<!\w)_(?=[^\s_])((?:[^_\n]|(?<=\w)_(?=\w))*[^\s_])_(?!\w)"),
     r"\1"),  # _emphasis_
    (re.compile(r"~~(?=[^\s~])((?:[^~\n]|~(?!~))*[^\s~])~~"), r"\1"),  # strikethrough
    (re.compile(r"\n{3,}"), "\n\n"),
)


def markdown_to_text(markdown: str) -> str:
    """Return the text of a Markdown document, its markup removed (in time linear in its
    length, whatever it holds).

    Examples
    --------
    >>> markdown_to_text("# Kunduz falls\\n\\nThe **Taliban** took [Kunduz](http://x.org).")
    'Kunduz falls\\n\\nThe Taliban took Kunduz.'
    """
    text = markdown
    for pattern, replacement in _MARKDOWN_RULES:
        text = pattern.sub(replacement, text)
    return text


def _markdown(text: str, name: str) -> tuple[str | None, str, str]:
    fields, body = _front_matter(text, name)
    header, body = split_date_header(body) if "date" not in fields else (None, body)
    title = fields.get("title", "")
    if not title:
        heading = re.search(r"^[ \t]{0,3}#{1,6}[ \t]+(.+)$", body, re.M)
        # the closing hashes stripped by rstrip: "(.+?)[ \t#]*$" backtracks on long lines
        title = (heading.group(1).rstrip(" \t#") or heading.group(1)[:1]) if heading else ""
    return fields.get("date") or header, markdown_to_text(body), markdown_to_text(title)


def _html_tree(html: str):  # -> lxml.html.HtmlElement | None
    import lxml.html

    try:
        parser = lxml.html.HTMLParser(encoding="utf-8")
        return lxml.html.document_fromstring(html.encode("utf-8"), parser=parser)
    except (ValueError, lxml.etree.ParserError):
        return None


_HTML_DATE_XPATHS = (
    "//meta[@property='article:published_time']/@content",
    "//meta[@name='article:published_time']/@content",
    "//meta[@name='date']/@content",
    "//meta[@name='DC.date.issued']/@content",
    "//time[@datetime]/@datetime",
)


def _html_date(tree) -> str | None:
    for xpath in _HTML_DATE_XPATHS:
        values = [v.strip() for v in tree.xpath(xpath) if v.strip()]
        if values:
            return values[0]
    return None


def _html_fallback_text(tree) -> str:
    """The text of <article>, else <body>, without scripts and page furniture."""
    for element in tree.xpath("//script|//style|//noscript|//nav|//header|//footer|//aside"):
        element.drop_tree()
    roots = tree.xpath("//article") or tree.xpath("//body") or [tree]
    lines = (line.strip() for line in roots[0].text_content().splitlines())
    return "\n".join(line for line in lines if line)


def _html(html: str) -> tuple[str | None, str, str, tuple[str, str]]:
    import trafilatura

    tree = _html_tree(html)
    published = _html_date(tree) if tree is not None else None
    source = _html_source(tree) if tree is not None else ("", "")
    metadata = trafilatura.extract_metadata(html)
    if published is None and metadata is not None and metadata.date:
        published = metadata.date
    # Precision over recall: a navigation line read as text yields spurious place names.
    text = trafilatura.extract(
        html, include_comments=False, include_tables=False, favor_precision=True
    )
    if not text and tree is not None:
        text = _html_fallback_text(tree)
    title = (metadata.title if metadata is not None else "") or ""
    if not title and tree is not None:
        title = " ".join(tree.xpath("string(//title)").split())
    return published, text or "", title, source


# --------------------------------------------------------------------------- documents


def _document(
    text: str,
    name: str,
    published: str | dt.date | None,
    *,
    default_date: dt.date | None,
    source: str,
    title: str = "",
    lenient: bool = False,
    url: object = "",
    outlet: object = "",
) -> Document:
    """Build a Document once the format is read: date precedence and the last checks."""
    for value, what in ((text, "text"), (name, "name"), (title, "title"), (source, "source")):
        check_storable(value, name if what != "name" else shown_name(name), what)
    text = text.strip()
    if not text:
        raise DocumentError(f"{name} has no text to ingest.", hint="check the file's content")
    if isinstance(published, str):
        date = parse_published(published, name, lenient=lenient)
    elif published is not None:
        date = check_published(published, name)
    elif default_date is not None:
        date = check_published(default_date, name)
    else:
        raise DocumentError(f"{name} has no publication date.", hint=_DATE_HINT)
    url, outlet, notes = _source_metadata(name, url, outlet)
    for value, what in ((url, "url"), (outlet, "outlet")):
        check_storable(value, name, what)
    return Document(name=name, text=text, published=date, source=source, title=title.strip(),
                    url=url, outlet=outlet, notes=notes)


def parse_text(
    raw: bytes | str,
    name: str,
    *,
    fmt: str = "txt",
    default_date: dt.date | None = None,
    source: str = "",
    url: str = "",
    outlet: str = "",
) -> Document:
    """Turn the raw content of one document into a :class:`~geo.records.Document`.

    Parameters
    ----------
    raw : bytes or str
        The content, as read from a file or pasted; bytes must be UTF-8.
    name : str
        The document's name, used in error messages and as ``Document.name``.
    fmt : {"txt", "md", "html"}, default "txt"
        The format.
    default_date : datetime.date, optional
        The publication date when the document does not give one.
    source : str, default ""
        Where the document comes from (a URL or a path).
    url, outlet : str, default ""
        The article's URL and outlet given with it (the Paste tab's form); they win over
        what the document says (HTML ``og:url``/``rel=canonical``, ``og:site_name``). A URL
        that is not http/https is dropped with a note in ``Document.notes``; without an
        outlet the URL's host names it (``data/outlets.csv``).

    Returns
    -------
    Document
        The normalised text (Unix line ends, NFC, header and markup removed, stripped),
        with its publication date: the document's own (a ``date YYYY-MM-DD`` first line,
        front matter or HTML metadata), else ``default_date``.

    Raises
    ------
    DocumentError
        If the content is empty, binary, not UTF-8, too large, has no usable date or
        ``fmt`` is unknown.

    Examples
    --------
    >>> doc = parse_text(b"date 2021-08-12 Kunduz fell on Sunday.", "kunduz.txt")
    >>> doc.published, doc.text
    (datetime.date(2021, 8, 12), 'Kunduz fell on Sunday.')
    """
    if isinstance(raw, bytes):
        if not raw:
            _check_not_empty("", name)
        text = _decode(raw, name)
    else:
        if len(raw.encode("utf-8", "surrogatepass")) > max_document_bytes():
            raise _too_large(len(raw.encode("utf-8", "surrogatepass")), name)
        _check_binary(raw, name)
        check_storable(raw, name)
        text = raw
    text = _normalise(text)
    _check_not_empty(text, name)
    if fmt == "txt":
        header, body = split_date_header(text)
        return _document(body, name, header, default_date=default_date, source=source,
                         url=url, outlet=outlet)
    if fmt == "md":
        published, body, title = _markdown(text, name)
        return _document(
            body, name, published, default_date=default_date, source=source, title=title,
            url=url, outlet=outlet,
        )
    if fmt == "html":
        published, body, title, (page_url, site_name) = _html(text)
        return _document(
            _normalise(body),
            name,
            published,
            default_date=default_date,
            source=source,
            title=title,
            lenient=True,
            url=url or page_url,
            outlet=outlet or site_name,
        )
    raise DocumentError(f"{name}: unknown format {fmt!r}.", hint="use one of 'txt', 'md' or 'html'")


def _jsonl_document(
    line: bytes, name: str, *, default_date: dt.date | None, path: Path
) -> Document:
    text = _decode(line, name)
    try:
        record = json.loads(text)
    except json.JSONDecodeError as err:
        raise DocumentError(
            f"{name} is not valid JSON: {err.msg} at column {err.colno}.",
            hint='write one object per line, e.g. {"text": "...", "date": "2021-08-12"}',
        ) from None
    if not isinstance(record, dict) or not isinstance(record.get("text"), str):
        raise DocumentError(
            f"{name} has no 'text' string.",
            hint='write one object per line, e.g. {"text": "...", "date": "2021-08-12"}',
        )
    body = _normalise(record["text"])
    _check_binary(body, name)
    _check_not_empty(body, name)
    url, _ = clean_url(record.get("url"), name)
    published = record.get("date")
    return _document(
        body,
        url or name,
        None if published is None else str(published),
        default_date=default_date,
        source=url or str(path),
        title=str(record.get("title") or ""),
        url=record.get("url"),
        outlet=record.get("source"),
    )


def _jsonl_lines(handle: BinaryIO, name: str) -> Iterator[tuple[int, bytes | DocumentError]]:
    """Yield each non-blank line's number and bytes, or an error for an oversized line."""
    limit = max_document_bytes()
    number = 0
    while True:
        line = handle.readline(limit + 1)
        if not line:
            return
        number += 1
        if len(line) > limit and not line.endswith(b"\n"):
            size = len(line)
            while line and not line.endswith(b"\n"):  # skip the rest, chunk by chunk
                line = handle.readline(limit + 1)
                size += len(line)
            yield number, _too_large(size, f"{name}#{number}")
            continue
        if line.strip():
            yield number, line.removeprefix(b"\xef\xbb\xbf") if number == 1 else line


def _read_jsonl(handle: BinaryIO, path: Path, name: str,
                default_date: dt.date | None) -> Iterator[Document | DocumentError]:
    head = handle.read(_SNIFF_BYTES)
    handle.seek(0)
    if not head.strip():
        _check_not_empty(head.decode("ascii", "replace"), name)
    for mark, _, label in _BOMS:
        if mark != codecs.BOM_UTF8 and head.startswith(mark):
            raise DocumentError(f"{name} is {label} text; JSON Lines must be UTF-8.",
                                hint=f"convert it (e.g. `iconv -f {label.split()[0]} -t utf-8`)")
    wide = _wide_encoding(head)
    if wide is not None:
        raise DocumentError(f"{name} looks like {wide[1]} text; JSON Lines must be UTF-8.",
                            hint=f"convert it (e.g. `iconv -f {wide[0]} -t utf-8`)")
    _check_binary(head, name)
    for number, line in _jsonl_lines(handle, name):
        if isinstance(line, DocumentError):
            line.document = f"{name}#{number}"
            yield line
            continue
        try:
            yield _jsonl_document(line, f"{name}#{number}", default_date=default_date, path=path)
        except DocumentError as err:
            err.document = f"{name}#{number}"
            yield err


def _format_of(path: Path) -> str | None:
    return FORMATS.get(path.suffix.lower())


_FILE_KINDS = ((stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISCHR, "a character device"),
               (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"),
               (stat.S_ISDIR, "a folder"))


def _open_regular(path: Path, name: str) -> BinaryIO:
    """Open a regular file for reading, or refuse it naming why, without ever blocking.

    ``O_NONBLOCK`` makes opening a FIFO return at once, and the type is read from the
    opened descriptor (``fstat``), so a symlink to ``/dev/zero`` or a FIFO swapped in
    after a check is refused as what it is, never read.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError as err:
        raise _unreadable(name, err) from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            kind = next((k for test, k in _FILE_KINDS if test(mode)), "not a regular file")
            raise DocumentError(f"{name} is not a regular file ({kind}).",
                                hint="give a text file; pipes, devices and sockets are not read")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _unreadable(name: str, err: OSError) -> DocumentError:
    """The refusal of a file or folder the system will not let us read."""
    reason = err.strerror or str(err)
    hint = ("check its permissions (`ls -l`, `chmod +r`)" if isinstance(err, PermissionError)
            else "check the path")
    return DocumentError(f"{name} cannot be read: {reason}.", hint=hint)


def _read_capped(handle: BinaryIO, name: str) -> bytes:
    """Read a file's bytes, at most the size limit (a file growing while read included)."""
    limit = max_document_bytes()
    size = os.fstat(handle.fileno()).st_size
    # The size is checked before reading, so a huge file is never loaded.
    if size > limit:
        raise _too_large(size, name)
    try:
        raw = handle.read(limit + 1)
    except OSError as err:
        raise _unreadable(name, err) from None
    if len(raw) > limit:
        raise _too_large(len(raw), name)
    return raw


def _read_file(path: Path, default_date: dt.date | None) -> Iterator[Document | DocumentError]:
    """Yield the documents of one supported file; raise if the whole file is refused."""
    name = shown_name(path.name)
    fmt = _format_of(path)
    if fmt is None:
        raise DocumentError(
            f"{name} is not a supported format ({shown_name(path.suffix) or 'no extension'}).",
            hint=f"give a file ending in one of {_SUPPORTED}",
        )
    with _open_regular(path, name) as handle:
        if fmt == "jsonl":
            yield from _read_jsonl(handle, path, name, default_date)
            return
        raw = _read_capped(handle, name)
    yield parse_text(raw, name, fmt=fmt, default_date=default_date, source=shown_name(path))


def read_document(path: str | Path, *, default_date: dt.date | None = None) -> list[Document]:
    """Read the documents of one file.

    Parameters
    ----------
    path : str or Path
        A ``.txt``, ``.md``, ``.markdown``, ``.html``, ``.htm`` or ``.jsonl`` file.
    default_date : datetime.date, optional
        The publication date of documents that do not give one.

    Returns
    -------
    list of Document
        One document, or one per line of a JSON Lines file.

    Raises
    ------
    DocumentError
        If the file, or any line of a JSON Lines file, is refused.
    """
    documents = []
    for item in _read_file(Path(path), default_date):
        if isinstance(item, DocumentError):
            raise item
        documents.append(item)
    return documents


def _files(folder: Path) -> tuple[list[Path], list[DocumentError]]:
    """The supported files under a folder, sorted, hidden files and folders left out; and
    a refusal for each folder that cannot be listed (its files are not ingested).

    A folder's README (README.md, README.txt, ...) describes the folder; it is not a report.
    Symlinked folders are followed once each (a link back to a parent is no loop).
    Whatever else has a supported name (a pipe, a device, a link to one) is listed, so that
    reading it refuses it by name instead of skipping it silently.
    """
    errors: list[DocumentError] = []

    def refuse(err: OSError) -> None:
        where = shown_name(err.filename if err.filename is not None else folder)
        error = _unreadable(f"the folder {where}", err)
        error.args = (f"{error.args[0][:-1]}; its files were not ingested.",)
        error.document = where
        errors.append(error)

    found, seen = [], set()
    for root, dirs, names in os.walk(folder, onerror=refuse, followlinks=True):
        try:
            info = Path(root).stat()
            key = (info.st_dev, info.st_ino)
        except OSError:
            key = None
        if key in seen:
            dirs[:] = []
            continue
        seen.add(key)
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for file in names:
            path = Path(root, file)
            if (not file.startswith(".") and _format_of(path) is not None
                    and path.stem.upper() != "README"):
                found.append(path)
    return sorted(found), errors


def read_documents(
    path: str | Path, *, default_date: dt.date | None = None
) -> Iterator[Document | DocumentError]:
    """Read every document of a file or a folder, refusals included.

    Parameters
    ----------
    path : str or Path
        A supported file, or a folder whose supported files are read recursively in
        sorted order (other files are skipped).
    default_date : datetime.date, optional
        The publication date of documents that do not give one (the CLI's ``--date``).

    Yields
    ------
    Document or DocumentError
        Each document, or the error refusing it (yielded, not raised, so a batch goes on).
        A missing path or an explicitly named unsupported file is one error.

    Examples
    --------
    >>> import datetime as dt, tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "a.txt").write_text("date 2021-08-08 Kunduz fell.")
    >>> _ = (folder / "b.txt").write_text("")
    >>> [type(item).__name__ for item in read_documents(folder)]
    ['Document', 'DocumentError']
    """
    path = Path(path)
    shown = shown_name(path)
    try:
        is_dir = stat.S_ISDIR(path.stat().st_mode)
    except FileNotFoundError:
        yield _named(DocumentError(f"{shown} does not exist.", hint="check the path"), shown)
        return
    except OSError as err:  # e.g. inside a folder we may not enter
        yield _named(_unreadable(shown, err), shown)
        return
    files, errors = _files(path) if is_dir else ([path], [])
    yield from errors
    for file in files:
        try:
            yield from _read_file(file, default_date)
        except DocumentError as err:
            err.document = err.document or shown_name(file.name)
            yield err


def _named(err: DocumentError, document: str) -> DocumentError:
    err.document = document
    return err
