"""The "Translate" page, driven with Streamlit's AppTest, with tiny untrained translators (attention and
fixed-vector) saved as shipped models or session checkpoints; plus its chart functions, the recorded-results
reader and the engine's typed notes. No data directory, no network, a few seconds."""

from __future__ import annotations

import json
import pickle
import random
from pathlib import Path

import pytest
import torch
from streamlit.testing.v1 import AppTest

from dashboard import i18n
from dashboard.components import charts_translate
from dashboard.components import translation as tx
from engine.cli.translator import DRY_RUN_PAIRS
from engine.data.parallel import SubwordTokenizer
from engine.seq2seq.evaluate import recorded_scores, score_corpus
from engine.seq2seq.model import Translator, TranslatorConfig
from engine.seq2seq.text import Note
from engine.train.checkpoint import save_checkpoint

ROOT = Path(__file__).resolve().parents[1]

PAGE = ROOT / "dashboard" / "pages" / "translate.py"
P = "page.translate."


def _en(key: str, **fmt) -> str:
    return i18n.t(P + key, lang="en", **fmt)


def _eval_result(bleu_shift: float = 0.0) -> dict:
    """What ``python -m engine eval-translator --json`` prints (a real sacrebleu result on made-up text)."""
    sources = ["I see.", "We eat the bread now.", "They want a book and the cat.",
               "You see the dog and the house and the cat and the apple today.",
               "I want the bread and the apple and the book and the cat and the dog and a house."]
    refs = [["Je vois."], ["Nous mangeons le pain."], ["Ils veulent un livre."], ["Vous voyez le chien."],
            ["Je veux le pain."]]
    hyps = ["Je vois.", "Nous mangeons le pain maintenant.", "Ils veulent un livre et le chat.",
            "Vous voyez le chat.", "Je veux la maison."]
    scores = score_corpus(hyps, refs, sources)
    scores.method, scores.beam_width = "beam", 5
    d = {"model": "translator-en-fr", "corpus": "tatoeba-fra-eng", "split": "test", "direction": "en-fr",
         **scores.to_dict()}
    d["bleu"] += bleu_shift
    return d


@pytest.fixture(scope="module")
def tokenizer() -> SubwordTokenizer:
    rng = random.Random(0)
    extra = [f"I have {rng.randint(0, 999)} apples and {rng.randint(0, 99)} pears." for _ in range(40)]
    return SubwordTokenizer.train([s for pair in DRY_RUN_PAIRS for s in pair] + extra, vocab_size=400)


def _tiny(tokenizer: SubwordTokenizer, attention: str) -> Translator:
    torch.manual_seed(0)
    cfg = TranslatorConfig(vocab_size=len(tokenizer), n_embd=16, enc_hidden=8, enc_layers=1, dec_hidden=16,
                           attn_dim=8, dropout=0.0, attention=attention)
    return Translator(cfg, tokenizer).eval()


@pytest.fixture(scope="module")
def models(tokenizer, tmp_path_factory) -> dict[str, Path]:
    """Checkpoint folders: the attention model records its eval in config.json (``export --metrics``),
    the fixed-vector one in a metrics.json beside it; ``bare`` has no results at all."""
    root = tmp_path_factory.mktemp("translators")
    att = save_checkpoint(root / "att" / tx.ATTENTION_MODEL, _tiny(tokenizer, "general"),
                          meta={"metrics": _eval_result(), "step": 12, "best_val_loss": 5.5})
    fixed = save_checkpoint(root / "fixed" / tx.FIXED_MODEL, _tiny(tokenizer, "none"), meta={"step": 12})
    (fixed / "metrics.json").write_text(json.dumps({"test": _eval_result(-10.0)}))
    bare = save_checkpoint(root / "bare" / "best", _tiny(tokenizer, "additive"))
    return {"att": att, "fixed": fixed, "bare": bare}


