"""hod's errors: one base class, a few kinds, each with a message fit to show a user."""

from __future__ import annotations


class HodError(Exception):
    """Base class of every error hod reports to a user."""


class UsageError(HodError):
    """The request itself is wrong (a missing value, an unknown variable, a bad option)."""


class ParseError(UsageError):
    """An expression that is not in hod's language; knows where (0-based column)."""

    def __init__(self, message, text="", column=0):
        super().__init__(message)
        self.message = message
        self.text = text
        self.column = column

    def __str__(self):
        return self.message

    def pointer(self):
        """Two lines: the expression and a caret under the offending column."""
        text = self.text.replace("\n", " ").replace("\t", " ")
        # other control characters (terminal escapes, NUL) must not reach the terminal
        text = "".join(c if c.isprintable() else "?" for c in text)
        if len(text) > 120:
            lo = max(0, self.column - 60)
            text = ("..." if lo else "") + text[lo:lo + 120]
            col = self.column - lo + (3 if lo else 0)
        else:
            col = self.column
        return f"  {text}\n  {' ' * col}^"


class DomainError(HodError):
    """The function or a derivative is not defined at the point (log(-1), 1/0)."""


class NonDifferentiableError(HodError):
    """The point is a kink of a non-smooth function (abs, relu, max, min)."""


class HodWarning(UserWarning):
    """Something probably unintended, such as asking for the gradient of an unwatched tensor."""
