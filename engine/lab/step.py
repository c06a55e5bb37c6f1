r"""The vanilla RNN of the notes, one time step at a time, with every intermediate number kept.

The notes' recurrence (θ = {U, W, V, b, c}, the same θ at every step: 매개변수 공유)::

    a(t) = W h(t-1) + U x(t) + b        U (p×d) input → hidden, W (p×p) hidden → hidden, b (p)
    h(t) = tanh(a(t))                    the state, p numbers
    o(t) = V h(t) + c                    V (q×p) hidden → output, c (q)
    ŷ(t) = softmax(o(t))                 a distribution over the q classes
    L(t) = −log ŷ(t)[y(t)]               cross-entropy at t;   L = Σ_t L(t)

Here a sequence is one sample, so vectors are 1-D tensors and ``W h`` is ``W @ h``; matrices are stored as
the notes write them (rows = output), the same layout as :class:`engine.nn.cells.RNNCell` (``U``, ``W``,
``b``), so :meth:`RNNParams.to_cell` hands these weights to the engine's own cell and the tests check that
it computes the same h(t). The number of parameters, pd + p² + p + qp + q, does not depend on T.

Worked example (d = 2, p = 1, q = 2), small enough to check by hand::

    >>> import torch
    >>> theta = RNNParams(U=torch.tensor([[0.5, -0.5]]), W=torch.tensor([[1.0]]), b=torch.tensor([0.0]),
    ...                   V=torch.tensor([[1.0], [-1.0]]), c=torch.tensor([0.0, 0.0]))
    >>> fw = forward_steps(theta, torch.tensor([[1.0, 0.0], [0.0, 1.0]]), targets=torch.tensor([0, 1]))
    >>> round(fw.a[0].item(), 4), round(fw.h[0].item(), 4)      # a(1) = 0.5·1 − 0.5·0 + 1·0 + 0, tanh(0.5)
    (0.5, 0.4621)
    >>> [round(v, 4) for v in fw.y_hat[0].tolist()]             # softmax(0.4621, −0.4621)
    [0.7159, 0.2841]
    >>> round(fw.losses[0].item(), 4)                           # −ln 0.7159
    0.3342
    >>> round(fw.a[1].item(), 4)                                 # a(2) = W h(1) + U x(2) = 0.4621 − 0.5
    -0.0379
    >>> theta.num_params                                         # 2 + 1 + 1 + 2 + 2, for any T
    8
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor

from engine.nn.cells import RNNCell

__all__ = [
    "MAX_SIZE",
    "MAX_STEPS",
    "PARAM_NAMES",
    "Forward",
    "LabInputError",
    "RNNParams",
    "ShapeRow",
    "StepSequence",
    "forward_steps",
    "num_params",
    "numbers_sequence",
    "one_hot",
    "random_numbers_sequence",
    "shapes",
    "word_sequence",
]

#: Largest d, p, q of the tiny RNN (the page's tables stay readable).
MAX_SIZE = 8
#: Longest sequence T of the tiny RNN.
MAX_STEPS = 12
#: The names of θ in the notes' order.
PARAM_NAMES = ("U", "W", "V", "b", "c")
DTYPE = torch.float64  # the lab's numbers are checked by hand and against autograd: no float32 rounding in the way


class LabInputError(ValueError):
    """Input a lab computation cannot use (sizes, a word, a weight); the message says what to change."""


def _check_size(name: str, value: int, low: int = 1, high: int = MAX_SIZE) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise LabInputError(f"{name} must be an integer from {low} to {high}, got {value!r}")
    return value


def num_params(d: int, p: int, q: int) -> int:
    """|θ| = |U| + |W| + |b| + |V| + |c| = pd + p² + p + qp + q (q = 0: no output layer, just U, W, b).

    >>> num_params(32, 64, 0)     # the notes' layer: input 32, hidden 64 (its output is its state)
    6208
    """
    return p * d + p * p + p + q * p + q


@dataclass(frozen=True)
class RNNParams:
    """θ = {U, W, V, b, c} of a tiny vanilla RNN, each tensor shaped as the notes write it."""

    U: Tensor  # (p, d)
    W: Tensor  # (p, p)
    b: Tensor  # (p,)
    V: Tensor  # (q, p)
    c: Tensor  # (q,)

    def __post_init__(self) -> None:
        for name in PARAM_NAMES:
            value = getattr(self, name)
            if not isinstance(value, Tensor):
                raise LabInputError(f"{name} must be a tensor, got {type(value).__name__}")
            object.__setattr__(self, name, value.detach().to(DTYPE))
        p, d = _matrix_shape("U", self.U)
        q = _matrix_shape("V", self.V)[0]
        expected = {"W": (p, p), "b": (p,), "V": (q, p), "c": (q,)}
        for name, shape in expected.items():
            if tuple(getattr(self, name).shape) != shape:
                raise LabInputError(f"{name} must have shape {shape} (U is {p}×{d}, V has {q} rows), "
                                    f"got {tuple(getattr(self, name).shape)}")
        for name in PARAM_NAMES:
            if not torch.isfinite(getattr(self, name)).all():
                raise LabInputError(f"{name} has an empty or non-finite entry: every weight must be a number")

    @property
    def d(self) -> int:
        return self.U.shape[1]

    @property
    def p(self) -> int:
        return self.U.shape[0]

    @property
    def q(self) -> int:
        return self.V.shape[0]

    @property
    def num_params(self) -> int:
        return num_params(self.d, self.p, self.q)

    def as_dict(self) -> dict[str, Tensor]:
        return {name: getattr(self, name) for name in PARAM_NAMES}

    @classmethod
    def random(cls, d: int, p: int, q: int, seed: int = 0) -> RNNParams:
        """Weights drawn uniformly from [−1, 1] with ``seed`` and rounded to two decimals (checkable by hand).

        >>> import torch
        >>> theta = RNNParams.random(4, 3, 4, seed=0)
        >>> tuple(theta.U.shape), tuple(theta.W.shape), tuple(theta.V.shape), theta.num_params
        ((3, 4), (3, 3), (4, 3), 40)
        >>> torch.allclose(theta.W * 100, (theta.W * 100).round())   # two decimals
        True
        """
        for name, value in (("d", d), ("p", p), ("q", q)):
            _check_size(name, value)
        gen = torch.Generator().manual_seed(int(seed))

        def draw(*shape: int) -> Tensor:
            return ((torch.rand(*shape, generator=gen, dtype=DTYPE) * 2 - 1) * 100).round() / 100

        return cls(U=draw(p, d), W=draw(p, p), b=draw(p), V=draw(q, p), c=draw(q))

    @classmethod
    def from_tables(cls, tables: dict[str, object]) -> RNNParams:
        """θ from typed tables: ``{"U": rows, "W": rows, "V": rows, "b": numbers, "c": numbers}``.

        >>> RNNParams.from_tables({"U": [[1, 0]], "W": [[0.5]], "b": [0], "V": [[2]], "c": [0]}).d
        2
        >>> RNNParams.from_tables({"U": [[1, None]], "W": [[0.5]], "b": [0], "V": [[2]], "c": [0]})
        Traceback (most recent call last):
        ...
        engine.lab.step.LabInputError: U has an empty or non-finite entry: every weight must be a number
        """
        missing = [name for name in PARAM_NAMES if name not in tables]
        if missing:
            raise LabInputError(f"missing weight table(s): {', '.join(missing)}")
        values = {}
        for name in PARAM_NAMES:
            try:
                values[name] = torch.tensor(_numbers(tables[name]), dtype=DTYPE)
            except (TypeError, ValueError) as exc:
                raise LabInputError(f"{name} must be a table of numbers: {exc}") from None
        return cls(**values)

    def to_cell(self) -> RNNCell:
        """The engine's own :class:`RNNCell` (float64) holding U, W, b (V, c are the output layer, not the cell's)."""
        cell = RNNCell(self.d, self.p).double()
        with torch.no_grad():
            cell.U.copy_(self.U)
            cell.W.copy_(self.W)
            cell.b.copy_(self.b)
        return cell


def _matrix_shape(name: str, value: Tensor) -> tuple[int, int]:
    if value.dim() != 2 or 0 in value.shape:
        raise LabInputError(f"{name} must be a non-empty matrix, got shape {tuple(value.shape)}")
    return value.shape[0], value.shape[1]


def _numbers(rows: object) -> object:
    """Nested lists with None / blank entries turned into NaN (then refused as non-finite)."""
    if isinstance(rows, (list, tuple)):
        return [_numbers(r) for r in rows]
    if rows is None or (isinstance(rows, str) and not rows.strip()):
        return math.nan
    return float(rows)


def one_hot(indices: Tensor | list[int], size: int) -> Tensor:
    """Rows of the identity: the one-hot codes of ``indices`` (T, size), float64.

    >>> one_hot([2, 0], 3).tolist()
    [[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]
    """
    return torch.eye(size, dtype=DTYPE)[torch.as_tensor(indices, dtype=torch.long)]


@dataclass(frozen=True)
class StepSequence:
    """One training sequence of the tiny RNN: inputs x(1..T), target classes y(1..T) and how to name them."""

    xs: Tensor  # (T, d)
    targets: Tensor  # (T,) class indices in [0, q)
    classes: tuple[str, ...]  # the q class names (the alphabet of a word, or "0", "1", ...)
    input_labels: tuple[str, ...]  # what x(t) is, for the diagrams ("h", or "x(1)")
    word: str | None = None  # the word the sequence was made from (inputs word[:-1], targets word[1:])

    @property
    def T(self) -> int:
        return self.xs.shape[0]

    @property
    def target_labels(self) -> tuple[str, ...]:
        return tuple(self.classes[i] for i in self.targets.tolist())


def word_sequence(word: str) -> StepSequence:
    """One-hot characters of ``word`` predicting the next character: the notes' "hello" example.

    The alphabet is the word's distinct characters in order of appearance, so d = q = its size.

    >>> seq = word_sequence("hello")
    >>> seq.classes, seq.T, seq.input_labels, seq.target_labels
    (('h', 'e', 'l', 'o'), 4, ('h', 'e', 'l', 'l'), ('e', 'l', 'l', 'o'))
    >>> seq.xs[0].tolist()                                  # x(1) = one-hot "h"
    [1.0, 0.0, 0.0, 0.0]
    """
    if not isinstance(word, str) or len(word) < 2:
        raise LabInputError("the word needs at least 2 characters: each one predicts the next")
    if len(word) > MAX_STEPS + 1:
        raise LabInputError(f"the word may have at most {MAX_STEPS + 1} characters ({MAX_STEPS} steps), "
                            f"got {len(word)}")
    classes = tuple(dict.fromkeys(word))
    if len(classes) > MAX_SIZE:
        raise LabInputError(f"the word may use at most {MAX_SIZE} different characters "
                            f"(the one-hot size d), got {len(classes)}")
    index = [classes.index(ch) for ch in word]
    return StepSequence(xs=one_hot(index[:-1], len(classes)), targets=torch.tensor(index[1:]), classes=classes,
                        input_labels=tuple(word[:-1]), word=word)


def numbers_sequence(xs: object, targets: object, q: int) -> StepSequence:
    """A sequence of number vectors x(t) ∈ R^d (rows of ``xs``) with target classes in [0, q).

    >>> numbers_sequence([[0.5], [-1.0]], [1, 0], q=2).target_labels
    ('1', '0')
    """
    _check_size("q", q)
    try:
        x = torch.tensor(_numbers(xs), dtype=DTYPE)
        y = torch.tensor([int(v) for v in targets])  # type: ignore[union-attr]
    except (TypeError, ValueError) as exc:
        raise LabInputError(f"the inputs must be a table of numbers and the targets whole numbers: {exc}") from None
    if x.dim() != 2 or not 1 <= x.shape[0] <= MAX_STEPS or not 1 <= x.shape[1] <= MAX_SIZE:
        raise LabInputError(f"the inputs must be T rows (1 to {MAX_STEPS}) of d numbers (1 to {MAX_SIZE}), "
                            f"got shape {tuple(x.shape)}")
    if not torch.isfinite(x).all():
        raise LabInputError("an input entry is empty or not a number")
    if y.shape != (x.shape[0],):
        raise LabInputError(f"there must be one target per step: {x.shape[0]} steps, {y.numel()} targets")
    if ((y < 0) | (y >= q)).any():
        raise LabInputError(f"every target must be a class from 0 to {q - 1}, got {y.tolist()}")
    return StepSequence(xs=x, targets=y, classes=tuple(str(i) for i in range(q)),
                        input_labels=tuple(f"x({t})" for t in range(1, x.shape[0] + 1)))


def random_numbers_sequence(T: int, d: int, q: int, seed: int = 0) -> StepSequence:
    """T input vectors with entries uniform in [−1, 1] (one decimal) and random target classes, from ``seed``."""
    _check_size("T", T, high=MAX_STEPS)
    _check_size("d", d)
    _check_size("q", q)
    gen = torch.Generator().manual_seed(int(seed) + 7919)  # not the weights' stream
    xs = ((torch.rand(T, d, generator=gen, dtype=DTYPE) * 2 - 1) * 10).round() / 10
    targets = torch.randint(0, q, (T,), generator=gen)
    return numbers_sequence(xs.tolist(), targets.tolist(), q)


@dataclass(frozen=True)
class Forward:
    """Every number of one forward pass, rows indexed by t − 1 (the notes' t runs from 1 to T)."""

    params: RNNParams
    xs: Tensor  # (T, d) the inputs actually read (with feedback: the fed-back one-hot codes)
    targets: Tensor  # (T,) target classes
    mask: Tensor  # (T,) bool: which steps have a loss (many-to-one: the last only)
    h0: Tensor  # (p,) h(0)
    a: Tensor  # (T, p) a(t) = W h(t-1) + U x(t) + b
    h: Tensor  # (T, p) h(t) = tanh(a(t))
    o: Tensor  # (T, q) o(t) = V h(t) + c
    y_hat: Tensor  # (T, q) ŷ(t) = softmax(o(t))
    losses: Tensor  # (T,) L(t) = −log ŷ(t)[y(t)] where mask, else 0

    @property
    def T(self) -> int:
        return self.xs.shape[0]

    @property
    def loss(self) -> float:
        """L = Σ_t L(t) (the notes' objective: the sum over the steps that have a loss)."""
        return float(self.losses.sum())

    def h_prev(self, t: int) -> Tensor:
        """h(t − 1) for t = 1..T (h(0) for t = 1)."""
        return self.h0 if t == 1 else self.h[t - 2]


def forward_steps(params: RNNParams, xs: Tensor, targets: Tensor | None = None, mask: Tensor | None = None,
                  h0: Tensor | None = None, feed_back: bool = False) -> Forward:
    """Run the recurrence for t = 1..T and keep a(t), h(t), o(t), ŷ(t) and L(t).

    ``targets`` None: no loss anywhere (an encoder). ``mask`` (T,) bool: the steps that have a loss
    (default: every step). ``feed_back``: x(1) = ``xs[0]``, and for t ≥ 2 the input is the one-hot code
    of the previous output's most likely class (one-to-many generation; needs d = q).
    """
    xs = torch.as_tensor(xs, dtype=DTYPE)
    if xs.dim() != 2 or xs.shape[1] != params.d or not 1 <= xs.shape[0]:
        raise LabInputError(f"the inputs must be T rows of d = {params.d} numbers, got shape {tuple(xs.shape)}")
    T = xs.shape[0]
    if feed_back and params.d != params.q:
        raise LabInputError(f"feeding the output back as the next input needs d = q, got d = {params.d}, "
                            f"q = {params.q}")
    if targets is None:
        targets, mask = torch.zeros(T, dtype=torch.long), torch.zeros(T, dtype=torch.bool)
    targets = torch.as_tensor(targets, dtype=torch.long)
    if targets.shape != (T,) or ((targets < 0) | (targets >= params.q)).any():
        raise LabInputError(f"targets must be {T} classes from 0 to {params.q - 1}, got {targets.tolist()}")
    mask = torch.ones(T, dtype=torch.bool) if mask is None else torch.as_tensor(mask, dtype=torch.bool)
    h = torch.zeros(params.p, dtype=DTYPE) if h0 is None else torch.as_tensor(h0, dtype=DTYPE)
    if h.shape != (params.p,):
        raise LabInputError(f"h(0) must have p = {params.p} numbers, got shape {tuple(h.shape)}")
    h0 = h
    rows: dict[str, list[Tensor]] = {"x": [], "a": [], "h": [], "o": [], "y_hat": [], "loss": []}
    x = xs[0]
    for t in range(T):
        a = params.W @ h + params.U @ x + params.b  # a(t) = W h(t-1) + U x(t) + b
        h = torch.tanh(a)  # h(t)
        o = params.V @ h + params.c  # o(t) = V h(t) + c
        y_hat = torch.softmax(o, dim=0)  # ŷ(t)
        loss = -torch.log(y_hat[targets[t]]) if mask[t] else torch.zeros((), dtype=DTYPE)
        for key, value in zip(rows, (x, a, h, o, y_hat, loss)):
            rows[key].append(value)
        if t + 1 < T:
            x = one_hot([int(y_hat.argmax())], params.q)[0] if feed_back else xs[t + 1]
    return Forward(params=params, xs=torch.stack(rows["x"]), targets=targets, mask=mask, h0=h0,
                   a=torch.stack(rows["a"]), h=torch.stack(rows["h"]), o=torch.stack(rows["o"]),
                   y_hat=torch.stack(rows["y_hat"]), losses=torch.stack(rows["loss"]))


# ------------------------------------------------------------------------------------------------- shapes
@dataclass(frozen=True)
class ShapeRow:
    """One line of the shapes panel: a tensor, its shape and (for parameters) its number of entries."""

    name: str
    shape: tuple[int, ...]
    role: str  # "param" (part of θ, shared over t) or "data" (changes with t and the batch)
    count: int | None = None


def shapes(d: int, p: int, q: int, batch: int = 1, T: int = 1) -> list[ShapeRow]:
    """Shapes of θ (the notes' p×d, p×p, q×p, p, q) and of one batch's tensors (engine layout: batch first).

    q = 0 describes an RNN layer without an output layer (its output is its state h, as in the notes'
    batch 100, input 32, hidden 64 example).

    >>> [(r.name, r.shape) for r in shapes(32, 64, 0, batch=100, T=5)]        # doctest: +NORMALIZE_WHITESPACE
    [('U', (64, 32)), ('W', (64, 64)), ('b', (64,)), ('x(t)', (100, 32)), ('h(t)', (100, 64)),
     ('x', (100, 5, 32)), ('h', (100, 5, 64))]
    """
    for name, value, low, high in (("d", d, 1, 4096), ("p", p, 1, 4096), ("q", q, 0, 100_000),
                                   ("batch", batch, 1, 100_000), ("T", T, 1, 100_000)):
        _check_size(name, value, low, high)
    rows = [ShapeRow("U", (p, d), "param", p * d), ShapeRow("W", (p, p), "param", p * p),
            ShapeRow("b", (p,), "param", p)]
    if q:
        rows += [ShapeRow("V", (q, p), "param", q * p), ShapeRow("c", (q,), "param", q)]
    rows += [ShapeRow("x(t)", (batch, d), "data"), ShapeRow("h(t)", (batch, p), "data")]
    if q:
        rows.append(ShapeRow("o(t)", (batch, q), "data"))
    rows += [ShapeRow("x", (batch, T, d), "data"), ShapeRow("h", (batch, T, p), "data")]
    if q:
        rows.append(ShapeRow("o", (batch, T, q), "data"))
    return rows
