"""The dashboard's locale files (dashboard/locales/*.toml): well-formed, complete, one home per key.

tests/test_app_shell.py checks the loaded strings (same placeholders in en and ko, every text formats);
this file checks the files themselves and the loader of dashboard/i18n.py.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from dashboard import i18n
from dashboard.pages import PAGES

ROOT = Path(__file__).resolve().parents[1]

FILES = sorted(i18n.LOCALE_DIR.glob("*.toml"))


def _read(path: Path) -> dict:
    with open(path, "rb") as f:
        return tomllib.load(f)


def test_there_is_one_locale_file_per_page_and_one_for_the_app() -> None:
    expected = {"app"} | {Path(spec.script).stem for spec in PAGES}
    assert {path.stem for path in FILES} == expected


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_key_has_an_english_and_a_korean_text(path: Path) -> None:
    data = _read(path)
    assert data, f"{path.name} is empty"
    for key, entry in data.items():
        assert isinstance(entry, dict), f"{path.name}: {key!r} is not a table"
        assert set(entry) == set(i18n.LANGS), f"{path.name}: {key!r} has {sorted(entry)}"
        for lang, text in entry.items():
            assert isinstance(text, str) and text.strip(), f"{path.name}: {key!r} has an empty {lang!r} text"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_a_pages_own_keys_live_in_its_file(path: Path) -> None:
    for key in _read(path):
        if key.startswith("page."):
            assert key.split(".")[1] == path.stem, f"{key!r} belongs in {key.split('.')[1]}.toml, not {path.name}"


def test_no_key_is_defined_in_two_files() -> None:
    owner: dict[str, str] = {}
    for path in FILES:
        for key in _read(path):
            assert key not in owner, f"{key!r} is in both {owner[key]} and {path.name}"
            owner[key] = path.name
    assert set(owner) == set(i18n.STRINGS)  # and the loader reads all of them


def test_loader_rejects_a_key_defined_in_two_files(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text('["x.title"]\nen = "A"\nko = "가"\n', encoding="utf-8")
    (tmp_path / "b.toml").write_text('["x.title"]\nen = "B"\nko = "나"\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"'x\.title' is defined in both a\.toml and b\.toml"):
        i18n.load_strings(tmp_path)


def test_loader_rejects_a_text_outside_a_key_table(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text('"x.title" = "A"\n', encoding="utf-8")
    with pytest.raises(ValueError, match="must be a table"):
        i18n.load_strings(tmp_path)


def test_loader_keeps_texts_exactly(tmp_path: Path) -> None:
    # Multi-line strings, escaped backslashes (LaTeX) and doubled braces come back as written.
    (tmp_path / "a.toml").write_text(
        '["x.formula"]\nen = "$\\\\tanh(W h_{{t-1}})$ “{n}”"\nko = """\n- 첫째\n- 둘째"""\n', encoding="utf-8"
    )
    assert i18n.load_strings(tmp_path) == {"x.formula": {"en": "$\\tanh(W h_{{t-1}})$ “{n}”", "ko": "- 첫째\n- 둘째"}}


def test_strings_are_found_from_any_working_directory(tmp_path: Path) -> None:
    code = "from dashboard import i18n; print(len(i18n.STRINGS), i18n.t('app.title', lang='ko'))"
    env = {"PYTHONPATH": str(ROOT)}  # importable, but run from tmp_path: the locale paths must not be relative
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == [str(len(i18n.STRINGS)), "RNN", "Lab"]
