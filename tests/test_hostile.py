"""Malformed and malicious expressions: each is a clean ParseError with a column, and cheap.

``HOSTILE`` is reused by the command-line tests (each must exit 2 with one line on stderr);
``HUGE_BUT_VALID`` are expressions in the language whose values explode: they parse at once
into a graph (nothing is folded) and their overflow is the evaluator's business.
"""

from __future__ import annotations

import builtins
import contextlib
import signal

import pytest

from hod.expr import graph, printer
from hod.errors import ParseError, UsageError
from hod.expr.parser import MAX_DEPTH, MAX_LENGTH, parse, parse_list

# (expression text, the column of the reported error, or None if any column will do)
HOSTILE = [
    # Python injection attempts
    ("__import__('os').system('ls')", 0),
    ("().__class__.__bases__", 0),
    ("().__class__.__bases__[0].__subclasses__()", 0),
    ("x.__class__", 1),
    ("lambda: 0", 0),
    ("lambda x: x", 0),
    ("exec('x')", 0),
    ("eval('1+1')", 0),
    ("open('/etc/passwd')", 0),
    ("compile('1', 'f', 'eval')", 0),
    ("getattr(x, 'y')", 0),
    ("globals()", 0),
    ("print(x)", 0),
    ("os.system('ls')", 2),
    ("import os", 0),
    ("x; import os", 1),
    ("sin(x)\n;rm -rf /", 7),
    ("$(rm -rf /)", 0),
    ("__builtins__", 0),
    ("[x for x in y]", 0),
    ("{x: 1}", 0),
    ("yield x", 0),
    ("await x", 0),
    ("None", 0),
    ("True + 1", 0),
    # strings of every kind
    ("f'{x}'", 0),
    ('F"{x}"', 0),
    ("b'x'", 0),
    ("'x'", 0),
    ('"x"', 0),
    ("x'", 1),
    ("`x`", 0),
    # Python syntax that is not in the language
    ("x.real", 1),
    ("x . real", 2),
    ("x[0]", 1),
    ("x if y else z", 2),
    ("1 if x else 2", 2),
    ("x;y", 1),
    ("x@y", 1),
    ("x%y", 1),
    ("x//y", 1),
    ("x==y", 1),
    ("x != y", 2),
    ("x < y", 2),
    ("x & y", 2),
    ("x | y", 2),
    ("~x", 0),
    ("x!", 1),
    ("not x", 0),
    ("x and y", 2),
    ("x #comment", 2),
    ("x ? y : z", 2),
    ("x:=1", 1),
    ("x = 1", 2),
    ("x += 1", 2),
    ("x -> y", 2),
    ("...", 0),
    ("x..y", 1),
    ("x\\y", 1),
    ("x\\\ny", 1),
    ("\\x41", 0),
    # unicode lookalikes, invisible and control characters
    ("\u0445 + 1", 0),             # Cyrillic x
    ("x \u2212 1", 2),             # minus sign
    ("\u2014x", 0),                # em dash
    ("\uff53\uff49\uff4e(x)", 0),  # fullwidth sin
    ("\U0001d465", 0),             # mathematical italic x
    ("\ufeffx", 0),                # byte order mark
    ("x\u200b", 1),                # zero-width space
    ("x\u00a0+ 1", 1),             # no-break space
    ("\u03c0*x", 0),               # pi
    ("x\u00b2", 1),                # superscript two
    ("x\x00", 1),
    ("\x00", 0),
    ("x\x1b[31m", 1),
    # empty input
    ("", 0),
    ("   ", 0),
    ("\t\n", 0),
    # not quite the language
    ("2x", 1),
    ("x y", 2),
    ("sin x", 0),
    ("exp x", 0),
    ("sinn(x)", 0),
    ("2(x+1)", 1),
    ("(x)(y)", 3),
    ("x(y)", 0),
    ("pi(2)", 2),
    # parentheses, operators and commas out of place
    ("(x", 0),
    ("x)", 1),
    ("((x)", 0),
    ("sin(x", 3),
    ("sin(x))", 6),
    ("()", 0),
    ("sin()", 0),
    ("x+", 1),
    ("x*", 1),
    ("x**", 1),
    ("x^", 1),
    ("*x", 0),
    ("**x", 0),
    ("x ** * y", 2),
    ("x,", 1),
    (",x", 0),
    (",", 0),
    ("sin(x,)", 5),
    ("atan2(x)", 0),
    ("sin(x, y)", 0),
    # numbers
    ("1e999", 0),
    ("-1e999", 1),
    ("1" * 400, 0),
    ("1e-999", 0),
    ("0e99999999999", 0),
    ("1e" + "9" * 5000, 0),
    ("1e+", 0),
    ("1.2.3", 0),
    ("1j", 0),
    ("0x1F", 0),
    ("0b101", 0),
    ("1_000", 1),
    ("007", 0),
    # resource exhaustion
    ("x" * 100_000, MAX_LENGTH),
    ("(" * 100_000, MAX_LENGTH),
    ("x+" * 50_000, MAX_LENGTH),
    ("(" * (MAX_LENGTH + 1), MAX_LENGTH),
    ("(" * 5000, MAX_DEPTH),
    ("-" * 5000 + "x", MAX_DEPTH),
    ("+-" * 3000 + "x", MAX_DEPTH),
    ("(" * 4000 + "x" + ")" * 4000, MAX_DEPTH),
    ("x**" * 3000 + "x", 3 * MAX_DEPTH + 1),
    ("x^" * 3000 + "x", 2 * MAX_DEPTH + 1),
    ("2**-" * 1000 + "2", 4 * (MAX_DEPTH // 2) + 1),
    ("sin(" * 500 + "x" + ")" * 500, 4 * MAX_DEPTH),
    ("a" * 9990 + "(x)", 0),
]

# In the language, and instantly parsed, however large their values would be.
HUGE_BUT_VALID = [
    "9**9**9",
    "2**30**5",
    "9^9^9^9",
    "10**10**10**10**10",
    "1e308**1e308",
    "exp(exp(exp(1000)))",
    "(2**1000)**(2**1000)",
    "x" + "**x" * (MAX_DEPTH - 1),
    "x" + "+x" * 4999,
    "1" + "0" * 300,
    "sin(" * MAX_DEPTH + "x" + ")" * MAX_DEPTH,
]


@contextlib.contextmanager
def time_guard(seconds=5):
    """Fail (rather than hang) if the block runs longer than ``seconds``; a no-op off Unix."""
    if not hasattr(signal, "SIGALRM"):
        yield
        return

    def expire(signum, frame):
        raise TimeoutError(f"took more than {seconds} s")

    old = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


_DOORS = ("eval", "exec", "compile", "__import__", "breakpoint", "open", "getattr")


@contextlib.contextmanager
def no_python_evaluation():
    """Make every door from text to Python objects raise while the block runs.

    Patched by hand (not with monkeypatch, which itself imports while patching).
    """
    def forbidden(*args, **kwargs):
        raise AssertionError("the parser must never evaluate, compile or import anything")

    saved = {name: getattr(builtins, name) for name in _DOORS}
    try:
        for name in _DOORS:
            setattr(builtins, name, forbidden)
        yield
    finally:
        for name, fn in saved.items():
            setattr(builtins, name, fn)


def test_there_are_enough_hostile_cases():
    assert len(HOSTILE) >= 60
    assert len({text for text, _ in HOSTILE}) == len(HOSTILE)


def test_every_hostile_input_is_a_one_line_parse_error_at_its_column(monkeypatch):
    import sympy
    import sympy.parsing.sympy_parser as sympy_parser

    monkeypatch.setattr(sympy, "sympify", lambda *a, **k: pytest.fail("sympify called"))
    monkeypatch.setattr(sympy_parser, "parse_expr", lambda *a, **k: pytest.fail("parse_expr"))
    failures = []
    for text, column in HOSTILE:
        for parser in (parse, parse_list):
            with time_guard(), no_python_evaluation():
                try:
                    parser(text)
                except ParseError as err:
                    caught = err
                else:
                    caught = None
            if caught is None:
                failures.append(f"{text[:40]!r}: no error")
                continue
            if column is not None and caught.column != column:
                failures.append(f"{text[:40]!r}: column {caught.column}, expected {column}")
            if "\n" in caught.message or not caught.message or len(caught.message) > 120:
                failures.append(f"{text[:40]!r}: message {caught.message!r}")
            if caught.text != text or not 0 <= caught.column <= len(text):
                failures.append(f"{text[:40]!r}: bad text or column")
            pointer = caught.pointer()
            if pointer.count("\n") != 1 or not pointer.endswith("^"):
                failures.append(f"{text[:40]!r}: pointer {pointer!r}")
    assert not failures, "\n".join(failures)


def test_parse_errors_are_usage_errors():
    with pytest.raises(UsageError):
        parse("sinn(x)")


def test_huge_power_towers_parse_into_graphs_without_being_evaluated():
    for text in HUGE_BUT_VALID:
        with time_guard(), no_python_evaluation():
            g = parse(text)
        assert isinstance(g, graph.Expr)
        assert g.op != "const" or g.label == text, text  # nothing was folded
    nodes = graph.topological(parse("9**9**9"))
    assert [(n.op, n.label) for n in nodes] == [
        ("const", "9"), ("const", "9"), ("const", "9"), ("power", None), ("power", None)]


def test_names_never_reach_python_namespaces():
    # 'open' and 'os' are ordinary variables: they need values, and they get only those.
    g = parse("open + os")
    assert graph.variables(g) == ["open", "os"]
    assert float(graph.evaluate(g, {"open": 1.0, "os": 2.0}).numpy()) == 3.0
    with pytest.raises(UsageError, match="no value given for variable 'open'"):
        graph.evaluate(g, {"os": 2.0})


def test_control_characters_do_not_reach_the_pointer_line():
    with pytest.raises(ParseError) as info:
        parse("x\x1b[31m")
    pointer = info.value.pointer()
    assert "\x1b" not in pointer
    assert pointer == "  x?[31m\n   ^"
