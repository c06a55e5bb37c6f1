"""Out-of-domain evaluation of an image captioner: photos that are not Flickr8k's, and how robust captions are.

The Flickr8k test split measures a captioner on pictures like its training pictures. What a visitor
uploads is different, so this module keeps a second instrument (issue 17): 32 photos from PyPI and
Debian packages (``ood_photos/``, licences and sources in ``ood_photos/photos.json``), each with 3
reference captions written in Flickr8k's style and its **main subject** as a category of
:data:`SUBJECTS` (``"dog"``: dog, dogs, puppy...). :func:`evaluate_ood` captions every photo and reports

* **subject named**: the share of photos whose caption contains a word of the photo's subject
  category, over the photos whose subject Flickr8k knows (people, dogs, water, mountains...:
  ``in_domain_subject``) and over all photos;
* **BLEU-1..4** against the references, computed as for the Flickr8k split (lower-cased, punctuation
  removed, sacrebleu corpus BLEU: :func:`engine.metrics.corpus_bleu`);
* **robustness**: every photo again as :data:`VARIANTS` (half size, JPEG quality 90/70/50, grayscale,
  a 90 % centre crop); the share of variants whose *main subject* (the first category word of the
  caption, :func:`main_subject`) is the original caption's, and the share whose caption is identical;
* the encoder CNN's own ImageNet top-1 per photo, so a reader sees when the decoder ignored what the
  encoder recognised; and the median seconds of one caption (file decoding, CNN and beam search).

Everything is deterministic: the variants are fixed image operations (same bytes every time) and the
decoding is beam search. Subject words match whole words only, singular or plural::

    >>> subjects_in("a hotdog stand next to two dogs and a man")
    ['dog', 'person']
    >>> main_subject("the puppies play"), main_subject("a red hotdog"), names_subject("three women walk", "person")
    ('dog', None, True)
"""

from __future__ import annotations

import hashlib
import io
import json
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image

from engine.captioning.vocab import singular_forms, tokenize_caption
from engine.data.corpora import DataError
from engine.metrics import corpus_bleu

__all__ = ["IN_DOMAIN_SUBJECTS", "PHOTOS_DIR", "SUBJECTS", "VARIANTS", "OODPhoto", "evaluate_ood", "load_photos",
           "main_subject", "make_variant", "names_subject", "print_ood", "subjects_in"]

#: The shipped photos and their manifest ``photos.json``.
PHOTOS_DIR = Path(__file__).resolve().with_name("ood_photos")

#: Subject category -> the words that name it in a caption (singular; plurals are matched too, see
#: :func:`subjects_in`). The lists are disjoint, so a word names one category.
SUBJECTS: dict[str, tuple[str, ...]] = {
    "person": ("man", "men", "woman", "women", "person", "people", "boy", "girl", "child", "children", "kid",
               "lady", "ladies", "guy", "baby", "toddler", "teenager", "adult", "astronaut", "officer", "player",
               "crowd", "family", "couple", "photographer", "cameraman", "worker", "soldier", "sailor", "hiker",
               "climber", "tourist", "skier", "surfer", "biker", "rider", "runner", "swimmer", "someone"),
    "dog": ("dog", "puppy", "pup"),
    "cat": ("cat", "kitten", "kitty"),
    "water": ("water", "lake", "river", "stream", "ocean", "sea", "beach", "wave", "pond", "creek", "waterfall",
              "shore", "lakeside", "seashore", "dock", "pier", "jetty", "boardwalk"),
    "mountain": ("mountain", "hill", "hillside", "valley", "cliff", "peak", "mountainside"),
    "forest": ("forest", "woods", "tree", "woodland"),
    "grass": ("grass", "field", "meadow", "lawn"),
    "boat": ("boat", "canoe", "kayak", "rowboat", "raft"),
    "bridge": ("bridge",),
    "building": ("building", "temple", "pagoda", "tower", "castle", "church", "palace", "house"),
    "sky": ("sky", "sun", "sunset", "sunrise", "cloud"),
    "space": ("star", "galaxy", "space", "universe"),
    "drink": ("coffee", "cup", "mug", "espresso", "tea", "drink", "saucer"),
    "food": ("food", "fruit", "fig", "oranges", "lemon", "lime", "grapefruit", "citrus"),  # "orange" is a colour
    "rocket": ("rocket", "shuttle", "spaceship", "spacecraft"),
    "flower": ("flower", "dandelion", "daisy", "blossom", "sunflower", "dahlia"),
    "insect": ("insect", "bee", "bug", "ladybug", "ladybird", "beetle"),
    "bird": ("bird", "nuthatch"),
    "raccoon": ("raccoon",),
    "leaf": ("leaf", "leaves", "foliage"),
}
#: Categories Flickr8k's captions are about (people, dogs, outdoor scenes: water, mountains, woods, fields, boats).
IN_DOMAIN_SUBJECTS = frozenset({"person", "dog", "water", "mountain", "forest", "grass", "boat"})
_WORD_TO_SUBJECT = {w: cat for cat, words in SUBJECTS.items() for w in words}

