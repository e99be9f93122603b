"""Elementwise numpy work on large arrays, split across threads.

numpy's ufuncs run on one core but release the GIL, so a large elementwise operation can be
cut into row blocks computed by several threads into one output.  Batched cotangents (a
Hessian's backward pass carries n rows at once) and gradients at 10^6 points are exactly such
arrays.  Arrays below ``THRESHOLD`` elements, object arrays and ``HOD_THREADS=1`` take the
plain single call.  The pool is created the first time a large operation runs.
"""

from __future__ import annotations

import os

import numpy as np

THRESHOLD = 1 << 17  # elements: below this, thread hand-off costs more than it saves


def _thread_count():
    try:
        n = int(os.environ.get("HOD_THREADS", "0"))
    except ValueError:
        n = 0
    return n if n > 0 else min(os.cpu_count() or 1, 4)


THREADS = _thread_count()
_pool = None


def _executor():
    global _pool
    if _pool is None:
        from concurrent.futures import ThreadPoolExecutor

        _pool = ThreadPoolExecutor(max_workers=THREADS - 1, thread_name_prefix="hod")
    return _pool


def elementwise(ufunc):
    """``ufunc`` as a forward that splits large float arrays into row blocks across threads."""
    if THREADS < 2:
        return ufunc

    def impl(*args):
        for a in args:
            if type(a) is np.ndarray and a.size >= THRESHOLD and a.dtype.kind == "f":
                return _split(ufunc, args)
        return ufunc(*args)

    impl.__name__ = getattr(ufunc, "__name__", "elementwise")
    impl.ufunc = ufunc
    return impl


def _split(ufunc, args):
    shape = np.broadcast_shapes(*[np.shape(a) for a in args])
    rows = shape[0] if shape else 0
    if rows < THREADS:
        return ufunc(*args)
    out = np.empty(shape, dtype=np.result_type(*args))
    bounds = [rows * k // THREADS for k in range(THREADS + 1)]
    nd = len(shape)

    def block(k):
        lo, hi = bounds[k], bounds[k + 1]
        part = [a[lo:hi] if np.ndim(a) == nd and np.shape(a)[0] == rows else a for a in args]
        ufunc(*part, out=out[lo:hi])

    futures = [_executor().submit(block, k) for k in range(1, THREADS)]
    block(0)
    for f in futures:
        f.result()
    return out
