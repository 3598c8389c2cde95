"""The query engine on its own: the examples of the Bases "Functions" page and of Dataview's
"Functions", "Literals" and "Expressions" pages, with the results those pages give; inline
fields typed as Dataview types them; and property tests of the expression parser (it never
crashes, and what it evaluates agrees with a straightforward reference)."""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from garden.model import InlineField, ListItem
from garden.query.evaluate import Context, Scope, evaluate
from garden.query.expr import parse_expression
from garden.query.fields import bracketed_fields, extract
from garden.query.values import Date, Duration, QueryError, parse_duration

NOW = dt.datetime(2025, 5, 27, 10, 0)


def ev(text: str, dialect: str = "bases") -> Any:
    ctx = Context(now=NOW)
    return evaluate(parse_expression(text, dialect), dialect, Scope(ctx))  # type: ignore[arg-type]


# The Bases help vault's Functions page, example by example.
BASES_EXAMPLES = [
    ('"hello".contains("ell")', True),
    ('"hello".containsAll("h", "e")', True),
    ('"hello".containsAny("x", "y", "e")', True),
    ('"hello".endsWith("lo")', True),
    ('"Hello world".isEmpty()', False),
    ('"".isEmpty()', True),
    ('"a:b:c:d".replace(/:/, "-")', "a-b:c:d"),
    ('"a:b:c:d".replace(/:/g, "-")', "a-b-c-d"),
    ('"John Smith".replace(/(\\w+) (\\w+)/, "$2, $1")', "Smith, John"),
    ('"123".repeat(2)', "123123"),
    ('"hello".reverse()', "olleh"),
    ('"hello".slice(1, 4)', "ell"),
    ('"a,b,c,d".split(",", 3)', ["a", "b", "c"]),
    ('"a,b,c,d".split(/,/, 3)', ["a", "b", "c"]),
    ('"hello".startsWith("he")', True),
    ('"hello world".title()', "Hello World"),
    ('"  hi  ".trim()', "hi"),
    ("(-5).abs()", 5),
    ("(2.1).ceil()", 3),
    ("(2.9).floor()", 2),
    ("5.isEmpty()", False),
    ("(2.5).round()", 3),
    ("(2.3333).round(2)", 2.33),
    ("(3.14159).toFixed(2)", "3.14"),
    ("[1,2,3].contains(2)", True),
    ("[1,2,3].containsAll(2,3)", True),
    ("[1,2,3].containsAny(3,4)", True),
    ("[1,2,3,4].filter(value > 2)", [3, 4]),
    ("[1,[2,3]].flat()", [1, 2, 3]),
    ("[1,2,3].isEmpty()", False),
    ('[1,2,3].join(",")', "1,2,3"),
    ("[1,2,3,4].map(value + 1)", [2, 3, 4, 5]),
    ("[1,2,3].reduce(acc + value, 0)", 6),
    ("[5, 2, 8].reduce(if(acc == null || value > acc, value, acc), null)", 8),
    ("[1,2,3].reverse()", [3, 2, 1]),
    ("[1,2,3,4].slice(1,3)", [2, 3]),
    ("[3, 1, 2].sort()", [1, 2, 3]),
    ('["c", "a", "b"].sort()', ["a", "b", "c"]),
    ("[1,2,2,3].unique()", [1, 2, 3]),
    ("{}.isEmpty()", True),
    ('/abc/.matches("abcde")', True),
    ("1.isTruthy()", True),
    ('"example".isType("string")', True),
    ('true.isType("boolean")', True),
    ("123.toString()", "123"),
    ('list("value")', ["value"]),
    ('number("3.4")', 3.4),
    ("max(1, 7, 3)", 7),
    ("min(1, 7, 3)", 1),
    ('if(false, "Modified", "Unmodified")', "Unmodified"),
    ('if(false, "x")', None),
    ('escapeHTML("<b>")', "&lt;b&gt;"),
    # Bases syntax: date arithmetic
    ('date("2024-12-01") + "1M" + "4h" + "3m"', Date(dt.datetime(2025, 1, 1, 4, 3), True)),
    ('(now() + "1d") - now() == 86400000', True),
    ('date("2025-05-27").format("YYYY-MM-DD")', "2025-05-27"),
    ('now().date().format("YYYY-MM-DD HH:mm:ss")', "2025-05-27 00:00:00"),
    ("now().time()", "10:00:00"),
    ('duration("5h") * 2', Duration(0, 36000.0)),
    ("today()", Date(dt.datetime(2025, 5, 27))),
    ('date("2025-05-27").year', 2025),
    ("price > 2.1", False),  # a missing property compares false
    ('status != "done"', True),
]


