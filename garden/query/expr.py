"""One expression parser for both front ends, producing a small AST (plain frozen dataclasses).

Two dialects share it, set by ``dialect``:

- ``"bases"``: Obsidian Bases filters and formulas, JavaScript-like: ``&&`` ``||`` ``!``, ``==``
  ``!=`` ``<`` ``>`` ``<=`` ``>=``, ``+ - * / %``, methods (``file.hasTag("x")``,
  ``price.toFixed(2)``), ``list[0]``, ``note["price"]``, ``[1, 2]``, ``{"a": 1}``, ``/regex/g``.
  Precedence from low to high: ``||``, ``&&``, equality, relational, additive, multiplicative,
  unary, postfix.
- ``"dql"``: Dataview's expressions: ``and``/``or`` (also ``&``/``|``, one level, left to right as
  in Dataview), ``=`` ``!=`` ``<`` ``>`` ``<=`` ``>=``, arithmetic, ``!`` (binding to its operand's
  postfix chain), names with dashes (``simple-field``; write ``a - b`` with spaces to subtract),
  ``[[Link]]``, ``date(2021-04-18)``/``date(today)`` and ``dur(1 day)`` literals, lambdas
  ``(x) => x + 1``, ``{ a: 1 }``, ``null``.

Parsing never evaluates anything and never raises anything but ``QueryError``; the input length
and nesting depth are bounded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal as TypingLiteral

from garden.query.values import (
    Duration,
    QueryError,
    Regex,
    Value,
    parse_date,
    parse_duration,
)

Dialect = TypingLiteral["bases", "dql"]

MAX_EXPRESSION = 20_000  # characters
MAX_DEPTH = 100  # nesting of parentheses, calls, operators


# --------------------------------------------------------------------------------------------
# The AST
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Node:
    pass


@dataclass(frozen=True, slots=True)
class Lit(Node):
    value: Value


@dataclass(frozen=True, slots=True)
class Name(Node):
    name: str


@dataclass(frozen=True, slots=True)
class Field(Node):
    """``obj.name``"""

    obj: Node
    name: str


@dataclass(frozen=True, slots=True)
class Index(Node):
    """``obj[index]``"""

    obj: Node
    index: Node


@dataclass(frozen=True, slots=True)
class Call(Node):
    """``name(args)``: a global function."""

    name: str
    args: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Method(Node):
    """``obj.name(args)`` (Bases)."""

    obj: Node
    name: str
    args: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Apply(Node):
    """``expr(args)`` where ``expr`` is not a plain name: calls a lambda value (DQL)."""

    fn: Node
    args: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Unary(Node):
    op: str  # "!" or "-"
    operand: Node


@dataclass(frozen=True, slots=True)
class Binary(Node):
    op: str  # "+", "-", "*", "/", "%", "==", "!=", "<", ">", "<=", ">=", "&&", "||"
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class ListNode(Node):
    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class ObjectNode(Node):
    items: tuple[tuple[str, Node], ...]


@dataclass(frozen=True, slots=True)
class LambdaNode(Node):
    params: tuple[str, ...]
    body: Node


@dataclass(frozen=True, slots=True)
class LinkNode(Node):
    """``[[Note#Heading|shown]]`` as written (DQL); resolved when evaluated."""

    text: str
    embed: bool = False


# --------------------------------------------------------------------------------------------
# Tokens
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # "num", "str", "name", "op", "link", "regex", "end"
    text: str
    pos: int
    value: Value = None


_DIGITS = frozenset("0123456789")
_NUMBER = re.compile(r"(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_OPERATORS = (
    "=>",
    "==",
    "!=",
    "<=",
    ">=",
    "&&",
    "||",
    "+",
    "-",
    "*",
    "/",
    "%",
    "<",
    ">",
    "=",
    "!",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ",",
    ".",
    ":",
    "&",
    "|",
)
_LINK = re.compile(r"!?\[\[([^\[\]\n]*?)\]\]")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}
_REGEX_FLAGS = re.compile(r"[dgimsuvy]*")


def _is_name_start(char: str, dialect: Dialect) -> bool:
    if char.isalpha() or char == "_" or (ord(char) > 0x2000 and not char.isspace()):
        return True
    return dialect == "bases" and char == "$"


def _is_name_char(char: str, dialect: Dialect) -> bool:
    if char.isalnum() or char == "_" or (ord(char) > 0x2000 and not char.isspace()):
        return True
    return char == "-" if dialect == "dql" else char == "$"


class _Lexer:
    def __init__(self, text: str, dialect: Dialect) -> None:
        self.text = text
        self.dialect = dialect
        self.tokens: list[Token] = []
        self._scan()

    def _error(self, pos: int, message: str) -> QueryError:
        return QueryError(f"{message} at column {pos + 1}")

    def _scan(self) -> None:
        text, n = self.text, len(self.text)
        pos = 0
        while True:
            while pos < n and text[pos].isspace():
                pos += 1
            if pos >= n:
                self.tokens.append(Token("end", "", pos))
                return
            char = text[pos]
            if self.dialect == "dql" and (char == "[" or text.startswith("![[", pos)):
                m = _LINK.match(text, pos)
                if m is not None:
                    self.tokens.append(Token("link", m.group(0), pos, m.group(1)))
                    pos = m.end()
                    continue
            if char in _DIGITS or (char == "." and pos + 1 < n and text[pos + 1] in _DIGITS):
                m = _NUMBER.match(text, pos)
                assert m is not None
                raw = m.group(0)
                number: float = float(raw) if any(c in raw for c in ".eE") else int(raw)
                self.tokens.append(Token("num", raw, pos, number))
                pos = m.end()
                continue
            if char in "\"'":
                value, end = self._string(pos)
                self.tokens.append(Token("str", text[pos:end], pos, value))
                pos = end
                continue
            if char == "/" and self.dialect == "bases" and self._operand_expected():
                regex, end = self._regex(pos)
                self.tokens.append(Token("regex", text[pos:end], pos, regex))
                pos = end
                continue
            if _is_name_start(char, self.dialect):
                end = pos + 1
                while end < n and _is_name_char(text[end], self.dialect):
                    end += 1
                # "a-" at the end of a name is a minus: `x-1` is x - 1 only with digits after.
                while self.dialect == "dql" and text[end - 1] == "-":
                    end -= 1
                self.tokens.append(Token("name", text[pos:end], pos))
                pos = end
                continue
            for op in _OPERATORS:
                if text.startswith(op, pos):
                    self.tokens.append(Token("op", op, pos))
                    pos += len(op)
                    break
            else:
                raise self._error(pos, f"unexpected character {char!r}")

    def _operand_expected(self) -> bool:
        if not self.tokens:
            return True
        last = self.tokens[-1]
        if last.kind in ("num", "str", "name", "regex", "link"):
            return False
        return last.text not in (")", "]", "}")

    def _string(self, start: int) -> tuple[str, int]:
        quote = self.text[start]
        out: list[str] = []
        pos = start + 1
        n = len(self.text)
        while pos < n:
            char = self.text[pos]
            if char == quote:
                return "".join(out), pos + 1
            if char == "\\" and pos + 1 < n:
                nxt = self.text[pos + 1]
                if self.dialect == "dql":
                    # Dataview keeps every escape but \" and \\ as written ("\d+" is a regex).
                    out.append(nxt if nxt in "\"\\'" else "\\" + nxt)
                    pos += 2
                    continue
                if nxt == "u" and re.match(r"[0-9a-fA-F]{4}", self.text[pos + 2 : pos + 6]):
                    out.append(chr(int(self.text[pos + 2 : pos + 6], 16)))
                    pos += 6
                    continue
                out.append(_ESCAPES.get(nxt, nxt))
                pos += 2
                continue
            out.append(char)
            pos += 1
        raise self._error(start, "unclosed text (a quote is missing)")

    def _regex(self, start: int) -> tuple[Regex, int]:
        pos = start + 1
        n = len(self.text)
        in_class = False
        while pos < n:
            char = self.text[pos]
            if char == "\\":
                pos += 2
                continue
            if char == "\n":
                break
            if char == "[":
                in_class = True
            elif char == "]":
                in_class = False
            elif char == "/" and not in_class:
                m = _REGEX_FLAGS.match(self.text, pos + 1)
                assert m is not None
                return Regex(self.text[start + 1 : pos], m.group(0)), m.end()
            pos += 1
        raise self._error(start, "unclosed regular expression")


# --------------------------------------------------------------------------------------------
# The parser
# --------------------------------------------------------------------------------------------
_DATE_LITERAL = re.compile(
    r"date\(\s*([0-9]{4}-[0-9]{2}(?:-[0-9]{2}(?:T[0-9:.]+(?:Z|[+-][0-9:]+)?)?)?"
    r"|today|now|tomorrow|yesterday|sow|eow|som|eom|soy|eoy)\s*\)"
)
_DUR_LITERAL = re.compile(r"dur\(\s*([^()\"']*?)\s*\)")
DATE_SHORTHANDS = (
    "today",
    "now",
    "tomorrow",
    "yesterday",
    "sow",
    "eow",
    "som",
    "eom",
    "soy",
    "eoy",
)


class _Parser:
    def __init__(self, text: str, dialect: Dialect) -> None:
        if len(text) > MAX_EXPRESSION:
            raise QueryError(f"expression longer than {MAX_EXPRESSION:,} characters")
        self.text = text
        self.dialect = dialect
        self.tokens = _Lexer(text, dialect).tokens
        self.pos = 0
        self.depth = 0

    # -- helpers --------------------------------------------------------------------------
    @property
    def tok(self) -> Token:
        return self.tokens[self.pos]

    def advance(self) -> Token:
        tok = self.tokens[self.pos]
        if tok.kind != "end":
            self.pos += 1
        return tok

    def at(self, *ops: str) -> bool:
        return self.tok.kind == "op" and self.tok.text in ops

    def at_word(self, *words: str) -> bool:
        return self.tok.kind == "name" and self.tok.text.lower() in words

    def expect(self, op: str) -> Token:
        if not self.at(op):
            raise self.error(f"expected '{op}'")
        return self.advance()

    def error(self, message: str) -> QueryError:
        tok = self.tok
        found = "the end" if tok.kind == "end" else repr(tok.text)
        return QueryError(f"{message} but found {found} at column {tok.pos + 1}")

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise QueryError(f"expression nested deeper than {MAX_DEPTH} levels")

    # -- grammar --------------------------------------------------------------------------
    def parse(self) -> Node:
        node = self.expression()
        if self.tok.kind != "end":
            raise self.error("expected the end of the expression")
        return node

    def expression(self) -> Node:
        self.enter()
        try:
            if self.dialect == "dql":
                return self._dql_boolean()
            return self._or()
        finally:
            self.depth -= 1

    # Bases: || > && > equality > relational > additive > multiplicative > unary > postfix
    def _or(self) -> Node:
        node = self._and()
        while self.at("||"):
            self.advance()
            node = Binary("||", node, self._and())
        return node

    def _and(self) -> Node:
        node = self._equality()
        while self.at("&&"):
            self.advance()
            node = Binary("&&", node, self._equality())
        return node

    def _equality(self) -> Node:
        node = self._relational()
        while self.at("==", "!=", "="):
            op = self.advance().text
            if op == "=":
                raise self.error("'=' assigns nothing here: compare with '=='")
            node = Binary(op, node, self._relational())
        return node

    def _relational(self) -> Node:
        node = self._additive()
        while self.at("<", ">", "<=", ">="):
            op = self.advance().text
            node = Binary(op, node, self._additive())
        return node

    # DQL: and/or (one level) > comparison > additive > multiplicative > negation > postfix
    def _dql_boolean(self) -> Node:
        node = self._dql_compare()
        while self.at("&&", "||", "&", "|") or self.at_word("and", "or"):
            word = self.advance().text.lower()
            op = "&&" if word in ("and", "&&", "&") else "||"
            node = Binary(op, node, self._dql_compare())
        return node

    def _dql_compare(self) -> Node:
        node = self._additive()
        while self.at("=", "==", "!=", "<", ">", "<=", ">="):
            op = self.advance().text
            node = Binary("==" if op == "=" else op, node, self._additive())
        return node

    def _additive(self) -> Node:
        node = self._multiplicative()
        while self.at("+", "-"):
            op = self.advance().text
            node = Binary(op, node, self._multiplicative())
        return node

    def _multiplicative(self) -> Node:
        node = self._unary()
        while self.at("*", "/", "%"):
            op = self.advance().text
            node = Binary(op, node, self._unary())
        return node

    def _unary(self) -> Node:
        if self.at("!"):
            self.advance()
            self.enter()
            try:
                return Unary("!", self._unary())
            finally:
                self.depth -= 1
        if self.at("-"):
            self.advance()
            self.enter()
            try:
                operand = self._unary()
            finally:
                self.depth -= 1
            value = operand.value if isinstance(operand, Lit) else None
            if isinstance(value, int | float) and not isinstance(value, bool):
                return Lit(-value)
            return Unary("-", operand)
        if self.at("+") and self.dialect == "bases":
            self.advance()
            return Unary("+", self._unary())
        return self._postfix()

    def _postfix(self) -> Node:
        node = self._primary()
        while True:
            if self.at("."):
                self.advance()
                if self.tok.kind != "name":
                    raise self.error("expected a name after '.'")
                name = self.advance().text
                if self.at("(") and self.dialect == "bases":
                    node = Method(node, name, self._arguments())
                else:
                    node = Field(node, name)
            elif self.at("["):
                self.advance()
                index = self.expression()
                self.expect("]")
                node = Index(node, index)
            elif self.at("(") and self.dialect == "dql" and not isinstance(node, Lit | LinkNode):
                node = Apply(node, self._arguments())
            else:
                return node

    def _arguments(self) -> tuple[Node, ...]:
        self.expect("(")
        args: list[Node] = []
        if not self.at(")"):
            args.append(self.expression())
            while self.at(","):
                self.advance()
                args.append(self.expression())
        self.expect(")")
        return tuple(args)

    def _primary(self) -> Node:
        tok = self.tok
        if tok.kind == "num":
            self.advance()
            return Lit(tok.value)
        if tok.kind == "str":
            self.advance()
            return Lit(tok.value)
        if tok.kind == "regex":
            self.advance()
            return Lit(tok.value)
        if tok.kind == "link":
            self.advance()
            return LinkNode(tok.value, tok.text.startswith("!"))
        if tok.kind == "name":
            return self._name()
        if self.at("("):
            if self.dialect == "dql":
                lam = self._lambda()
                if lam is not None:
                    return lam
            self.advance()
            self.enter()
            try:
                node = self.expression()
            finally:
                self.depth -= 1
            self.expect(")")
            return node
        if self.at("["):
            self.advance()
            items: list[Node] = []
            if not self.at("]"):
                items.append(self.expression())
                while self.at(","):
                    self.advance()
                    if self.at("]"):
                        break
                    items.append(self.expression())
            self.expect("]")
            return ListNode(tuple(items))
        if self.at("{"):
            return self._object()
        raise self.error("expected a value")

    def _name(self) -> Node:
        tok = self.advance()
        word = tok.text
        lower = word.lower()
        if lower in ("true", "false") and not self.at("("):
            return Lit(lower == "true")
        if lower == "null" and not self.at("("):
            return Lit(None)
        if self.dialect == "dql" and lower in ("date", "dur") and self.at("("):
            literal = self._dql_literal(lower, tok.pos)
            if literal is not None:
                return literal
        if self.at("("):
            return Call(word, self._arguments())
        return Name(word)

    def _dql_literal(self, kind: str, start: int) -> Node | None:
        """``date(2021-04-18)``, ``date(today)``, ``dur(1 day)``: literals written without quotes;
        anything else in the parentheses is an ordinary call of ``date`` or ``dur``."""
        pattern = _DATE_LITERAL if kind == "date" else _DUR_LITERAL
        m = pattern.match(self.text, start)
        if m is None:
            return None
        inner = m.group(1)
        value: Value
        if kind == "date":
            if inner in DATE_SHORTHANDS:
                value = Call("date", (Lit(inner),))
            else:
                value = parse_date(inner)
                if value is None:
                    raise QueryError(f"not a date: {inner!r} at column {start + 1}")
        else:
            duration = parse_duration(inner)
            if duration is None:
                return None  # dur(x) with an expression inside: a call
            value = duration
        # Skip the tokens the literal covered.
        while self.tok.kind != "end" and self.tok.pos < m.end():
            self.advance()
        return value if isinstance(value, Node) else Lit(value)

    def _lambda(self) -> Node | None:
        """``(a, b) => body`` when the tokens from here read so; None (nothing consumed) else."""
        i = self.pos + 1
        params: list[str] = []
        toks = self.tokens
        if toks[i].kind == "name":
            params.append(toks[i].text)
            i += 1
            while toks[i].kind == "op" and toks[i].text == ",":
                if toks[i + 1].kind != "name":
                    return None
                params.append(toks[i + 1].text)
                i += 2
        if not (toks[i].kind == "op" and toks[i].text == ")"):
            return None
        if not (toks[i + 1].kind == "op" and toks[i + 1].text == "=>"):
            return None
        self.pos = i + 2
        return LambdaNode(tuple(params), self.expression())

    def _object(self) -> Node:
        self.expect("{")
        items: list[tuple[str, Node]] = []
        while not self.at("}"):
            tok = self.tok
            if tok.kind not in ("name", "str", "num"):
                raise self.error("expected a key")
            self.advance()
            key = tok.text if tok.kind == "name" else str(tok.value)
            self.expect(":")
            items.append((key, self.expression()))
            if not self.at(","):
                break
            self.advance()
        self.expect("}")
        return ObjectNode(tuple(items))


@lru_cache(maxsize=4096)
def parse_expression(text: str, dialect: Dialect = "bases") -> Node:
    """The AST of ``text``; raises ``QueryError`` with the column of the problem."""
    return _Parser(text, dialect).parse()


def parse_prefix(text: str, dialect: Dialect) -> tuple[Node, int]:
    """An expression at the start of ``text`` and where it ends (the rest is left to a caller
    such as the DQL statement parser, which reads ``AS``, ``,``, ``ASC``...)."""
    parser = _Parser(text, dialect)
    node = parser.expression()
    return node, parser.tok.pos


def duration_literal(value: Duration) -> Node:
    return Lit(value)


# --------------------------------------------------------------------------------------------
# What an expression may read, for caching results between builds
# --------------------------------------------------------------------------------------------
def walk(node: Node) -> list[Node]:
    """``node`` and every node under it."""
    out: list[Node] = []
    todo: list[object] = [node]
    while todo:
        current = todo.pop()
        if isinstance(current, Node):
            out.append(current)
            slots: tuple[str, ...] = current.__slots__
            for slot in slots:
                todo.append(getattr(current, slot))
        elif isinstance(current, tuple):
            todo.extend(current)
    return out


_TIME_FUNCTIONS = frozenset({"now", "today"})


@dataclass(frozen=True, slots=True)
class Reads:
    """What evaluating an expression may depend on besides the rows it is evaluated for (a
    read through a link into another row is tracked as it happens: ``Context.elsewhere``)."""

    this: bool = False  # the note showing the query
    time: bool = False  # the build's clock

    def __or__(self, other: Reads) -> Reads:
        return Reads(self.this or other.this, self.time or other.time)


def reads(node: Node, dialect: Dialect) -> Reads:
    this = time = False
    for n in walk(node):
        if isinstance(n, Name) and n.name == "this":
            this = True
        elif isinstance(n, Call):
            name = n.name.lower() if dialect == "dql" else n.name
            shorthand = (
                name == "date"
                and len(n.args) == 1
                and isinstance(n.args[0], Lit)
                and n.args[0].value in DATE_SHORTHANDS
            )
            time = time or name in _TIME_FUNCTIONS or shorthand
        elif isinstance(n, Method) and n.name == "relative":
            time = True
    return Reads(this, time)
