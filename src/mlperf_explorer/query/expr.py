"""A small, safe expression language for `--where` (and later, derived metrics).

    result > 1000 and division = 'closed'
    submitter in ('NVIDIA', 'Intel') or not has_power
    system_name ~ 'H100'            (case-insensitive substring)
    model like 'bert%'
    accelerators_per_node >= 8 and power_result is not null
    result / accelerators_per_node > 500

User text is parsed here into a tree and compiled to SQL from that tree only: column names
come from a whitelist, every literal becomes a bound parameter, and nothing the user typed is
pasted into SQL. Anything outside the grammar is an `ExpressionError` naming the position.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

MAX_LENGTH = 2000
MAX_DEPTH = 50


class ExpressionError(ValueError):
    """A --where or derived-metric expression that is not in the grammar."""


_TOKEN = re.compile(
    r"""\s*(?:
        (?P<number>\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)
      | (?P<string>'(?:[^']|'')*'|"(?:[^"]|"")*")
      | (?P<op><=|>=|!=|<>|==|=|<|>|~|\(|\)|,|\+|-|\*|/|%)
      | (?P<name>[A-Za-z_][A-Za-z0-9_.]*)
    )""",
    re.X,
)

KEYWORDS = {"and", "or", "not", "in", "like", "is", "null", "true", "false", "ilike"}
FUNCTIONS = {"log": "ln", "ln": "ln", "log10": "log10", "sqrt": "sqrt", "abs": "abs",
             "min": "least", "max": "greatest", "coalesce": "coalesce", "round": "round",
             "lower": "lower", "upper": "upper", "length": "length"}


@dataclass
class Tok:
    kind: str
    text: str
    pos: int


def tokenize(text: str) -> list[Tok]:
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"expression longer than {MAX_LENGTH} characters")
    toks: list[Tok] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise ExpressionError(f"unexpected character {text[pos:].strip()[:1]!r} at position {pos + 1}")
        kind = m.lastgroup or ""
        toks.append(Tok(kind, m.group(kind), m.start(kind)))
        pos = m.end()
    return toks


class _Parser:
    def __init__(self, text: str, columns: Iterable[str]):
        self.text = text
        self.toks = tokenize(text)
        self.i = 0
        self.columns = {c.lower(): c for c in columns}
        self.params: list[Any] = []
        self.depth = 0
        self.used: set[str] = set()

    # helpers
    def peek(self) -> Tok | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def is_kw(self, word: str) -> bool:
        t = self.peek()
        return t is not None and t.kind == "name" and t.text.lower() == word

    def is_op(self, *ops: str) -> bool:
        t = self.peek()
        return t is not None and t.kind == "op" and t.text in ops

    def take(self) -> Tok:
        t = self.peek()
        if t is None:
            raise ExpressionError("expression ends too early")
        self.i += 1
        return t

    def expect_op(self, op: str) -> None:
        t = self.peek()
        if t is None or t.kind != "op" or t.text != op:
            where = f"at position {t.pos + 1}" if t else "at the end"
            raise ExpressionError(f"expected {op!r} {where}")
        self.i += 1

    def param(self, value: Any) -> str:
        self.params.append(value)
        return "?"

    def nest(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExpressionError("expression nested too deeply")

    # grammar
    def parse(self) -> str:
        if not self.toks:
            raise ExpressionError("empty expression")
        sql = self.or_()
        t = self.peek()
        if t is not None:
            raise ExpressionError(f"unexpected {t.text!r} at position {t.pos + 1}")
        return sql

    def or_(self) -> str:
        parts = [self.and_()]
        while self.is_kw("or"):
            self.take()
            parts.append(self.and_())
        return parts[0] if len(parts) == 1 else "(" + " OR ".join(parts) + ")"

    def and_(self) -> str:
        parts = [self.not_()]
        while self.is_kw("and"):
            self.take()
            parts.append(self.not_())
        return parts[0] if len(parts) == 1 else "(" + " AND ".join(parts) + ")"

    def not_(self) -> str:
        if self.is_kw("not"):
            self.take()
            self.nest()
            inner = self.not_()
            self.depth -= 1
            return f"(NOT {inner})"
        return self.comparison()

    def comparison(self) -> str:
        left = self.additive()
        if self.is_op("=", "==", "!=", "<>", "<", ">", "<=", ">="):
            op = self.take().text
            op = {"==": "=", "!=": "<>"}.get(op, op)
            right = self.additive()
            return f"({left} {op} {right})"
        if self.is_op("~"):
            self.take()
            right = self.additive()
            return f"(contains(lower(CAST({left} AS VARCHAR)), lower(CAST({right} AS VARCHAR))))"
        negate = False
        if self.is_kw("not"):
            save = self.i
            self.take()
            if self.is_kw("in") or self.is_kw("like") or self.is_kw("ilike"):
                negate = True
            else:
                self.i = save
                return left
        if self.is_kw("in"):
            self.take()
            self.expect_op("(")
            self.nest()
            items = [self.additive()]
            while self.is_op(","):
                self.take()
                items.append(self.additive())
            self.depth -= 1
            self.expect_op(")")
            sql = f"({left} IN ({', '.join(items)}))"
            return f"(NOT {sql})" if negate else sql
        if self.is_kw("like") or self.is_kw("ilike"):
            self.take()
            right = self.additive()
            sql = f"({left} ILIKE {right})"
            return f"(NOT {sql})" if negate else sql
        if self.is_kw("is"):
            self.take()
            neg = False
            if self.is_kw("not"):
                self.take()
                neg = True
            if not self.is_kw("null"):
                raise ExpressionError("expected NULL after IS")
            self.take()
            return f"({left} IS {'NOT ' if neg else ''}NULL)"
        return left

    def additive(self) -> str:
        left = self.term()
        while self.is_op("+", "-"):
            op = self.take().text
            # arithmetic in DOUBLE: whole-number columns never overflow INT64 (a derived
            # metric valid today must not fail on a round imported tomorrow)
            left = f"(CAST({left} AS DOUBLE) {op} {self.term()})"
        return left

    def term(self) -> str:
        left = self.unary()
        while self.is_op("*", "/", "%"):
            op = self.take().text
            right = self.unary()
            if op in ("/", "%"):  # x / 0 is NULL, never an error (DuckDB 2 raises by default)
                left = f"({left} {op} NULLIF({right}, 0))"
            else:
                left = f"(CAST({left} AS DOUBLE) {op} {right})"
        return left

    def unary(self) -> str:
        if self.is_op("-"):
            self.take()
            self.nest()
            inner = self.unary()
            self.depth -= 1
            return f"(-{inner})"
        return self.primary()

    def primary(self) -> str:
        t = self.take()
        if t.kind == "number":
            value = float(t.text)
            if not math.isfinite(value) or abs(value) > 1e300:
                raise ExpressionError(f"number {t.text[:20]!r} at position {t.pos + 1} is out of range")
            if value == int(value) and abs(value) < 2**62 and re.fullmatch(r"\d+", t.text):
                return self.param(int(t.text))
            return self.param(value)
        if t.kind == "string":
            quote = t.text[0]
            return self.param(t.text[1:-1].replace(quote * 2, quote))
        if t.kind == "op" and t.text == "(":
            self.nest()
            inner = self.or_()
            self.depth -= 1
            self.expect_op(")")
            return inner
        if t.kind == "name":
            word = t.text.lower()
            if word in ("true", "false"):
                return self.param(word == "true")
            if word == "null":
                return "NULL"
            if self.is_op("(") and word in FUNCTIONS:
                self.take()
                self.nest()  # function arguments count as nesting too: abs(abs(abs(...)))
                args = [] if self.is_op(")") else [self.or_()]
                while self.is_op(","):
                    self.take()
                    args.append(self.or_())
                self.depth -= 1
                self.expect_op(")")
                return f"{FUNCTIONS[word]}({', '.join(args)})"
            if self.is_op("("):
                raise ExpressionError(f"unknown function {t.text!r} at position {t.pos + 1}; known: {', '.join(sorted(FUNCTIONS))}")
            column = self.columns.get(word)
            if column is None or word in KEYWORDS:
                raise ExpressionError(f"unknown column {t.text!r} at position {t.pos + 1}")
            self.used.add(column)
            return f'"{column}"'
        raise ExpressionError(f"unexpected {t.text!r} at position {t.pos + 1}")


def literal(text: str) -> str:
    """`text` as a string literal of this language (for expressions built by code)."""
    return "'" + str(text).replace("'", "''") + "'"


def compile_expression(text: str, columns: Iterable[str]) -> tuple[str, list[Any]]:
    """Compile `text` to (SQL fragment, parameters) over the allowed `columns`."""
    parser = _Parser(text, columns)
    sql = parser.parse()
    return sql, parser.params
