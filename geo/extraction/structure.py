"""Document structure above the sentence: title, headings, list items, captions, datelines.

A third of the claims a careful reader finds depend on where a sentence stands: a list
item under a heading that says "captured", a dated timeline entry ("Aug. 13: ..."), a photo
caption whose date is not an event date. :func:`layout` reads the lines of a document once
and returns, for any offset, the :class:`Line` it falls on and the heading that scopes it.

Examples
--------
>>> text = "Taliban take Kunduz\\n\\nCities under siege:\\n- Herat\\n- Kandahar\\n"
>>> lines = layout(text)
>>> lines.at(text.index("Herat")).role, lines.scope(text.index("Herat")).text
('item', 'Cities under siege:')
>>> lines.at(0).role
'title'
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from typing import Literal

LineRole = Literal["title", "heading", "item", "caption", "dateline", "body", "blank"]

_BULLET = re.compile(r"^\s*(?:[•·*▪●◦‣○■□►\-–—]+|--|\d{1,2}[.)]|[a-z][.)])\s+")
_MONTH = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
          r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?")
#: "Aug. 13:", "August 8 –", "12 Aug —", "July 9:", "Sunday:" opening a timeline entry
_DATED_ITEM = re.compile(
    rf"^\s*(?:{_MONTH}\s+\d{{1,2}}|\d{{1,2}}\s+{_MONTH}|(?:mon|tues|wednes|thurs|fri|satur|sun)"
    rf"day)(?:,?\s+\d{{4}})?\s*(?::|[-–—]+)\s+",
    re.IGNORECASE,
)
_CAPTION = re.compile(
    r"\bphoto(?:graph)?s?\b|\bpictured\b|\bfile\s+(?:photo|picture|image)\b|\bimage\s*:|"
    r"\bgetty\b|\b(?:AFP|AP|Reuters|Xinhua|EPA|Anadolu)\s*(?:photo|/)|\|\s*photo|"
    r"\bcaption\b|\bseen\s+(?:here|in\s+this)\b|\bpose\s+for\b",
    re.IGNORECASE,
)
#: "KABUL, Aug 12 (Reuters) -", "KABUL, Afghanistan (AA) –": the wire dateline of a body
_DATELINE = re.compile(r"^[ \t]{0,3}[A-Z][A-Z'’-]*(?: [A-Z][A-Z'’-]*){0,3}(?:,[^()\n]{0,40})?"
                       r"[ \t]?\([^)\n]{1,40}\)[ \t]?[-–—:]")
_TERMINAL = re.compile(r"[.!?…\"”’)]\s*$")


@dataclass(frozen=True, slots=True)
class Line:
    """One line of a document: its span, text and role; ``date_prefix`` is the opening
    date expression of a timeline entry ("Aug. 13"), or ""."""

    start: int
    end: int
    text: str
    role: LineRole
    date_prefix: str = ""


class Layout:
    """The lines of a document with their roles; finds the line and heading of an offset."""

    def __init__(self, lines: list[Line]) -> None:
        self.lines = lines
        self._starts = [line.start for line in lines]

    def at(self, offset: int) -> Line:
        """Return the line that holds ``offset``."""
        i = max(0, bisect.bisect_right(self._starts, offset) - 1)
        return self.lines[i]

    def index(self, offset: int) -> int:
        """Return the index of the line that holds ``offset``."""
        return max(0, bisect.bisect_right(self._starts, offset) - 1)

    def scope(self, offset: int) -> Line | None:
        """Return the heading that scopes the line at ``offset``: the nearest line above that
        ends with a colon or is a heading, when only list items or short lines stand between
        them (a body paragraph ends a heading's scope)."""
        i = self.index(offset)
        if self.lines[i].role not in ("item", "heading"):
            return None
        for j in range(i - 1, max(-1, i - 40), -1):
            line = self.lines[j]
            if line.role == "blank":
                continue
            if line.text.rstrip().endswith(":") or line.role == "heading":
                return line
            if line.role != "item":
                return None  # a body paragraph ends a heading's scope
        return None

    def title(self) -> Line | None:
        """Return the document's title line, if it has one."""
        return next((line for line in self.lines if line.role == "title"), None)


def _role(text: str, first: bool) -> tuple[LineRole, str]:
    stripped = text.strip()
    if not stripped:
        return "blank", ""
    dated = _DATED_ITEM.match(stripped)
    if dated:
        return "item", dated.group().strip(" :-–—")
    if _BULLET.match(stripped):
        return "item", ""
    if _DATELINE.match(stripped):
        return "dateline", ""
    words = len(stripped.split())
    if _CAPTION.search(stripped) and words <= 60:
        return "caption", ""
    if first and words <= 25 and not stripped.endswith(":"):
        return "title", ""
    if words <= 14 and not _TERMINAL.search(stripped):
        return "heading", ""
    return "body", ""


def layout(text: str) -> Layout:
    """Return the :class:`Layout` of a document's text: one :class:`Line` per line."""
    lines: list[Line] = []
    pos = 0
    seen_text = False
    for raw in text.split("\n"):
        role, prefix = _role(raw, first=not seen_text)
        lines.append(Line(pos, pos + len(raw), raw, role, prefix))
        seen_text = seen_text or role != "blank"
        pos += len(raw) + 1
    return Layout(lines)
