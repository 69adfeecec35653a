"""The message catalogue: complete in both languages, and every key the code uses exists."""

import re
import string
from pathlib import Path

import pytest

from dxcore.i18n import LANGS, catalogue, join_list, t

ROOT = Path(__file__).resolve().parents[2]
CODE = [p for d in ("app.py", "pages", "ui", "dxcore") for p in
        ([ROOT / d] if d.endswith(".py") else (ROOT / d).rglob("*.py"))]


def fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


def test_every_message_has_both_languages_and_the_same_placeholders():
    for key, entry in catalogue().items():
        for lang in LANGS:
            assert entry.get(lang, "").strip(), f"{key} has no {lang}"
        assert fields(entry["ja"]) == fields(entry["en"]), key


def test_every_literal_key_used_in_code_exists():
    keys = set(catalogue())
    used = set()
    for path in CODE:
        used |= set(re.findall(r"""\b(?:tr|t|DxError)\(\s*["']([a-z_]+(?:\.[a-z_0-9]+)+)["']""",
                               path.read_text(encoding="utf-8")))
    assert used, "the scan found no keys: the pattern is wrong"
    assert sorted(used - keys) == []


def test_formatting_and_fallback():
    assert t("lgcode.format", "en", code="12") .startswith("Code '12'")
    assert t("nav.home", "fr") == t("nav.home", "ja")  # unknown language: Japanese
    with pytest.raises(KeyError):
        t("no.such.key")


def test_a_list_reads_in_its_language():
    assert join_list(["市民課", "税務課"], "ja") == "市民課、税務課"
    assert join_list(iter(["Citizens", "Tax"]), "en") == "Citizens, Tax"
    assert join_list([], "en") == "" and join_list(["a"], "xx") == "a"
