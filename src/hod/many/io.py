"""Points in and results out, by chunks: CSV, JSON Lines and Parquet.

Reading and writing go through polars (CSV and JSON Lines, measured fastest here: see
``benchmarks/bench_many.py``) and pyarrow (Parquet by row groups).  This module is imported
only by the commands that read or write files of points; the one-point path never loads it.

A reader yields chunks (variable name -> float64 array) of at most ``chunk_size`` rows, in
the file's order.  A row whose value is not a finite number, or that has the wrong number of
fields, is a bad row: :class:`BadRow` names the file, the line (the row, for Parquet) and
the column; with ``on_bad_row="skip"`` it is left out and counted in ``skipped``.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import math
import signal
import sys

import numpy as np

from ..errors import UsageError

# Bytes read at a time; a block is parsed in one call, then cut into chunks.
BLOCK_BYTES = 1 << 23


class BadRow(UsageError):
    """A row of a points file that is not a point."""

    def __init__(self, where, line, column, why):
        loc = f"{where}, {'row' if where.endswith('.parquet') else 'line'} {line}"
        if column is not None:
            loc += f", column {column}"
        super().__init__(f"{loc}: {why}")
        self.line, self.column, self.why = line, column, why


class Source:
    """A file (or stream) of points: its ``columns`` and its chunks."""

    name = ""
    columns: list

    def __init__(self, on_bad_row="fail"):
        if on_bad_row not in ("fail", "skip"):
            raise UsageError(f"on_bad_row is skip or fail, not {on_bad_row!r}")
        self.on_bad_row = on_bad_row
        self.skipped = 0
        self.first_bad = None
        self.rows = 0

    def blocks(self):
        """Parsed blocks: dicts name -> float64 array, bad rows already handled."""
        raise NotImplementedError

    def _text_blocks(self, pending=b""):
        """The stream (after ``pending``) in blocks of about :data:`BLOCK_BYTES` that end at
        a line's end: (bytes, number of the block's first line, number of lines)."""
        while True:
            data = pending + self.stream.read(BLOCK_BYTES)
            pending = b""
            if not data:
                return
            if not data.endswith(b"\n"):
                data += self.stream.readline()
            first_line = self.line + 1
            nlines = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
            self.line += nlines
            yield data, first_line, nlines

    def chunks(self, chunk_size):
        """Chunks of exactly ``chunk_size`` rows (the last may be shorter)."""
        pending, have = [], 0
        for block in self.blocks():
            n = len(next(iter(block.values()))) if block else 0
            self.rows += n
            start = 0
            while n - start > 0:
                take = min(chunk_size - have, n - start)
                pending.append({k: v[start:start + take] for k, v in block.items()})
                have += take
                start += take
                if have == chunk_size:
                    yield _join(pending)
                    pending, have = [], 0
        if have:
            yield _join(pending)

    def bad(self, line, column, why):
        """A bad row: raise, or count it (and keep the first for the message)."""
        e = BadRow(self.name, line, column, why)
        if self.on_bad_row == "fail":
            raise e
        self.skipped += 1
        if self.first_bad is None:
            self.first_bad = str(e)

    def _clean(self, arrays, lines):
        """Rows whose every value is finite; the others are bad (``lines``: the line of each
        row, a callable taking the row index)."""
        ok = np.ones(len(next(iter(arrays.values()))), dtype=bool)
        for a in arrays.values():
            ok &= np.isfinite(a)
        if ok.all():
            return arrays
        for i in np.flatnonzero(~ok)[:None if self.on_bad_row == "skip" else 1]:
            col = next(c for c in self.columns if not np.isfinite(arrays[c][i]))
            v = arrays[col][i]
            self.bad(lines(int(i)), col, "no number (empty, or nan)" if np.isnan(v)
                     else f"{float(v)!r} is not a finite number")
        return {k: v[ok] for k, v in arrays.items()}


def _join(parts):
    if len(parts) == 1:
        return parts[0]
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def _check_columns(name, columns):
    from ..check.inputs import parse_names

    if not columns:
        raise UsageError(f"{name}: no columns (the first line names the variables)")
    for c in columns:
        try:
            parse_names([c], "points")
        except UsageError:
            raise UsageError(f"{name}, line 1: the column {c!r} is not a variable name "
                             "(letters, digits and _, not starting with a digit)") from None
    dup = {c for c in columns if columns.count(c) > 1}
    if dup:
        raise UsageError(f"{name}, line 1: the column {sorted(dup)[0]} is named twice")


# --- CSV -------------------------------------------------------------------------------------

class CsvSource(Source):
    """CSV with a header row naming the variables."""

    def __init__(self, stream, name, on_bad_row="fail", first=b""):
        super().__init__(on_bad_row)
        self.stream, self.name = stream, name
        header = first + stream.readline() if not first.endswith(b"\n") else first
        self.header = header if header.endswith(b"\n") else header + b"\n"
        self.columns = [c.strip() for c in header.decode("utf-8").strip().split(",")] \
            if header.strip() else []
        _check_columns(name, self.columns)
        self.line = 1  # the last line read

    def blocks(self):
        import polars as pl

        schema = {c: pl.Float64 for c in self.columns}
        for data, first_line, nlines in self._text_blocks():
            try:
                df = pl.read_csv(io.BytesIO(self.header + data), schema=schema,
                                 has_header=True, raise_if_empty=False)
            except Exception:  # noqa: BLE001 - a row polars cannot read: find it ourselves
                yield self._slow(data, first_line)
                continue
            if df.height != nlines:
                # blank lines (polars skips them) or quoted newlines: map rows line by line
                yield self._slow(data, first_line)
                continue
            arrays = {c: df[c].to_numpy() for c in self.columns}
            yield self._clean(arrays, lambda i: first_line + i)

    def _slow(self, data, first_line):
        """A block with a bad or blank line, read line by line (rare, so plain Python)."""
        n = len(self.columns)
        rows = []
        text = data.decode("utf-8", errors="replace")
        for k, fields in enumerate(csv.reader(io.StringIO(text, newline=""))):
            line = first_line + k
            if not fields or all(not f.strip() for f in fields):
                continue
            if len(fields) != n:
                self.bad(line, None, f"{len(fields)} fields, the header names {n}")
                continue
            values = []
            for c, f in zip(self.columns, fields):
                v = _float(f)
                if v is None:
                    self.bad(line, c, f"{f.strip()!r} is not a finite number" if f.strip()
                             else "no value")
                    break
                values.append(v)
            else:
                rows.append(values)
        a = np.array(rows, dtype=np.float64).reshape(len(rows), n)
        return {c: np.ascontiguousarray(a[:, i]) for i, c in enumerate(self.columns)}


def _float(text):
    try:
        v = float(text.strip())
    except ValueError:
        return None
    return v if math.isfinite(v) else None


# --- JSON Lines ---------------------------------------------------------------------------

class JsonlSource(Source):
    """JSON Lines: one object per line, the variables as keys (the first line's keys)."""

    def __init__(self, stream, name, on_bad_row="fail", first=b""):
        super().__init__(on_bad_row)
        self.stream, self.name = stream, name
        self.pending = first + (b"" if first.endswith(b"\n") else stream.readline())
        try:
            obj = json.loads(self.pending)
        except ValueError:
            raise UsageError(f"{name}, line 1: not a JSON object") from None
        if not isinstance(obj, dict):
            raise UsageError(f"{name}, line 1: not a JSON object")
        self.columns = list(obj)
        _check_columns(name, self.columns)
        self.line = 0

    def blocks(self):
        import polars as pl

        schema = {c: pl.Float64 for c in self.columns}
        pending, self.pending = self.pending, b""
        for data, first_line, nlines in self._text_blocks(pending):
            try:
                df = pl.read_ndjson(io.BytesIO(data), schema=schema)
                ok = df.height == nlines and _same_keys(data, self.columns)
            except Exception:  # noqa: BLE001 - a line polars cannot read: find it ourselves
                ok = False
            if not ok:
                yield self._slow(data, first_line)
                continue
            arrays = {c: df[c].to_numpy() for c in self.columns}
            yield self._clean(arrays, lambda i: first_line + i)

    def _slow(self, data, first_line):
        rows = []
        for k, line in enumerate(data.split(b"\n")):
            if not line.strip():
                continue
            where = first_line + k
            try:
                obj = json.loads(line)
            except ValueError:
                self.bad(where, None, "not a JSON object")
                continue
            if not isinstance(obj, dict):
                self.bad(where, None, "not a JSON object")
                continue
            extra = [key for key in obj if key not in self.columns]
            if extra:
                self.bad(where, extra[0], "not a column of the first line")
                continue
            values = []
            for c in self.columns:
                v = obj.get(c)
                if isinstance(v, bool) or not isinstance(v, (int, float)) \
                        or not math.isfinite(float(v)):
                    self.bad(where, c, "no value" if v is None else
                             f"{json.dumps(v)} is not a finite number")
                    break
                values.append(float(v))
            else:
                rows.append(values)
        n = len(self.columns)
        a = np.array(rows, dtype=np.float64).reshape(len(rows), n)
        return {c: np.ascontiguousarray(a[:, i]) for i, c in enumerate(self.columns)}


def _same_keys(data, columns):
    """Cheap test that no line has a key beyond ``columns`` (polars would drop it)."""
    return data.count(b":") == data.count(b"\n") * len(columns) + (
        0 if data.endswith(b"\n") else len(columns))


# --- Parquet ------------------------------------------------------------------------------

class ParquetSource(Source):
    """Parquet: the columns are the variables (numbers)."""

    def __init__(self, path, on_bad_row="fail"):
        import pyarrow.parquet as pq

        super().__init__(on_bad_row)
        self.name = path
        try:
            self.file = pq.ParquetFile(path)
        except Exception as e:  # noqa: BLE001
            raise UsageError(f"{path}: not a Parquet file ({e})") from None
        self.columns = list(self.file.schema_arrow.names)
        _check_columns(path, self.columns)

    def blocks(self):
        import pyarrow as pa

        row = 0
        for batch in self.file.iter_batches(batch_size=1 << 20):
            arrays = {}
            for c in self.columns:
                col = batch.column(c)
                if not (pa.types.is_floating(col.type) or pa.types.is_integer(col.type)):
                    raise BadRow(self.name, row + 1, c, f"the column holds {col.type}, "
                                 "not numbers")
                arrays[c] = col.to_numpy(zero_copy_only=False).astype(np.float64)
            first = row + 1
            row += batch.num_rows
            yield self._clean(arrays, lambda i: first + i)


def open_points(path, on_bad_row="fail"):
    """The :class:`Source` of ``path``: ``-`` (standard input: CSV or JSON Lines, told by
    the first character), ``*.parquet``, ``*.jsonl``/``*.ndjson``, else CSV."""
    if path == "-":
        stream = sys.stdin.buffer
        first = stream.readline()
        if first.lstrip().startswith(b"{"):
            return JsonlSource(stream, "standard input", on_bad_row, first)
        return CsvSource(stream, "standard input", on_bad_row, first)
    lower = path.lower()
    if lower.endswith(".parquet"):
        return ParquetSource(path, on_bad_row)
    try:
        stream = open(path, "rb")  # noqa: SIM115 - closed by the run
    except OSError as e:
        raise UsageError(f"{path}: {e.strerror}") from None
    if lower.endswith((".jsonl", ".ndjson")):
        return JsonlSource(stream, path, on_bad_row)
    first = stream.readline()
    if first.lstrip().startswith(b"{"):
        return JsonlSource(stream, path, on_bad_row, first)
    return CsvSource(stream, path, on_bad_row, first)


# =========================================================================================
# Writers
# =========================================================================================

@contextlib.contextmanager
def whole_lines():
    """Ctrl-C waits while a chunk's bytes are written, so every line written is complete
    (the interrupt arrives right after)."""
    if hasattr(signal, "pthread_sigmask"):
        old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            yield
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, old)
    else:  # pragma: no cover - not POSIX
        yield


