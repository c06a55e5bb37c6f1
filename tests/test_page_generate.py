"""The "Generate text" page, driven with Streamlit's AppTest: model choice (session models and saved
runs), every decoding method, the next-character view, unknown prime characters, Korean."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from streamlit.testing.v1 import AppTest

import engine.lm.generate
from dashboard import i18n
from engine import CharLM, CharLMConfig, CharVocab, save_checkpoint

ROOT = Path(__file__).resolve().parents[1]

PAGE = ROOT / "dashboard" / "pages" / "generate_text.py"
P = "page.generate_text."


@pytest.fixture(autouse=True)
def runs_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("RNN_RUNS_DIR", str(tmp_path / "runs"))
    import dashboard.components.resources as resources
    import engine.train.checkpoint as ck

    monkeypatch.setattr(ck, "PRETRAINED_DIR", tmp_path / "no-pretrained")  # only the models made here
    resources.available_pretrained.clear()
    yield tmp_path / "runs"
    resources.available_pretrained.clear()


@pytest.fixture
def checkpoint(tmp_path: Path, tiny_text: str) -> Path:
    """An untrained tiny char-LM saved as a checkpoint folder (what a run's best/ holds)."""
    torch.manual_seed(0)
    vocab = CharVocab.from_text(tiny_text)
    model = CharLM(CharLMConfig(vocab_size=len(vocab), n_layer=1, n_hidden=16, n_embd=8, dropout=0.0), vocab)
    return save_checkpoint(tmp_path / "models" / "tiny" / "best", model,
                           meta={"provenance": {"corpus": "tiny"}, "step": 0, "best_val_loss": 3.0})


def _page(checkpoint: Path | None = None, lang: str = "en", **query: str) -> AppTest:
    at = AppTest.from_file(str(PAGE), default_timeout=60)
    at.session_state["lang"] = lang
    if checkpoint is not None:
        at.session_state["session_models"] = [{"id": "tiny-run", "path": str(checkpoint)}]
    at.query_params.update(query)
    return at.run()


def _ok(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def _generate(at: AppTest, method: str, **settings) -> AppTest:
    at.button_group(key="generate.method").set_value(method).run()
    for key, value in settings.items():
        widget = {"prime": at.text_area, "length": at.number_input, "seed": at.number_input}.get(key, at.slider)
        widget(key=f"generate.{key}").set_value(value)
    at.button(key="generate.go").click().run()
    _ok(at)
    return at


def _result(at: AppTest):
    return at.session_state["generate.result"]["gen"]


def _candidate_traces(at: AppTest) -> dict[str, dict]:
    (chart,) = at.get("plotly_chart")
    return {tr["name"]: tr for tr in json.loads(chart.proto.spec)["data"]}


def test_no_model_at_all_says_how_to_get_one() -> None:
    at = _page()
    _ok(at)
    assert i18n.t(P + "no_models", lang="en") in [e.value for e in at.info]


@pytest.mark.parametrize(
    ("method", "settings"),
    [("greedy", {}), ("sample", {"temperature": 1.2}), ("top_k", {"top_k": 2}), ("top_p", {"top_p": 0.1}),
     ("beam", {"beam_width": 3, "n_best": 3})],
)
def test_every_decoding_method_writes_text_and_shows_candidates(checkpoint: Path, method: str,
                                                                settings: dict) -> None:
    at = _generate(_page(checkpoint), method, prime="ANNA:", length=40, **settings)
    gen = _result(at)
    assert len(gen.text) == 40 and gen.prime == "ANNA:"
    assert any(code.value == "ANNA:" + gen.text for code in at.code)  # the output, prime first
    assert len(gen.candidates) == 40 and len(gen.candidates[0]) == 10
    traces = _candidate_traces(at)
    # the chosen character is highlighted when it is among the ten recorded candidates (sampling from an
    # untrained model may pick a less likely one)
    chosen_recorded = gen.text[0] in [c.char for c in gen.candidates[0]]
    assert (i18n.t(P + "next_chosen", lang="en") in traces) == chosen_recorded
    filtered = i18n.t(P + "next_filtered", lang="en")
    if method in ("top_k", "top_p"):
        assert filtered in traces  # candidates the filter removed are drawn differently
    if method == "top_k":
        assert all(sum(c.kept for c in cands) == 2 for cands in gen.candidates)
    if method == "beam":
        assert len(gen.n_best) == 3
        _assert_n_best_readable(at, [text for text, _ in gen.n_best])
    if method == "greedy":
        assert all(cands[0].char == ch for cands, ch in zip(gen.candidates, gen.text))
    # "after temperature" only where there is one: greedy decoding and beam search use none
    captions = [c.value for c in at.caption]
    if method in ("greedy", "beam"):
        assert any(_fills(P + "next_caption", c) for c in captions)
        assert not any(_fills(P + "next_caption_temperature", c) for c in captions)
    else:
        assert any(_fills(P + "next_caption_temperature", c, temperature=f"{settings.get('temperature', 0.8):g}")
                   for c in captions)


def _fills(key: str, text: str, **fixed: str) -> bool:
    """``text`` is the English template ``key`` with any values in its placeholders (``fixed`` ones as given)."""
    import re

    names = i18n.placeholders(i18n.STRINGS[key]["en"])
    marks = {n: fixed.get(n, f"\x00{n}\x00") for n in names}
    pattern = re.escape(i18n.t(key, lang="en", **marks))
    for n in names:
        pattern = pattern.replace(re.escape(f"\x00{n}\x00"), ".+?")
    return re.fullmatch(pattern, text) is not None


def _assert_n_best_readable(at: AppTest, texts: list[str]) -> None:
    """Issue 16 bug 4: the n-best list is a static table (it wraps text), not a dataframe (it cut the text
    at the column width, so beam candidates sharing a long start looked identical)."""
    assert not at.dataframe
    (table,) = at.table
    shown = list(table.value[i18n.t(P + "col.text", lang="en")])
    assert len(shown) == len(texts) and len(set(shown)) == len(set(texts))  # as many distinct rows as candidates
    from dashboard.components.candidates import aligned_excerpts

    assert shown == aligned_excerpts(texts)  # each from just before the candidates part


def test_beam_candidates_that_share_a_long_start_are_told_apart(checkpoint: Path) -> None:
    at = _generate(_page(checkpoint), "beam", prime="ANNA:", length=300, beam_width=4, n_best=4)
    texts = [text for text, _ in _result(at).n_best]
    _assert_n_best_readable(at, texts)
    from dashboard.components.candidates import CONTEXT_CHARS, parting_point

    start = max(0, parting_point(texts) - CONTEXT_CHARS)
    shown = list(at.table[0].value[i18n.t(P + "col.text", lang="en")])
    for text, cell in zip(texts, shown):  # the part where they differ is in every cell
        assert cell.lstrip("…").startswith(text[start : start + 20].replace("\n", " ⏎ ")[:10])


def test_moving_through_positions_does_not_generate_again(checkpoint: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    original = engine.lm.generate.stream_text

    def counting(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(engine.lm.generate, "stream_text", counting)
    at = _generate(_page(checkpoint), "sample", length=30)
    assert len(calls) == 1
    gen = _result(at)
    at.slider(key="generate.position").set_value(17).run()
    _ok(at)
    assert len(calls) == 1 and _result(at).text == gen.text
    (chart,) = at.get("plotly_chart")
    assert "17" in json.loads(chart.proto.spec)["layout"]["title"]["text"]


def test_prime_with_unknown_characters_is_a_warning(checkpoint: Path) -> None:
    at = _generate(_page(checkpoint), "greedy", prime="ANNA 🙂 Ω:", length=10)
    gen = _result(at)
    assert gen.unknown_chars == ["🙂", "Ω"] and len(gen.text) == 10
    (warning,) = at.warning
    assert "🙂" in warning.value and "Ω" in warning.value


def test_empty_prime_works(checkpoint: Path) -> None:
    at = _generate(_page(checkpoint), "sample", prime="", length=15)
    assert len(_result(at).text) == 15 and not at.warning


def _run_folder(runs_dir: Path, run_id: str, checkpoint: Path, key: str | None) -> Path:
    """A run folder as the Train page leaves it: run.json (with the owner key's hash) and a best/ checkpoint."""
    import shutil

    from engine.train.live import owner_hash

    run_dir = runs_dir / run_id
    shutil.copytree(checkpoint, run_dir / "best")
    (run_dir / "run.json").write_text(json.dumps({} if key is None else {"owner_sha256": owner_hash(key)}))
    return run_dir


@pytest.mark.hardening
def test_this_sessions_saved_runs_are_offered_and_no_one_elses(runs_dir: Path, checkpoint: Path) -> None:
    # issue 15: every visitor saw (and could use) every saved run in this list
    mine = _run_folder(runs_dir, "20250101-000000-aaaaaa", checkpoint, key="my-key")
    _run_folder(runs_dir, "20250102-000000-bbbbbb", checkpoint, key="their-key")  # another session's, newer
    _run_folder(runs_dir, "20250103-000000-cccccc", checkpoint, key=None)  # from before runs had owners
    at = AppTest.from_file(str(PAGE), default_timeout=60)
    at.session_state["lang"] = "en"
    at.session_state["run_owner_keys"] = {mine.name: "my-key", "20250103-000000-cccccc": "my-key"}
    at.run()
    _ok(at)
    (box,) = at.selectbox
    assert box.options == [i18n.t(P + "model_saved", lang="en", run=mine.name)]
    assert box.value == f"path:{mine / 'best'}"
    _generate(at, "greedy", length=5)
    assert len(_result(at).text) == 5

    stranger = _page()  # another session: none of these runs is its own
    _ok(stranger)
    assert not stranger.selectbox
    assert i18n.t(P + "no_models", lang="en") in [e.value for e in stranger.info]
    wrong = AppTest.from_file(str(PAGE), default_timeout=60)
    wrong.session_state["lang"] = "en"
    wrong.session_state["run_owner_keys"] = {mine.name: "their-key"}  # a key that does not open the run
    wrong.run()
    assert i18n.t(P + "no_models", lang="en") in [e.value for e in wrong.info]


def test_a_run_trained_in_one_session_is_listed_there_only(tiny_text: str, runs_dir: Path) -> None:
    """End to end through the app: session A trains a run on the Train page, then finds it on the Generate
    page; session B, opening the Generate page with A's run on the server, does not."""
    from engine.train.live import ACTIVE, LiveRun

    app = str(ROOT / "streamlit_app.py")
    train_page = str(ROOT / "dashboard" / "pages" / "train_char_lstm.py")
    a = AppTest.from_file(app, default_timeout=60)
    a.session_state["lang"] = "en"
    a.run()
    a.switch_page(train_page).run()
    a.radio(key="train.source").set_value("paste").run()
    a.text_area(key="train.paste").input(tiny_text)
    for key, value in (("layers", 1), ("hidden", 16), ("embd", 8), ("seq_len", 16), ("batch", 4)):
        a.select_slider(key=f"train.{key}").set_value(value)
    for key, value in (("max_steps", 10), ("eval_every", 5), ("sample_every", 0)):
        a.number_input(key=f"train.{key}").set_value(value)
    a.run()
    a.button(key="train.start").click().run()
    run_id = a.session_state["train.current_run"]
    run = LiveRun.open(runs_dir / run_id)
    try:
        assert _wait_done(run)
    finally:
        run.stop(wait=30)
        ACTIVE.clear()
    a.switch_page(str(PAGE)).run()
    _ok(a)
    assert a.selectbox(key="generate.model").options == [i18n.t(P + "model_saved", lang="en", run=run_id)]

    b = AppTest.from_file(app, default_timeout=60)
    b.session_state["lang"] = "en"
    b.run()
    b.switch_page(str(PAGE)).run()
    _ok(b)
    assert not b.selectbox and i18n.t(P + "no_models", lang="en") in [e.value for e in b.info]


def _wait_done(run, timeout: float = 120.0) -> bool:
    import time

    end = time.time() + timeout
    while time.time() < end:
        if not run.is_alive and run.checkpoint("best") is not None:
            return True
        time.sleep(0.05)
    return False


def test_korean_page_renders(checkpoint: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(i18n, "_fallback_lang", "ko")  # AppTest formats option labels outside the script run
    at = _page(checkpoint, lang="ko")
    _ok(at)
    assert at.title[0].value.endswith(i18n.t(P + "title", lang="ko"))
    _generate(at, "beam", prime="ANNA😀", length=20, beam_width=2, n_best=2)
    assert i18n.t(P + "n_best_header", lang="ko") in [m.value.strip("*") for m in at.markdown]
    assert "😀" in at.warning[0].value


def test_only_char_lms_are_offered(tmp_path: Path, checkpoint: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Shipped translators, captioners and n-grams, and app runs of other kinds, are not char-LMs to generate with."""
    import shutil

    import dashboard.components.resources as resources
    import engine.train.checkpoint as ck

    shelf = tmp_path / "shelf"
    shutil.copytree(checkpoint, shelf / "mini-charlm")
    for name, kind in [("a-translator", "translator"), ("a-captioner", "captioner")]:
        (shelf / name).mkdir(parents=True)
        (shelf / name / "config.json").write_text(json.dumps({"kind": kind, "config": {}}))
    monkeypatch.setattr(ck, "PRETRAINED_DIR", shelf)
    resources.available_pretrained.clear()
    other = tmp_path / "runs-elsewhere" / "captioner-run" / "best"
    other.mkdir(parents=True)
    (other / "config.json").write_text(json.dumps({"kind": "captioner", "config": {}}))
    at = AppTest.from_file(str(PAGE), default_timeout=60)
    at.session_state["lang"] = "en"
    at.session_state["session_models"] = [{"id": "cap", "path": str(other)},
                                          {"id": "tiny-run", "path": str(checkpoint)}]
    at.run()
    _ok(at)
    (box,) = at.selectbox
    assert box.options and set(box.options) == {i18n.t(P + "model_pretrained", lang="en", name="mini-charlm"),
                                                i18n.t(P + "model_session", lang="en", run="tiny-run")}
    _generate(at, "greedy", length=5)


def test_the_repository_pretrained_folder_works(monkeypatch: pytest.MonkeyPatch) -> None:
    """With the models this repository ships (char-LM or not yet), the page runs: no other kind is picked."""
    import dashboard.components.resources as resources
    import engine.train.checkpoint as ck

    monkeypatch.setattr(ck, "PRETRAINED_DIR", ROOT / "pretrained")
    resources.available_pretrained.clear()
    at = _page()
    _ok(at)
    if at.selectbox:
        assert at.selectbox[0].value == "pretrained:charlm-shakespeare"
    else:
        assert i18n.t(P + "no_models", lang="en") in [e.value for e in at.info]


def test_a_prime_longer_than_the_cap_is_cut_with_a_message(checkpoint: Path) -> None:
    from engine.lm.generate import MAX_PRIME_CHARS

    at = _page(checkpoint)
    assert at.text_area(key="generate.prime").proto.max_chars == MAX_PRIME_CHARS  # the browser stops typing there
    assert not at.warning
    long = "ANNA: the king is dead.\n" * (MAX_PRIME_CHARS // 24 + 100)  # a pasted 22,000-character text
    _generate(at, "greedy", prime=long, length=5)
    gen = _result(at)
    assert gen.prime == long[:MAX_PRIME_CHARS] and len(gen.text) == 5  # cut, not refused
    assert [w.value for w in at.warning] == [i18n.t(P + "prime_at_cap", lang="en", max=f"{MAX_PRIME_CHARS:,}")]


# ---------------------------------------------------------------------------------------------- issue 16
@pytest.mark.parametrize("lang", ["en", "ko"])
def test_model_caption_states_the_vocabulary_once_and_separates_thousands(tmp_path: Path, tiny_text: str,
                                                                          lang: str) -> None:
    """Bug 7: one meaning of "vocabulary" (characters + the unknown symbol = outputs); bug 11: "11,500", and
    the corpus by its name, not its id."""
    from engine.metrics import VocabSize

    vocab = CharVocab.from_text(tiny_text)
    model = CharLM(CharLMConfig(vocab_size=len(vocab), n_layer=1, n_hidden=16, n_embd=8), vocab)
    path = save_checkpoint(tmp_path / "m" / "best", model,
                           meta={"provenance": {"corpus": "tinyshakespeare"}, "step": 11500, "best_val_loss": 1.4})
    at = _page(path, lang=lang)
    _ok(at)
    i18n.set_lang(lang)
    try:
        size = VocabSize.of_text(tiny_text)
        info = next(c.value for c in at.caption if "11,500" in c.value)
        assert i18n.t("vocab.size", chars=size.characters, outputs=size.outputs) in info
        assert size.outputs == len(vocab) == model.config.vocab_size
        assert i18n.t("corpus.tinyshakespeare") in info and "tinyshakespeare" not in info.replace(" ", "")
    finally:
        i18n.set_lang("en")


def test_long_output_counts_its_characters_with_a_separator(checkpoint: Path) -> None:
    at = _generate(_page(checkpoint), "greedy", prime="", length=1500)
    assert any("1,500" in c.value for c in at.caption) and not any("1500 " in c.value for c in at.caption)


# ------------------------------------------------------------------------------------------- URL
@pytest.mark.parametrize("lang", ["en", "ko"])
def test_a_teachers_link_opens_the_page_as_set(checkpoint: Path, lang: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(i18n, "_fallback_lang", lang)  # AppTest formats option labels outside the script run
    at = _page(checkpoint, lang, prime="ANNA:", method="top_p", temperature="0.6", seed="7", top_p="0.5", length="40")
    _ok(at)
    assert at.text_area(key="generate.prime").value == "ANNA:"
    assert at.button_group(key="generate.method").value == "top_p"
    assert at.slider(key="generate.temperature").value == 0.6 and at.slider(key="generate.top_p").value == 0.5
    assert at.number_input(key="generate.seed").value == 7 and at.number_input(key="generate.length").value == 40
    at.button(key="generate.go").click().run()
    _ok(at)
    gen = _result(at)
    from engine.train.checkpoint import load_model

    with_link = engine.lm.generate.generate_text(load_model(checkpoint), prime="ANNA:", length=40, method="sample",
                                                 temperature=0.6, top_p=0.5, seed=7)
    assert gen.text == with_link.text  # the same text the teacher saw
    assert at.query_params["seed"] == "7" and at.query_params["method"] == "top_p"


def test_hostile_url_values_are_clamped_or_ignored(checkpoint: Path) -> None:
    at = _page(checkpoint, method="rm -rf", temperature="1e9", seed="-5", length="nan", top_k="999",
               beam_width="0", n_best="400", prime="x" * 30_000)
    _ok(at)
    assert at.button_group(key="generate.method").value == "sample"
    assert at.slider(key="generate.temperature").value == 2.0
    assert at.number_input(key="generate.seed").value == 0 and at.number_input(key="generate.length").value == 300
    assert len(at.text_area(key="generate.prime").value) == engine.lm.generate.MAX_PRIME_CHARS
    at.button_group(key="generate.method").set_value("top_k").run()
    _ok(at)
    vocab = at.session_state["generate.top_k"]
    assert at.slider(key="generate.top_k").value == vocab == at.slider(key="generate.top_k").max  # cut to the model's
    at.button_group(key="generate.method").set_value("beam").run()
    _ok(at)
    assert at.slider(key="generate.beam_width").value == 1 and not any(s.key == "generate.n_best" for s in at.slider)


def test_settings_go_into_the_url_and_back_restores_them(checkpoint: Path) -> None:
    at = _page(checkpoint)
    assert not {k for k in at.query_params if k != "lang"}  # the default page: a clean address
    at.button_group(key="generate.method").set_value("greedy").run()
    at.number_input(key="generate.seed").set_value(3).run()
    assert at.query_params["method"] == "greedy" and at.query_params["seed"] == "3"
    del at.query_params["seed"]  # Back
    at.run()
    _ok(at)
    assert at.number_input(key="generate.seed").value == 0 and at.button_group(key="generate.method").value == "greedy"


def test_streamed_text_comes_in_a_few_pieces() -> None:
    import doctest

    from dashboard.components import text_stream

    assert doctest.testmod(text_stream).failed == 0
    pieces = list(text_stream.timed_chunks("", iter("x" * 300), every_s=60.0))
    assert pieces == ["", "x" * 300]  # made within the interval: one message, not one per character