#: The robustness variants of a photo, in report order (:func:`make_variant`).
VARIANTS = ("half", "jpeg90", "jpeg70", "jpeg50", "gray", "crop90")


def _subject_of_word(word: str) -> str | None:
    """The category a caption word names: the word itself or its singular (dogs, puppies, ladies, leaves)."""
    for form in singular_forms(word):
        if form in _WORD_TO_SUBJECT:
            return _WORD_TO_SUBJECT[form]
    return None


def subjects_in(caption: str) -> list[str]:
    """The subject categories a caption names, in the order they first appear (whole words only)."""
    found: list[str] = []
    for word in tokenize_caption(caption):
        cat = _subject_of_word(word)
        if cat is not None and cat not in found:
            found.append(cat)
    return found


def main_subject(caption: str) -> str | None:
    """The caption's main subject: the category of its first subject word (``None`` when it names none)."""
    found = subjects_in(caption)
    return found[0] if found else None


def names_subject(caption: str, subject: str) -> bool:
    """Whether the caption contains a word of category ``subject`` anywhere."""
    if subject not in SUBJECTS:
        raise KeyError(f"unknown subject {subject!r}; categories: {', '.join(SUBJECTS)}")
    return subject in subjects_in(caption)


# ------------------------------------------------------------------------------------------ photos
@dataclass(frozen=True)
class OODPhoto:
    """One photo of the set: its file, subject category, references and provenance (``source``)."""

    id: str
    path: Path
    subject: str
    in_domain_subject: bool
    references: tuple[str, ...]
    source: dict
    sha256: str = ""


def load_photos(folder: str | Path = PHOTOS_DIR, *, check: bool = True) -> list[OODPhoto]:
    """The photos listed in ``folder/photos.json``; with ``check``, each file must match its sha256.

    Raises :class:`~engine.data.corpora.DataError` naming what is missing, changed or malformed.
    """
    folder = Path(folder)
    manifest = folder / "photos.json"
    if not manifest.is_file():
        raise DataError(f"no photo manifest {manifest}: the out-of-domain photos ship in engine/captioning/ood_photos")
    try:
        entries = json.loads(manifest.read_text(encoding="utf-8"))["photos"]
    except (ValueError, KeyError, TypeError) as exc:
        raise DataError(f"{manifest} is not a photo manifest: {exc}") from None
    photos = []
    for e in entries:
        try:
            photo = OODPhoto(e["id"], folder / e["file"], e["subject"], bool(e["in_domain_subject"]),
                             tuple(e["references"]), dict(e.get("source") or {}), e.get("sha256", ""))
        except (KeyError, TypeError) as exc:
            raise DataError(f"{manifest}: entry {e!r} lacks {exc}") from None
        if photo.subject not in SUBJECTS:
            raise DataError(f"{manifest}: photo {photo.id!r} has unknown subject {photo.subject!r}")
        if not photo.path.is_file():
            raise DataError(f"photo {photo.path} listed in {manifest} is missing")
        if check and hashlib.sha256(photo.path.read_bytes()).hexdigest() != photo.sha256:
            raise DataError(f"photo {photo.path} does not match its sha256 in {manifest}")
        photos.append(photo)
    if not photos:
        raise DataError(f"{manifest} lists no photos")
    return photos


