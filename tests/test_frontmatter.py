"""Front matter, driven directly: where it ends, what it holds, and each way it can be bad, with
the line the warning names."""

from __future__ import annotations

import pytest
import yaml

from garden import frontmatter
from garden.frontmatter import MAX_DEPTH, MAX_VALUES, front_matter_day, split_frontmatter
from garden.publish import might_hide


@pytest.mark.parametrize(
    ("text", "data", "body", "first_line"),
    [
        ("no front matter", {}, "no front matter", 1),
        ("---x\nbody", {}, "---x\nbody", 1),  # not a front matter fence
        ("---\ntitle: a\n---\nbody\nmore", {"title": "a"}, "body\nmore", 4),
        ("---\ntitle: a\n...\nbody", {"title": "a"}, "body", 4),  # YAML's end of document
        ("---  \ntitle: a\n---   \nb", {"title": "a"}, "b", 4),  # spaces after the fences
        ("---\n---\nb", {}, "b", 3),
        ("---\n\n---\nb", {}, "b", 4),
        ("---\na: 1\nb: ---\n---\n", {"a": 1, "b": "---"}, "", 5),
    ],
)
def test_front_matter_and_body(text: str, data: dict, body: str, first_line: int) -> None:
    got = split_frontmatter(text)
    assert (got.data, got.body, got.body_first_line, got.error, got.error_line) == (
        data,
        body,
        first_line,
        "",
        0,
    )


def test_yaml_values_become_json_values() -> None:
    got = split_frontmatter(
        "---\nd: 2024-02-03\nt: 2024-02-03 10:00:00\ns: !!set {b, a, c}\nm: !!set {b, 10, a, 9}\n"
        "l: [1, 2.5, null, true]\nn: {k: v, 3: x}\nb: !!binary aGk=\nq: (1, 2)\n---\nb"
    )
    assert got.data == {
        "d": "2024-02-03",
        "t": "2024-02-03T10:00:00",
        "s": ["a", "b", "c"],  # a set in a stable order
        "m": ["a", "b", 10, 9],  # words and numbers, which cannot be compared: by repr
        "l": [1, 2.5, None, True],
        "n": {"k": "v", "3": "x"},
        "b": "b'hi'",
        "q": "(1, 2)",
    }
    assert got.error == ""


@pytest.mark.parametrize(
    ("text", "error", "line", "first_line"),
    [
        ("---\ntitle: x\nbody", "front matter has no closing '---'", 1, 1),
        (
            "---\ntitle: [unclosed\nb: 2\n---\nbody",
            "invalid YAML front matter: did not find expected ',' or ']'",
            3,
            5,
        ),
        (
            "---\nk: v\n  bad: indent\n---\nb",
            "invalid YAML front matter: mapping values are not allowed in this context",
            3,
            5,
        ),
        ("---\n- a\n---\nb", "front matter is a list, not a mapping", 2, 4),
        ("---\nx\n---\nb", "front matter is a str, not a mapping", 2, 4),
        (
            "---\nd: 2024-02-30\n---\nb",
            "invalid YAML front matter: day is out of range for month",
            2,
            4,
        ),
        (
            "---\na: &a [*a]\n---\nb",
            f"front matter is nested more than {MAX_DEPTH} levels deep (or contains itself)",
            2,
            4,
        ),
        # A character YAML refuses: the line of its first one, after text of any script.
        (
            "---\nÉtat: ü\nb: ééé\nc: x\x01y\nd: \x01\n---\nb",
            "invalid YAML front matter: unacceptable character #x0001: "
            "control characters are not allowed",
            4,
            7,
        ),
        (
            "---\n\na: x\x07\n---\nb",  # after a blank first line
            "invalid YAML front matter: unacceptable character #x0007: "
            "control characters are not allowed",
            3,
            5,
        ),
        # YAML sees the unclosed bracket only at the end: the line is still inside the block.
        (
            "---\na: [1,\n---\nb",
            "invalid YAML front matter: did not find expected node content",
            2,
            4,
        ),
    ],
)
def test_each_bad_front_matter_is_an_error_on_its_line(
    text: str, error: str, line: int, first_line: int
) -> None:
    got = split_frontmatter(text)
    assert (got.data, got.error, got.error_line, got.body_first_line) == (
        {},
        error,
        line,
        first_line,
    )