@pytest.fixture
def shipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """``install(*folders)``: make checkpoint folders the page's shipped models (``pretrained/<name>``)."""
    import dashboard.components.resources as resources
    import engine.train.checkpoint as ck

    monkeypatch.setenv("RNN_RUNS_DIR", str(tmp_path / "runs"))
    pretrained = tmp_path / "pretrained"
    pretrained.mkdir()
    monkeypatch.setattr(ck, "PRETRAINED_DIR", pretrained)

    def install(*folders: Path) -> Path:
        for folder in folders:
            (pretrained / folder.name).symlink_to(folder, target_is_directory=True)
        return pretrained

    resources.available_pretrained.clear()
    resources.get_pretrained.clear()
    yield install
    resources.available_pretrained.clear()
    resources.get_pretrained.clear()


def _page(lang: str = "en", session_models: list | None = None, **query: str) -> AppTest:
    at = AppTest.from_file(str(PAGE), default_timeout=60)
    at.session_state["lang"] = lang
    if session_models:
        at.session_state["session_models"] = session_models
    at.query_params.update(query)
    return at.run()


def _ok(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def _translate(at: AppTest, text: str, method: str = "beam", **settings) -> AppTest:
    at.text_area(key="translate.text").set_value(text)
    at.button_group(key="translate.method").set_value(method).run()
    for key, value in settings.items():
        at.slider(key=f"translate.{key}").set_value(value)
    at.button(key="translate.go").click().run()
    _ok(at)
    return at


def _charts(at: AppTest) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def _heatmap(at: AppTest) -> dict:
    (fig,) = [f for f in _charts(at) if f["data"][0]["type"] == "heatmap"]
    return fig


def _infos(at: AppTest) -> list[str]:
    return [e.value for e in at.info]


# ---------------------------------------------------------------------------------------------- no model
def test_no_translator_says_so_and_gives_the_commands(shipped) -> None:
    shipped()
    at = _page()
    _ok(at)
    assert _en("no_translator") in _infos(at)
    code = "\n".join(c.value for c in at.code)
    assert "python -m engine train translator" in code and "eval-translator" in code
    assert f"export ~/rnnlab-runs/{tx.ATTENTION_MODEL}/best pretrained/{tx.ATTENTION_MODEL} --metrics" in code
    assert not at.button  # nothing to press


def test_only_a_fixed_vector_model_is_not_enough(shipped, models) -> None:
    shipped(models["fixed"])
    at = _page()
    _ok(at)
    assert _en("no_translator") in _infos(at)
    assert any(tx.FIXED_MODEL in c.value for c in at.caption)


# ---------------------------------------------------------------------------------------------- translating
@pytest.mark.parametrize(("method", "settings"), [("greedy", {}), ("beam", {"beam_width": 3, "n_best": 3})])
def test_translate_shows_french_n_best_subwords_heatmap_and_fixed_vector_view(shipped, models, method,
                                                                              settings) -> None:
    shipped(models["att"], models["fixed"])
    at = _page()
    _ok(at)
    assert at.selectbox(key="translate.model").value == f"pretrained:{tx.ATTENTION_MODEL}"
    assert at.selectbox(key="translate.fixed_model").value == f"pretrained:{tx.FIXED_MODEL}"
    at = _translate(at, "I see the cat.", method, **settings)
    result = at.session_state["translate.result"]
    (main,) = result["main"]["results"]
    assert main.pieces and main.source_pieces[-1] == "</s>"
    assert len(main.n_best) == (3 if method == "beam" else 1)
    assert any(c.value == (main.text or "—") for c in at.code)  # the French output
    # n-best table, then the comparison table (attention vs fixed vector): static tables, which wrap their text
    assert not at.dataframe
    nbest, compare = at.table
    assert len(nbest.value) == len(main.n_best)
    assert list(nbest.value[_en("col.translation")]) == [c.text for c in main.n_best]  # whole, never cut
    (fixed,) = result["fixed"]["results"]
    row = compare.value.iloc[0].tolist()
    assert row[0] == "I see the cat." and row[3] == (fixed.text or "—") and row[2] == (main.text or "—")
    # sentencepiece segmentation of both sides
    assert " ".join(main.source_pieces) in [c.value for c in at.code]
    assert " ".join(main.pieces) in [c.value for c in at.code]
    # the heatmap: target rows x source columns, pieces on the axes, hover says where each piece looked
    fig = _heatmap(at)
    z = fig["data"][0]["z"]
    assert len(z) == len(main.pieces) and len(z[0]) == len(main.source_pieces)
    assert fig["layout"]["xaxis"]["ticktext"] == _escaped(main.source_pieces)
    assert fig["layout"]["yaxis"]["ticktext"] == _escaped(main.pieces)
    hover = fig["data"][0]["hovertext"][0][0]
    assert main.pieces[0] in hover and main.source_pieces[0] in hover
    # the measured BLEU by length of both models, from what they carry (config.json and metrics.json)
    bars = [f for f in _charts(at) if f["data"][0]["type"] == "bar"]
    assert len(bars) == 1 and len(bars[0]["data"]) == 2
    assert "translate.sentence" not in [box.key for box in at.selectbox]  # one sentence: nothing to pick


def test_several_sentences_pick_the_heatmap_without_translating_again(shipped, models, monkeypatch) -> None:
    shipped(models["att"], models["fixed"])
    calls = []
    original = Translator.translate

    def counting(self, *args, **kwargs):
        calls.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Translator, "translate", counting)
    at = _translate(_page(), "I see the cat.\n\nWe want a house and the bread and the apple.", "greedy")
    assert len(calls) == 2  # the attention model and the fixed-vector model, once each
    box = at.selectbox(key="translate.sentence")
    assert len(box.options) == 2
    first = _heatmap(at)["layout"]["yaxis"]["ticktext"]
    box.set_value(1).run()
    _ok(at)
    assert len(calls) == 2
    views = tx.sentence_views(at.session_state["translate.result"]["main"]["results"])
    assert _heatmap(at)["layout"]["xaxis"]["ticktext"] == _escaped(views[1].source_pieces)
    assert _escaped(views[0].pieces) == first


