"""The expression language: precedence, numbers, names, functions, lists and error reports."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy

from hod import ops
from hod.expr import graph, printer
from hod.errors import ParseError
from hod.expr.parser import (CONSTANTS, MAX_DEPTH, MAX_LENGTH, known_functions, parse,
                        parse_list)
from hod.engine.tensor import as_value


def value(text, variables=None, **env):
    """The number ``text`` evaluates to on the tape engine, with ``env`` as variable values."""
    return float(as_value(graph.evaluate(parse(text, variables), env, backend="tensor")))


def text_of(text, variables=None):
    return printer.to_text(parse(text, variables))


# --- precedence and associativity ------------------------------------------------------------

@pytest.mark.parametrize("text, env, expected, printed", [
    ("-x**2", {"x": 3.0}, -9.0, "-x ** 2"),
    ("(-x)**2", {"x": 3.0}, 9.0, "(-x) ** 2"),
    ("-2**2", {}, -4.0, "-2 ** 2"),
    ("2**3**2", {}, 512.0, "2 ** 3 ** 2"),
    ("(2**3)**2", {}, 64.0, "(2 ** 3) ** 2"),
    ("2**-1", {}, 0.5, "2 ** -1"),
    ("2**-1**2", {}, 0.5, "2 ** -1 ** 2"),
    ("2**-x**2", {"x": 2.0}, 2.0 ** -4, "2 ** -x ** 2"),
    ("2*-3**2", {}, -18.0, "2 * -3 ** 2"),
    ("a/b/c", {"a": 24.0, "b": 4.0, "c": 3.0}, 2.0, "a / b / c"),
    ("a/(b/c)", {"a": 24.0, "b": 4.0, "c": 3.0}, 18.0, "a / (b / c)"),
    ("a-b-c", {"a": 10.0, "b": 4.0, "c": 3.0}, 3.0, "a - b - c"),
    ("a-(b-c)", {"a": 10.0, "b": 4.0, "c": 3.0}, 9.0, "a - (b - c)"),
    ("a-b+c", {"a": 10.0, "b": 4.0, "c": 3.0}, 9.0, "a - b + c"),
    ("1/2*4", {}, 2.0, "1 / 2 * 4"),
    ("1+2*3", {}, 7.0, "1 + 2 * 3"),
    ("(1+2)*3", {}, 9.0, "(1 + 2) * 3"),
    ("2*3**2", {}, 18.0, "2 * 3 ** 2"),
    ("-x*y", {"x": 2.0, "y": 5.0}, -10.0, "-x * y"),
    ("x*-y", {"x": 2.0, "y": 5.0}, -10.0, "x * -y"),
    ("x - -y", {"x": 2.0, "y": 5.0}, 7.0, "x - -y"),
    ("--x", {"x": 2.0}, 2.0, "- -x"),
    ("+x", {"x": 2.0}, 2.0, "x"),
    ("-+-x", {"x": 2.0}, 2.0, "- -x"),
    ("x**-y**z", {"x": 2.0, "y": 1.0, "z": 3.0}, 0.5, "x ** -y ** z"),
    ("2*x**3+5*y**2+11*x*y+5", {"x": 5.0, "y": 2.0}, 385.0,
     "2 * x ** 3 + 5 * y ** 2 + 11 * x * y + 5"),
    ("((((x))))", {"x": 4.0}, 4.0, "x"),
    (" 2 *\tx\n+ 1 ", {"x": 4.0}, 9.0, "2 * x + 1"),
])
def test_precedence_and_associativity_follow_python(text, env, expected, printed):
    assert value(text, **env) == pytest.approx(expected, rel=1e-15)
    assert text_of(text) == printed


def test_caret_is_a_synonym_of_double_star():
    assert text_of("x^y^2") == text_of("x**y**2") == "x ** y ** 2"
    assert value("2^3^2") == 512.0
    assert value("-2^2") == -4.0
    assert value("2^-1") == 0.5


def test_unary_minus_is_a_negative_node_and_unary_plus_is_identity():
    g = parse("-x")
    assert g.op == "negative" and g.args[0].op == "var"
    assert parse("+x").op == "var"
    assert parse("-2").op == "negative" and parse("-2").args[0].label == "2"


def test_power_is_right_associative_in_the_graph():
    g = parse("a**b**c")
    assert g.op == "power" and g.args[0].label == "a" and g.args[1].op == "power"


def test_subtraction_and_division_are_left_associative_in_the_graph():
    g = parse("a-b-c")
    assert g.op == "subtract" and g.args[0].op == "subtract" and g.args[1].label == "c"
    g = parse("a/b/c")
    assert g.op == "divide" and g.args[0].op == "divide" and g.args[1].label == "c"


# --- numbers ---------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("2", 2.0), ("0.5", 0.5), (".5", 0.5), ("5.", 5.0), ("1e-3", 1e-3), ("2.5E+4", 2.5e4),
    ("1.e2", 100.0), ("0", 0.0), ("00", 0.0), ("0.000", 0.0), ("007.5", 7.5), ("1e308", 1e308),
    ("4.9e-324", 5e-324),
])
def test_numbers(text, expected):
    g = parse(text)
    assert g.op == "const" and g.value == expected
    assert g.label == text  # the exact source text, for exact rationals in SymPy


def test_constants_keep_their_source_text_so_sympy_sees_exact_rationals():
    assert graph.to_sympy(parse("0.1")) == sympy.Rational(1, 10)
    assert graph.to_sympy(parse("2.5E+4")) == 25000
    assert graph.to_sympy(parse("1e-3*x")) == sympy.Symbol("x", real=True) / 1000


def test_constants_are_not_folded():
    g = parse("9**9**9")
    assert [n.op for n in graph.topological(g)] == ["const", "const", "const", "power", "power"]
    assert printer.to_text(parse("2**30**5")) == "2 ** 30 ** 5"


# --- names: constants and variables ----------------------------------------------------------

@pytest.mark.parametrize("name, expected", [("pi", math.pi), ("e", math.e), ("E", math.e)])
def test_pi_e_and_E_are_constants_unless_declared(name, expected):
    g = parse(name)
    assert g.op == "const" and g.value == expected and g.label == name
    assert value(f"2*{name}") == 2 * expected
    declared = parse(name, variables=[name])
    assert declared.op == "var" and declared.label == name
    assert value(f"2*{name}", variables={name}, **{name: 10.0}) == 20.0
    assert set(CONSTANTS) == {"pi", "e", "E"}


def test_constants_print_and_convert_to_sympy_symbolically():
    assert text_of("2*pi*e") == "2 * pi * e"
    assert graph.to_sympy(parse("pi + E")) == sympy.pi + sympy.E


def test_declaring_other_names_changes_nothing_for_undeclared_ones():
    g = parse("e*x", variables=["x", "y"])
    assert g.args[0].op == "const" and g.args[1].op == "var"


def test_one_node_per_variable():
    g = parse("x*x + x")
    product, x = g.args
    assert product.args[0] is product.args[1] is x
    assert graph.size(g) == 3  # x, x*x and the sum


def test_variables_come_in_order_of_first_appearance():
    assert graph.variables(parse("y*x + z + x")) == ["y", "x", "z"]
    assert graph.variables(parse("b**a - sin(c)")) == ["b", "a", "c"]


@pytest.mark.parametrize("name", ["x", "x1", "x_1", "_x", "alpha", "Theta2", "dx_dy", "inf"])
def test_variable_names(name):
    g = parse(f"2*{name}")
    assert g.args[1].op == "var" and g.args[1].label == name


def test_a_function_name_can_be_declared_as_a_variable():
    g = parse("sin(sin)", variables=["sin"])
    assert g.op == "sin" and g.args[0].op == "var" and g.args[0].label == "sin"
    assert value("2*exp", variables=["exp"], exp=3.0) == 6.0


# --- functions -------------------------------------------------------------------------------

def test_known_functions_are_the_language_functions_of_the_table():
    names = known_functions()
    assert names == sorted(ops.language_functions())
    for name in ["sin", "cos", "tan", "exp", "log", "sqrt", "atan2", "abs", "relu", "maximum",
                 "minimum", "sigmoid", "softplus", "tanh", "square", "clip_by_value"]:
        assert name in names
    for name in ["sum", "reshape", "matmul", "where", "less", "getitem"]:
        assert name not in names  # not scalar: not part of the language


def _sample_args(name, arity):
    prim = ops.TABLE.get(name)
    if prim is not None and prim.domain is not None:
        return [0.3 * lo + 0.7 * hi for lo, hi in prim.domain]
    return {"square": [1.5], "clip_by_value": [1.5, 0.0, 1.0]}[name]


@pytest.mark.parametrize("name", known_functions())
def test_every_known_function_parses_and_evaluates(name):
    fn, arity = ops.language_functions()[name]
    args = _sample_args(name, arity)
    assert len(args) == arity
    text = f"{name}({', '.join(repr(a) for a in args)})"
    expected = float(as_value(fn(*args)))
    assert value(text) == expected
    # with variables as arguments too, and the tape sees the function
    names = ["x", "y", "z"][:arity]
    env = dict(zip(names, args))
    assert value(f"{name}({', '.join(names)})", **env) == expected
    assert parse(text).op != "const"


@pytest.mark.parametrize("text, expected", [
    ("sin(pi/2)", 1.0), ("cos(0)", 1.0), ("atan2(1, 1)", math.pi / 4), ("log(e)", 1.0),
    ("exp(log(3))", 3.0), ("sqrt(16)", 4.0), ("abs(-2)", 2.0), ("maximum(2, 3)", 3.0),
    ("minimum(2, 3)", 2.0), ("sigmoid(0)", 0.5), ("relu(-1)", 0.0), ("relu(2)", 2.0),
    ("square(3)", 9.0), ("clip_by_value(5, 0, 1)", 1.0), ("clip_by_value(-5, 0, 1)", 0.0),
    ("clip_by_value(0.5, 0, 1)", 0.5), ("sign(-3)", -1.0), ("tanh(0)", 0.0),
    ("log1p(0)", 0.0), ("expm1(0)", 0.0), ("softplus(0)", math.log(2)),
    ("atan2(1, -1)", 3 * math.pi / 4), ("sin(x)**2 + cos(x)**2", 1.0),
    ("-sin(pi/2)**2", -1.0), ("2*atan2(x, 1)", 2 * math.atan(0.7)),
])
def test_function_values(text, expected):
    assert value(text, x=0.7) == pytest.approx(expected, rel=1e-15, abs=1e-15)


def test_derived_functions_lower_to_primitives():
    assert text_of("square(x + 1)") == "(x + 1) * (x + 1)"
    assert text_of("clip_by_value(x, 0, 1)") == "minimum(maximum(x, 0), 1)"
    g = parse("square(x + 1)")
    assert g.args[0] is g.args[1]  # the argument is one node


def test_spaces_around_calls_and_commas():
    assert text_of("atan2 ( y ,x )") == "atan2(y, x)"
    assert text_of("maximum(x,sin(y))") == "maximum(x, sin(y))"


# --- lists -----------------------------------------------------------------------------------

def test_parse_list_splits_top_level_commas_only():
    gs = parse_list("x*y, atan2(y, x), maximum(x, 2) + 1")
    assert [printer.to_text(g) for g in gs] == ["x * y", "atan2(y, x)", "maximum(x, 2) + 1"]


def test_parse_list_shares_variable_nodes_between_expressions():
    f1, f2 = parse_list("x + y, x * y")
    assert f1.args[0] is f2.args[0] and f1.args[1] is f2.args[1]
    assert graph.variables([f1, f2]) == ["x", "y"]


def test_parse_list_of_one_expression_and_declared_variables():
    assert [printer.to_text(g) for g in parse_list("2*x")] == ["2 * x"]
    (g,) = parse_list("e", variables=["e"])
    assert g.op == "var"


def test_parse_rejects_a_list():
    with pytest.raises(ParseError) as info:
        parse("x, y")
    assert info.value.column == 1


# --- errors ----------------------------------------------------------------------------------

ERRORS = [
    # (text, message, column)
    ("", "empty expression", 0),
    ("   ", "empty expression", 0),
    ("sinn(x)", "unknown function 'sinn' (did you mean 'sin'?)", 0),
    ("2 + tanhh(x)", "unknown function 'tanhh' (did you mean 'tanh'?)", 4),
    ("foo(x)", "unknown function 'foo'", 0),
    ("f(x)", "unknown function 'f' (for a product write f*(...))", 0),
    ("2x", "implicit multiplication: write 2*x instead of 2x", 1),
    ("3.5sin(x)", "implicit multiplication: write 3.5*sin instead of 3.5sin", 3),
    ("x y", "implicit multiplication: write x*y instead of x y", 2),
    ("2 3", "implicit multiplication: write 2*3 instead of 2 3", 2),
    ("2(x+1)", "implicit multiplication: write '*' between '2' and '('", 1),
    ("(x+1)(x-1)", "implicit multiplication: write '*' between ')' and '('", 5),
    ("(x)y", "implicit multiplication: write '*' between ')' and 'y'", 3),
    ("pi(2)", "implicit multiplication: write pi*( instead of pi(", 2),
    ("E (2)", "implicit multiplication: write E*( instead of E(", 2),
    ("sin x", "function 'sin' needs parentheses: write sin(x)", 0),
    ("1 + exp", "function 'exp' needs its argument in parentheses: exp(...)", 4),
    ("(x+1", "unbalanced parenthesis: '(' at column 0 is never closed", 0),
    ("x*(y+(z", "unbalanced parenthesis: '(' at column 5 is never closed", 5),
    ("sin(x", "unbalanced parenthesis: '(' at column 3 is never closed", 3),
    ("sin (x", "unbalanced parenthesis: '(' at column 4 is never closed", 4),
    ("x)", "unexpected ')' (no matching '(')", 1),
    ("(x))", "unexpected ')' (no matching '(')", 3),
    (")", "unexpected ')' (no matching '(')", 0),
    ("()", "empty parentheses '()'", 0),
    ("x + ()", "empty parentheses '()'", 4),
    ("x+", "missing operand after '+'", 1),
    ("x * (y -)", "missing operand after '-'", 7),
    ("x ** * y", "missing operand after '**'", 2),
    ("*x", "'*' is missing its left operand", 0),
    ("(/x)", "'/' is missing its left operand", 1),
    ("sin()", "function 'sin' takes 1 argument, got 0", 0),
    ("atan2(1)", "function 'atan2' takes 2 arguments, got 1", 0),
    ("1 + sin(x, y)", "function 'sin' takes 1 argument, got 2", 4),
    ("clip_by_value(x, 1)", "function 'clip_by_value' takes 3 arguments, got 2", 0),
    ("atan2(y,)", "missing argument after ','", 7),
    ("atan2(,x)", "missing argument before ','", 6),
    ("(x, y)", "unexpected ',' (only a function call takes several arguments)", 2),
    ("x, y", "unexpected ',' (expected one expression, not a list)", 1),
    ("$", "unexpected character '$'", 0),
    ("x + ?", "unexpected character '?'", 4),
    ("x\x00", "unexpected character U+0000", 1),
    ("x \u2212 1", "unexpected character '\u2212' (U+2212); did you mean '-'?", 2),
    ("2\u00d7x", "unexpected character '\u00d7' (U+00D7); did you mean '*'?", 1),
    ("\u0445 + 1", "unexpected character '\u0445' (U+0445)", 0),
    ("x.real", "'.' attribute access is not part of hod's language", 1),
    ("(x).imag", "'.' attribute access is not part of hod's language", 3),
    ("1.real", "'.' attribute access is not part of hod's language", 1),
    ("1..real", "'.' attribute access is not part of hod's language", 2),
    ("lambda: 0", "'lambda' is not part of hod's language", 0),
    ("x if y else z", "'if' is not part of hod's language", 2),
    ("'x'", "strings are not part of hod's language", 0),
    ('x + "1"', "strings are not part of hod's language", 4),
    ("f'{x}'", "strings are not part of hod's language", 0),
    ("__import__('os')", "'__import__' is not a known function", 0),
    ("__builtins__", "'__builtins__' is not part of hod's language", 0),
    ("x[0]", "'[' indexing and lists are not part of hod's language", 1),
    ("x//2", "'//' floor division is not part of hod's language (use / for division)", 1),
    ("x % 2", "'%' is not part of hod's language", 2),
    ("x == y", "comparisons are not part of hod's language", 2),
    ("x = 1", "'=' assignment is not part of hod's language", 2),
    ("x += 1", "augmented assignment is not part of hod's language", 2),
    ("x **= 2", "augmented assignment is not part of hod's language", 2),
    ("x; y", "';' is not part of hod's language (write one expression)", 1),
    ("x # note", "'#' comments are not part of hod's language", 2),
    ("|x|", "'|' is not part of hod's language (use abs(x) for |x|)", 0),
    ("1e999", "number '1e999' is too large (max about 1.8e308)", 0),
    ("x * 1e-999", "number '1e-999' is too small (it rounds to 0)", 4),
    ("0e99999999", "number '0e99999999' is out of range", 0),
    ("1e+", "malformed number '1e+': the exponent needs digits", 0),
    ("1.2.3", "malformed number '1.2.3'", 0),
    ("1j", "complex numbers are not part of hod's language", 0),
    ("0x1F", "hexadecimal, octal and binary numbers are not part of hod's language", 0),
    ("1_000", "underscores in numbers are not part of hod's language", 1),
    ("007", "leading zeros are not allowed in '007'", 0),
    ("x" * (MAX_LENGTH + 1), f"expression too long ({MAX_LENGTH + 1} characters; "
                             f"max {MAX_LENGTH})", MAX_LENGTH),
    ("(" * 300 + "x" + ")" * 300, f"expression nested too deeply (max {MAX_DEPTH} levels)",
     MAX_DEPTH),
    ("-" * 300 + "x", f"expression nested too deeply (max {MAX_DEPTH} levels)", MAX_DEPTH),
]


@pytest.mark.parametrize("text, message, column", ERRORS,
                         ids=[repr(t[:20]) for t, _, _ in ERRORS])
def test_error_message_and_column(text, message, column):
    with pytest.raises(ParseError) as info:
        parse(text)
    err = info.value
    assert err.message == message
    assert str(err) == message
    assert err.column == column
    assert err.text == text
    assert "\n" not in message


def test_errors_in_lists():
    for text, message, column in [
        ("x,,y", "missing expression before ','", 2),
        (",x", "missing expression before ','", 0),
        ("x,", "missing expression after ','", 1),
        ("x, (y", "unbalanced parenthesis: '(' at column 3 is never closed", 3),
        ("x, y)", "unexpected ')' (no matching '(')", 4),
        ("x, (y, z)", "unexpected ',' (only a function call takes several arguments)", 5),
    ]:
        with pytest.raises(ParseError) as info:
            parse_list(text)
        assert (info.value.message, info.value.column) == (message, column), text


def test_a_declared_variable_before_a_parenthesis_is_implicit_multiplication():
    with pytest.raises(ParseError) as info:
        parse("x (y+1)", variables=["x", "y"])
    assert info.value.message == "implicit multiplication: write x*( instead of x("
    assert info.value.column == 2


def test_the_first_error_in_reading_order_is_reported():
    # an unknown function comes before the string in its argument
    with pytest.raises(ParseError, match="unknown function 'open'"):
        parse("open('/etc/passwd')")
    with pytest.raises(ParseError) as info:
        parse("sinn(x) + $")
    assert info.value.column == 0


def test_pointer_puts_a_caret_under_the_column():
    with pytest.raises(ParseError) as info:
        parse("2 + sinn(x)")
    assert info.value.pointer() == "  2 + sinn(x)\n      ^"


def test_depth_limit_allows_exactly_max_depth_levels():
    ok = "(" * MAX_DEPTH + "x" + ")" * MAX_DEPTH
    assert printer.to_text(parse(ok)) == "x"
    with pytest.raises(ParseError, match="nested too deeply"):
        parse("(" + ok + ")")
    calls = "sin(" * MAX_DEPTH + "x" + ")" * MAX_DEPTH
    assert graph.size(parse(calls)) == MAX_DEPTH + 1


def test_length_limit_allows_exactly_max_length_characters():
    text = "x+" * (MAX_LENGTH // 2 - 1) + "xx"
    assert len(text) == MAX_LENGTH
    g = parse(text)
    assert graph.size(g) == MAX_LENGTH // 2 + 1
    x = np.float64(0.5)
    assert value(text, x=x, xx=1.0) == pytest.approx((MAX_LENGTH // 2 - 1) * 0.5 + 1.0)


def test_non_string_input_is_a_type_error():
    with pytest.raises(TypeError):
        parse(b"x")


def test_printed_expressions_parse_back_even_when_nested_deeply():
    # 90 nested negations print as "- - ... x" (each sign one level), not "-(-(...))" (two
    # levels each, beyond MAX_DEPTH): whatever hod prints, its parser reads back
    for text in ["-" * 90 + "x", "-(" * 45 + "x" + ")" * 45, "(-8) ** (1/3)", "-(-8)"]:
        g = parse(text)
        again = printer.to_text(parse(printer.to_text(g)))
        assert again == printer.to_text(g)
    assert printer.to_text(parse("-(-8)")) == "- -8"


@pytest.mark.parametrize("text, hint", [
    ("ln(x)", "in hod: log (the natural logarithm)"),
    ("log10(x)", "in hod: log(x)/log(10)"),
    ("log2(x)", "in hod: log(x)/log(2)"),
    ("min(x, 1)", "in hod: minimum(a, b)"),
    ("max(x, 1)", "in hod: maximum(a, b)"),
    ("sec(x)", "in hod: 1/cos(x)"),
    ("csc(x)", "in hod: 1/sin(x)"),
    ("cot(x)", "in hod: 1/tan(x)"),
    ("arcsin(x)", "in hod: asin"),
    ("arctan(x)", "in hod: atan"),
    ("erf(x)", "hod's language has no such function"),
    ("√x", "did you mean 'sqrt(...)'?"),
])
def test_common_names_of_other_languages_get_hod_spelling(text, hint):
    with pytest.raises(ParseError) as e:
        parse(text)
    assert hint in str(e.value)
