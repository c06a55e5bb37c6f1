"""Counting n-grams with numpy: integer ids, rank-compacted keys and sorted arrays.

A character 5-gram model of Tiny Shakespeare sees about a million n-gram *occurrences* but, as
the lecture on the curse of dimensionality says, only a tiny fraction of the ``V**5`` possible
5-grams. We therefore store only the n-grams that occur, in sorted integer arrays, and look
them up with binary search (``np.searchsorted``). No Python dictionaries, no tuples: this is what
makes fitting a million characters take about a second.

Key scheme ("rank-compacted contexts, level by level")
------------------------------------------------------
Tokens are integer ids ``0 .. V-1``. The distinct k-grams of level ``k`` are kept sorted in
``keys[k]`` and a k-gram is identified by its *rank* (position) in that array, its **id**.

* level 1: ``key(w) = w``
* level k: ``key(h w) = id(h) * V + w``, where ``h`` is the (k-1)-gram prefix.

So a k-gram key is always below ``(number of distinct (k-1)-grams) * V``, which fits in int64 for
any order and any vocabulary we will meet (a plain base-V code ``sum w_i V^i`` would overflow for
word vocabularies: ``30000**4 > 2**63``). Two useful consequences:

* ``keys[k] // V`` is the id of the *prefix* (the context) and ``keys[k] % V`` the last token;
* all continuations ``h w`` of one context ``h`` are **contiguous** in ``keys[k]``:
  they are the keys in ``[id(h) * V, (id(h) + 1) * V)``, found with two binary searches.

Counts stored per level
-----------------------
``counts[k][i]``        raw count ``c(g)`` of the i-th distinct k-gram ``g``.
``continuation[k][i]``  the Kneser-Ney *continuation count* ``N1+(• g) = |{x : c(x g) > 0}|``,
                        the number of distinct tokens seen *before* ``g`` (for ``k < order``).

Training sequences are padded (see :mod:`engine.ngram.model`) and n-grams never cross the
boundary between two sequences, exactly like NLTK's ``everygrams`` applied sentence by sentence.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.ngram.vocab import BOS_ID, EOS_ID

__all__ = ["NGramCounts"]


def _group(keys: np.ndarray, key_range: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``np.unique`` with inverse, counts and one representative position of each distinct key.

    Returns ``(uniq, inverse, counts, representative)`` where ``uniq`` is sorted,
    ``uniq[inverse] == keys`` and ``keys[representative[j]] == uniq[j]`` (any occurrence).

    All keys lie in ``[0, key_range)``. When that range is small compared with the number of keys
    (low orders: ``n_{k-1} * V`` is small), a *counting sort* with ``np.bincount`` is O(n + range);
    otherwise we sort, O(n log n).
    """
    n = keys.size
    if key_range <= 4 * n + (1 << 16):
        c = np.bincount(keys, minlength=key_range)
        uniq = np.flatnonzero(c)
        rank = np.empty(key_range, dtype=np.int64)  # only read at the positions of uniq
        rank[uniq] = np.arange(uniq.size)
        inverse = rank[keys]
        rep = np.empty(uniq.size, dtype=np.int64)
        rep[inverse] = np.arange(n)  # with repeated indices one of the positions wins: fine
        return uniq.astype(np.int64), inverse, c[uniq].astype(np.int64), rep
    perm = np.argsort(keys)
    sk = keys[perm]
    new = np.empty(n, dtype=bool)
    new[:1] = True
    np.not_equal(sk[1:], sk[:-1], out=new[1:])
    starts = np.flatnonzero(new)
    uniq = sk[starts]
    counts = np.diff(np.append(starts, n))
    inverse = np.empty(n, dtype=np.int64)
    inverse[perm] = np.cumsum(new) - 1
    return uniq, inverse, counts.astype(np.int64), perm[starts]