@pytest.mark.parametrize(("expression", "expected"), BASES_EXAMPLES)
def test_bases_functions_page(expression: str, expected: Any) -> None:
    assert ev(expression) == expected


# Dataview's Functions, Literals and Expressions pages.
DQL_EXAMPLES = [
    ("round(16.555555)", 17),
    ("round(16.555555, 2)", 16.56),
    ("trunc(-93.33333)", -93),
    ("floor(-93.33333)", -94),
    ("ceil(-93.33333)", -93),
    ("min(1, 2, 3)", 1),
    ('max("a", "ab", "abc")', "abc"),
    ("sum([1, 2, 3])", 6),
    ("sum([])", None),
    ("product([1,2,3])", 6),
    ('reduce([100, 20, 3], "-")', 77),
    ('reduce([200, 10, 2], "/")', 10),
    ("average([1, 2, 3])", 2),
    ("minby([1, 2, 3], (k) => 0 - k)", 3),
    ('contains("Hello", "Lo")', False),
    ('icontains("Hello", "Lo")', True),
    ('econtains(["this","is","example"], "ex")', False),
    ('econtains(["this","is","example"], "is")', True),
    ("contains(list(1, 2, 3), 3)", True),
    ('containsword("Hello there!", "hello")', True),
    ('containsword("Hello there chaps!", "chap")', False),
    ('containsword(["word", "Words"], "Word")', [True, False]),
    ("sort(list(3, 2, 1))", [1, 2, 3]),
    ('sort(list("a", "b", "aa"))', ["a", "aa", "b"]),
    ("length([1, 2, 3])", 3),
    ('length(object("hello", 1, "goodbye", 2))', 2),
    ("nonnull([null, false])", [False]),
    ("firstvalue([null, 1, 2])", 1),
    ("all([1, 2, 3])", True),
    ("all(true, false)", False),
    ("all([1, 2, 3], (x) => x > 1)", False),
    ("any(list(1, 2, 3), (x) => x > 2)", True),
    ("none([true, true], (x) => x = false)", True),
    ("join(list(1, 2, 3))", "1, 2, 3"),
    ('join(list(1, 2, 3), " ")', "1 2 3"),
    ('filter(["yes", "no", "yas"], (x) => startswith(x, "y"))', ["yes", "yas"]),
    ("unique([1, 3, 7, 3, 1])", [1, 3, 7]),
    ('map(["yes", "no"], (x) => x + "?")', ["yes?", "no?"]),
    ("flat(list(1, 2, 3, list(4, 5), 6))", [1, 2, 3, 4, 5, 6]),
    ("flat(list(1, list(21, 22), list(list(311, 312, 313))), 4)", [1, 21, 22, 311, 312, 313]),
    ('slice(["ant", "bison", "camel", "duck", "elephant"], 0, 2)', ["ant", "bison"]),
    ("slice([1, 2, 3, 4, 5], -2)", [4, 5]),
    ('regextest("\\w+", "hello")', True),
    ('regexmatch("what", "what\'s up dog?")', False),
    ('regexreplace("yes", "[ys]", "a")', "aea"),
    ('regexreplace("Suite 1000", "\\d+", "-")', "Suite -"),
    (
        'replace("The big dog chased the big cat.", "big", "small")',
        "The small dog chased the small cat.",
    ),
    ('lower("Test")', "test"),
    ('upper(["yes", "no"])', ["YES", "NO"]),
    ('split("hello  world", "\\s")', ["hello", "", "world"]),
    ('split("hello there world", " ", 2)', ["hello", "there"]),
    ('split("hello there world", "(t?here)")', ["hello ", "there", " world"]),
    ('startswith("path/to/something", "path/")', True),
    ('endswith("yes", "ye")', False),
    ('padleft("hello", 7)', "  hello"),
    ('padright("yes", 5, "!")', "yes!!"),
    ('substring("hello", 2, 4)', "ll"),
    ('truncate("Hello there!", 8)', "Hello..."),
    ('truncate("Hello there!", 8, "/")', "Hello t/"),
    ("default(list(1, 2, null), 3)", [1, 2, 3]),
    ("ldefault(list(1, 2, null), 3)", [1, 2, None]),
    ('choice(true, "yes", "no")', "yes"),
    ('number("18 years")', 18),
    ('number("hmm")', None),
    ("string(18)", "18"),
    ("string(dur(8 hours))", "8 hours"),
    ('typeof("text")', "string"),
    ("typeof([1, 2, 3])", "array"),
    ("typeof({ a: 1, b: 2 })", "object"),
    ("typeof(date(2020-01-01))", "date"),
    ("typeof(dur(8 minutes))", "duration"),
    ('dateformat(date(2022-01-05T12:18:04), "yyyy-MM-dd")', "2022-01-05"),
    ('dateformat(date(2022-01-05T12:18:04), "HH:mm:ss")', "12:18:04"),
    ("durationformat(dur(\"3 days 7 hours 43 seconds\"), \"ddd'd' hh'h' ss's'\")", "003d 07h 43s"),
    ('durationformat(dur("14d"), "s \'seconds\'")', "1209600 seconds"),
    ('date("12/31/2022", "MM/dd/yyyy")', Date(dt.datetime(2022, 12, 31))),
    ('display("[Hello](https://example.com) [[World]]")', "Hello World"),
    ("date(2021-11-11)", Date(dt.datetime(2021, 11, 11))),
    ("date(2021-09-20T20:17)", Date(dt.datetime(2021, 9, 20, 20, 17), True)),
    ("date(today)", Date(dt.datetime(2025, 5, 27))),
    ("date(tomorrow)", Date(dt.datetime(2025, 5, 28))),
    ("date(som)", Date(dt.datetime(2025, 5, 1))),
    ("date(eom)", Date(dt.datetime(2025, 5, 31))),
    ("date(sow)", Date(dt.datetime(2025, 5, 26))),
    ("dur(1 s, 2 m, 3 h) = dur(3 hours, 2 minutes, 1 second)", True),
    ("dur(1s 2m 3h) = dur(1second 2min 3h)", True),
    ("date(2021-04-18) + dur(1 day)", Date(dt.datetime(2021, 4, 19))),
    ("date(2021-01-31) + dur(1 month)", Date(dt.datetime(2021, 2, 28))),
    ("date(2021-04-18) - date(2021-04-16)", Duration(0, 172800.0)),
    ('"a" * 3', "aaa"),
    ('"a" + 1', "a1"),
    ('list("A", "B", "C")[0]', "A"),
    ('{ a: 1, b: 2 }["b"]', 2),
    ("null <= date(today)", True),  # null sorts first: Dataview's own warning
    ("1 = 1 and 2 > 1", True),
    ("false or true and false", False),  # one level, left to right, as Dataview
    ("!(1 = 2)", True),
]


