"""The message catalogue: every UI string, in Japanese first and English.

Messages live in ``content/messages/*.toml``; each file holds tables whose keys are
message ids and whose values carry ``ja`` and ``en``.  Several files let each area of
the app keep its own strings; a key defined twice is an error.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Iterable, Mapping

LANGS = ("ja", "en")
DEFAULT_LANG = "ja"
MESSAGES_DIR = Path(__file__).parent / "content" / "messages"


def _flatten(prefix: str, table: Mapping, out: dict[str, dict[str, str]], source: str) -> None:
    if "ja" in table and isinstance(table["ja"], str):
        if prefix in out:
            raise ValueError(f"message {prefix!r} defined twice (again in {source})")
        out[prefix] = dict(table)
        return
    for key, value in table.items():
        if not isinstance(value, Mapping):
            raise ValueError(f"message {prefix}.{key} in {source} is not a {{ja, en}} table")
        _flatten(f"{prefix}.{key}" if prefix else key, value, out, source)


@cache
def catalogue() -> dict[str, dict[str, str]]:
    """All messages: ``{key: {"ja": ..., "en": ...}}``."""
    out: dict[str, dict[str, str]] = {}
    for path in sorted(MESSAGES_DIR.glob("*.toml")):
        with path.open("rb") as fh:
            _flatten("", tomllib.load(fh), out, path.name)
    return out


def normalise_lang(lang: str | None) -> str:
    return lang if lang in LANGS else DEFAULT_LANG


def t(key: str, lang: str = DEFAULT_LANG, /, **params) -> str:
    """The message ``key`` in ``lang``, formatted with ``params``.

    A missing key raises KeyError: a typo must fail the tests, not show a raw id.
    """
    entry = catalogue()[key]
    text = entry.get(normalise_lang(lang)) or entry[DEFAULT_LANG]
    return text.format(**params) if params else text


def join_list(items: Iterable[str], lang: str = DEFAULT_LANG) -> str:
    """Items as one list in ``lang``: 「A、B」 / "A, B"."""
    return ("、" if normalise_lang(lang) == "ja" else ", ").join(items)


def pick(texts: Mapping[str, str], lang: str = DEFAULT_LANG) -> str:
    """Choose the language from a content ``{ja, en}`` table."""
    return texts.get(normalise_lang(lang)) or texts[DEFAULT_LANG]