def test_empty_input_shows_a_message(shipped, models) -> None:
    shipped(models["att"], models["fixed"])
    at = _translate(_page(), "  \n \n")
    assert _en("empty") in _infos(at)
    assert "translate.result" not in at.session_state
    assert not at.get("plotly_chart") or all(f["data"][0]["type"] == "bar" for f in _charts(at))


def test_unknown_characters_numbers_and_case_are_answered_with_notes(shipped, models) -> None:
    shipped(models["att"], models["fixed"])
    at = _translate(_page(), "I love 🍕 and 42 apples ✓\nWE WANT THE BREAD NOW\n🍕🍕")
    results = at.session_state["translate.result"]["main"]["results"]
    assert len(results) == 3 and results[0].pieces and results[2].text == ""
    infos = _infos(at)
    assert any("🍕" in i and i.startswith("Line 1") for i in infos)  # the note names the removed characters
    assert any(_en("note.all_caps") in i for i in infos) and results[1].text == results[1].text.upper()
    # a line of nothing but characters the model never saw is refused with a warning, not translated
    assert [n.code for n in results[2].notes] == ["unknown_script"]
    assert any(w.value.startswith("Line 3") and "🍕" in w.value for w in at.warning)
    assert "—" in at.code[0].value  # the line with nothing left is shown as such


def test_very_long_input_is_split_and_capped_with_a_note(shipped, models) -> None:
    shipped(models["att"], models["fixed"])
    at = _translate(_page(), "We eat the bread. " * 60, "beam", beam_width=2, n_best=1)
    (main,) = at.session_state["translate.result"]["main"]["results"]
    assert len(main.segments) == 20
    infos = _infos(at)
    assert _en("note.split", n=60) in infos and _en("note.max_sentences", max=20, n=60) in infos
    assert len(at.selectbox(key="translate.sentence").options) == 20
    assert _heatmap(at)