@pytest.mark.parametrize(("expression", "expected"), DQL_EXAMPLES)
def test_dataview_function_pages(expression: str, expected: Any) -> None:
    assert ev(expression, "dql") == expected


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("foo(", "expected"),
        ("nosuch(1)", "unknown function nosuch()"),
        ('"unclosed', "unclosed text"),
        ("1 +", "expected a value"),
        ("a = 1", "compare with '=='"),
        ("(" * 200 + "1" + ")" * 200, "nested deeper"),
        ("x.nosuchmethod()", "unknown function nosuchmethod()"),
    ],
)
def test_what_cannot_be_parsed_says_why(text: str, problem: str) -> None:
    with pytest.raises(QueryError, match=problem.replace("(", r"\(").replace(")", r"\)")):
        ev(text)


def test_budget_bounds_a_query() -> None:
    with pytest.raises(QueryError, match="steps"):
        ev('"x".repeat(2000).split("").map("y".repeat(2000).split("").map(value))')
    with pytest.raises(QueryError, match="text longer"):
        ev('"ab".repeat(999999).repeat(3)')


def test_durations_as_written() -> None:
    assert parse_duration("1 week") == Duration(0, 604800.0)
    assert parse_duration("1M") == Duration(1, 0.0)  # a month; "1m" is a minute
    assert parse_duration("1m") == Duration(0, 60.0)
    assert parse_duration("6hr7min") == Duration(0, 22020.0)
    assert parse_duration("9 years, 8 months, 4 days") == Duration(116, 345600.0)
    assert parse_duration("tomorrow") is None


