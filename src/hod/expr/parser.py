"""hod's expression language: a hand-written tokenizer and parser that build expression graphs.

The text is never handed to Python (no ``eval``, ``exec``, ``compile``) nor to SymPy's parsers:
a scanner cuts it into tokens, and an iterative operator-precedence parser (shunting-yard, with
explicit stacks, so no input can exhaust Python's recursion limit) applies hod's own operations
to graph nodes.  Derived functions such as ``square`` therefore lower to primitives by
themselves, and only the names of :func:`known_functions` can be called.

Grammar (Python's precedence, loosest first)::

    list    := expr ("," expr)*                      (parse_list only)
    expr    := term (("+" | "-") term)*              left-associative
    term    := unary (("*" | "/") unary)*            left-associative
    unary   := ("+" | "-") unary | power
    power   := atom (("**" | "^") unary)?            right-associative; 2**-1 is allowed
    atom    := number | name | name "(" expr ("," expr)* ")" | "(" expr ")"

Hostile input stays cheap: the text is at most :data:`MAX_LENGTH` characters, nesting at most
:data:`MAX_DEPTH` levels, and nothing is folded (``9**9**9`` stays three constants and two
power nodes), so every input is answered in time linear in its length.
"""

from __future__ import annotations

import difflib
import keyword
import math
import re

from .. import ops
from ..errors import ParseError
from . import graph
from .syntax import CONSTANTS, OPERATORS, UNARY_POWER

__all__ = ["parse", "parse_list", "known_functions", "CONSTANTS", "MAX_LENGTH", "MAX_DEPTH",
           "MAX_EXPONENT"]

#: Longest expression accepted, in characters.
MAX_LENGTH = 10_000
#: Deepest nesting accepted: open parentheses and calls, plus pending operators (unary signs,
#: powers).  SymPy, which later differentiates the graph, recurses once per level and hits
#: Python's default recursion limit at about 150 nested calls; 100 stays clear of it.
MAX_DEPTH = 100
#: Largest decimal exponent written in a number (``1e20000``); beyond it a literal is rejected
#: before anything tries to turn it into an exact rational.
MAX_EXPONENT = 20_000


# --- tokens --------------------------------------------------------------------------------

NUM, NAME, OP, LPAREN, RPAREN, COMMA, END = "number", "name", "op", "(", ")", ",", "end"

