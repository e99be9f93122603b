"""hod's errors: one base class, a few kinds, each with a message fit to show a user."""

from __future__ import annotations


class HodError(Exception):
    """Base class of every error hod reports to a user."""


class Spelling:
    """How a message names a parameter: ``{points}`` writes the name, ``{points:x=5}`` an
    example of a value (``points="x=5"`` in Python, ``--at x=5`` on the command line)."""

    def __init__(self, name, example):
        self.name = name
        self.example = example

    def __format__(self, spec):
        return self.example.format(spec) if spec else self.name


#: The parameters of the library's functions, as its messages name them.
ARGUMENTS = {
    "points": Spelling("points", 'points="{}"'),
    "variables": Spelling("variables", 'variables="{}"'),
    "wrt": Spelling("wrt", 'wrt="{}"'),
    "order": Spelling("order", "order={}"),
    "rtol": Spelling("rtol", "rtol={}"),
    "atol": Spelling("atol", "atol={}"),
    "timeout": Spelling("timeout", "timeout={}"),
    "check": Spelling("check", 'check="{}"'),
    "digits": Spelling("digits", "digits={}"),
    "box": Spelling("box", 'box="{}"'),
    "range": Spelling("range", 'range="{}"'),
    "plot_orders": Spelling("orders", 'orders="{}"'),
    "plot_taylor": Spelling("taylor", "taylor={}"),
    "plot_output": Spelling("path", 'path="{}"'),
}


class UsageError(HodError):
    """The request itself is wrong (a missing value, an unknown variable, a bad option).

    ``param`` names the parameter at fault (``"points"``, ``"variables"``, ``"wrt"``,
    ``"order"``, ...) or is None.  With a ``param``, the message is a template whose
    ``{points}``-style fields name parameters (see :class:`Spelling`) and whose other fields
    are ``fields``: ``str(e)`` names the library's arguments, ``e.message_for(spellings)`` names them
    as a caller does (the command line maps them to its flags).

    >>> str(UsageError("{order} must be at least 1", param="order"))
    'order must be at least 1'
    """

    def __init__(self, message, *, param=None, **fields):
        self.template = message
        self.param = param
        self.fields = fields
        super().__init__(self.message_for(ARGUMENTS))

    def message_for(self, spellings):
        """The message with each parameter spelled as ``spellings`` (name -> Spelling)."""
        if self.param is None:
            return self.template
        return self.template.format(**{**ARGUMENTS, **spellings}, **self.fields)


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
