"""The shipped models give the outputs recorded in ``tests/pinned/outputs.json`` on fixed inputs.

Pinned, from the files in ``pretrained/`` (CPU, 2 threads):

* ``charlm-shakespeare``: the natural-log probability of every next character of a fixed passage (forward
  pass, eval mode), and the text of ``generate_text`` from ``"ROMEO:"`` with greedy (and the chosen
  characters' probabilities), beam search (width 4, with its score) and sampling (temperature 0.8, seed 0);
* ``translator-en-fr``: three sentences translated with beam 5 and greedy: text, subwords, score, log-prob;
* ``captioner-flickr8k``: captions of ``astronaut.jpg`` and ``cat.jpg`` (``dashboard/assets/examples``) with
  the page's beam (width 3, 3-best list) and greedy settings: text, score, per-token log-probs, n-best list
  and the encoder's ImageNet top 5;
* ``ngram-shakespeare``: the log2 probability of every character of the passage at three orders/smoothings.

Strings (generated text, tokens) must be identical; floats agree to 1e-5 (the fast generation paths
may be rearranged, so bit-exactness is not required). The inputs and the code that computes every value
are in ``tests/pinned/record.py``, shared with this test; its ``_ngram_model`` helper holds the only
import of a non-public module path. ``python tests/pinned/record.py`` re-records ``outputs.json``: do
that only when a change of behaviour is intended, and say so in the commit message.
"""

import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PINNED = Path(__file__).resolve().parent / "pinned"
MODELS = ["charlm-shakespeare", "translator-en-fr", "captioner-flickr8k", "ngram-shakespeare"]
SHIPPED_FILE = {"ngram-shakespeare": "model.npz"}  # the others have a config.json
ABS_TOL = 1e-5


def _load_record():
    spec = importlib.util.spec_from_file_location("pinned_record", PINNED / "record.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def record():
    return _load_record()


@pytest.fixture(scope="module")
def recorded(record):
    data = json.loads((PINNED / "outputs.json").read_text(encoding="utf-8"))
    inputs = {"passage": record.PASSAGE, "sentences": record.SENTENCES, "images": record.IMAGES,
              "ngram_models": [[p, o] for p, o in record.NGRAM_MODELS]}
    assert data["inputs"] == inputs, "record.py's inputs changed without re-recording outputs.json"
    return data["outputs"]


def _assert_matches(actual, expected, where: str = "") -> None:
    """Same structure; strings, ints and bools equal; floats within ABS_TOL."""
    if isinstance(expected, dict):
        assert isinstance(actual, dict) and actual.keys() == expected.keys(), f"{where}: keys differ"
        for k in expected:
            _assert_matches(actual[k], expected[k], f"{where}.{k}")
    elif isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) == len(expected), \
            f"{where}: length {len(actual) if isinstance(actual, list) else actual!r} != {len(expected)}"
        for i, (a, e) in enumerate(zip(actual, expected)):
            _assert_matches(a, e, f"{where}[{i}]")
    elif isinstance(expected, float):
        assert isinstance(actual, (float, int)) and not isinstance(actual, bool), f"{where}: {actual!r} not a number"
        assert actual == pytest.approx(expected, abs=ABS_TOL, rel=0), f"{where}: {actual!r} != {expected!r}"
    else:
        assert type(actual) is type(expected) and actual == expected, f"{where}: {actual!r} != {expected!r}"


def _check(name: str, record, recorded) -> None:
    shipped = ROOT / "pretrained" / name / SHIPPED_FILE.get(name, "config.json")
    if not shipped.is_file():
        pytest.skip(f"pretrained/{name} not shipped")
    actual = json.loads(json.dumps(record.COMPUTE[name](ROOT)))  # tuples -> lists, as in the recording
    _assert_matches(actual, recorded[name], name)


def test_charlm_outputs_are_pinned(record, recorded):
    _check("charlm-shakespeare", record, recorded)


def test_translator_outputs_are_pinned(record, recorded):
    _check("translator-en-fr", record, recorded)


def test_captioner_outputs_are_pinned(record, recorded):
    _check("captioner-flickr8k", record, recorded)


def test_ngram_outputs_are_pinned(record, recorded):
    _check("ngram-shakespeare", record, recorded)


def test_every_shipped_model_is_pinned(recorded):
    assert sorted(recorded) == sorted(MODELS)
