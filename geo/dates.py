"""Event dates: find the date expressions of a sentence and resolve them against the
publication date.

News reports date events relative to the day they were published ("on Thursday",
"yesterday", "July 14"). Every expression resolves to a day on or before the publication
date: a report describes what has happened, so a date after publication (a scheduled
event, or a misreading) is never an event date.

The common forms are handled by the regular expressions below, which is fast and
deterministic; anything else given to :func:`resolve_event_date` falls back to
``dateparser``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

__all__ = ["find_date_expressions", "resolve_event_date", "sentence_event_date"]

WEEKDAYS: tuple[str, ...] = (
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
)

MONTHS: dict[str, int] = {
    "january": 1,
    "february": 2,
    "march": 3,
    "april": 4,
    "may": 5,
    "june": 6,
    "july": 7,
    "august": 8,
    "september": 9,
    "october": 10,
    "november": 11,
    "december": 12,
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "sept": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
}

NUMBER_WORDS: dict[str, int] = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
}

# Full names first so that "September" wins over "Sept"; only abbreviations take a dot, so
# the full stop after "6 August." stays out of the expression.
_FULL_MONTHS = "|".join(m.capitalize() for m in MONTHS if len(m) > 3 and m != "sept")
_ABBREVIATIONS = "|".join(
    m.capitalize() for m in sorted(MONTHS, key=len, reverse=True) if len(m) <= 3 or m == "sept"
)
_MONTH = rf"(?P<month>(?:{_FULL_MONTHS})\b|(?:{_ABBREVIATIONS})\b\.?)"
_NUMBER = r"\d{1,2}|" + "|".join(NUMBER_WORDS)
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?:,?\s+(?P<year>(?:19|20)\d\d)\b)?"

# Month names and weekdays must be capitalised: "may" the verb and "march" the noun are
# then only a trap when a day number is adjacent, which every month pattern requires.
_PATTERNS: dict[str, str] = {
    "iso": r"\b(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})\b",
    "month_day": rf"\b(?:(?i:on)\s+)?{_MONTH}\s*{_DAY}\b{_YEAR}",
    "day_month": (
        rf"\b(?:(?i:on)\s+)?(?:(?i:the)\s+)?{_DAY}\s+(?:(?i:of)\s+)?"
        rf"{_MONTH}{_YEAR}"
    ),
    "weekday": (
        r"\b(?:(?i:late|early)\s+)?(?:(?P<prep>(?i:on|last))\s+)?"
        rf"(?P<weekday>{'|'.join(WEEKDAYS)})\b"
        r"(?:\s+(?i:morning|afternoon|evening|night))?"
    ),
    "relative": (
        r"(?i:\b(?:"
        r"the\s+day\s+before\s+yesterday"
        r"|yesterday(?:\s+(?:morning|afternoon|evening))?"
        r"|(?:earlier\s+)?today|tonight|this\s+(?:morning|afternoon|evening)"
        r"|last\s+(?:night|week)|earlier\s+this\s+week"
        r"|(?:the\s+)?(?:past|last|previous)\s+(?:24|twenty-four|48|forty-eight)\s+hours"
        rf"|(?:{_NUMBER})\s+(?:days?|weeks?)\s+ago"
        rf"|(?:{_NUMBER})\s+days?\s+(?:earlier|later|before|after)"
        r"|the\s+(?:next|following|previous)\s+day|the\s+day\s+(?:before|after)"
        r")\b)"
    ),
}

_FIND = {kind: re.compile(pattern) for kind, pattern in _PATTERNS.items()}
# Resolving an expression someone typed is lenient about case ("on thursday").
_RESOLVE = {kind: re.compile(pattern, re.IGNORECASE) for kind, pattern in _PATTERNS.items()}

#: Relative expressions and how many days before publication they point to.
_DAYS_BEFORE: dict[str, int] = {
    "today": 0,
    "earlier today": 0,
    "tonight": 0,
    "this morning": 0,
    "this afternoon": 0,
    "this evening": 0,
    "yesterday": 1,
    "yesterday morning": 1,
    "yesterday afternoon": 1,
    "yesterday evening": 1,
    "the day before yesterday": 2,
    # The evening before publication: reports filed in the morning say "last night".
    "last night": 1,
    "last week": 7,
    # Anywhere from Monday to yesterday: take the latest day it can mean, so a change of
    # control is never dated earlier than the text supports.
    "earlier this week": 1,
}


def _clean(expression: str) -> str:
    return re.sub(r"\s+", " ", expression.strip().lower())


def _past_hours(text: str) -> int | None:
    match = re.fullmatch(r"(?:the )?(?:past|last|previous) (\S+) hours", text)
    if not match:
        return None
    hours = {"24": 24, "twenty-four": 24, "48": 48, "forty-eight": 48}[match.group(1)]
    return hours // 24


def _relative(match: re.Match[str], published: dt.date) -> dt.date | None:
    text = _clean(match.group(0))
    if text in _DAYS_BEFORE:
        return published - dt.timedelta(days=_DAYS_BEFORE[text])
    days = _past_hours(text)
    if days is not None:
        # Events "of the past 24 hours" are dated to the day before publication.
        return published - dt.timedelta(days=days)
    ago = re.fullmatch(r"(\S+) (day|week)s? ago", text)
    if ago:
        count = int(ago.group(1)) if ago.group(1).isdigit() else NUMBER_WORDS[ago.group(1)]
        return published - dt.timedelta(days=count * (7 if ago.group(2) == "week" else 1))
    # "a day earlier", "the next day": relative to another event, not to publication.
    return None


def _weekday(match: re.Match[str], published: dt.date) -> dt.date:
    wanted = WEEKDAYS.index(match.group("weekday").capitalize())
    back = (published.weekday() - wanted) % 7
    if back == 0 and (match.group("prep") or "").lower() == "last":
        back = 7  # "last Thursday" said on a Thursday is a week ago
    return published - dt.timedelta(days=back)


def _safe_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _calendar(match: re.Match[str], published: dt.date) -> dt.date | None:
    month_text = match.group("month").rstrip(".")
    month = int(month_text) if month_text.isdigit() else MONTHS[month_text.lower()]
    day = int(match.group("day"))
    if match.group("year"):
        found = _safe_date(int(match.group("year")), month, day)
        return found if found is not None and found <= published else None
    # No year: the publication year, else the year before (a January piece on December).
    for year in (published.year, published.year - 1):
        found = _safe_date(year, month, day)
        if found is not None and found <= published:
            return found
    return None


_RESOLVERS: dict[str, Callable[[re.Match[str], dt.date], dt.date | None]] = {
    "iso": _calendar,
    "month_day": _calendar,
    "day_month": _calendar,
    "weekday": _weekday,
    "relative": _relative,
}


def _dateparser(expression: str, published: dt.date) -> dt.date | None:
    if not re.search(r"[A-Za-z]", expression):
        return None  # a bare number is not a date
    import dateparser  # slow to import; only the uncommon forms need it

    base = dt.datetime.combine(published, dt.time(12))
    settings = {
        "RELATIVE_BASE": base,
        "PREFER_DATES_FROM": "past",
        "RETURN_AS_TIMEZONE_AWARE": False,
    }
    try:
        parsed = dateparser.parse(expression, languages=["en"], settings=settings)
    except (ValueError, OverflowError, TypeError):
        return None
    if parsed is None or parsed.date() > published:
        return None
    return parsed.date()


def resolve_event_date(expression: str, published: dt.date) -> dt.date | None:
    """Resolve a date expression against the publication date.

    Parameters
    ----------
    expression : str
        A date expression as found in a sentence: ``"on Thursday"``, ``"July 14"``,
        ``"yesterday"``, ``"2021-08-06"``.
    published : datetime.date
        The publication date of the document the expression comes from.

    Returns
    -------
    datetime.date or None
        The day the expression means, never after ``published``: a weekday is the most
        recent such day on or before publication, a month and day without a year is in
        the publication year or else the year before. None when the expression cannot be
        anchored to the publication date ("a day later") or would be in the future.

    Examples
    --------
    >>> import datetime as dt
    >>> published = dt.date(2021, 8, 12)  # a Thursday
    >>> resolve_event_date("on Thursday", published)
    datetime.date(2021, 8, 12)
    >>> resolve_event_date("June 16", published)
    datetime.date(2021, 6, 16)
    >>> resolve_event_date("yesterday", published)
    datetime.date(2021, 8, 11)
    >>> resolve_event_date("a day later", published) is None
    True
    """
    text = expression.strip()
    if not text:
        return None
    for kind, pattern in _RESOLVE.items():
        match = pattern.fullmatch(text)
        if match:
            return _RESOLVERS[kind](match, published)
    return _dateparser(text, published)


def find_date_expressions(sentence: str) -> list[tuple[int, int, str]]:
    """Find the date expressions of a sentence.

    Parameters
    ----------
    sentence : str
        Any text.

    Returns
    -------
    list of (int, int, str)
        The ``(start, end, text)`` of each expression, in order and not overlapping; the
        longest wins where two overlap ("Thursday morning" over "Thursday").

    Examples
    --------
    >>> find_date_expressions("On Thursday the Taliban took Zaranj, which fell on Aug. 6.")
    [(0, 11, 'On Thursday'), (48, 57, 'on Aug. 6')]
    >>> find_date_expressions("Officials may resign in March.")
    []
    """
    found = [
        (match.start(), match.end())
        for pattern in _FIND.values()
        for match in pattern.finditer(sentence)
        if match.end() > match.start()
    ]
    found.sort(key=lambda span: (span[0], span[0] - span[1]))
    spans: list[tuple[int, int, str]] = []
    for start, end in found:
        if spans and start < spans[-1][1]:
            continue
        spans.append((start, end, sentence[start:end]))
    return spans


def sentence_event_date(sentence: str, published: dt.date) -> tuple[dt.date, str]:
    """Return the event date of a sentence and how it was found.

    Parameters
    ----------
    sentence : str
        One sentence of a document.
    published : datetime.date
        The document's publication date.

    Returns
    -------
    (datetime.date, str)
        The date of the first expression that resolves, with ``"expression '<text>'"``;
        else ``published`` with ``"publication date"``.

    Examples
    --------
    >>> import datetime as dt
    >>> sentence_event_date("Kunduz fell on Sunday.", dt.date(2021, 8, 12))
    (datetime.date(2021, 8, 8), "expression 'on Sunday'")
    >>> sentence_event_date("Kunduz has fallen.", dt.date(2021, 8, 12))
    (datetime.date(2021, 8, 12), 'publication date')
    """
    for _start, _end, text in find_date_expressions(sentence):
        resolved = resolve_event_date(text, published)
        if resolved is not None:
            return resolved, f"expression '{text}'"
    return published, "publication date"