@dataclass
class NGramCounts:
    """The n-gram count tables of orders ``1 .. order`` (index 0 of each list is unused).

    Attributes:
        order: highest n-gram length counted.
        vocab_size: ``V``, the number of token ids (the base of the key scheme).
        keys: ``keys[k]`` sorted int64 keys of the distinct k-grams (see module docstring).
        counts: ``counts[k]`` raw counts, aligned with ``keys[k]``.
        continuation: ``continuation[k]`` = ``N1+(• g)`` for each k-gram ``g``, for ``k < order``
            (``continuation[order]`` is an empty array: there are no longer n-grams).
    """

    order: int
    vocab_size: int
    keys: list[np.ndarray]
    counts: list[np.ndarray]
    continuation: list[np.ndarray]

    # ------------------------------------------------------------------ building
    @classmethod
    def from_ids(cls, ids: np.ndarray, lengths: np.ndarray, order: int, vocab_size: int) -> NGramCounts:
        """Count every k-gram (k = 1..order) inside each sequence.

        Args:
            ids: the padded training sequences, concatenated (int64 token ids).
            lengths: the length of each padded sequence (they sum to ``ids.size``).
            order: highest n-gram length.
            vocab_size: ``V``.
        """
        ids = np.ascontiguousarray(ids, dtype=np.int64)
        total = ids.size
        V = int(vocab_size)
        # remaining[s] = number of tokens from position s to the end of its sequence (inclusive):
        # a k-gram may start at s iff remaining[s] >= k (so n-grams never straddle two sequences).
        ends = np.cumsum(lengths)
        remaining = np.repeat(ends, lengths) - np.arange(total, dtype=np.int64)

        keys: list[np.ndarray] = [np.zeros(0, np.int64)]
        counts: list[np.ndarray] = [np.zeros(0, np.int64)]
        continuation: list[np.ndarray] = [np.zeros(0, np.int64)]

        # level 1: token ids are small, a bincount is all we need
        c1 = np.bincount(ids, minlength=V).astype(np.int64)
        uniq1 = np.flatnonzero(c1)
        rank = np.full(V, -1, dtype=np.int64)
        rank[uniq1] = np.arange(uniq1.size)
        keys.append(uniq1.astype(np.int64))
        counts.append(c1[uniq1])
        prev_id = rank[ids]  # id of the (k-1)-gram starting at each position (-1: none)
        pos = np.arange(total, dtype=np.int64)  # valid start positions of the current level

        for k in range(2, order + 1):
            pos = pos[remaining[pos] >= k]
            key = prev_id[pos] * V + ids[pos + k - 1]
            uniq, inverse, cnt, rep = _group(key, keys[k - 1].size * V)
            keys.append(uniq)
            counts.append(cnt)
            # Continuation counts of level k-1: the suffix (last k-1 tokens) of each *distinct*
            # k-gram "x g" is g, starting one position later. N1+(• g) = how many distinct x.
            suffix = prev_id[pos[rep] + 1]
            continuation.append(np.bincount(suffix, minlength=keys[k - 1].size).astype(np.int64))
            cur_id = np.full(total, -1, dtype=np.int64)
            cur_id[pos] = inverse
            prev_id = cur_id
        continuation.append(np.zeros(0, np.int64))
        if total < np.iinfo(np.int32).max:  # counts never exceed the number of positions: halve the memory
            counts = [c.astype(np.int32) for c in counts]
            continuation = [c.astype(np.int32) for c in continuation]
        return cls(order=order, vocab_size=V, keys=keys, counts=counts, continuation=continuation)

    def lower_order(self, n: int) -> NGramCounts:
        """*Exactly* the counts of order ``n <= order`` that fitting the same sequences would give.

        The counts of an order-N model contain all the counts of every order n <= N. Only the
        n-grams made of padding alone differ, because an order-N model pads with N-1 ``<s>``/``</s>``
        and an order-n one with n-1: those few counts and continuation counts are corrected here.
        Most arrays are shared with this object rather than copied (counts are never modified).

        Raises:
            ValueError: if some training sequence was empty (its padding cannot be told apart).
        """
        keys, counts, cont = list(self.keys[: n + 1]), list(self.counts[: n + 1]), list(self.continuation[:n])
        cont.append(np.zeros(0, np.int64))
        big, V = self.order, self.vocab_size
        if n < big:
            if big >= 2 and self.find(2, np.array([int(self.find(1, np.array([BOS_ID]))[0]) * V + EOS_ID]))[0] >= 0:
                raise ValueError("derive() cannot lower the order of a model fitted on empty sequences; refit it")
            # Number of sequences S: <s> occurs N-1 times in each padded sequence.
            n_seq = int(self.counts[1][self.find(1, np.array([BOS_ID]))[0]]) // (big - 1)
            gids = []
            for pad in (BOS_ID, EOS_ID):
                # id of the pure-padding k-gram pad^k at each level (pad^k exists for every k <= N - 1)
                gid = [0]
                for k in range(1, n + 1):
                    key = pad if k == 1 else gid[k - 1] * V + pad
                    gid.append(int(self.find(k, np.array([key]))[0]))
                gids.append(gid)
            for k in range(1, n):
                # pad^k occurs N - k times per sequence with N-1 pads, n - k times with n-1 pads
                counts[k] = counts[k].copy()
                counts[k][[g[k] for g in gids]] -= n_seq * (big - n)
            if n >= 2:
                # pad^n is no n-gram of the order-n model: pad^(n-1) loses that left neighbour
                cont[n - 1] = cont[n - 1].copy()
                cont[n - 1][[g[n - 1] for g in gids]] -= 1
            # and pad^n itself is not counted
            keep = np.ones(keys[n].size, dtype=bool)
            keep[[g[n] for g in gids]] = False
            keys[n], counts[n] = keys[n][keep], counts[n][keep]
        return NGramCounts(n, V, keys, counts, cont)

    # ------------------------------------------------------------------ queries
    def num_ngrams(self, k: int) -> int:
        """Number of distinct k-grams seen in training."""
        return int(self.keys[k].size)

    def prefix_ids(self, k: int) -> np.ndarray:
        """Id of the context (first k-1 tokens) of each distinct k-gram (all 0 for k = 1)."""
        if k == 1:
            return np.zeros(self.keys[1].size, dtype=np.int64)
        return self.keys[k] // self.vocab_size

    def last_tokens(self, k: int) -> np.ndarray:
        """Last token id of each distinct k-gram."""
        return self.keys[k] % self.vocab_size

    def find(self, k: int, key: np.ndarray) -> np.ndarray:
        """Ids (ranks) of the given level-k keys, ``-1`` where the key was never seen."""
        table = self.keys[k]
        if table.size == 0 or key.size == 0:
            return np.full(key.shape, -1, dtype=np.int64)
        j = np.searchsorted(table, key)
        jc = np.minimum(j, table.size - 1)
        return np.where(table[jc] == key, jc, -1)

    def lookup(self, query: np.ndarray, max_k: int) -> list[np.ndarray]:
        """Ids of all the k-grams *starting* at each position of ``query``, for k = 1..max_k.

        ``out[k][s]`` is the id of ``query[s : s + k]`` among the distinct k-grams, or ``-1`` if that
        k-gram was never seen (or runs past the end of the query). ``out[0]`` is all zeros: the empty
        context, which every position has. Cost: one vectorised binary search per level.
        """
        query = np.asarray(query, dtype=np.int64)
        n = query.size
        V = self.vocab_size
        out = [np.zeros(n, dtype=np.int64)]
        # level 1: keys[1] is the sorted list of token ids that occur
        out.append(self.find(1, query))
        for k in range(2, max_k + 1):
            ids = np.full(n, -1, dtype=np.int64)
            m = n - k + 1
            if m > 0:
                prev = out[k - 1][:m]
                ok = prev >= 0
                key = np.where(ok, prev * V + query[k - 1 :], -1)
                found = self.find(k, key)
                ids[:m] = np.where(ok, found, -1)
            out.append(ids)
        return out

    def block(self, k: int, context_id: int) -> slice:
        """The slice of ``keys[k]`` holding all seen continuations ``h w`` of context ``h``.

        ``context_id`` is the id of ``h`` at level ``k - 1`` (0 for the empty context of level 1).
        """
        if k == 1:
            return slice(0, self.keys[1].size)
        lo, hi = np.searchsorted(
            self.keys[k], [context_id * self.vocab_size, (context_id + 1) * self.vocab_size]
        )
        return slice(int(lo), int(hi))

    def decode(self, k: int, ids: np.ndarray) -> np.ndarray:
        """Token ids of the given k-grams, shape ``(len(ids), k)``, following the prefix chain."""
        ids = np.asarray(ids, dtype=np.int64)
        out = np.empty((ids.size, k), dtype=np.int64)
        cur = ids
        for level in range(k, 0, -1):
            key = self.keys[level][cur]
            if level == 1:
                out[:, 0] = key
            else:
                out[:, level - 1] = key % self.vocab_size
                cur = key // self.vocab_size
        return out

    @property
    def nbytes(self) -> int:
        """Bytes held by the count arrays."""
        return int(sum(a.nbytes for lst in (self.keys, self.counts, self.continuation) for a in lst))
