"""The Caption page's out-of-domain test photos (issue 17): chosen from the list or from a link, credited,
checked for their main subject, with their reference captions, in English and Korean.

Runs the page with the tiny stand-in captioner of ``tests/test_page_caption.py`` installed as the shipped model.
"""

from __future__ import annotations

import pytest

from dashboard import i18n
from engine.captioning.ood import load_photos, names_subject
from tests.test_page_caption import P, _caption_text, _ok, _page, isolated, shipped  # noqa: F401 (fixtures)

PHOTOS = {p.id: p for p in load_photos()}


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_a_test_photo_is_credited_checked_and_shown_with_its_references(shipped, lang):  # noqa: F811
    at = _page(lang, source="photos", photo="two_dogs")  # a teacher's link
    _ok(at)
    box = at.selectbox(key="caption.photo")
    assert box.value == "two_dogs" and len(box.options) == len(PHOTOS)
    assert box.options[0] == i18n.t(P + "photo.astronaut", lang=lang)
    photo = PHOTOS["two_dogs"]
    captions = " ".join(c.value for c in at.caption)
    assert "Aitzol Berasategi, CC BY 4.0" in captions and "ood_photos/README.md" in captions
    subject = i18n.t(P + "subject.dog", lang=lang)
    verdict = "photo_named" if names_subject(_caption_text(at), "dog") else "photo_missed"
    assert i18n.t(P + verdict, lang=lang, subject=subject) in [m.value for m in at.markdown]
    (refs,) = [e for e in at.expander if e.label == i18n.t(P + "photo_references", lang=lang)]
    assert all(f"- {r}" in refs.markdown[0].value for r in photo.references)


def test_choosing_a_test_photo_puts_it_in_the_link(shipped):  # noqa: F811
    at = _page()
    _ok(at)
    at.button_group(key="caption.source").set_value("photos").run()
    _ok(at)
    assert at.selectbox(key="caption.photo").value == "astronaut"
    at.selectbox(key="caption.photo").set_value("cat").run()
    _ok(at)
    assert at.query_params["source"] == "photos" and at.query_params["photo"] == "cat"
    assert i18n.t(P + "subject.cat", lang="en") in " ".join(m.value for m in at.markdown)
    # a stale link (a photo that is not in the set) falls back to the first photo, no error
    at = _page(source="photos", photo="unicorn")
    _ok(at)
    assert at.selectbox(key="caption.photo").value == "astronaut"