def _frame(columns):
    import polars as pl

    df = pl.DataFrame(columns)
    if "rel_diff" in columns:
        # no reference at the point: an empty field (null), not NaN
        df = df.with_columns(pl.col("rel_diff").fill_nan(None))
    return df


class _TextWriter:
    """A text format written to a stream as each chunk completes, whole lines only."""

    def __init__(self, stream):
        self.stream = stream

    def _emit(self, buf):
        with whole_lines():
            self.stream.write(buf.getvalue())
            self.stream.flush()

    def close(self):
        pass


class CsvWriter(_TextWriter):
    """CSV: a header, then one line per point, written as each chunk completes."""

    def __init__(self, stream):
        super().__init__(stream)
        self.header = True

    def write(self, columns):
        buf = io.BytesIO()
        _frame(columns).write_csv(buf, include_header=self.header, float_precision=None)
        self.header = False
        self._emit(buf)


class JsonlWriter(_TextWriter):
    """JSON Lines: one object per point."""

    def write(self, columns):
        buf = io.BytesIO()
        _frame(columns).write_ndjson(buf)
        self._emit(buf)


class ParquetWriter:
    """Parquet: one row group per chunk; the file is closed (valid) even on Ctrl-C."""

    def __init__(self, path):
        self.path = path
        self.writer = None

    def write(self, columns):
        import pyarrow.parquet as pq

        table = _frame(columns).to_arrow()
        with whole_lines():
            if self.writer is None:
                self.writer = pq.ParquetWriter(self.path, table.schema)
            self.writer.write_table(table)

    def close(self):
        if self.writer is not None:
            self.writer.close()