@pytest.mark.parametrize(
    "bad",
    [
        "title: [unclosed",  # not YAML
        "- a list after a key",  # not YAML either
        "d: 2024-02-30",  # YAML, but no such day
        "n: " + "9" * 5000,  # YAML, but too long a number
        "a: &a [*a]",  # a value that contains itself
        "l: [" + ", ".join("1" for _ in range(MAX_VALUES)) + "]",  # too many values
    ],
)
def test_front_matter_that_cannot_be_read_keeps_its_text_and_the_body(bad: str) -> None:
    """What could not be read is kept as text, where the privacy rule looks for ``draft`` and
    ``publish`` (a note whose bad front matter names them stays private), and the body after
    the closing fence is the note's."""
    got = split_frontmatter(f"---\ndraft: true\n{bad}\n---\nthe body")
    assert got.error != "" and got.data == {}
    assert (got.raw, got.body, got.body_first_line) == (f"draft: true\n{bad}", "the body", 5)
    assert might_hide(got.raw)


def test_values_past_the_budget_are_refused() -> None:
    many = "---\nl: [" + ", ".join("1" for _ in range(MAX_VALUES)) + "]\n---\n"
    assert (
        split_frontmatter(many).error
        == f"front matter has more than {MAX_VALUES} values (YAML aliases?)"
    )
    fits = "---\nl: [" + ", ".join("1" for _ in range(MAX_VALUES - 2)) + "]\n---\n"
    got = split_frontmatter(fits)
    assert got.error == "" and len(got.data["l"]) == MAX_VALUES - 2


def test_nesting_up_to_the_limit_is_read() -> None:
    deep = "---\na: " + "[" * MAX_DEPTH + "]" * MAX_DEPTH + "\n---\n"
    got = split_frontmatter(deep)
    assert got.error == ""
    too_deep = "---\na: " + "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1) + "\n---\n"
    assert "nested more than" in split_frontmatter(too_deep).error


@pytest.mark.parametrize("innermost", ["[x]", "!!set {x}"])
def test_a_set_is_a_level_of_nesting_as_a_list_is(innermost: str) -> None:
    """The innermost list or set at each depth below the root mapping, holding one word."""

    def at_depth(depth: int) -> str:
        return "---\na: " + "[" * (depth - 1) + innermost + "]" * (depth - 1) + "\n---\n"

    assert split_frontmatter(at_depth(MAX_DEPTH - 1)).error == ""  # the word at MAX_DEPTH
    assert split_frontmatter(at_depth(MAX_DEPTH)).error == (
        f"front matter is nested more than {MAX_DEPTH} levels deep (or contains itself)"
    )


@pytest.mark.parametrize(
    ("raised", "error", "line"),
    [
        # Out of memory building what the YAML says: Python's MemoryError has no message.
        (MemoryError(), "invalid YAML front matter: MemoryError", 2),
        (
            RecursionError("maximum recursion depth exceeded"),
            "invalid YAML front matter: maximum recursion depth exceeded",
            2,
        ),
        # An error YAML gives no place for (none of PyYAML's today; a later version's may).
        (yaml.YAMLError("no place"), "invalid YAML front matter: no place", 1),
    ],
)
def test_a_load_that_fails_otherwise_is_a_warning_not_a_crash(
    monkeypatch: pytest.MonkeyPatch, raised: Exception, error: str, line: int
) -> None:
    def load(text: str, Loader: object) -> object:  # yaml.load's own parameter names
        raise raised

    monkeypatch.setattr(frontmatter.yaml, "load", load)
    got = split_frontmatter("---\na: b\n---\nbody")
    assert (got.data, got.body, got.error, got.error_line) == ({}, "body", error, line)


def test_huge_numbers_are_an_error_not_a_crash() -> None:
    got = split_frontmatter("---\nn: " + "9" * 5000 + "\n---\nb")
    assert got.error.startswith("invalid YAML front matter: ") and got.error_line == 2


@pytest.mark.parametrize(
    ("value", "day"),
    [
        ("2024-05-07", "2024-05-07"),  # a YAML date, made ISO text by the read
        ("2024-05-07T10:30:00", "2024-05-07"),  # a YAML datetime, the same
        (" 2024-05-07 ", "2024-05-07"),
        ("2024-05-07T10:30", "2024-05-07"),
        ("2024-05-07 9:05", "2024-05-07"),
        ("2024-05-07 10:30:00Z", "2024-05-07"),
        ("2024-05-07T10:30:00.250+02:00", "2024-05-07"),
        ("2024-05-07 10:30 -0500", "2024-05-07"),
        ("someday soon", None),
        ("2024-02-30", None),
        ("2024", None),
        ("2024-05-07 and later", None),
        ("2024-05-07?", None),
        ("2024-05-07T25", None),
        ("2024-05-07T10:30 CET", None),
        ("", None),
        (20240507, None),
        (None, None),
        (["2024-05-07"], None),
    ],
)
def test_the_day_of_a_front_matter_date(value: object, day: str | None) -> None:
    assert front_matter_day(value) == day
