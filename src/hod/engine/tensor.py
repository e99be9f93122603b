"""Tensors and variables: immutable values over numpy arrays.

A :class:`Tensor` holds a numpy value and an identity (``_id``) by which tapes and forward
accumulators know it.  Arithmetic on tensors goes through :mod:`hod.ops`, so every operation is
recorded by whichever tapes are watching its inputs.
"""

from __future__ import annotations

import itertools

import numpy as np

from .registry import ops  # operators dispatch to the table's operations (late-bound)

_next_id = itertools.count(1).__next__


def as_value(x):
    """The numpy value of ``x``: a tensor's value, or ``x`` as a float64 array."""
    if isinstance(x, Tensor):
        return x._value
    if isinstance(x, np.ndarray):
        if x.dtype.kind in "biu":
            return x.astype(np.float64)
        return x
    if isinstance(x, (bool, np.bool_)):
        return np.float64(x)
    if isinstance(x, (int, float, np.number)):
        return np.float64(x) if not isinstance(x, np.floating) else x
    return np.asarray(x, dtype=np.float64)


class Tensor:
    """An immutable numpy value that tapes can record.

    >>> x = hod.constant([1.0, 2.0])
    >>> (x * 3).numpy()
    array([3., 6.])
    """

    __slots__ = ("_value", "_id", "__weakref__")
    __array_priority__ = 1000  # numpy defers to our operators: ndarray * Tensor -> Tensor

    def __init__(self, value, dtype=None):
        if isinstance(value, Tensor):
            value = value._value
        if dtype is not None:
            value = np.asarray(value, dtype=dtype)
        else:
            value = as_value(value)
        self._value = value
        self._id = _next_id()

    @classmethod
    def _wrap(cls, value):
        t = object.__new__(Tensor)
        t._value = value
        t._id = _next_id()
        return t

    # --- numpy-like attributes -------------------------------------------------------------
    def numpy(self):
        """The value as a numpy array (a 0-d array for scalars)."""
        return np.asarray(self._value)

    @property
    def value(self):
        return self._value

    @property
    def shape(self):
        return np.shape(self._value)

    @property
    def ndim(self):
        return np.ndim(self._value)

    @property
    def size(self):
        return int(np.size(self._value))

    @property
    def dtype(self):
        return np.asarray(self._value).dtype

    def __len__(self):
        if self.ndim == 0:
            raise TypeError("len() of a scalar tensor")
        return self.shape[0]

    def __iter__(self):
        if self.ndim == 0:
            raise TypeError("iteration over a scalar tensor")
        return (self[i] for i in range(self.shape[0]))

    def __float__(self):
        return float(self._value)

    def __int__(self):
        return int(self._value)

    def __bool__(self):
        return bool(self._value)

    def __array__(self, dtype=None, copy=None):
        a = np.asarray(self._value)
        return a.astype(dtype) if dtype is not None else a

    def __repr__(self):
        body = np.array2string(np.asarray(self._value), separator=", ", prefix="hod.Tensor(")
        return f"hod.Tensor({body}, shape={self.shape}, dtype={self.dtype})"

    __hash__ = object.__hash__

    # --- operators: all go through hod.ops so that tapes see them ---------------------------
    def __add__(self, other):
        return ops.add(self, other)

    def __radd__(self, other):
        return ops.add(other, self)

    def __sub__(self, other):
        return ops.subtract(self, other)

    def __rsub__(self, other):
        return ops.subtract(other, self)

    def __mul__(self, other):
        return ops.multiply(self, other)

    def __rmul__(self, other):
        return ops.multiply(other, self)

    def __truediv__(self, other):
        return ops.divide(self, other)

    def __rtruediv__(self, other):
        return ops.divide(other, self)

    def __pow__(self, other):
        return ops.power(self, other)

    def __rpow__(self, other):
        return ops.power(other, self)

    def __matmul__(self, other):
        return ops.matmul(self, other)

    def __rmatmul__(self, other):
        return ops.matmul(other, self)

    def __neg__(self):
        return ops.negative(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return ops.abs(self)

    def __getitem__(self, index):
        return ops.getitem(self, index)

    def __lt__(self, other):
        return ops.less(self, other)

    def __le__(self, other):
        return ops.less_equal(self, other)

    def __gt__(self, other):
        return ops.greater(self, other)

    def __ge__(self, other):
        return ops.greater_equal(self, other)

    def __eq__(self, other):
        return ops.equal(self, other)

    def __ne__(self, other):
        return ops.not_equal(self, other)

    @property
    def T(self):
        return ops.transpose(self)

    def reshape(self, *shape):
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = shape[0]
        return ops.reshape(self, tuple(shape))

    def sum(self, axis=None, keepdims=False):
        return ops.sum(self, axis=axis, keepdims=keepdims)

    def mean(self, axis=None, keepdims=False):
        return ops.mean(self, axis=axis, keepdims=keepdims)


class Variable(Tensor):
    """A named, mutable tensor. Tapes watch trainable variables automatically when they are used.

    >>> x = hod.Variable(5.0)
    >>> with hod.GradientTape() as tape:
    ...     y = x ** 2
    >>> tape.gradient(y, x).numpy()
    array(10.)
    """

    __slots__ = ("name", "trainable")

    def __init__(self, initial_value, trainable=True, name=None, dtype=None):
        super().__init__(initial_value, dtype=dtype)
        self.trainable = bool(trainable)
        self.name = name if name is not None else f"Variable:{self._id}"

    def assign(self, value):
        """Replace the value (same shape). Operations already recorded keep the old value."""
        new = as_value(value)
        if np.shape(new) != self.shape:
            raise ValueError(f"cannot assign a value of shape {np.shape(new)} to {self.name} "
                             f"of shape {self.shape}")
        self._value = np.array(new, dtype=self.dtype)
        return self

    def assign_add(self, delta):
        return self.assign(self._value + as_value(delta))

    def assign_sub(self, delta):
        return self.assign(self._value - as_value(delta))

    def __repr__(self):
        body = np.array2string(np.asarray(self._value), separator=", ", prefix="hod.Variable(")
        return f"hod.Variable({body}, name={self.name!r}, shape={self.shape}, dtype={self.dtype})"


def constant(value, dtype=None):
    """A tensor holding ``value`` (float64 unless ``dtype`` says otherwise).

    >>> hod.constant(3.0) * 2
    hod.Tensor(6., shape=(), dtype=float64)
    """
    return Tensor(value, dtype=dtype)


def convert_to_tensor(value):
    """``value`` itself if it is a tensor, else a new constant tensor."""
    return value if isinstance(value, Tensor) else Tensor(value)


def convert(x):
    """``x`` as a tensor (tensors are returned unchanged)."""
    return x if isinstance(x, Tensor) else Tensor(x)
