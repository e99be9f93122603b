"""``--engine dask``: the same chunk function over a Dask dataframe of the input.

For inputs larger than one machine's memory or patience: a CSV or Parquet glob is read as a
Dask dataframe (one partition per block of a file), each partition goes through
:class:`hod.many.run.Chunked` on a worker, chunk by chunk, and is written to its own output
file (``--output 'out/part-*.csv'``: the ``*`` becomes the partition's number).  The numbers
are those of the single-machine path (the chunk function is the same, and elementwise).

Needs the optional extra: ``pip install 'hod[dask]'``.  Without ``--scheduler`` a local
cluster of two worker processes runs it; with ``--scheduler ADDRESS`` an existing cluster.
The certified engine checks the first ``--certify N`` points of the first partition, and
every point where SymPy disagrees.
"""

from __future__ import annotations

import dataclasses
import os

import numpy as np

from ..errors import UsageError

# Bytes of CSV per partition.
BLOCKSIZE = "64MB"


@dataclasses.dataclass
class Job:
    """What a worker needs to rebuild the plan and run its partition (small to send)."""

    kind: str
    text: str
    variables: object
    wrt: object
    order: object
    columns: list
    settings: object
    fixed: dict
    on_bad_row: str
    chunk_size: int
    pattern: str


def _client(scheduler):
    from dask.distributed import Client, LocalCluster

    if scheduler:
        return Client(scheduler), None
    cluster = LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                           dashboard_address=None)
    return Client(cluster), cluster


def read(points_file):
    """The Dask dataframe of a CSV or Parquet glob, its columns as float64."""
    import dask.dataframe as dd

    if points_file.lower().endswith(".parquet"):
        return dd.read_parquet(points_file)
    return dd.read_csv(points_file, dtype="float64", blocksize=BLOCKSIZE)


def partition(pdf, index, job):
    """Run one partition (a pandas DataFrame) and write it to ``job.pattern``'s file;
    returns its :class:`hod.many.run.Summary`."""
    from . import compute, io
    from .run import Chunked, Summary, _summarise

    settings = job.settings
    if index and settings.certify is not None:
        settings = dataclasses.replace(settings, certify=0)
    plan = compute.plan(job.kind, job.text, job.variables, job.wrt, job.order,
                        columns=job.columns + list(job.fixed))
    fn = Chunked(plan, settings, job.fixed)
    summary = Summary(plan, settings, unsupported=fn.unsupported)
    arrays = {c: pdf[c].to_numpy(dtype=np.float64, na_value=np.nan) for c in job.columns}
    n = len(pdf)
    ok = np.ones(n, dtype=bool)
    for a in arrays.values():
        ok &= np.isfinite(a)
    if not ok.all():
        i = int(np.flatnonzero(~ok)[0])
        col = next(c for c in job.columns if not np.isfinite(arrays[c][i]))
        if job.on_bad_row == "fail":
            raise io.BadRow(f"partition {index}", i + 1, col, "no finite number")
        summary.skipped = int((~ok).sum())
        summary.first_bad = f"partition {index}, row {i + 1}, column {col}: no finite number"
        arrays = {k: v[ok] for k, v in arrays.items()}
        n = int(ok.sum())
    path = job.pattern.replace("*", f"{index:05d}")
    parquet = path.lower().endswith(".parquet")
    if parquet:
        writer = io.ParquetWriter(path)
    else:
        stream = open(path, "wb")  # noqa: SIM115 - closed below
        writer = io.JsonlWriter(stream) if path.lower().endswith((".jsonl", ".ndjson")) \
            else io.CsvWriter(stream)
    try:
        for start in range(0, max(n, 1), job.chunk_size):
            chunk = {k: v[start:start + job.chunk_size] for k, v in arrays.items()}
            if n == 0:
                break
            out, code, rel = fn.columns(chunk)
            if not summary.columns:
                summary.columns = list(out)
            _summarise(summary, out, code, rel, len(next(iter(out.values()))))
            writer.write(out)
    finally:
        writer.close()
        if not parquet:
            stream.close()
    summary.certified = summary.counts["certified"]
    return summary


def merge(summaries):
    """One summary of the partitions' (in partition order)."""
    from .run import FIRST_ROWS

    total = summaries[0]
    for s in summaries[1:]:
        total.first.extend(s.first[:max(0, FIRST_ROWS - len(total.first))])
        for k, v in s.counts.items():
            total.counts[k] += v
        if s.worst is not None and (total.worst is None
                                    or s.worst["rel_diff"] > total.worst["rel_diff"]):
            total.worst = s.worst
        total.rows += s.rows
        total.skipped += s.skipped
        total.first_bad = total.first_bad or s.first_bad
        total.certified += s.certified
        total.columns = total.columns or s.columns
    return total


def run_cli(kind, text, variables, wrt, order, settings, points_file, points, output,
            scheduler, chunk_size, on_bad_row="fail"):
    """``hod KIND EXPR --engine dask --points GLOB --output 'DIR/part-*.csv'``."""
    try:
        import dask
    except ImportError:
        raise UsageError("--engine dask needs Dask: pip install 'hod[dask]'") from None
    from ..check.inputs import parse_point
    from .run import CHUNK_SIZE

    if points_file is None or points_file == "-":
        raise UsageError("--engine dask reads --points FILE (a CSV or Parquet glob)")
    if output is None or "*" not in output:
        raise UsageError("--engine dask writes one file per partition: give --output with a "
                         "*, e.g. --output 'out/part-*.csv' (or .jsonl, .parquet)")
    if len(points) > 1:
        raise UsageError("with --points, one --at gives the other variables' values")
    fixed = dict(parse_point(points[0])) if points else {}
    os.makedirs(os.path.dirname(output) or ".", exist_ok=True)
    client, cluster = _client(scheduler)
    try:
        ddf = read(points_file)
        columns = [str(c) for c in ddf.columns]
        job = Job(kind, text, variables, wrt, order, columns, settings, fixed, on_bad_row,
                  chunk_size or CHUNK_SIZE, os.path.abspath(output))
        # checks the input's variables here, before any worker starts
        from . import compute
        from .run import points_of

        plan = compute.plan(kind, text, variables, wrt, order, columns=columns + list(fixed))

        class _Columns:
            pass

        cols = _Columns()
        cols.columns = columns
        points_of(cols, fixed, plan)
        parts = ddf.to_delayed()
        tasks = [dask.delayed(partition)(p, i, job) for i, p in enumerate(parts)]
        summaries = dask.compute(*tasks)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    return merge(list(summaries))