# --------------------------------------------------------------------------------------------
# Inline fields ("Adding metadata": the table of keys and values)
# --------------------------------------------------------------------------------------------
def test_inline_fields_as_in_dataviews_docs() -> None:
    body = (
        "# Markdown Page\n\nBasic Field:: Some random Value\n**Bold Field**:: Nice!\n\n"
        "I would rate this a [rating:: 9]! It was [mood:: acceptable].\n"
        "This will not show the (longKeyIDontNeedWhenReading:: key).\n\n"
        "```\nin code:: no\n```\n\n`code:: no` and [nested:: a [[Link|b]] (c)] end\n"
        "- [ ] Send a mail [due:: 2022-04-05].\n  - child:: value\n"
    )
    fields, items = extract(body, 1)
    assert [(f.key, f.value, f.line, f.wrapping) for f in fields] == [
        ("Basic Field", "Some random Value", 3, ""),
        ("Bold Field", "Nice!", 4, ""),
        ("rating", "9", 6, "["),
        ("mood", "acceptable", 6, "["),
        ("longKeyIDontNeedWhenReading", "key", 7, "("),
        ("nested", "a [[Link|b]] (c)", 13, "["),
        ("due", "2022-04-05", 14, "["),
        ("child", "value", 15, ""),
    ]
    assert fields[-2].item == 14 and fields[-1].item == 15
    assert items == (
        ListItem(14, 0, " ", "Send a mail [due:: 2022-04-05]."),
        ListItem(15, 14, None, "child:: value"),
    )
    assert isinstance(fields[0], InlineField)


def test_bracketed_fields_keep_nested_brackets() -> None:
    assert bracketed_fields("x [a:: [1, 2]] (b:: f(x)) [not a field] (c::)") == [
        ("a", "[1, 2]", "[", 2, 14),
        ("b", "f(x)", "(", 15, 25),
        ("c", "", "(", 40, 45),
    ]


# --------------------------------------------------------------------------------------------
# Property tests: the parser never crashes; evaluation agrees with a reference
# --------------------------------------------------------------------------------------------
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.text(alphabet=st.characters(codec="utf-8"), max_size=80), st.sampled_from(["bases", "dql"])
)
def test_parser_never_crashes(text: str, dialect: str) -> None:
    try:
        node = parse_expression(text, dialect)  # type: ignore[arg-type]
    except QueryError:
        return
    with contextlib.suppress(QueryError):  # an error said, never a crash
        evaluate(node, dialect, Scope(Context(now=NOW)))  # type: ignore[arg-type]


_TOKENS = ["1", "2.5", "-", "+", "*", "/", "%", "(", ")", "[", "]", "{", "}", ",", ".", "!",
           "&&", "||", "==", "=", "<=", ">", '"s"', "'t'", "x", "file", "length", "map", "(v) =>",
           "value", "[[Note]]", "date(today)", "dur(1 day)", "/re/g", "and", "or", "null", "true",
           "if", "this", "note", "formula", " "]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_TOKENS), max_size=25), st.sampled_from(["bases", "dql"]))
def test_parser_never_crashes_on_near_misses(tokens: list[str], dialect: str) -> None:
    test_parser_never_crashes.hypothesis.inner_test(" ".join(tokens), dialect)  # type: ignore[attr-defined]


# Generated well-typed expressions, written out with as few parentheses as each dialect's
# precedence allows, evaluated by the engine and by this reference.
NUM_OPS = {"+": 4, "-": 4, "*": 5}
CMP_OPS = ("<", ">", "<=", ">=")


def _num(draw: Any, depth: int) -> tuple[Any, ...]:
    if depth <= 0 or draw(st.integers(0, 3)) == 0:
        return ("lit", draw(st.integers(0, 50)))
    kind = draw(st.sampled_from(["op", "op", "neg", "abs", "len"]))
    if kind == "op":
        op = draw(st.sampled_from(sorted(NUM_OPS)))
        return (op, _num(draw, depth - 1), _num(draw, depth - 1))
    if kind == "neg":
        return ("neg", _num(draw, depth - 1))
    if kind == "abs":
        return ("abs", _num(draw, depth - 1))
    return ("len", _str(draw, depth - 1))


def _str(draw: Any, depth: int) -> tuple[Any, ...]:
    if depth <= 0 or draw(st.integers(0, 2)) == 0:
        return ("slit", draw(st.text(alphabet="abc xyz", max_size=5)))
    if draw(st.booleans()):
        return ("cat", _str(draw, depth - 1), _str(draw, depth - 1))
    return ("catn", _str(draw, depth - 1), _num(draw, depth - 1))


