"""Decoding strategies shared by every generator in RNN Lab: greedy, sampling and beam search.

Every generator (the char-level LM, the seq2seq translator, the image captioner) exposes the same
tiny interface, a *step* callable that consumes one token per batch row and returns the logits of
the next one (:mod:`engine.decoding.step`)::

    step(tokens: LongTensor (B,), state) -> (logits (B, V), new_state)
                                          | (logits (B, V), new_state, aux (B, ...))

``state`` is whatever the model carries between steps (an LSTM ``(h, c)`` tuple, a dict holding
the hidden state plus the encoder memory, ``None`` ...). The strategies here never look inside it
except to reorder its batch rows during beam search (:func:`index_state`). The optional third
element ``aux`` is a per-step auxiliary output, e.g. the translator's attention weights; it is
carried along with the tokens (along beam back-pointers in beam search) and returned with them.

Because each call consumes exactly one token, generating ``T`` tokens costs ``T`` step calls: a
recurrent model's cost per token is O(1) in the length of what has been generated so far.

Convention: the distribution over the token at output position ``t`` is produced by
``step(token at position t-1, state)``. Generation starts with ``start_tokens`` (``<s>``, or the
last character of a prompt whose earlier characters are already folded into ``state``).

One concept per module:

* :mod:`~engine.decoding.sampling`: :func:`filter_logits` (top-k / top-p truncation) and
  :func:`sample_next` (temperature; temperature 0 = argmax).
* :mod:`~engine.decoding.config`: :class:`DecodeConfig`, all knobs of a strategy, validated on
  construction; :func:`length_penalty_factor`.
* :mod:`~engine.decoding.constraints`: ``min_len`` and ``no_repeat_ngram``, shared by every method.
* :mod:`~engine.decoding.stream`: :func:`iter_generate`, greedy / sampling decoding as an iterator
  of :class:`StepResult` (stream it into a UI); :func:`iter_text` turns it into the generator of
  strings that ``st.write_stream`` wants; :func:`collect_steps` stacks the steps into a :class:`GenerateResult`.
* :mod:`~engine.decoding.beam`: :func:`beam_search`, batched, returning the n-best :class:`Hypothesis` per row.
* :mod:`~engine.decoding.decode`: :func:`generate`, the one-call entry point for all three methods.
* :mod:`~engine.decoding.state`: :func:`index_state` / :func:`expand_state` reorder / repeat the
  batch rows of a nested state.
* :mod:`~engine.decoding.results`: :class:`StepResult`, :class:`Hypothesis`, :class:`GenerateResult`.

Example (a toy bigram "model" whose state is unused)::

    >>> import torch
    >>> table = torch.log(torch.tensor([[0.1, 0.6, 0.3], [0.2, 0.2, 0.6], [0.5, 0.4, 0.1]]))
    >>> step = lambda tok, state: (table[tok], state)
    >>> res = generate(step, torch.tensor([0]), None, DecodeConfig("greedy", max_len=4))
    >>> res.tokens.tolist()
    [[1, 2, 0, 1]]
    >>> [h.tokens for h in beam_search(step, torch.tensor([0]), None, DecodeConfig("beam", beam_width=2,
    ...                                max_len=2))[0]]
    [[1, 2]]
"""

from engine.decoding.beam import beam_search
from engine.decoding.config import DecodeConfig, Method, length_penalty_factor
from engine.decoding.decode import generate
from engine.decoding.results import GenerateResult, Hypothesis, StepResult
from engine.decoding.sampling import filter_logits, sample_next
from engine.decoding.state import BatchDims, State, expand_state, index_state
from engine.decoding.step import StepFn
from engine.decoding.stream import collect_steps, iter_generate, iter_text

__all__ = [
    "BatchDims",
    "DecodeConfig",
    "GenerateResult",
    "Hypothesis",
    "Method",
    "State",
    "StepFn",
    "StepResult",
    "beam_search",
    "collect_steps",
    "expand_state",
    "filter_logits",
    "generate",
    "index_state",
    "iter_generate",
    "iter_text",
    "length_penalty_factor",
    "sample_next",
]