def test_attention_model_alone_says_the_fixed_vector_model_is_missing(shipped, models) -> None:
    shipped(models["att"])
    at = _translate(_page(), "We see a book.", "greedy")
    assert _en("fixed_missing", name=tx.FIXED_MODEL) in _infos(at)
    assert any("--attention none" in c.value and tx.FIXED_MODEL in c.value for c in at.code)
    bars = [f for f in _charts(at) if f["data"][0]["type"] == "bar"]
    assert len(bars) == 1 and len(bars[0]["data"]) == 1  # only the attention model's measured scores
    assert len(at.table) == 1 and not at.dataframe  # the n-best list; no comparison table


def test_session_checkpoint_without_results_says_there_are_no_scores(shipped, models) -> None:
    shipped()
    at = _page(session_models=[{"id": "my-run", "path": str(models["bare"])}])
    _ok(at)
    assert at.selectbox(key="translate.model").value == f"path:{models['bare']}"
    assert _en("scores_missing") in _infos(at)
    _translate(at, "They eat the apple.", "greedy")
    assert _heatmap(at)


def test_korean_page_renders(shipped, models, monkeypatch) -> None:
    monkeypatch.setattr(i18n, "_fallback_lang", "ko")  # AppTest formats option labels outside the script run
    shipped(models["att"], models["fixed"])
    at = _page(lang="ko")
    _ok(at)
    assert at.title[0].value.endswith(i18n.t(P + "title", lang="ko"))
    at = _translate(at, "I see the cat. 🙂\nWe eat.", "beam", beam_width=2, n_best=2)
    assert any(i18n.t(P + "n_best_header", lang="ko") in m.value for m in at.markdown)
    assert any("🙂" in i and "1번째 줄" in i for i in _infos(at))
    assert _heatmap(at)["layout"]["title"]["text"] == i18n.t(P + "heatmap_title", lang="ko")


# ---------------------------------------------------------------------------------------------- pure parts
def _escaped(pieces) -> list[str]:
    import html

    return [html.escape(p, quote=False) for p in pieces]


def test_attention_figure_positions_pieces_and_hover() -> None:
    src, tgt = ["▁the", "▁cat", "▁the", "</s>"], ["▁le", "▁chat", "</s>"]
    att = [[0.7, 0.1, 0.1, 0.1], [0.05, 0.9, 0.03, 0.02], [0.0, 0.0, 0.0, 1.0]]
    fig = charts_translate.attention_figure(src, tgt, torch.tensor(att).tolist())
    heat = fig.data[0]
    assert list(heat.x) == [0, 1, 2, 3] and list(heat.y) == [0, 1, 2]  # positions: "▁the" twice stays twice
    # plotly reads labels as HTML: "</s>" is escaped, or it would be taken for a tag and break the layout
    assert list(fig.layout.xaxis.ticktext) == _escaped(src) and list(fig.layout.yaxis.ticktext) == _escaped(tgt)
    assert fig.layout.xaxis.ticktext[-1] == "&lt;/s&gt;"
    assert "“▁chat”" in heat.hovertext[1][1] and "“▁cat”" in heat.hovertext[1][1] and "0.90" in heat.hovertext[1][1]
    assert heat.hovertext[1][0].endswith("most: ▁cat 0.90, ▁the 0.05, ▁the 0.03")
    assert fig.layout.yaxis.range == (2.5, -0.5)  # first target piece on top
    with pytest.raises(ValueError, match="expected 3x4"):
        charts_translate.attention_figure(src, tgt, att[:2])