_NUMBER = re.compile(r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_MALFORMED = re.compile(r"[0-9.]*(?:[eE][+-]?[0-9.]*)?")
_SPACE = " \t\r\n"
_NAME_START = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_")
_NAME_CHARS = _NAME_START | set("0123456789")

# Python operators and punctuation that are not in the language, longest first.
_FOREIGN = [
    ("**=", "augmented assignment is not part of hod's language"),
    ("+=", "augmented assignment is not part of hod's language"),
    ("-=", "augmented assignment is not part of hod's language"),
    ("*=", "augmented assignment is not part of hod's language"),
    ("/=", "augmented assignment is not part of hod's language"),
    ("^=", "augmented assignment is not part of hod's language"),
    ("//", "'//' floor division is not part of hod's language (use / for division)"),
    ("==", "comparisons are not part of hod's language"),
    ("!=", "comparisons are not part of hod's language"),
    ("<=", "comparisons are not part of hod's language"),
    (">=", "comparisons are not part of hod's language"),
    ("<<", "bit shifts are not part of hod's language"),
    (">>", "bit shifts are not part of hod's language"),
    (":=", "assignment is not part of hod's language"),
    ("->", "'->' is not part of hod's language"),
    ("<", "comparisons are not part of hod's language"),
    (">", "comparisons are not part of hod's language"),
    ("=", "'=' assignment is not part of hod's language"),
    ("%", "'%' is not part of hod's language"),
    ("@", "'@' is not part of hod's language"),
    ("&", "'&' is not part of hod's language"),
    ("|", "'|' is not part of hod's language (use abs(x) for |x|)"),
    ("~", "'~' is not part of hod's language"),
    ("!", "'!' is not part of hod's language"),
    (";", "';' is not part of hod's language (write one expression)"),
    (":", "':' is not part of hod's language"),
    ("#", "'#' comments are not part of hod's language"),
    ("[", "'[' indexing and lists are not part of hod's language"),
    ("]", "']' indexing and lists are not part of hod's language"),
    ("{", "'{' braces are not part of hod's language"),
    ("}", "'}' braces are not part of hod's language"),
    ("'", "strings are not part of hod's language"),
    ('"', "strings are not part of hod's language"),
    ("`", "'`' is not part of hod's language"),
    ("\\", "'\\' backslashes are not part of hod's language"),
]

_FOREIGN_FIRST = frozenset(op[0] for op, _ in _FOREIGN)

# Characters that look like part of the language but are not ASCII.
_LOOKALIKES = {
    "\u2212": "'-'", "\u2013": "'-'", "\u2014": "'-'", "\u2010": "'-'", "\u2011": "'-'",
    "\u00d7": "'*'", "\u22c5": "'*'", "\u00b7": "'*'", "\u2217": "'*'", "\u00f7": "'/'",
    "\u2215": "'/'", "\u03c0": "'pi'", "\u00b2": "'**2'", "\u00b3": "'**3'", "\uff08": "'('",
    "\uff09": "')'", "\uff0c": "','", "\u00a0": "a plain space", "\u2009": "a plain space",
    "\u3000": "a plain space", "\u221a": "'sqrt(...)'",
}

# Names of other languages and textbooks, with what hod's language says instead.
_OTHER_NAMES = {
    "ln": "log (the natural logarithm)", "log10": "log(x)/log(10)", "lg": "log(x)/log(10)",
    "log2": "log(x)/log(2)", "min": "minimum(a, b)", "max": "maximum(a, b)",
    "amin": "minimum(a, b)", "amax": "maximum(a, b)", "fmin": "minimum(a, b)",
    "fmax": "maximum(a, b)", "sec": "1/cos(x)", "csc": "1/sin(x)", "cosec": "1/sin(x)",
    "cot": "1/tan(x)", "cotan": "1/tan(x)", "sech": "1/cosh(x)", "csch": "1/sinh(x)",
    "coth": "1/tanh(x)", "arcsin": "asin", "arccos": "acos", "arctan": "atan",
    "arctan2": "atan2", "arcsinh": "asinh", "arccosh": "acosh", "arctanh": "atanh",
    "asec": "acos(1/x)", "acsc": "asin(1/x)", "acot": "atan(1/x)", "pow": "x**y",
    "exp2": "2**x", "cbrt": "x**(1/3)", "sqr": "square", "fabs": "abs", "sgn": "sign",
    "signum": "sign", "sinc": "sin(x)/x", "logistic": "sigmoid", "expit": "sigmoid",
}
# Functions hod does not have, said plainly (no look-alike suggestion that would mislead).
_NOT_IN_LANGUAGE = {"erf", "erfc", "gamma", "lgamma", "digamma", "beta", "zeta", "floor",
                    "ceil", "round", "mod", "fact", "factorial"}
_STRING_PREFIXES = {"f", "r", "b", "u", "rb", "br", "fr", "rf"}


class _Token:
    __slots__ = ("kind", "text", "col", "error")

    def __init__(self, kind, text, col, error=None):
        self.kind = kind
        self.text = text
        self.col = col
        self.error = error  # for END tokens that stand for a scanning error: (message, col)

    def __repr__(self):
        return f"{self.kind}:{self.text!r}@{self.col}"


def _char_name(c):
    if c.isprintable() and not c.isspace():
        return f"'{c}' (U+{ord(c):04X})" if ord(c) > 127 else f"'{c}'"
    return f"U+{ord(c):04X}"


def _scan_error(text, i):
    """The message for an unusable character at ``i`` (or a foreign operator starting there)."""
    c = text[i]
    for op, message in _FOREIGN:
        if text.startswith(op, i):
            return message
    if c == ".":
        return "unexpected character '.'"
    if c in _LOOKALIKES:
        return f"unexpected character {_char_name(c)}; did you mean {_LOOKALIKES[c]}?"
    return f"unexpected character {_char_name(c)}"


def _number_error(text, start, end):
    """Why the number ``text[start:end]`` cannot stand as it is: (message, column) or None."""
    lit = text[start:end]
    nxt = text[end:end + 1]
    if nxt == ".":
        after = text[end + 1:end + 2]
        if after and after in _NAME_START:
            return "'.' attribute access is not part of hod's language", end
        bad = _MALFORMED.match(text, start).group()
        return f"malformed number '{_short(bad)}'", start
    if nxt and nxt in _NAME_START:
        word = _NAME.match(text, end).group()
        sign = text[end + 1:end + 2]
        if word in ("e", "E") and sign and sign in "+-":
            return (f"malformed number '{_short(lit)}{word}{sign}': the exponent needs digits",
                    start)
        if lit.endswith("."):
            return "'.' attribute access is not part of hod's language", end - 1
        if lit == "0" and len(word) > 1 and word[0] in "xXoObB":
            return "hexadecimal, octal and binary numbers are not part of hod's language", start
        if word[0] == "_":
            return "underscores in numbers are not part of hod's language", end
        if word in ("j", "J"):
            return "complex numbers are not part of hod's language", start
        return (f"implicit multiplication: write {_short(lit)}*{_short(word)} instead of "
                f"{_short(lit)}{_short(word)}", end)
    if lit.isdigit() and len(lit) > 1 and lit[0] == "0" and lit.strip("0"):
        return f"leading zeros are not allowed in '{_short(lit)}'", start
    return None


def _check_number(lit, col, text):
    """The float value of a number literal, or a ParseError if it is out of range."""
    mantissa, _, exponent = lit.lower().partition("e")
    digits = exponent.lstrip("+-").lstrip("0")
    if len(digits) > len(str(MAX_EXPONENT)) or (digits and int(digits) > MAX_EXPONENT):
        raise ParseError(f"number '{_short(lit)}' is out of range", text, col)
    value = float(lit)
    if math.isinf(value):
        raise ParseError(f"number '{_short(lit)}' is too large (max about 1.8e308)", text, col)
    if value == 0.0 and mantissa.strip("0."):
        raise ParseError(f"number '{_short(lit)}' is too small (it rounds to 0)", text, col)
    return value


def _short(s, n=24):
    return s if len(s) <= n else s[:n - 3] + "..."


def _tokens(text):
    """Tokens of ``text``, ending with an END token (which may carry a scanning error).

    Errors are deferred to the END token so that the parser reports the first problem in
    reading order (``open('/etc/passwd')`` is an unknown function before it is a string).
    """
    n = len(text)
    i = 0
    prev = None
    while True:
        while i < n and text[i] in _SPACE:
            i += 1
        if i >= n:
            yield _Token(END, "", n)
            return
        c = text[i]
        if c.isdigit() and c.isascii() or (c == "." and i + 1 < n and text[i + 1].isdigit()
                                         and text[i + 1].isascii()):
            m = _NUMBER.match(text, i)
            err = _number_error(text, i, m.end())
            if err:
                yield _Token(NUM, m.group(), i)
                yield _Token(END, "", err[1], error=err)
                return
            tok = _Token(NUM, m.group(), i)
            i = m.end()
        elif c in _NAME_START:
            m = _NAME.match(text, i)
            word = m.group()
            j = m.end()
            if j < n and text[j] in "'\"" and word.lower() in _STRING_PREFIXES:
                yield _Token(END, "", i, error=("strings are not part of hod's language", i))
                return
            if keyword.iskeyword(word):
                yield _Token(END, "", i, error=(f"'{word}' is not part of hod's language", i))
                return
            if word.startswith("__"):
                k = j
                while k < n and text[k] in _SPACE:
                    k += 1
                what = "a known function" if k < n and text[k] == "(" else "part of hod's language"
                yield _Token(END, "", i, error=(f"'{word}' is not {what}", i))
                return
            tok = _Token(NAME, word, i)
            i = j
        elif c in _FOREIGN_FIRST and any(text.startswith(op, i) for op, _ in _FOREIGN):
            yield _Token(END, "", i, error=(_scan_error(text, i), i))
            return
        elif text.startswith("**", i):
            tok = _Token(OP, "**", i)
            i += 2
        elif c in "+-*/^":
            tok = _Token(OP, c, i)
            i += 1
        elif c == "(":
            tok = _Token(LPAREN, c, i)
            i += 1
        elif c == ")":
            tok = _Token(RPAREN, c, i)
            i += 1
        elif c == ",":
            tok = _Token(COMMA, c, i)
            i += 1
        elif c == "." and prev is not None and prev.kind in (NAME, NUM, RPAREN) \
                and i + 1 < n and (text[i + 1] in _NAME_START or text[i + 1] in _SPACE):
            yield _Token(END, "", i,
                         error=("'.' attribute access is not part of hod's language", i))
            return
        else:
            yield _Token(END, "", i, error=(_scan_error(text, i), i))
            return
        prev = tok
        yield tok


# --- parsing -------------------------------------------------------------------------------

# Binary operators: token -> (binding power, right-associative, graph builder).
_BINARY = {tok: (op.power, op.right, ops.TABLE[op.primitive]) for tok, op in OPERATORS.items()}

# Entries of the operator stack: ("bin", op token), ("neg" or "pos", op token),
# ("paren", "(" token), ("call", name token, function, arity, operands before it, "(" token).


def known_functions():
    """The names of the functions of hod's expression language, sorted.

    >>> "sin" in known_functions() and "atan2" in known_functions()
    True
    """
    return sorted(ops.language_functions())


def parse(text, variables=None):
    """Parse one expression of hod's language into a graph (:class:`hod.expr.graph.Expr`).

    ``variables`` names the declared variables: such a name is a variable even if it is also
    a constant (``e``, ``E``, ``pi``).  Undeclared names other than constants and functions
    are variables too.  Errors raise :class:`hod.errors.ParseError` with the 0-based column.

    >>> from hod.expr.graph import evaluate
    >>> from hod.expr.printer import to_text
    >>> g = parse("2*x^3 - sin(pi*y)")
    >>> to_text(g)
    '2 * x ** 3 - sin(pi * y)'
    >>> float(evaluate(g, {"x": 2.0, "y": 0.5}).numpy())
    15.0
    """
    return _Parser(text, variables, allow_list=False).run()[0]


def parse_list(text, variables=None):
    """Parse a comma-separated list of expressions (``"f1, f2"``) into a list of graphs.

    Commas inside the parentheses of a call belong to the call.  The graphs share one node
    per variable name.

    >>> from hod.expr.printer import to_text
    >>> [to_text(g) for g in parse_list("x*y, atan2(y, x)")]
    ['x * y', 'atan2(y, x)']
    """
    return _Parser(text, variables, allow_list=True).run()


class _Parser:
    def __init__(self, text, variables, allow_list):
        if not isinstance(text, str):
            raise TypeError(f"expression text must be a str, not {type(text).__name__}")
        self.text = text
        self.declared = frozenset(variables or ())
        self.allow_list = allow_list
        self.functions = ops.language_functions()
        self.vars = {}

    def fail(self, message, col):
        raise ParseError(message, self.text, col)

    # --- leaves ----------------------------------------------------------------------------
    def leaf(self, tok, nxt):
        """The node for a number or a name not followed by '('."""
        if tok.kind == NUM:
            value = _check_number(tok.text, tok.col, self.text)
            return graph.const(value, tok.text)
        name = tok.text
        if name in self.declared:
            return self.variable(name)
        if name in CONSTANTS:
            return graph.const(CONSTANTS[name].value, name)
        if name in self.functions:
            if nxt.kind in (NUM, NAME):
                self.fail(f"function '{name}' needs parentheses: write "
                          f"{name}({_short(nxt.text)})", tok.col)
            self.fail(f"function '{name}' needs its argument in parentheses: {name}(...)",
                      tok.col)
        return self.variable(name)

    def variable(self, name):
        node = self.vars.get(name)
        if node is None:
            node = self.vars[name] = graph.var(name)
        return node

    def function(self, tok, lparen):
        """The function called by ``name(``: (function, number of arguments)."""
        name = tok.text
        entry = self.functions.get(name)
        if entry is not None:
            return entry
        if name in self.declared or name in CONSTANTS:
            self.fail(f"implicit multiplication: write {name}*( instead of {name}(",
                      lparen.col)
        close = difflib.get_close_matches(name, list(self.functions), n=1, cutoff=0.6)
        if name in _OTHER_NAMES:
            hint = f" (in hod: {_OTHER_NAMES[name]})"
        elif name in _NOT_IN_LANGUAGE:
            hint = " (hod's language has no such function)"
        elif close:
            hint = f" (did you mean '{close[0]}'?)"
        elif len(name) == 1:
            hint = f" (for a product write {name}*(...))"
        else:
            hint = ""
        self.fail(f"unknown function '{_short(name)}'{hint}", tok.col)

    # --- the operator-precedence loop -------------------------------------------------------
    def run(self):
        text = self.text
        if len(text) > MAX_LENGTH:
            self.fail(f"expression too long ({len(text)} characters; max {MAX_LENGTH})",
                      MAX_LENGTH)
        tokens = _tokens(text)
        operands = []   # graph nodes
        stack = []      # pending operators, parentheses and calls
        results = []    # finished top-level expressions (parse_list)
        expect_operand = True
        prev = None     # the previous token
        tok = next(tokens)
        while True:
            nxt = None
            if tok.kind == NAME:
                nxt = next(tokens)
            if expect_operand:
                if tok.kind in (NUM, NAME):
                    if tok.kind == NAME and nxt.kind == LPAREN:
                        fn, arity = self.function(tok, nxt)
                        self.push(stack, ("call", tok, fn, arity, len(operands), nxt), tok)
                        prev, tok = nxt, next(tokens)
                        continue
                    operands.append(self.leaf(tok, nxt if nxt is not None else tok))
                    expect_operand = False
                elif tok.kind == LPAREN:
                    self.push(stack, ("paren", tok), tok)
                elif tok.kind == OP and tok.text in "+-":
                    self.push(stack, ("neg" if tok.text == "-" else "pos", tok), tok)
                else:
                    self.missing_operand(tok, prev, stack)
            else:
                if tok.kind == OP:
                    power, right, _ = _BINARY[tok.text]
                    self.reduce(operands, stack, power, right)
                    self.push(stack, ("bin", tok), tok)
                    expect_operand = True
                elif tok.kind == RPAREN:
                    self.reduce(operands, stack, 0, False)
                    if not stack:
                        self.fail("unexpected ')' (no matching '(')", tok.col)
                    self.close(operands, stack.pop(), tok)
                elif tok.kind == COMMA:
                    self.reduce(operands, stack, 0, False)
                    if stack and stack[-1][0] == "call":
                        pass  # the next argument follows
                    elif stack:
                        self.fail("unexpected ',' (only a function call takes several "
                                  "arguments)", tok.col)
                    elif not self.allow_list:
                        self.fail("unexpected ',' (expected one expression, not a list)",
                                  tok.col)
                    else:
                        results.append(operands.pop())
                    expect_operand = True
                elif tok.kind == END:
                    if tok.error:
                        self.fail(*tok.error)
                    self.reduce(operands, stack, 0, False)
                    if stack:
                        self.unclosed(stack)
                    results.append(operands.pop())
                    return results
                else:  # a number, a name or '(' right after an operand
                    self.implicit_multiplication(prev, tok)
            prev = tok
            tok = nxt if nxt is not None else next(tokens)

    def push(self, stack, entry, tok):
        if len(stack) >= MAX_DEPTH:
            self.fail(f"expression nested too deeply (max {MAX_DEPTH} levels)", tok.col)
        stack.append(entry)

    def unclosed(self, stack):
        col = stack[-1][-1].col  # the innermost '(' still open
        self.fail(f"unbalanced parenthesis: '(' at column {col} is never closed", col)

    def reduce(self, operands, stack, power, right):
        """Apply pending operators that bind at least as tightly as an incoming one."""
        while stack:
            kind = stack[-1][0]
            if kind == "bin":
                p = _BINARY[stack[-1][1].text][0]
                if p < power or (p == power and right):
                    return
                b = operands.pop()
                a = operands.pop()
                operands.append(_BINARY[stack.pop()[1].text][2](a, b))
            elif kind in ("neg", "pos"):
                if UNARY_POWER < power:
                    return
                stack.pop()
                if kind == "neg":
                    operands.append(ops.negative(operands.pop()))
            else:
                return

    def close(self, operands, entry, tok):
        """A ')' closes a parenthesis or a call (its arguments are already reduced)."""
        if entry[0] == "paren":
            return
        _, name_tok, fn, arity, base, _ = entry
        args = operands[base:]
        del operands[base:]
        if arity is not None and len(args) != arity:
            self.fail(_arity_message(name_tok.text, arity, len(args)), name_tok.col)
        operands.append(fn(*args))

    def missing_operand(self, tok, prev, stack):
        """Report a token found where an operand should start."""
        kind = tok.kind
        if tok.error:  # a scanning error
            self.fail(*tok.error)
        if prev is not None and prev.kind == OP:
            self.fail(f"missing operand after '{prev.text}'", prev.col)
        if kind == OP:
            self.fail(f"'{tok.text}' is missing its left operand", tok.col)
        if kind == RPAREN:
            if not stack:
                self.fail("unexpected ')' (no matching '(')", tok.col)
            entry = stack[-1]
            if prev is not None and prev.kind == COMMA:
                self.fail("missing argument after ','", prev.col)
            if entry[0] == "call":
                name_tok, arity = entry[1], entry[3]
                self.fail(_arity_message(name_tok.text, arity, 0), name_tok.col)
            self.fail("empty parentheses '()'", entry[1].col)
        if kind == COMMA:
            in_call = bool(stack) and stack[-1][0] == "call"
            if stack and not in_call:
                self.fail("unexpected ',' (only a function call takes several arguments)",
                          tok.col)
            if not stack and not self.allow_list:
                self.fail("unexpected ',' (expected one expression, not a list)", tok.col)
            what = "argument" if in_call else "expression"
            self.fail(f"missing {what} before ','", tok.col)
        # END
        if stack:
            self.unclosed(stack)
        if prev is not None and prev.kind == COMMA:
            self.fail("missing expression after ','", prev.col)
        self.fail("empty expression", 0)

    def implicit_multiplication(self, prev, tok):
        a, b = _short(prev.text), _short(tok.text)
        if prev.kind in (NUM, NAME) and tok.kind in (NUM, NAME):
            gap = " " if tok.col > prev.col + len(prev.text) else ""
            self.fail(f"implicit multiplication: write {a}*{b} instead of {a}{gap}{b}", tok.col)
        self.fail(f"implicit multiplication: write '*' between '{a}' and '{b}'", tok.col)


def _arity_message(name, arity, got):
    s = "" if arity == 1 else "s"
    return f"function '{name}' takes {arity} argument{s}, got {got}"
