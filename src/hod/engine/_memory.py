"""Keep glibc from handing large freed buffers back to the OS after every gradient.

A backward pass over arrays of millions of elements frees tens of large buffers at once; with
glibc's default (dynamic) thresholds the top of the heap is then trimmed, and the next call
pays a page fault for every page of every new buffer again -- measured here as 3x slower on
the 10^6-point gradient benchmark.  Fixing the mmap threshold at 32 MiB and the trim threshold
at 256 MiB keeps up to 256 MiB of freed memory for reuse.  Done once, only when hod first sees
a large gradient, only on glibc; ``HOD_MALLOC_TUNING=0`` turns it off.
"""

from __future__ import annotations

import os
import sys

_done = False
LARGE = 1 << 17  # elements; below this the allocator's defaults are fine


def tune_allocator_once():
    global _done
    if _done:
        return
    _done = True
    if not sys.platform.startswith("linux") or os.environ.get("HOD_MALLOC_TUNING") == "0":
        return
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
        m_trim_threshold, m_mmap_threshold = -1, -3
        libc.mallopt(m_mmap_threshold, 32 << 20)
        libc.mallopt(m_trim_threshold, 256 << 20)
    except (OSError, AttributeError):
        pass