def test_bleu_by_length_figure_orders_buckets_and_skips_missing_ones() -> None:
    att = charts_translate.BleuSeries("attention", [
        {"bucket": "16+", "sentences": 40, "bleu": 20.0}, {"bucket": "1-5", "sentences": 500, "bleu": 50.0},
        {"bucket": "6-10", "sentences": 300, "bleu": 40.0}, {"bucket": "11-15", "sentences": 0, "bleu": None}])
    fixed = charts_translate.BleuSeries("fixed", [
        {"bucket": "1-5", "sentences": 500, "bleu": 45.0}, {"bucket": "16+", "sentences": 40, "bleu": 3.5}],
        charts_translate.FIXED_COLOR)
    fig = charts_translate.bleu_by_length_figure([att, fixed], title="T", x_title="words", y_title="BLEU",
                                                 hover="{model} {bleu} {n}")
    a, f = fig.data
    assert list(a.x) == ["1-5", "6-10", "16+"] and list(a.y) == [50.0, 40.0, 20.0]
    assert list(f.x) == ["1-5", "16+"] and f.marker.color == charts_translate.FIXED_COLOR
    assert list(fig.layout.xaxis.categoryarray) == ["1-5", "6-10", "16+"]
    assert f.hovertext[1] == "fixed 3.5 40" and a.hovertext[0] == "attention 50.0 500"


def test_recorded_scores_read_what_eval_and_export_write(tmp_path: Path) -> None:
    assert recorded_scores({}) is None and recorded_scores(None, tmp_path) is None
    val = {**_eval_result(), "split": "val", "bleu": 1.0}
    got = recorded_scores({"metrics": [val, _eval_result()]})  # test split preferred
    assert got["split"] == "test" and got["where"] == "config.json" and got["bleu"] == _eval_result()["bleu"]
    assert [b["bucket"] for b in got["buckets"]] == ["1-5", "6-10", "11-15", "16+"]
    assert got["buckets"][2]["bleu"] is not None and got["buckets"][0]["sentences"] == 2
    (tmp_path / "metrics.json").write_text(json.dumps({"beam": _eval_result(3.0)}))
    from_file = recorded_scores({"metrics": {"bleu_by_hand": 12}}, tmp_path)
    assert from_file["where"] == "metrics.json" and from_file["bleu"] == _eval_result()["bleu"] + 3.0
    # a card's ablation rows are other models' results: never taken for this model's, however preferred
    own = {**_eval_result(), "method": "greedy"}
    (tmp_path / "metrics.json").write_text(json.dumps({"greedy": own, "ablation": {"beam": _eval_result(9.0)}}))
    got = recorded_scores({}, tmp_path)
    assert got["method"] == "greedy" and got["bleu"] == own["bleu"]
    (tmp_path / "metrics.json").write_text("not json")
    assert recorded_scores({}, tmp_path) is None


def test_page_reads_what_eval_translator_and_export_write(tokenizer, tmp_path: Path, capsys) -> None:
    """The real chain: ``eval-translator --json > eval.json``, ``export CKPT OUT --metrics eval.json``, page."""
    from engine.cli import main
    from engine.train.checkpoint import load_pretrained

    meta = {"provenance": {"corpus": "built-in dry-run pairs"},
            "data": {"direction": "en-fr", "val_fraction": 0.2, "test_fraction": 0.2}}
    run = save_checkpoint(tmp_path / "run" / "best", _tiny(tokenizer, "none"), meta=meta)
    capsys.readouterr()
    assert main(["eval-translator", "--model", str(run), "--json", "--method", "greedy", "--limit", "6"]) == 0
    (tmp_path / "eval.json").write_text(capsys.readouterr().out)
    assert main(["export", str(run), str(tmp_path / "shipped"), "--metrics", str(tmp_path / "eval.json")]) == 0
    scores = tx.model_scores(load_pretrained(tmp_path / "shipped"))
    assert scores["where"] == "config.json" and scores["split"] == "test" and scores["method"] == "greedy"
    assert scores["sentences"] == 6 and [b["bucket"] for b in scores["buckets"]] == ["1-5", "6-10", "11-15", "16+"]


