"""Tests of geo.documents: reading, normalising, dating and refusing documents."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from geo import documents
from geo.documents import (
    markdown_to_text,
    parse_published,
    parse_text,
    read_document,
    read_documents,
    split_date_header,
)
from geo.errors import DocumentError
from geo.records import Document

SEED = Path("/work/shared/seed/000_b78267a4efcda73d.txt")
AUG_8 = dt.date(2021, 8, 8)

ARTICLE_HTML = """<!doctype html>
<html><head>
<title>Kunduz falls | Example News</title>
<meta property="article:published_time" content="2021-08-08T10:00:00+00:00">
</head><body>
<nav><a href="/">Home</a> <a href="/world">World</a> Subscribe to our newsletter</nav>
<article>
<h1>Kunduz falls to the Taliban</h1>
<p>The Taliban captured the city of Kunduz on Sunday, officials said, after weeks of
fighting around the provincial capital in the north of the country.</p>
<p>Residents said government forces had retreated to the airport outside the city, where
fighting continued into the night as more families fled towards Kabul.</p>
</article>
<footer>Copyright 2021 Example News. All rights reserved. Privacy policy.</footer>
</body></html>
"""


def write(path: Path, content: str | bytes) -> Path:
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


# --------------------------------------------------------------------------- plain text


def test_seed_header_is_parsed_and_the_rest_of_its_line_kept() -> None:
    if not SEED.exists():
        pytest.skip(f"seed article {SEED} is not available on this machine")
    [document] = read_document(SEED)
    assert document.published == dt.date(2021, 8, 12)
    assert document.text.startswith("The Taliban’s executions of surrendering Afghan troops")
    assert document.name == SEED.name
    assert document.source == str(SEED)


@pytest.mark.parametrize(
    "header",
    ["date 2021-08-08 ", " date 2021-08-08\n", "Date: 2021-08-08\n", "DATE 2021-08-08\n\n"],
)
def test_date_header_forms_are_read(header: str) -> None:
    document = parse_text(header + "Kunduz fell.", "k.txt")
    assert (document.published, document.text) == (AUG_8, "Kunduz fell.")


def test_text_opening_with_the_word_date_is_not_a_header() -> None:
    document = parse_text("Date palms grow in Kandahar.", "k.txt", default_date=AUG_8)
    assert document.text == "Date palms grow in Kandahar."


def test_header_date_wins_over_the_default_date() -> None:
    document = parse_text("date 2021-08-12 Text.", "k.txt", default_date=AUG_8)
    assert document.published == dt.date(2021, 8, 12)


def test_default_date_dates_an_undated_text() -> None:
    assert parse_text("Kunduz fell.", "k.txt", default_date=AUG_8).published == AUG_8


def test_line_ends_are_unix_and_characters_composed() -> None:
    document = parse_text("date 2021-08-08\r\nHera\u0301t fell.\r\nKabul next.", "k.txt")
    assert document.text == "Her\u00e1t fell.\nKabul next."


def test_utf8_byte_order_mark_is_stripped(tmp_path: Path) -> None:
    path = write(tmp_path / "bom.txt", "\ufeffdate 2021-08-08 Kunduz fell.".encode())
    [document] = read_document(path)
    assert (document.published, document.text) == (AUG_8, "Kunduz fell.")


# --------------------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is empty"),
        (b"  \n\t\n ", "only whitespace"),
        (b"date 2021-08-08 \x00\x01\x02PK\x03\x04", "binary"),
        (bytes(range(1, 32)) * 10, "binary"),
        ("date 2021-08-08 Caf\u00e9 in Herat".encode("latin-1"), "not UTF-8"),
        (b"Kunduz fell.", "has no publication date"),
        (b"date 2021-13-45 Kunduz fell.", "is not a date"),
        (b"date 2999-01-01 Kunduz fell.", "in the future"),
        (b"date 1985-06-01 Kunduz fell.", "before 1990"),
        (b"date 2021-08-08\n\n", "no text"),
    ],
)
def test_refused_file_names_itself_and_says_why(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = write(tmp_path / "bad.txt", content)
    with pytest.raises(DocumentError, match=message) as caught:
        read_document(path)
    assert "bad.txt" in str(caught.value)
    assert caught.value.hint


def test_undated_refusal_hints_at_the_header_and_date_option(tmp_path: Path) -> None:
    path = write(tmp_path / "undated.txt", "Kunduz fell.")
    with pytest.raises(DocumentError) as caught:
        read_document(path)
    assert "date YYYY-MM-DD" in caught.value.hint
    assert "--date" in caught.value.hint


def test_latin1_refusal_names_the_failing_byte(tmp_path: Path) -> None:
    path = write(tmp_path / "latin.txt", "date 2021-08-08 Caf\u00e9".encode("latin-1"))
    with pytest.raises(DocumentError, match=r"0xe9 at offset 19"):
        read_document(path)


def test_file_over_the_size_limit_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONTROLMAP_MAX_DOCUMENT_BYTES", "100")
    path = write(tmp_path / "huge.txt", "date 2021-08-08 " + "Kunduz fell. " * 20)
    with pytest.raises(DocumentError, match="over the 100-byte limit"):
        read_document(path)


def test_file_at_the_size_limit_is_accepted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    content = "date 2021-08-08 Kunduz fell."
    monkeypatch.setenv("CONTROLMAP_MAX_DOCUMENT_BYTES", str(len(content)))
    assert read_document(write(tmp_path / "fits.txt", content))[0].text == "Kunduz fell."


def test_pasted_text_over_the_size_limit_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONTROLMAP_MAX_DOCUMENT_BYTES", "10")
    with pytest.raises(DocumentError, match="limit"):
        parse_text("date 2021-08-08 Kunduz fell.", "pasted")


def test_future_default_date_is_refused() -> None:
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    with pytest.raises(DocumentError, match="in the future"):
        parse_text("Kunduz fell.", "k.txt", default_date=tomorrow)


def test_explicitly_named_unsupported_file_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "report.pdf", b"%PDF-1.4")
    with pytest.raises(DocumentError, match="not a supported format"):
        read_document(path)
    [error] = read_documents(path)
    assert isinstance(error, DocumentError)


def test_missing_path_is_one_error(tmp_path: Path) -> None:
    [error] = read_documents(tmp_path / "nowhere")
    assert isinstance(error, DocumentError)
    assert "does not exist" in str(error)


# --------------------------------------------------------------------------- markdown


def test_markdown_front_matter_dates_and_titles_the_document(tmp_path: Path) -> None:
    path = write(
        tmp_path / "kunduz.md",
        '---\ntitle: "Kunduz falls"\ndate: 2021-08-08\n---\n'
        "# Kunduz falls\n\nThe **Taliban** took [Kunduz](https://example.org/k) on *Sunday*.\n",
    )
    [document] = read_document(path)
    assert document.published == AUG_8
    assert document.title == "Kunduz falls"
    assert document.text == "Kunduz falls\n\nThe Taliban took Kunduz on Sunday."


def test_markdown_without_front_matter_reads_the_date_header(tmp_path: Path) -> None:
    path = write(tmp_path / "k.markdown", "date 2021-08-08\n## Kunduz\n\nIt fell.")
    [document] = read_document(path)
    assert (document.published, document.title, document.text) == (
        AUG_8,
        "Kunduz",
        "Kunduz\n\nIt fell.",
    )


def test_markdown_markup_is_stripped() -> None:
    markdown = (
        "### Heading ###\n> quoted _words_\n- a `code` item\n\n```\nfenced\n```\n"
        "![map](m.png) [ref][1]\n\n[1]: https://example.org\n"
    )
    assert markdown_to_text(markdown) == (
        "Heading\nquoted words\na code item\n\nfenced\nmap ref\n\n"
    )


def test_markdown_front_matter_with_a_bad_date_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "k.md", "---\ndate: soon\n---\nKunduz fell.")
    with pytest.raises(DocumentError, match="is not a date"):
        read_document(path)


# --------------------------------------------------------------------------- html


def test_html_keeps_the_article_and_drops_navigation_and_footer(tmp_path: Path) -> None:
    [document] = read_document(write(tmp_path / "kunduz.html", ARTICLE_HTML))
    assert document.published == AUG_8
    assert "The Taliban captured the city of Kunduz on Sunday" in document.text
    assert "retreated to the airport" in document.text
    assert "Subscribe" not in document.text
    assert "Copyright" not in document.text
    assert document.title == "Kunduz falls to the Taliban"


@pytest.mark.parametrize(
    "date_tag",
    [
        '<meta name="date" content="2021-08-08">',
        '<meta property="article:published_time" content="2021-08-08T06:00:00Z">',
    ],
)
def test_html_meta_date_is_the_publication_date(date_tag: str) -> None:
    html = ARTICLE_HTML.replace(
        '<meta property="article:published_time" content="2021-08-08T10:00:00+00:00">',
        date_tag,
    )
    assert parse_text(html, "k.html", fmt="html").published == AUG_8


def test_html_time_element_dates_the_document() -> None:
    html = ARTICLE_HTML.replace(
        '<meta property="article:published_time" content="2021-08-08T10:00:00+00:00">', ""
    ).replace("<article>", '<article><time datetime="2021-08-08">8 August</time>')
    assert parse_text(html, "k.htm", fmt="html").published == AUG_8


def test_short_html_falls_back_to_the_body_text() -> None:
    html = "<html><body><nav>Menu</nav><p>Kunduz fell.</p><footer>Copyright</footer></body></html>"
    document = parse_text(html, "short.html", fmt="html", default_date=AUG_8)
    assert document.text == "Kunduz fell."


def test_html_without_text_is_refused() -> None:
    with pytest.raises(DocumentError, match="no text"):
        parse_text(
            "<html><body><script>x()</script></body></html>",
            "e.html",
            fmt="html",
            default_date=AUG_8,
        )


# --------------------------------------------------------------------------- json lines


def test_json_lines_bad_line_is_refused_alone(tmp_path: Path) -> None:
    lines = [
        json.dumps(
            {
                "text": "Kunduz fell.",
                "date": "2021-08-08",
                "url": "https://a.org/1",
                "title": "Kunduz",
            }
        ),
        "{not json",
        "",
        json.dumps({"text": "Sheberghan fell.", "date": "2021-08-07"}),
        json.dumps({"date": "2021-08-07"}),
        json.dumps({"text": "Undated."}),
    ]
    path = write(tmp_path / "feed.jsonl", "\n".join(lines) + "\n")
    items = list(read_documents(path))
    assert [type(item).__name__ for item in items] == [
        "Document",
        "DocumentError",
        "Document",
        "DocumentError",
        "DocumentError",
    ]
    first, bad_json, second, no_text, undated = items
    assert (first.name, first.source, first.title) == (
        "https://a.org/1",
        "https://a.org/1",
        "Kunduz",
    )
    assert (second.name, second.source) == ("feed.jsonl#4", str(path))
    assert "feed.jsonl#2" in str(bad_json)
    assert "'text'" in str(no_text)
    assert "no publication date" in str(undated)


def test_json_lines_default_date_dates_undated_lines(tmp_path: Path) -> None:
    path = write(tmp_path / "feed.jsonl", json.dumps({"text": "Kunduz fell."}) + "\n")
    assert [d.published for d in read_document(path, default_date=AUG_8)] == [AUG_8]


def test_read_document_raises_on_a_bad_json_line(tmp_path: Path) -> None:
    path = write(tmp_path / "feed.jsonl", "{oops\n")
    with pytest.raises(DocumentError, match=r"feed\.jsonl#1"):
        read_document(path)


def test_json_line_over_the_size_limit_is_refused_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONTROLMAP_MAX_DOCUMENT_BYTES", "80")
    small = json.dumps({"text": "Kunduz fell.", "date": "2021-08-08"})
    big = json.dumps({"text": "x" * 500, "date": "2021-08-08"})
    path = write(tmp_path / "feed.jsonl", f"{big}\n{small}\n")
    items = list(read_documents(path))
    assert isinstance(items[0], DocumentError)
    assert "feed.jsonl#1" in str(items[0])
    assert isinstance(items[1], Document)
    assert items[1].name == "feed.jsonl#2"


# --------------------------------------------------------------------------- folders


def test_folder_reads_supported_files_sorted_and_recursively(tmp_path: Path) -> None:
    write(tmp_path / "b.txt", "date 2021-08-08 Kunduz fell.")
    write(tmp_path / "a.md", "---\ndate: 2021-08-07\n---\nSheberghan *fell*.")
    (tmp_path / "sub").mkdir()
    write(tmp_path / "sub" / "c.html", ARTICLE_HTML)
    write(tmp_path / "sub" / "d.jsonl", json.dumps({"text": "Zaranj fell.", "date": "2021-08-06"}))
    write(tmp_path / "empty.txt", "")
    write(tmp_path / "notes.pdf", b"%PDF-1.4")
    write(tmp_path / "image.png", b"\x89PNG\x00\x00")
    (tmp_path / ".hidden").mkdir()
    write(tmp_path / ".hidden" / "x.txt", "date 2021-08-08 hidden")
    items = list(read_documents(tmp_path))
    names = [item.name for item in items if isinstance(item, Document)]
    errors = [str(item) for item in items if isinstance(item, DocumentError)]
    assert names == ["a.md", "b.txt", "c.html", "d.jsonl#1"]
    assert len(errors) == 1
    assert "empty.txt" in errors[0]


def test_folder_default_date_applies_to_undated_files(tmp_path: Path) -> None:
    write(tmp_path / "k.txt", "Kunduz fell.")
    [document] = read_documents(tmp_path, default_date=AUG_8)
    assert isinstance(document, Document)
    assert document.published == AUG_8


# --------------------------------------------------------------------------- helpers


def test_split_date_header_keeps_text_without_a_header() -> None:
    assert split_date_header("Kunduz fell.") == (None, "Kunduz fell.")


def test_parse_published_reads_timestamps_and_refuses_nonsense() -> None:
    assert parse_published("2021-08-08T06:00:00Z", "k") == AUG_8
    assert parse_published("August 8, 2021", "k", lenient=True) == AUG_8
    with pytest.raises(DocumentError, match="is not a date"):
        parse_published("August 8, 2021", "k")


@given(st.text(max_size=300))
def test_parse_text_returns_a_document_or_refuses(text: str) -> None:
    try:
        document = parse_text(text, "random.txt", default_date=AUG_8)
    except DocumentError:
        return
    assert document.text
    assert document.text == document.text.strip()
    assert "\r" not in document.text


def test_not_utf8_offset_counts_the_byte_order_mark(tmp_path: Path) -> None:
    path = write(tmp_path / "bom.txt", b"\xef\xbb\xbfdate 2021-08-08 Caf\xe9")
    with pytest.raises(DocumentError, match=r"0xe9 at offset 22"):
        read_document(path)


@pytest.mark.parametrize(("content", "message"), [(b"", "is empty"), (b"\n \n", "whitespace")])
def test_empty_json_lines_file_is_refused(tmp_path: Path, content: bytes, message: str) -> None:
    [error] = read_documents(write(tmp_path / "feed.jsonl", content))
    assert isinstance(error, DocumentError)
    assert message in str(error)


# --- bad input: each class refused by name, the rest of a folder read ------------------


def _refusals(path) -> tuple[list[str], list[str]]:
    """Return the names of the documents read and the messages of the refusals."""
    items = list(read_documents(path, default_date=dt.date(2021, 8, 8)))
    return ([i.name for i in items if isinstance(i, Document)],
            [str(i) for i in items if isinstance(i, DocumentError)])


def test_a_fifo_and_a_dev_zero_link_are_refused_without_being_read(tmp_path):
    import os

    (tmp_path / "good.txt").write_text("Kunduz fell.")
    os.mkfifo(tmp_path / "pipe.txt")  # reading it would block until a writer comes
    (tmp_path / "zero.md").symlink_to("/dev/zero")  # reading it would never end
    names, errors = _refusals(tmp_path)
    assert names == ["good.txt"]
    hint = " Hint: give a text file; pipes, devices and sockets are not read"
    assert sorted(errors) == [
        "pipe.txt is not a regular file (a named pipe (FIFO))." + hint,
        "zero.md is not a regular file (a character device)." + hint]


@pytest.mark.parametrize(("data", "text"), [
    (b"\xff\xfe" + "date 2021-08-08 Kunduz fell.".encode("utf-16-le"), "Kunduz fell."),
    (b"\xfe\xff" + "Kunduz fell, Kabul held.".encode("utf-16-be"), "Kunduz fell, Kabul held."),
    (b"\xff\xfe\x00\x00" + "Kunduz fell.".encode("utf-32-le"), "Kunduz fell."),
    (b"\xef\xbb\xbfKunduz fell.", "Kunduz fell."),
])
def test_utf16_and_utf32_with_a_byte_order_mark_are_decoded(data, text):
    assert parse_text(data, "wide.txt", default_date=dt.date(2021, 8, 8)).text == text


@pytest.mark.parametrize(("codec", "label"), [("utf-16-le", "UTF-16 (little-endian)"),
                                              ("utf-16-be", "UTF-16 (big-endian)"),
                                              ("utf-32-le", "UTF-32 (little-endian)")])
def test_utf16_without_a_byte_order_mark_is_named_not_called_binary(codec, label):
    with pytest.raises(DocumentError, match=rf"wide.txt looks like {re.escape(label)} text"):
        parse_text("date 2021-08-08 Kunduz fell.".encode(codec), "wide.txt")


def test_a_nul_anywhere_is_refused_with_its_offset():
    text = "date 2021-08-08 Kunduz fell. " + "x" * 10_000 + "\x00"
    for raw in (text, text.encode("utf-8")):
        with pytest.raises(DocumentError, match="holds a NUL character at offset 10029"):
            parse_text(raw, "late.txt")


def test_a_lone_surrogate_in_json_lines_is_refused_by_line(tmp_path):
    feed = tmp_path / "feed.jsonl"
    feed.write_text('{"text": "Kunduz fell.", "date": "2021-08-08"}\n'
                    '{"text": "Herat \\ud800 fell.", "date": "2021-08-13"}\n'
                    '{"text": "Ghazni fell.", "title": "x\\udfff", "date": "2021-08-12"}\n')
    names, errors = _refusals(feed)
    assert names == ["feed.jsonl#1"]
    assert errors[0].startswith("feed.jsonl#2: its text holds a lone surrogate \\ud800")
    assert errors[1].startswith("feed.jsonl#3: its title holds a lone surrogate \\udfff")


def test_a_file_name_that_is_not_utf8_is_shown_and_stored_escaped(tmp_path):
    import os

    raw = os.fsencode(tmp_path) + b"/caf\xe9.txt"
    Path(os.fsdecode(raw)).write_text("date 2021-08-08 Kunduz fell.")
    [doc] = [i for i in read_documents(tmp_path) if isinstance(i, Document)]
    assert doc.name == "caf\\xe9.txt"
    doc.name.encode("utf-8")  # storable
    assert doc.source.endswith("caf\\xe9.txt")


def test_an_unclosed_front_matter_is_named_as_such():
    with pytest.raises(DocumentError, match="never closed"):
        parse_text("---\ndate: 2021-08-08\n\nKunduz fell.", "open.md", fmt="md")
    # a leading horizontal rule is not front matter
    doc = parse_text("---\n\nKunduz fell.", "rule.md", fmt="md",
                     default_date=dt.date(2021, 8, 8))
    assert doc.text == "Kunduz fell."


@pytest.mark.parametrize("unit", ["[", "![", "[a](", "**a ", "__a ", "*a ", "_a ", "~~a ",
                                  "[a\n", "\n[", "#  " + " " * 50 + "a"])
def test_markdown_stripping_is_linear_in_adversarial_text(unit):
    import time

    def cost(size: int) -> float:
        text = (unit * (size // len(unit) + 1))[:size]
        started = time.process_time()
        markdown_to_text(text)
        return time.process_time() - started

    # 60 KB took 25 s when spans rescanned the rest of the text from every opening
    assert cost(60_000) < 0.5


@given(st.text(alphabet=st.characters(max_codepoint=300), max_size=300))
def test_a_text_is_called_binary_exactly_when_over_5_percent_are_control_characters(text):
    # the definition, spelt out: C0 controls but tab, line feed, form feed and carriage
    # return, and DEL; a NUL is binary on its own
    controls = sum(1 for c in text if (ord(c) < 32 and c not in "\t\n\f\r") or ord(c) == 127)
    binary = "\x00" in text or (bool(text) and controls / len(text) > 0.05)
    for sample in (text, text.encode("latin-1", "replace")):
        try:
            documents._check_binary(sample, "t.txt")
            refused = False
        except DocumentError:
            refused = True
        assert refused is binary, (sample, controls)
