"""Numbers, durations and polynomials as text: the one place that writes them.

Every module that shows a number (the renderer, error messages, the expression printer)
writes it through these functions, so one number reads the same everywhere.
"""

from __future__ import annotations

import fractions
import math


def fmt_number(v):
    """Shortest text that reads back to the same float; whole numbers without ``.0``."""
    v = float(v)
    if math.isfinite(v) and v.is_integer() and abs(v) < 1e16:
        return str(int(v))
    return repr(v)


def fmt_duration(seconds):
    """``"12 ms"``, ``"3.4 s"``, ``"4 min"``, ``"2 h"``, ``"5 days"``, ``"1e+32 years"``."""
    s = float(seconds)
    if s < 1:
        return f"{max(s * 1e3, 1):.0f} ms"
    if s < 10:
        return f"{s:.1f} s"
    if s < 120:
        return f"{s:.0f} s"
    if s < 7200:
        return f"{s / 60:.0f} min"
    if s < 2 * 86400:
        return f"{s / 3600:.0f} h"
    days = s / 86400
    if days < 730:
        return f"{days:.0f} days"
    years = days / 365.25
    return f"{years:,.0f} years" if years < 1e6 else f"{years:.0e} years"


def magnitude(log10_abs, negative):
    """``"-1.40e+432"`` from log10 of the absolute value and the sign."""
    e = math.floor(log10_abs)
    m = 10 ** (log10_abs - e)
    if m >= 9.995:
        m, e = m / 10, e + 1
    return f"{'-' if negative else ''}{m:.2f}e{'+' if e >= 0 else '-'}{abs(e):02d}"


def coefficient_fraction(c, k):
    """``c`` as an exact-looking fraction when it is one up to rounding: p/q with q <= 1000,
    or m/k! with m an integer (Taylor coefficients of many functions at 0); else None."""
    if not math.isfinite(c):
        return None
    if c.is_integer() and abs(c) < 1e15:
        return fractions.Fraction(int(c))
    near = fractions.Fraction(c).limit_denominator(1000)
    if abs(c - near) <= 1e-13 * abs(c):
        return near
    if k <= 20:
        m = c * math.factorial(k)
        r = round(m)
        if r and abs(r) < 10 ** 9 and abs(m - r) <= min(1e-11 * abs(m), 1e-6):
            return fractions.Fraction(r, math.factorial(k))
    return None


def exact_fraction(form, c):
    """SymPy's form of a coefficient (``"929569/638512875"``) as a Fraction when it is a
    rational number within rounding of ``c``; else None."""
    try:
        f = fractions.Fraction(str(form).replace(" ", ""))
    except (ValueError, ZeroDivisionError, TypeError):
        return None
    return f if abs(float(f) - c) <= 1e-9 * max(abs(c), 1e-300) or f == c else None


def polynomial_text(coefficients, var, x0, exact=None):
    """The Taylor polynomial sum c_k (var - x0)^k as an expression in hod's language, with
    each coefficient written as a fraction when it is one up to rounding, or when ``exact``
    (SymPy's forms of the coefficients) gives it as one (else 10 significant digits): ``1 + x + x**2/2``, ``0.4794255386 + 0.8775825619*(x - 0.5)``.

    >>> polynomial_text([1.0, 0.0, -0.5], "x", 0.0)
    '1 - x**2/2'
    """
    if x0 == 0:
        base = var
    elif x0 > 0:
        base = f"({var} - {fmt_number(x0)})"
    else:
        base = f"({var} + {fmt_number(-x0)})"
    terms = []
    for k, c in enumerate(coefficients):
        c = float(c)
        if c == 0:
            continue
        power = "" if k == 0 else base if k == 1 else f"{base}**{k}"
        frac = exact_fraction(exact[k], c) if exact and k < len(exact) else None
        frac = frac if frac is not None else coefficient_fraction(c, k)
        negative = c < 0
        if frac is not None:
            p, q = abs(frac.numerator), frac.denominator
            if not power:
                body = f"{p}" + (f"/{q}" if q != 1 else "")
            else:
                body = (power if p == 1 else f"{p}*{power}") + (f"/{q}" if q != 1 else "")
        else:
            num = format(abs(c), ".10g")
            body = num if not power else f"{num}*{power}"
        terms.append((negative, body))
    if not terms:
        return "0"
    first_negative, first = terms[0]
    text = ("-" if first_negative else "") + first
    for negative, body in terms[1:]:
        text += (" - " if negative else " + ") + body
    return text


def latex_number(v, digits=15):
    """A number in LaTeX math: ``2.5``, ``-0.75``, ``1.5 \\cdot 10^{-10}``, ``\\infty``,
    ``\\mathrm{NaN}``; at most ``digits`` significant digits.

    >>> latex_number(1.5e-10)
    '1.5 \\\\cdot 10^{-10}'
    """
    if isinstance(v, str):  # proven digits, as text: every one is kept
        mantissa, _, exponent = v.partition("e")
        return mantissa + (rf" \cdot 10^{{{int(exponent)}}}" if exponent else "")
    v = float(v)
    if math.isnan(v):
        return r"\mathrm{NaN}"
    if math.isinf(v):
        return r"\infty" if v > 0 else r"-\infty"
    text = fmt_number(v)
    if len(text.lstrip("-").replace(".", "")) > digits or "e" in text:
        text = format(v, f".{digits}g")
    if "e" in text:
        mantissa, exponent = text.split("e")
        return rf"{mantissa} \cdot 10^{{{int(exponent)}}}"
    return text


def readable_form(form):
    """A symbolic form as a reader writes it: ``Abs(x)`` as ``|x|`` (SymPy's spelling is
    kept in the machine formats).  Pure text work on balanced parentheses."""
    out, i = [], 0
    while True:
        j = form.find("Abs(", i)
        if j < 0 or (j > 0 and (form[j - 1].isalnum() or form[j - 1] == "_")):
            if j < 0:
                out.append(form[i:])
                return "".join(out)
            out.append(form[i:j + 4])
            i = j + 4
            continue
        depth, k = 0, j + 3
        while k < len(form):
            depth += (form[k] == "(") - (form[k] == ")")
            if depth == 0:
                break
            k += 1
        if depth:  # unbalanced (a cut form): leave the rest as it is
            out.append(form[i:])
            return "".join(out)
        out.append(form[i:j] + "|" + readable_form(form[j + 4:k]) + "|")
        i = k + 1