def test_engine_notes_are_typed_and_shown_in_both_languages(tokenizer) -> None:
    m = _tiny(tokenizer, "general")
    out = m.translate(["", "I love 🍕.", "WE SEE THE CAT", "We eat. " * 30])
    codes = [[n.code for n in r.notes] for r in out]
    assert codes == [["empty"], ["unseen"], ["all_caps"], ["split", "max_sentences"]]
    note = out[1].notes[0]
    assert isinstance(note, str) and "never seen" in note and note.values == {"chars": "🍕"}
    again = pickle.loads(pickle.dumps(note))
    assert again == note and again.code == "unseen" and again.values == note.values
    assert tx.note_text(note) == _en("note.unseen", chars="🍕")
    assert tx.note_text(note) != i18n.t(P + "note.unseen", lang="ko", chars="🍕")
    assert "🍕" in i18n.t(P + "note.unseen", lang="ko", chars="🍕")
    assert tx.note_text("a plain engine note") == "a plain engine note"
    assert tx.note_text(Note("new_code", "text the page does not know")) == "text the page does not know"


def test_split_input_caps_lines_and_characters() -> None:
    lines, notes = tx.split_input(" a \n\n b\n")
    assert lines == ["a", "b"] and notes == []
    lines, notes = tx.split_input("\n".join(f"s{i}" for i in range(30)))
    assert len(lines) == tx.MAX_LINES and [n.code for n in notes] == ["too_many_lines"]
    assert tx.note_text(notes[0]) == _en("note.too_many_lines", max=tx.MAX_LINES, n=30)
    lines, notes = tx.split_input("x" * (tx.MAX_TEXT_CHARS + 10))
    assert len(lines[0]) == tx.MAX_TEXT_CHARS and notes[0].code == "text_cut"


def test_the_repository_pretrained_folder_translates(shipped) -> None:
    """The translators this repository ships, as a user gets them: picked by default, translate, BLEU bars."""
    for name in (tx.ATTENTION_MODEL, tx.FIXED_MODEL):
        if not (ROOT / "pretrained" / name / "config.json").is_file():
            pytest.skip(f"pretrained/{name} not shipped")
    shipped(*(ROOT / "pretrained" / name for name in (tx.ATTENTION_MODEL, tx.FIXED_MODEL)))
    at = _page()
    _ok(at)
    assert at.selectbox(key="translate.model").value == f"pretrained:{tx.ATTENTION_MODEL}"
    at = _translate(at, "I think we should leave now.", "beam")
    (main,) = at.session_state["translate.result"]["main"]["results"]
    assert main.text and main.text != "I think we should leave now."
    bars = [f for f in _charts(at) if f["data"][0]["type"] == "bar"]
    assert len(bars) == 1 and len(bars[0]["data"]) == 2  # measured BLEU by length of both shipped models


# ---------------------------------------------------------------------------------------------- issue 16
def _fixed_heights_above(node, key: str, heights: tuple = ()) -> tuple | None:
    """The pixel heights of the containers around the element ``key`` (None: not found)."""
    proto = getattr(node, "proto", None)
    if proto is not None and getattr(proto, "id", "").endswith(f"-{key}"):
        return heights
    config = getattr(proto, "height_config", None) if proto is not None else None
    if config is not None and config.HasField("pixel_height"):
        heights = (*heights, config.pixel_height)
    for child in getattr(node, "children", {}).values():
        found = _fixed_heights_above(child, key, heights)
        if found is not None:
            return found
    return None


