"""README.md's command examples: find them, run them, compare or refresh their output.

An example is a ```console block whose first line is ``$ hod ...`` (or ``$ echo '...' |
hod ...``, ``$ printf '...' | hod ...``): the command, then exactly what it prints to
standard output and then standard error, at 80 columns, without colour.  A block preceded by the line
``<!-- output not pinned: REASON -->`` is shown but not compared (its output depends on
time budgets or the machine's speed).

    python tests/readme_examples.py            # list the examples that differ
    python tests/readme_examples.py --write    # refresh them in README.md

The docs test (tests/test_docs.py) runs every pinned example and requires the same bytes.
"""

from __future__ import annotations

import re
import shlex
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
README = ROOT / "README.md"
WIDTH = "80"
UNPINNED = "<!-- output not pinned:"

_BLOCK = re.compile(r"^```console\n(.*?)^```\n", re.S | re.M)


class Example:
    """One console block: where it is, its command line, the output README shows."""

    def __init__(self, start, end, command, shown, pinned):
        self.start, self.end = start, end
        self.command, self.shown, self.pinned = command, shown, pinned

    def argv_and_input(self):
        """The hod arguments and the standard input of the command line."""
        line = self.command
        stdin = None
        m = re.match(r"(echo|printf) ('[^']*'|\"[^\"]*\") \| (hod .*)$", line)
        if m:
            word = shlex.split(m.group(2))[0]
            stdin = (word.encode().decode("unicode_escape") if m.group(1) == "printf"
                     else word + "\n")
            line = m.group(3)
        args = shlex.split(line)
        assert args[0] == "hod", line
        return args[1:], stdin


def examples(text=None):
    """Every ``$ hod`` console block of README.md, in order."""
    text = README.read_text(encoding="utf-8") if text is None else text
    out = []
    for m in _BLOCK.finditer(text):
        body = m.group(1)
        first, _, rest = body.partition("\n")
        if not first.startswith("$ ") or "hod " not in first or "pip install" in first:
            continue
        command = first[2:]
        if not (command.startswith("hod ") or re.match(r"(echo|printf) .*\| hod ", command)):
            continue
        before = text[:m.start()].rstrip("\n").rsplit("\n", 1)[-1]
        out.append(Example(m.start(), m.end(), command, rest,
                           not before.startswith(UNPINNED)))
    return out


def run(example):
    """What the command prints now, at 80 columns: standard output, then standard error (as
    a terminal shows them when hod writes its notes last)."""
    sys.path.insert(0, str(HERE))
    from cli_helpers import invoke

    args, stdin = example.argv_and_input()
    r = invoke(*args, input=stdin, env={"COLUMNS": WIDTH, "NO_COLOR": "1"})
    return r.stdout + r.stderr


def refresh(write=False):
    text = README.read_text(encoding="utf-8")
    found = examples(text)
    differ = []
    for ex in reversed(found):
        if not ex.pinned:
            continue
        now = run(ex)
        if now != ex.shown:
            differ.append(ex.command)
            block = f"```console\n$ {ex.command}\n{now}```\n"
            text = text[:ex.start] + block + text[ex.end:]
    if write and differ:
        README.write_text(text, encoding="utf-8")
    return list(reversed(differ))


if __name__ == "__main__":
    changed = refresh(write="--write" in sys.argv)
    for c in changed:
        print(("refreshed: " if "--write" in sys.argv else "differs: ") + c)
    print(f"{len(changed)} of {sum(e.pinned for e in examples())} pinned examples "
          f"{'refreshed' if '--write' in sys.argv else 'differ'}")
