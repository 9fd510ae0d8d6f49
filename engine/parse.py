"""Expression text → AST: a small, safe, Python-like syntax and nothing else.

Grammar, lowest precedence first::

    expr       := or_expr ["if" or_expr "else" expr]
    or_expr    := and_expr ("or" and_expr)*
    and_expr   := not_expr ("and" not_expr)*
    not_expr   := "not" not_expr | comparison
    comparison := sum [("=="|"!="|"<"|"<="|">"|">="|"in"|"not" "in") sum]
    sum        := term (("+"|"-") term)*
    term       := unary (("*"|"/") unary)*
    unary      := "-" unary | postfix
    postfix    := atom ("." NAME)*
    atom       := NUMBER | STRING | True | False | NAME | call | "(" expr ")" | list
    list       := "[" [expr ("," expr)*] "]"  |  "[" expr "for" NAME "in" or_expr ["if" or_expr] "]"
    call       := NAME "(" [arg ("," arg)*] ")"  |  AGG "(" expr "for" NAME "in" or_expr ["if" or_expr] ")"
    arg        := expr | NAME "=" expr

Numbers are ASCII decimals without exponents, built as ``Decimal`` from their text. Depth,
node count and literal length are capped, so no expression can exhaust the process.

Examples:
    >>> parse_expression("min(a, 2) * 0.5 if not x else 0")  # doctest: +ELLIPSIS
    IfElse(condition=Unary(op='not', operand=Name(id='x')), then=BinOp(op='*', ...
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from engine import ast
from engine.errors import RuleError, RuleErrors
from engine.source import SourceText, Span

MAX_DEPTH = 64
MAX_NODES = 5_000
MAX_NUMBER_DIGITS = 30
AGGREGATES = frozenset({"sum", "count", "any", "all", "min", "max"})
KEYWORDS = frozenset({"and", "or", "not", "if", "else", "in", "for", "True", "False"})

_TOKEN_RE = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<number>\d+(?:\.\d+)?)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<string>'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")
  | (?P<op>==|!=|<=|>=|\*\*|//|[-+*/%<>=()\[\],.:])
    """,
    re.VERBOSE,
)

_UNSUPPORTED = {
    "**": "the power operator is not part of the rule language; multiply explicitly",
    "//": "integer division is not part of the rule language; use round(x, 'whole_down')",
    "%": "the remainder operator is not part of the rule language",
    ":": "slices and lambdas are not part of the rule language",
}

Locate = Callable[[int, int], Span]


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # number, name, string, op, end
    text: str
    start: int
    end: int


def _plain_locator(text: str, path: str = "<expression>") -> Locate:
    source = SourceText(path, text)
    return source.span


def parse_expression(text: str, locate: Locate | None = None) -> ast.Expr:
    """Parse one expression; raises ``RuleErrors`` with the exact position of the problem."""
    return _Parser(text, locate or _plain_locator(text)).parse()


