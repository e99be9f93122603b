"""The documentation cannot drift from the command: every command's help ends with examples,
every command is shown in README.md, the README documents the exit codes and the JSON keys, and
the README's quick start runs exactly what CI runs."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from hod.cli import STATUS_EXIT, main

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
CI = ROOT / ".ci" / "run"
COMMANDS = sorted(main.commands)


def readme():
    if not README.exists():
        pytest.fail("README.md is missing")
    return README.read_text(encoding="utf-8")


def code_blocks(text):
    """The contents of the fenced code blocks of a Markdown text."""
    return re.findall(r"^```[^\n]*\n(.*?)^```", text, flags=re.S | re.M)


def section(text, title_words):
    """The body of the first section whose heading contains ``title_words`` (any case), up to
    the next heading; lines inside code fences are never taken for headings."""
    body, inside, fenced = [], False, False
    for line in text.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        heading = not fenced and re.match(r"#+ ", line)
        if heading and inside:
            break
        if heading and title_words.lower() in line.lower():
            inside = True
        elif inside:
            body.append(line)
    return "\n".join(body) if inside else None


def help_text(args):
    r = CliRunner().invoke(main, [*args, "--help"], env={"COLUMNS": "100"})
    assert r.exit_code == 0
    return r.output


def test_there_are_commands():
    assert {"grad", "hessian", "diff", "jacobian"} <= set(COMMANDS)


@pytest.mark.parametrize("command", [None, *COMMANDS])
def test_help_ends_with_examples(command):
    text = help_text([command] if command else [])
    paragraphs = [p for p in text.strip().split("\n\n") if p.strip()]
    last = paragraphs[-1].strip().splitlines()
    assert last[0].strip() == "Examples:", f"help of {command or 'hod'} does not end with examples"
    assert len(last) >= 2
    for line in last[1:]:
        line = line.strip()
        assert line.startswith("hod ") or "| hod " in line, line
        if command:
            assert re.search(rf"(^|\| )hod {command}\b", line), line
    assert "Exit codes:" in text


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_is_shown_in_the_readme(command):
    blocks = code_blocks(readme())
    pattern = re.compile(rf"^(\$ )?(.*\| )?hod {command}\b", re.M)
    assert any(pattern.search(b) for b in blocks), \
        f"README.md has no code block running `hod {command}`"


def test_readme_documents_the_exit_codes():
    text = readme()
    body = section(text, "exit codes")
    assert body, "README.md has no 'Exit codes' section"
    for code in sorted(set(STATUS_EXIT.values()) | {2}):
        assert re.search(rf"(^|\W){code}(\W|$)", body), f"exit code {code} is not documented"


def test_readme_documents_the_json_contract():
    text = readme()
    for key in ("expression", "variables", "derivative", "results", "point", "value",
                "result", "symbolic", "agree", "warnings"):
        assert f"`{key}`" in text or f'"{key}"' in text, f"JSON key {key} is not in README.md"


def ci_quick_start():
    """The commands .ci/run copies from the README's quick start (after its last mention)."""
    lines = CI.read_text(encoding="utf-8").splitlines()
    start = max(i for i, line in enumerate(lines) if "quick start" in line.lower())
    return [line.strip() for line in lines[start + 1:]
            if line.strip() and not line.lstrip().startswith("#")]


def test_readme_quick_start_runs_what_ci_runs():
    ci = ci_quick_start()
    assert any(c.startswith("pip install") and "hod " in c for c in ci), \
        "CI does not install hod and run its main job as the quick start does"
    assert any(c.startswith("pip install") and "pytest" in c for c in ci), \
        "CI does not install the test extra and run the tests as the quick start does"
    body = section(readme(), "quick start")
    assert body, "README.md has no 'Quick start' section"
    commands = [line.strip().removeprefix("$ ").strip()
                for block in code_blocks(body + "\n") for line in block.splitlines()]
    install_and_test = [c for c in commands if c.startswith(("pip ", "python -m pip ",
                                                             "python -m pytest", "pytest"))]
    assert install_and_test == ci


def test_click_commands_all_have_docstrings():
    for name in COMMANDS:
        cmd = main.commands[name]
        assert isinstance(cmd, click.Command) and cmd.help and cmd.epilog, name


# --- README's examples print what the command prints today ------------------------------

def _readme_examples():
    import readme_examples

    return [e for e in readme_examples.examples() if e.pinned]


@pytest.mark.parametrize("example", _readme_examples(), ids=lambda e: e.command[:70])
def test_every_readme_example_prints_what_the_command_prints(example):
    """Numbers and layout, at 80 columns (``python tests/readme_examples.py --write``
    refreshes README.md after a deliberate change)."""
    import readme_examples

    assert readme_examples.run(example) == example.shown


def test_readme_examples_are_found_and_mostly_pinned():
    import readme_examples

    found = readme_examples.examples()
    assert len(found) >= 40
    assert sum(e.pinned for e in found) >= len(found) - 8
