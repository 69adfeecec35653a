"""全国地方公共団体コード (local government code) and prefectures.

A code is six digits: two for the prefecture, three for the municipality and a check
digit.  The check digit is ``(11 - Σ dᵢ·wᵢ mod 11) mod 10`` with weights 6,5,4,3,2 over
the first five digits (総務省の定める計算方法).  Full-width digits and stray spaces
are accepted on input.
"""

from __future__ import annotations

import tomllib
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from dxcore.errors import DxError

WEIGHTS = (6, 5, 4, 3, 2)


class LgCodeError(DxError):
    """``reason``: format | check_digit | prefecture (message ``lgcode.<reason>``)."""

    def __init__(self, reason: str, code: str, expected: str = ""):
        self.reason = reason
        super().__init__(f"lgcode.{reason}", code=code, expected=expected)


@dataclass(frozen=True)
class Prefecture:
    code: str
    name: dict


@cache
def prefectures() -> tuple[Prefecture, ...]:
    with (Path(__file__).parent / "content" / "prefectures.toml").open("rb") as fh:
        return tuple(Prefecture(p["code"], p["name"]) for p in tomllib.load(fh)["prefectures"])


def check_digit(first5: str) -> int:
    total = sum(int(d) * w for d, w in zip(first5, WEIGHTS, strict=True))
    return (11 - total % 11) % 10


def normalise(raw: str) -> str:
    return "".join(unicodedata.normalize("NFKC", raw or "").split()).replace("-", "")


def validate(raw: str) -> str:
    """Return the normalised six-digit code, or raise :class:`LgCodeError`."""
    code = normalise(raw)
    if len(code) != 6 or not code.isascii() or not code.isdigit():
        raise LgCodeError("format", raw)
    expected = str(check_digit(code[:5]))
    if code[5] != expected:
        raise LgCodeError("check_digit", raw, code[:5] + expected)
    if not 1 <= int(code[:2]) <= 47:
        raise LgCodeError("prefecture", raw)
    return code


def prefecture_of(code: str) -> Prefecture:
    return prefectures()[int(code[:2]) - 1]


def find_prefecture(name: str) -> Prefecture | None:
    """A prefecture by its Japanese or English name (or two-digit code)."""
    key = unicodedata.normalize("NFKC", name or "").strip()
    for p in prefectures():
        if key in (p.code, p.name["ja"], p.name["en"]) or key.casefold() == p.name["en"].casefold():
            return p
    return None
