"""No silent waits: what a checked command is waiting for, said on stderr (a terminal only)."""

from __future__ import annotations

import time

#: A checked command that waits longer than this says on stderr (a terminal only) what for.
QUIET_WAIT = 0.5


class waiting:
    """While a checked command works: past :data:`QUIET_WAIT` seconds, a line on stderr (only
    when stderr is a terminal) says what it waits for (``phase``, set as the work goes on);
    the line is cleared at the end."""

    def __init__(self, timeout, active=True):
        self.timeout = timeout
        self.active = active
        self.phase = "hod's own values"
        self.timer = None
        self.shown = False

    def __enter__(self):
        import sys
        import threading

        if not self.active or not sys.stderr.isatty():
            return self
        self.stop = threading.Event()
        start = time.monotonic()

        def show():
            while not self.stop.wait(0.25):
                spent = time.monotonic() - start
                if spent >= QUIET_WAIT:
                    sys.stderr.write(f"\rhod: waiting for {self.phase}: {spent:.1f} s (at "
                                     f"most {self.timeout:g} s, --timeout)\033[K")
                    sys.stderr.flush()
                    self.shown = True

        self.timer = threading.Thread(target=show, daemon=True)
        self.timer.start()
        return self

    def __exit__(self, *exc):
        import sys

        if self.timer is not None:
            self.stop.set()
            self.timer.join()
            if self.shown:
                sys.stderr.write("\r\033[K")
                sys.stderr.flush()
        return False
