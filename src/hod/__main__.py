"""``python -m hod``: the same command as ``hod``."""

from .cli import main

if __name__ == "__main__":
    main()
