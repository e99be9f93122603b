"""Running a reference job beside hod's work, under a deadline.

A job is a function ``job(send, stopped)`` that sends plain data (picklable tuples) as it goes
and ends with ``send(("done",))``; an exception ends it with ``("error", text)``.  It runs in
a forked child process killed at the deadline, which writes its messages to a pipe (each
pickled, after its length), or, where ``fork`` is unsafe or missing (other Python threads
running, or not Linux; ``HOD_SYMBOLIC_WORKER=thread|process`` chooses), in a daemon thread
abandoned at the deadline (``stopped()`` then turns true).  Either way the caller gets its
answer on time.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import sys
import threading
import time


def use_fork():
    """True when jobs run in forked children (else in threads)."""
    mode = os.environ.get("HOD_SYMBOLIC_WORKER", "")
    if mode in ("thread", "process"):
        return mode == "process" and hasattr(os, "fork")
    return (hasattr(os, "fork") and sys.platform.startswith("linux")
            and threading.active_count() == 1)


_forks: dict = {}


class Worker:
    """Runs ``job(send, stopped)`` with a deadline, in a forked child killed at the deadline,
    or in a daemon thread abandoned at the deadline (``stopped()`` then turns true)."""

    def __init__(self, job, deadline, preload=None):
        self.deadline = deadline
        self.messages = []
        self.error = None
        self.timed_out = False
        self.finished = False
        self.closed = False
        if use_fork():
            _forks[preload] = _forks.get(preload, 0) + 1
            if _forks[preload] == 2 and preload and preload not in sys.modules:
                # called repeatedly (the Python API in a loop): load the module here once, so
                # that every later child inherits it instead of importing it again
                importlib.import_module(preload)
            self._start_process(job)
        else:
            self._start_thread(job)

    # --- a forked child, killed at the deadline -------------------------------------------
    def _start_process(self, job):
        import pickle
        import struct

        r, w = os.pipe()
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        pid = os.fork()
        if pid == 0:  # the child: never returns into the caller's code
            code = 0
            try:
                os.close(r)
                import warnings

                warnings.simplefilter("ignore")

                def send(msg):
                    data = pickle.dumps(msg, protocol=pickle.HIGHEST_PROTOCOL)
                    view = memoryview(struct.pack("<Q", len(data)) + data)
                    while view:
                        n = os.write(w, view)
                        view = view[n:]

                try:
                    job(send, lambda: False)
                except BaseException as e:  # noqa: BLE001 - reported to the parent
                    send(("error", error_text(e)))
            except BaseException:  # noqa: BLE001
                code = 1
            finally:
                os._exit(code)
        os.close(w)
        self._pid, self._fd, self._thread, self._buf = pid, r, None, bytearray()

    def _read_once(self):
        """Read what the child has written (the pipe is readable): decode whole messages."""
        import pickle
        import struct

        chunk = os.read(self._fd, 1 << 16)
        if not chunk:
            self._close()
            return
        buf = self._buf
        buf += chunk
        while len(buf) >= 8:
            (n,) = struct.unpack("<Q", buf[:8])
            if len(buf) < 8 + n:
                break
            self._receive(pickle.loads(bytes(buf[8:8 + n])))
            del buf[:8 + n]
        if self.finished:
            self._close()

    def _close(self):
        """Stop the child (if it is still running) and reap it."""
        if self.closed:
            return
        self.closed = True
        if self._thread is None:
            import signal

            os.close(self._fd)
            if not self.finished:
                with contextlib.suppress(OSError):
                    os.kill(self._pid, signal.SIGKILL)
            with contextlib.suppress(OSError):
                os.waitpid(self._pid, 0)
        else:
            self._stop.set()

    # --- a daemon thread, abandoned at the deadline ---------------------------------------
    def _start_thread(self, job):
        inbox, stop = [], threading.Event()

        def run():
            try:
                job(inbox.append, stop.is_set)
            except BaseException as e:  # noqa: BLE001 - reported to the caller
                inbox.append(("error", error_text(e)))

        self._inbox, self._read, self._stop = inbox, 0, stop
        self._thread = threading.Thread(target=run, name="hod-check", daemon=True)
        self._thread.start()

    def _join(self, end):
        self._thread.join(max(0.0, end - time.monotonic()))
        new = self._inbox[self._read:]
        self._read += len(new)
        for msg in new:
            self._receive(msg)
        if not self._thread.is_alive():
            self._close()

    def _receive(self, msg):
        tag = msg[0]
        if tag == "error":
            self.error = msg[1]
        elif tag == "done":
            self.finished = True
        else:
            self.messages.append(msg)

    def wait(self, until=None):
        """Receive until the job is done, or ``until``, or the deadline (which stops it).
        Returns True when the job is over (done, failed or stopped)."""
        end = self.deadline if until is None else min(until, self.deadline)
        wait_for([self], end, lambda: self.closed)
        if not self.closed and time.monotonic() >= self.deadline:
            self.expire()
        return self.closed

    def expire(self):
        """The deadline has passed: stop the job if it still runs."""
        if not self.closed:
            self.timed_out = True
            self._close()
        if not self.finished and not self.timed_out and self.error is None:
            self.error = "the check stopped unexpectedly"

    def cancel(self):
        """Stop the job: its answer is no longer needed."""
        if not self.closed:
            self.finished = True  # not an error: nothing more is wanted
            if self._thread is None:
                import signal

                with contextlib.suppress(OSError):
                    os.kill(self._pid, signal.SIGKILL)
            self._close()


def wait_for(workers, end, done):
    """Receive from ``workers`` until ``done()`` or the time ``end`` (what has arrived by then
    is read too).  Every child's pipe is read as data arrives, so that none blocks on a full
    pipe while another is awaited."""
    import select

    while not done():
        live = [w for w in workers if not w.closed]
        if not live:
            return
        left = end - time.monotonic()
        if all(w._thread is None for w in live):
            ready, _, _ = select.select([w._fd for w in live], [], [], max(0.0, left))
            for w in live:
                if w._fd in ready:
                    w._read_once()
            if not ready and left <= 0:
                return
        else:
            for w in live:
                w._join(min(end, time.monotonic() + 0.01))
            if left <= 0:
                return


def error_text(e):
    """A job's exception as one line (the jobs are SymPy's, mostly)."""
    text = str(e).strip().splitlines()
    text = text[0] if text else ""
    if isinstance(e, RecursionError):
        return "SymPy ran out of recursion depth on this expression"
    if isinstance(e, MemoryError):
        return "SymPy ran out of memory on this expression"
    return f"SymPy failed: {type(e).__name__}{': ' + text[:200] if text else ''}"