class _Parser:
    def __init__(self, text: str, locate: Locate):
        self.text = text
        self.locate = locate
        self.tokens = self._tokenize()
        self.position = 0
        self.depth = 0
        self.nodes = 0

    # -- errors and tokens -------------------------------------------------------------

    def error(self, code: str, message: str, start: int, end: int, hint: str | None = None) -> RuleErrors:
        return RuleErrors([RuleError(code, message, self.locate(start, max(end, start + 1)), hint)])

    def _tokenize(self) -> list[Token]:
        tokens: list[Token] = []
        position = 0
        text = self.text
        while position < len(text):
            match = _TOKEN_RE.match(text, position)
            if match is None:
                char = text[position]
                hint = None
                if char.isdigit():
                    hint = "numbers use ASCII digits"
                elif char in "«»“”‘’":
                    hint = "use plain quotes ' or \" around text"
                elif char.isalpha():
                    hint = "names use Latin letters, digits and '_'"
                raise self.error("expr-syntax", f"unexpected character {char!r}", position, position + 1, hint)
            kind = match.lastgroup or ""
            if kind != "space":
                value = match.group()
                if kind == "op" and value in _UNSUPPORTED:
                    raise self.error(
                        "expr-unsupported",
                        f"operator {value!r} is not supported",
                        match.start(),
                        match.end(),
                        _UNSUPPORTED[value],
                    )
                if kind == "number":
                    digits = len(value.replace(".", ""))
                    if digits > MAX_NUMBER_DIGITS:
                        raise self.error(
                            "expr-number-too-long",
                            f"a number with {digits} digits; the limit is {MAX_NUMBER_DIGITS}",
                            match.start(),
                            match.end(),
                        )
                    if "." in value and len(value.split(".")[1]) > 10:
                        raise self.error(
                            "expr-number-too-long",
                            f"{value} has more than 10 decimal places",
                            match.start(),
                            match.end(),
                            "the rule language computes with ten decimal places",
                        )
                    following = text[match.end() : match.end() + 1]
                    if following and (following.isalpha() or following == "_"):
                        raise self.error(
                            "expr-syntax",
                            f"malformed number {value + following!r}",
                            match.start(),
                            match.end() + 1,
                            "numbers have no exponents or suffixes; write 1500000, not 1.5e6",
                        )
                tokens.append(Token(kind, value, match.start(), match.end()))
            position = match.end()
        tokens.append(Token("end", "", len(text), len(text)))
        return tokens

    def peek(self, offset: int = 0) -> Token:
        return self.tokens[min(self.position + offset, len(self.tokens) - 1)]

    def advance(self) -> Token:
        token = self.tokens[self.position]
        self.position = min(self.position + 1, len(self.tokens) - 1)
        return token

    def at(self, kind: str, text: str | None = None) -> bool:
        token = self.peek()
        return token.kind == kind and (text is None or token.text == text)

    def at_keyword(self, word: str) -> bool:
        return self.at("name", word)

    def expect_op(self, text: str, context: str) -> Token:
        token = self.peek()
        if token.kind == "op" and token.text == text:
            return self.advance()
        found = "the end of the expression" if token.kind == "end" else repr(token.text)
        raise self.error("expr-syntax", f"expected {text!r} {context}, found {found}", token.start, token.end)

    def span(self, start: int, end: int) -> Span:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise self.error(
                "expr-too-large",
                f"more than {MAX_NODES} nodes in one expression",
                start,
                end,
                "split it into named variables",
            )
        return self.locate(start, end)

    def enter(self, token: Token) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(
                "expr-too-deep",
                f"expression nested deeper than {MAX_DEPTH} levels",
                token.start,
                token.end,
                "split it into named variables",
            )

    def leave(self) -> None:
        self.depth -= 1

    # -- grammar -----------------------------------------------------------------------

    def parse(self) -> ast.Expr:
        if self.peek().kind == "end":
            raise self.error("expr-empty", "empty expression", 0, 1)
        node = self.expr()
        token = self.peek()
        if token.kind != "end":
            hint = None
            if token.kind == "op" and token.text == "=":
                hint = "compare with '=='"
            raise self.error("expr-syntax", f"unexpected {token.text!r}", token.start, token.end, hint)
        return node

    def expr(self) -> ast.Expr:
        start = self.peek()
        self.enter(start)
        try:
            node = self.or_expr()
            if self.at_keyword("if"):
                self.advance()
                condition = self.or_expr()
                if not self.at_keyword("else"):
                    token = self.peek()
                    raise self.error(
                        "expr-syntax",
                        "a conditional needs 'else'",
                        token.start,
                        token.end,
                        "write: value_if_true if condition else value_if_false",
                    )
                self.advance()
                otherwise = self.expr()
                node = ast.IfElse(
                    condition, node, otherwise, self.span(start.start, self.tokens[self.position - 1].end)
                )
            return node
        finally:
            self.leave()

    def _end(self) -> int:
        return self.tokens[self.position - 1].end

    def or_expr(self) -> ast.Expr:
        start = self.peek().start
        values = [self.and_expr()]
        while self.at_keyword("or"):
            self.advance()
            values.append(self.and_expr())
        return values[0] if len(values) == 1 else ast.BoolOp("or", tuple(values), self.span(start, self._end()))

    def and_expr(self) -> ast.Expr:
        start = self.peek().start
        values = [self.not_expr()]
        while self.at_keyword("and"):
            self.advance()
            values.append(self.not_expr())
        return values[0] if len(values) == 1 else ast.BoolOp("and", tuple(values), self.span(start, self._end()))

    def not_expr(self) -> ast.Expr:
        token = self.peek()
        if token.kind == "name" and token.text == "not":
            self.advance()
            self.enter(token)
            try:
                operand = self.not_expr()
            finally:
                self.leave()
            return ast.Unary("not", operand, self.span(token.start, self._end()))
        return self.comparison()

    def _compare_op(self) -> str | None:
        token = self.peek()
        if token.kind == "op" and token.text in ("==", "!=", "<", "<=", ">", ">="):
            return token.text
        if token.kind == "name" and token.text == "in":
            return "in"
        if token.kind == "name" and token.text == "not" and self.peek(1).text == "in":
            return "not in"
        if token.kind == "op" and token.text == "=":
            raise self.error("expr-syntax", "'=' is not a comparison", token.start, token.end, "compare with '=='")
        return None

    def comparison(self) -> ast.Expr:
        start = self.peek().start
        left = self.sum()
        op = self._compare_op()
        if op is None:
            return left
        self.advance()
        if op == "not in":
            self.advance()
        right = self.sum()
        if self._compare_op() is not None:
            token = self.peek()
            raise self.error(
                "expr-chained-comparison",
                "chained comparisons are not supported",
                token.start,
                token.end,
                "join two comparisons with 'and'",
            )
        return ast.Compare(op, left, right, self.span(start, self._end()))

    def sum(self) -> ast.Expr:
        start = self.peek().start
        node = self.term()
        while self.at("op", "+") or self.at("op", "-"):
            op = self.advance().text
            right = self.term()
            node = ast.BinOp(op, node, right, self.span(start, self._end()))
        return node

    def term(self) -> ast.Expr:
        start = self.peek().start
        node = self.unary()
        while self.at("op", "*") or self.at("op", "/"):
            op = self.advance().text
            right = self.unary()
            node = ast.BinOp(op, node, right, self.span(start, self._end()))
        return node

    def unary(self) -> ast.Expr:
        token = self.peek()
        if token.kind == "op" and token.text in ("-", "+"):
            self.advance()
            self.enter(token)
            try:
                operand = self.unary()
            finally:
                self.leave()
            if token.text == "+":
                return operand
            if isinstance(operand, ast.Number):
                return ast.Number(-operand.value, self.span(token.start, self._end()))
            return ast.Unary("-", operand, self.span(token.start, self._end()))
        return self.postfix()

    def postfix(self) -> ast.Expr:
        start = self.peek().start
        node = self.atom()
        while True:
            if self.at("op", "."):
                self.advance()
                token = self.peek()
                if token.kind != "name" or token.text in KEYWORDS:
                    raise self.error("expr-syntax", "expected a field name after '.'", token.start, token.end)
                self.advance()
                if self.at("op", "("):
                    raise self.error(
                        "expr-unsupported",
                        f"methods are not supported ({token.text}(...))",
                        token.start,
                        token.end,
                        f"call the function instead: {token.text}(x, ...)",
                    )
                node = ast.Attribute(node, token.text, self.span(start, token.end))
            elif self.at("op", "["):
                token = self.peek()
                raise self.error(
                    "expr-unsupported",
                    "indexing is not supported",
                    token.start,
                    token.end,
                    "use param(name, key) for tables and aggregates for lists",
                )
            elif self.at("op", "("):
                token = self.peek()
                raise self.error(
                    "expr-unsupported",
                    "only named functions can be called",
                    token.start,
                    token.end,
                )
            else:
                return node

    def atom(self) -> ast.Expr:
        token = self.peek()
        if token.kind == "number":
            self.advance()
            return ast.Number(Decimal(token.text), self.span(token.start, token.end))
        if token.kind == "string":
            self.advance()
            return ast.Text(_unquote(token.text), self.span(token.start, token.end))
        if token.kind == "name":
            if token.text in ("True", "False"):
                self.advance()
                return ast.Bool(token.text == "True", self.span(token.start, token.end))
            if token.text in ("true", "false"):
                raise self.error(
                    "expr-syntax",
                    f"unknown name {token.text!r}",
                    token.start,
                    token.end,
                    f"booleans are written {token.text.capitalize()}",
                )
            if token.text in KEYWORDS:
                raise self.error("expr-syntax", f"unexpected {token.text!r}", token.start, token.end)
            self.advance()
            if self.at("op", "("):
                return self.call(token)
            return ast.Name(token.text, self.span(token.start, token.end))
        if token.kind == "op" and token.text == "(":
            self.advance()
            if self.at("op", ")"):
                raise self.error("expr-syntax", "empty parentheses", token.start, self.peek().end)
            node = self.expr()
            self.expect_op(")", "to close '('")
            return node
        if token.kind == "op" and token.text == "[":
            self.advance()
            items: list[ast.Expr] = []
            while not self.at("op", "]"):
                items.append(self.expr())
                if len(items) == 1 and self.at_keyword("for"):
                    return self.list_comprehension(token, items[0])
                if not self.at("op", ","):
                    break
                self.advance()
            close = self.expect_op("]", "to close '['")
            return ast.ListOf(tuple(items), self.span(token.start, close.end))
        if token.kind == "end":
            raise self.error("expr-syntax", "the expression ends too early", token.start, token.end)
        raise self.error("expr-syntax", f"unexpected {token.text!r}", token.start, token.end)

    def call(self, name: Token) -> ast.Expr:
        self.advance()  # "("
        if name.text in AGGREGATES and not self.at("op", ")"):
            saved = self.position
            element = self.expr()
            if self.at_keyword("for"):
                return self.aggregate(name, element)
            self.position = saved
        args: list[ast.Expr] = []
        keywords: list[tuple[str, ast.Expr]] = []
        while not self.at("op", ")"):
            if self.at("name") and self.peek(1).kind == "op" and self.peek(1).text == "=":
                key = self.advance()
                self.advance()
                if any(existing == key.text for existing, _ in keywords):
                    raise self.error("expr-syntax", f"argument {key.text!r} given twice", key.start, key.end)
                keywords.append((key.text, self.expr()))
            else:
                if keywords:
                    token = self.peek()
                    raise self.error(
                        "expr-syntax",
                        "a positional argument after a keyword argument",
                        token.start,
                        token.end,
                    )
                args.append(self.expr())
            if not self.at("op", ","):
                break
            self.advance()
        close = self.expect_op(")", f"to close the call of {name.text}()")
        return ast.Call(name.text, tuple(args), tuple(keywords), self.span(name.start, close.end))

    def _loop(self) -> tuple[str, ast.Expr, ast.Expr | None]:
        """``for VAR in SOURCE [if CONDITION]``, after the element."""
        self.advance()  # "for"
        var = self.peek()
        if var.kind != "name" or var.text in KEYWORDS:
            raise self.error("expr-syntax", "expected a loop variable after 'for'", var.start, var.end)
        self.advance()
        if not self.at_keyword("in"):
            token = self.peek()
            raise self.error("expr-syntax", "expected 'in' after the loop variable", token.start, token.end)
        self.advance()
        source = self.or_expr()
        condition = None
        if self.at_keyword("if"):
            self.advance()
            condition = self.or_expr()
        return var.text, source, condition

    def aggregate(self, name: Token, element: ast.Expr) -> ast.Expr:
        var, source, condition = self._loop()
        close = self.expect_op(")", f"to close {name.text}(...)")
        return ast.Aggregate(name.text, element, var, source, condition, self.span(name.start, close.end))

    def list_comprehension(self, open_token: Token, element: ast.Expr) -> ast.Expr:
        var, source, condition = self._loop()
        close = self.expect_op("]", "to close the list")
        return ast.ListComp(element, var, source, condition, self.span(open_token.start, close.end))


def _unquote(text: str) -> str:
    body = text[1:-1]
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), body)