def make_variant(image: Image.Image | bytes, name: str) -> bytes:
    """The file bytes of variant ``name`` of an image (PNG for the lossless ones, JPEG for ``jpegQ``).

    ``half``: each side halved (Lanczos); ``jpeg90/70/50``: re-encoded as JPEG at that quality;
    ``gray``: luminance only (ITU-R 601 weights); ``crop90``: the central 90 % of each side::

        >>> img = Image.new("RGB", (40, 20), (200, 30, 30))
        >>> [Image.open(io.BytesIO(make_variant(img, v))).size for v in ("half", "crop90")]
        [(20, 10), (36, 18)]
        >>> make_variant(img, "jpeg50") == make_variant(img, "jpeg50")
        True
    """
    if isinstance(image, bytes):
        image = Image.open(io.BytesIO(image))
    image = image.convert("RGB")
    w, h = image.size
    buf = io.BytesIO()
    if name.startswith("jpeg") and name[4:].isdigit():
        image.save(buf, "JPEG", quality=int(name[4:]))
        return buf.getvalue()
    if name == "half":
        out = image.resize((max(1, w // 2), max(1, h // 2)), Image.Resampling.LANCZOS)
    elif name == "gray":
        out = image.convert("L")
    elif name == "crop90":
        cw, ch = round(w * 0.9), round(h * 0.9)
        left, top = (w - cw) // 2, (h - ch) // 2
        out = image.crop((left, top, left + cw, top + ch))
    else:
        raise ValueError(f"unknown variant {name!r}; variants: {', '.join(VARIANTS)} (or jpegQ with quality Q)")
    out.save(buf, "PNG")
    return buf.getvalue()


# -------------------------------------------------------------------------------------- evaluation
def _rate(flags: Sequence[bool]) -> float | None:
    return round(sum(flags) / len(flags), 4) if flags else None


def _bleu(hyps: Sequence[str], refs: Sequence[Sequence[str]]) -> dict[str, float]:
    """BLEU-1..4 (0-1) as :func:`engine.captioning.recipe.evaluate_captioner` computes it for Flickr8k."""
    norm_hyps = [" ".join(tokenize_caption(h)) for h in hyps]
    norm_refs = [[" ".join(tokenize_caption(r)) for r in rs] for rs in refs]
    return {f"bleu{n}": round(corpus_bleu(norm_hyps, norm_refs, n, tokenize="none").score / 100.0, 4)
            for n in range(1, 5)}


def _robustness(rows: Sequence[dict], variants: Sequence[str]) -> dict:
    """Over the photos x ``variants``: main subject kept, caption identical, and the subject still named."""
    pairs = [(r, r["variants"][v]) for r in rows for v in variants]
    return {"subject_kept": _rate([var["main_subject"] == r["main_subject"] for r, var in pairs]),
            "caption_identical": _rate([var["caption"] == r["caption"] for r, var in pairs]),
            "subject_named": _rate([var["names_subject"] for r, var in pairs])}


def evaluate_ood(
    model: Any,
    photos: Sequence[OODPhoto] | None = None,
    *,
    beam_width: int = 3,
    variants: Sequence[str] = VARIANTS,
    bleu: bool = True,
    grounding: float | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict:
    """Caption the photos (and their variants) with ``model`` and score the captions.

    ``model`` is a :class:`~engine.captioning.model.Captioner`; each photo is captioned on its own
    (beam search of ``beam_width``, ``grounding`` or the default grounding, the model's default length
    penalty and n-gram blocking), once
    before timing so the encoder is loaded. Returns a JSON-ready dict: ``subject_named``
    (``in_domain``, ``all``), ``bleu`` (or ``None`` with ``bleu=False``), ``robustness``
    (per variant and overall: ``subject_kept``, ``caption_identical``), ``seconds_per_caption``
    (median), and ``per_photo`` (caption, subject named, main subject, ImageNet top-1, variants).
    """
    photos = list(load_photos() if photos is None else photos)
    if not photos:
        raise DataError("no photos to evaluate on")
    for v in variants:
        make_variant(Image.new("RGB", (2, 2)), v)  # unknown names fail before any captioning
    from engine.captioning.model import CaptionSettings  # (the model module imports torch)

    settings: dict[str, Any] = dict(method="beam", beam_width=beam_width, n_best=1)
    if grounding is not None:  # else the model's default (CaptionSettings.grounding)
        settings["grounding"] = grounding
    data = {p.id: p.path.read_bytes() for p in photos}
    model.caption(data[photos[0].id], **settings)  # warm-up: builds the encoder, not timed
    rows, seconds = [], []
    total, done = len(photos) * (1 + len(variants)), 0
    for p in photos:
        t0 = time.perf_counter()
        result = model.caption(data[p.id], **settings)[0]
        seconds.append(time.perf_counter() - t0)
        top1 = result.imagenet_top5[0] if result.imagenet_top5 else None
        row = {"id": p.id, "subject": p.subject, "in_domain_subject": p.in_domain_subject, "caption": result.text,
               "names_subject": names_subject(result.text, p.subject), "main_subject": main_subject(result.text),
               "imagenet_top1": None if top1 is None else [top1[0], round(top1[1], 4)], "variants": {}}
        done += 1
        if progress is not None:
            progress(done, total)
        with Image.open(io.BytesIO(data[p.id])) as image:
            image.load()
            for v in variants:
                text = model.caption(make_variant(image, v), **settings)[0].text
                row["variants"][v] = {"caption": text, "main_subject": main_subject(text),
                                      "names_subject": names_subject(text, p.subject)}
                done += 1
                if progress is not None:
                    progress(done, total)
        rows.append(row)
    named_in = [r["names_subject"] for r in rows if r["in_domain_subject"]]
    robust = {v: _robustness(rows, [v]) for v in variants}
    if variants:
        robust["overall"] = _robustness(rows, variants)
    counts: dict[str, int] = {}
    for r in rows:
        counts[str(r["main_subject"])] = counts.get(str(r["main_subject"]), 0) + 1
    return {
        "photos": len(rows), "in_domain_photos": len(named_in),
        "decoding": {"method": "beam", "beam_width": beam_width,
                     "grounding": settings.get("grounding", CaptionSettings().grounding)},
        "subject_named": {"in_domain": _rate(named_in), "all": _rate([r["names_subject"] for r in rows]),
                          "in_domain_count": sum(named_in), "all_count": sum(r["names_subject"] for r in rows)},
        "bleu": _bleu([r["caption"] for r in rows], [p.references for p in photos]) if bleu else None,
        "robustness": robust or None,
        "main_subjects": dict(sorted(counts.items(), key=lambda kv: -kv[1])),
        "seconds_per_caption": round(statistics.median(seconds), 4),
        "per_photo": rows,
    }


def _pct(x: float | None) -> str:
    return "–" if x is None else f"{100 * x:.1f} %"


def print_ood(result: dict, file: Any = None) -> None:
    """Print :func:`evaluate_ood`'s result as tables: per photo, then the summary (to stdout by default)."""
    out = (lambda *a: print(*a, file=file)) if file is not None else print
    out(f"{'photo':<16} {'subject':<9} {'named':<5} {'ImageNet top-1':<24} caption")
    for r in result["per_photo"]:
        top1 = r["imagenet_top1"]
        guess = "–" if top1 is None else f"{top1[0][:17]} {100 * top1[1]:.0f}%"
        mark = ("yes" if r["names_subject"] else "no") + ("" if r["in_domain_subject"] else "*")
        out(f"{r['id']:<16} {r['subject']:<9} {mark:<5} {guess:<24} {r['caption']}")
    named = result["subject_named"]
    out(f"\n(* subject not among Flickr8k's)  photos {result['photos']}, beam {result['decoding']['beam_width']}")
    out(f"subject named: in-domain {_pct(named['in_domain'])} ({named['in_domain_count']}/{result['in_domain_photos']})"
        f", all {_pct(named['all'])} ({named['all_count']}/{result['photos']})")
    if result["bleu"]:
        out("BLEU: " + "  ".join(f"BLEU-{k[-1]} {v:.4f}" for k, v in result["bleu"].items()))
    for name, r in (result["robustness"] or {}).items():
        out(f"robustness {name:<8} subject kept {_pct(r['subject_kept']):>8}   caption identical "
            f"{_pct(r['caption_identical']):>8}   subject named {_pct(r['subject_named']):>8}")
    out("main subject of the captions: " + ", ".join(f"{k} {n}" for k, n in result["main_subjects"].items()))
    out(f"one caption (beam {result['decoding']['beam_width']}, file to words): "
        f"{result['seconds_per_caption']:.3f} s median")
