"""Dates the Japanese way: local time (Asia/Tokyo), 年度 (April–March) and 和暦."""

from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

TOKYO = ZoneInfo("Asia/Tokyo")
FISCAL_START_MONTH = 4
# (first day, name ja, name en, initial) — newest first
ERAS = (
    (date(2019, 5, 1), "令和", "Reiwa", "R"),
    (date(1989, 1, 8), "平成", "Heisei", "H"),
    (date(1926, 12, 25), "昭和", "Showa", "S"),
)
# 令和7年 = 2018 + 7: the year before each era's first, by its name and its initial (lower case)
ERA_YEAR_ZERO = {key: start.year - 1 for start, ja, _, initial in ERAS for key in (ja, initial.lower())}


def to_local(stored: datetime) -> datetime:
    """A stored timestamp (UTC; naive is read as UTC) as Tokyo time."""
    if stored.tzinfo is None:
        stored = stored.replace(tzinfo=timezone.utc)
    return stored.astimezone(TOKYO)


def fiscal_year(d: date) -> int:
    """年度: April 2025 – March 2026 is 2025年度."""
    return d.year if d.month >= FISCAL_START_MONTH else d.year - 1


def era_of(d: date) -> tuple[str, str, str, int]:
    """(name ja, name en, initial, year in era) for a date."""
    for start, ja, en, initial in ERAS:
        if d >= start:
            return ja, en, initial, d.year - start.year + 1
    raise ValueError(f"date before 昭和: {d}")


def fiscal_year_label(fy: int, lang: str = "ja", wareki: bool = False) -> str:
    """2025 → '2025年度' / '令和7年度' / 'FY2025' / 'FY Reiwa 7'."""
    if wareki:
        # a 年度 takes the era that began in its calendar year (2019年度 = 令和元年度)
        ja, en, _, n = era_of(date(fy, 12, 31))
        return f"{ja}{'元' if n == 1 else n}年度" if lang == "ja" else f"FY {en} {n}"
    return f"{fy}年度" if lang == "ja" else f"FY{fy}"


def format_datetime(stored: datetime, lang: str = "ja") -> str:
    local = to_local(stored)
    return local.strftime("%Y/%m/%d %H:%M") if lang == "ja" else local.strftime("%Y-%m-%d %H:%M")