def test_a_tall_heatmap_is_not_cut_by_a_shorter_scroll_box(shipped, models) -> None:
    """Bug 3: a long sentence's heatmap (about 1,000 px) sat in a 900 px scroll box: the last target rows hid."""
    shipped(models["att"], models["fixed"])
    text = "I want the bread and the apple and the book and the cat and the dog and a house " * 2 + "today."
    at = _translate(_page(), text, "greedy")
    fig = _heatmap(at)
    assert fig["layout"]["height"] > 1000  # tall enough that the old page boxed it in (900 px)
    heights = _fixed_heights_above(at._tree, "translate.heatmap")
    assert heights == (), heights  # no fixed-height container around it: the page scrolls, the figure is whole


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_a_sentence_in_another_script_is_refused_not_translated(shipped, models, monkeypatch, lang) -> None:
    """Honest pages: a Korean sentence came back as "C'est, à moi." (the model translated its punctuation)."""
    monkeypatch.setattr(i18n, "_fallback_lang", lang)
    shipped(models["att"], models["fixed"])
    at = _translate(_page(lang), "안녕하세요, 저는 학생입니다.", "beam", beam_width=2, n_best=2)
    (main,) = at.session_state["translate.result"]["main"]["results"]
    assert main.text == "" and not main.n_best and [n.code for n in main.notes] == ["unknown_script"]
    (warning,) = at.warning
    assert warning.value == i18n.t(P + "note.unknown_script", lang=lang, **main.notes[0].values)
    assert "안" in warning.value
    assert at.code[0].value == "—"  # no translation is presented
    assert not [f for f in _charts(at) if f["data"][0]["type"] == "heatmap"]  # no n-best, no attention view
    (compare,) = at.table  # the encoder comparison: neither model "translated" it either
    assert compare.value.iloc[0].tolist()[2:] == ["—", "—"]


def test_model_caption_separates_thousands_and_korean_says_naeteu(shipped, models, tokenizer, tmp_path) -> None:
    """Bug 11: "11500 스텝", "nats/서브워드"."""
    big = save_checkpoint(tmp_path / "big" / tx.ATTENTION_MODEL, _tiny(tokenizer, "general"),
                          meta={"step": 11500, "best_val_loss": 2.5})
    shipped(big)
    for lang in ("en", "ko"):
        at = _page(lang)
        _ok(at)
        info = next(c.value for c in at.caption if "11,500" in c.value)
        assert "11500" not in info and ("nats" in info) == (lang == "en")


# ---------------------------------------------------------------------------------------------- URL
@pytest.mark.parametrize("lang", ["en", "ko"])
def test_a_link_opens_the_page_with_its_sentence_and_beam(shipped, models, monkeypatch, lang: str) -> None:
    monkeypatch.setattr(i18n, "_fallback_lang", lang)  # AppTest formats option labels outside the script run
    shipped(models["att"], models["fixed"])
    at = _page(lang, text="We eat the bread.", beam_width="3", n_best="2")
    _ok(at)
    assert at.text_area(key="translate.text").value == "We eat the bread."
    assert at.button_group(key="translate.method").value == "beam"
    assert at.slider(key="translate.beam_width").value == 3 and at.slider(key="translate.n_best").value == 2
    at.button(key="translate.go").click().run()
    _ok(at)
    (main,) = at.session_state["translate.result"]["main"]["results"]
    assert len(main.n_best) == 2
    at.button_group(key="translate.method").set_value("greedy").run()
    assert at.query_params["method"] == "greedy" and at.query_params["text"] == "We eat the bread."


def test_hostile_link_values_are_clamped(shipped, models) -> None:
    shipped(models["att"], models["fixed"])
    at = _page(text="a" * 20_000, method="DROP TABLE", beam_width="1e400", n_best="-3")
    _ok(at)
    assert len(at.text_area(key="translate.text").value) == tx.MAX_TEXT_CHARS
    assert at.button_group(key="translate.method").value == "beam"
    assert at.slider(key="translate.beam_width").value == 5  # 1e400 is no finite number: the default
    assert at.slider(key="translate.n_best").value == 1
    at = _page(beam_width="99", n_best="99")
    assert at.slider(key="translate.beam_width").value == 10 and at.slider(key="translate.n_best").value == 10