def _bool(draw: Any, depth: int) -> tuple[Any, ...]:
    if depth <= 0 or draw(st.integers(0, 3)) == 0:
        if draw(st.booleans()):
            return ("blit", draw(st.booleans()))
        return (draw(st.sampled_from(CMP_OPS)), _num(draw, depth - 1), _num(draw, depth - 1))
    kind = draw(st.sampled_from(["and", "or", "not", "eq", "ne", "cmp"]))
    if kind in ("and", "or"):
        return (kind, _bool(draw, depth - 1), _bool(draw, depth - 1))
    if kind == "not":
        return ("not", _bool(draw, depth - 1))
    if kind in ("eq", "ne"):
        maker = draw(st.sampled_from([_num, _str]))
        return (kind, maker(draw, depth - 1), maker(draw, depth - 1))
    return (draw(st.sampled_from(CMP_OPS)), _num(draw, depth - 1), _num(draw, depth - 1))


@st.composite
def expressions(draw: Any) -> tuple[Any, ...]:
    return draw(st.sampled_from([_num, _str, _bool]))(draw, 4)


def _prec(node: tuple[Any, ...], dialect: str) -> int:
    kind = node[0]
    if kind in ("and", "or"):
        if dialect == "dql":
            return 1
        return 1 if kind == "or" else 2
    if kind in ("eq", "ne"):
        return 3
    if kind in CMP_OPS:
        return 3 if dialect == "dql" else 3.5  # type: ignore[return-value]
    if kind in ("+", "-", "cat", "catn"):
        return 4
    if kind == "*":
        return 5
    return 9


def write(node: tuple[Any, ...], dialect: str) -> str:
    """The expression as text, parenthesised only where precedence needs it."""
    kind = node[0]
    if kind == "lit":
        return str(node[1])
    if kind == "slit":
        return '"' + node[1] + '"'
    if kind == "blit":
        return "true" if node[1] else "false"
    if kind == "neg":
        return "-(" + write(node[1], dialect) + ")"
    if kind == "not":
        return "!(" + write(node[1], dialect) + ")"
    if kind == "abs":
        inner = write(node[1], dialect)
        return f"({inner}).abs()" if dialect == "bases" else f"max({inner}, 0 - ({inner}))"
    if kind == "len":
        inner = write(node[1], dialect)
        return f"({inner}).length" if dialect == "bases" else f"length({inner})"
    op = {"cat": "+", "catn": "+", "and": "&&" if dialect == "bases" else "and",
          "or": "||" if dialect == "bases" else "or", "eq": "==" if dialect == "bases" else "=",
          "ne": "!="}.get(kind, kind)  # fmt: skip
    mine = _prec(node, dialect)
    left, right = node[1], node[2]
    lt, rt = write(left, dialect), write(right, dialect)
    if _prec(left, dialect) < mine or (mine in (3, 3.5) and _prec(left, dialect) == mine):
        lt = f"({lt})"
    if _prec(right, dialect) <= mine:
        rt = f"({rt})"
    return f"{lt} {op} {rt}"


def reference(node: tuple[Any, ...], dialect: str) -> Any:
    """What the expression means, computed directly (JavaScript's rules for Bases)."""
    kind = node[0]
    if kind in ("lit", "slit", "blit"):
        return node[1]
    if kind == "neg":
        return -reference(node[1], dialect)
    if kind == "abs":
        return abs(reference(node[1], dialect))
    if kind == "len":
        return len(reference(node[1], dialect))
    if kind == "not":
        return not reference(node[1], dialect)
    a = reference(node[1], dialect)
    if kind == "and":
        return a and reference(node[2], dialect)
    if kind == "or":
        return a or reference(node[2], dialect)
    b = reference(node[2], dialect)
    if kind in ("+", "cat"):
        return a + b
    if kind == "catn":
        return a + str(b)
    if kind == "-":
        return a - b
    if kind == "*":
        return a * b
    if kind == "eq":
        return a == b
    if kind == "ne":
        return a != b
    return {"<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b}[kind]


@settings(max_examples=300, deadline=None)
@given(expressions(), st.sampled_from(["bases", "dql"]))
def test_evaluation_agrees_with_the_reference(node: tuple[Any, ...], dialect: str) -> None:
    text = write(node, dialect)  # DQL has no abs(): |x| is written max(x, 0 - (x))
    expected = reference(node, dialect)
    got = ev(text, dialect)
    assert got == expected and type(got) is type(expected), text
