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
    """One console block: where it is, its commands (``$ ...`` lines), and what README shows
    after each (``$ echo $?`` shows the exit code of the command before it)."""

    def __init__(self, start, end, steps, pinned):
        self.start, self.end = start, end
        self.steps, self.pinned = steps, pinned  # [(command line, shown output)]

    @property
    def command(self):
        return self.steps[0][0]

    @property
    def shown(self):
        return "".join(f"$ {c}\n{o}" for c, o in self.steps)[len(self.steps[0][0]) + 3:]


def argv_and_input(line):
    """The hod arguments and the standard input of one command line."""
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


def _is_hod(command):
    return command.startswith("hod ") or bool(re.match(r"(echo|printf) .*\| hod ", command))


def examples(text=None):
    """Every console block of README.md whose first command runs hod, in order."""
    text = README.read_text(encoding="utf-8") if text is None else text
    out = []
    for m in _BLOCK.finditer(text):
        body = m.group(1)
        if not body.startswith("$ "):
            continue
        steps = []
        for chunk in re.split(r"^\$ ", body, flags=re.M)[1:]:
            command, _, output = chunk.partition("\n")
            steps.append((command, output))
        if not _is_hod(steps[0][0]) or "pip install" in steps[0][0]:
            continue
        if not all(_is_hod(c) or c == "echo $?" for c, _ in steps):
            continue
        before = text[:m.start()].rstrip("\n").rsplit("\n", 1)[-1]
        out.append(Example(m.start(), m.end(), steps, not before.startswith(UNPINNED)))
    return out


def run_steps(example):
    """What each command of the block prints now, at 80 columns: standard output, then
    standard error (as a terminal shows them when hod writes its notes last)."""
    sys.path.insert(0, str(HERE))
    from cli_helpers import invoke

    outputs, code = [], 0
    for command, _ in example.steps:
        if command == "echo $?":
            outputs.append(f"{code}\n")
            continue
        args, stdin = argv_and_input(command)
        r = invoke(*args, input=stdin, env={"COLUMNS": WIDTH, "NO_COLOR": "1"})
        code = r.exit_code
        outputs.append(r.stdout + r.stderr)
    return outputs


def run(example):
    """The block's text after its first command line, as the commands print it now."""
    outputs = run_steps(example)
    text = outputs[0]
    for (command, _), out in zip(example.steps[1:], outputs[1:]):
        text += f"$ {command}\n{out}"
    return text


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
