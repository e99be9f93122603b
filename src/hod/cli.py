"""The ``hod`` command (the full command set arrives with the CLI)."""

import click

from . import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="hod")
def main():
    """hod: higher-order derivatives, cross-checked against SymPy."""


if __name__ == "__main__":
    main()
