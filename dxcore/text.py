"""Text that came from a user (names, titles, notes, URL parameters, spreadsheet cells) is data.

:func:`escape_md` is the one place that makes such text safe to put inside Markdown that
Streamlit renders; every page that builds Markdown from data goes through it (``ui.common.md``).
:func:`refuse_invisible` is the one check that keeps invisible characters out of names, so
that two names that look the same are the same.
"""

from __future__ import annotations

import re
import string
import unicodedata

from dxcore.errors import DxError

WORD_JOINER = "\u2060"  # invisible, zero width, no line break: breaks a pattern, shows nothing
_ASCII_PUNCTUATION = frozenset(string.punctuation)  # CommonMark lets a backslash escape each of them
# Streamlit renders Markdown with remark-gfm, whose literal autolinks (http://…, www.…, a@b.c),
# emoji short codes (:smile:) and Streamlit's own :material/…: icons are found in the *parsed*
# text, after backslash escapes are gone.  A word joiner after every ":" and "@" and between
# "www" and "." breaks each of those patterns without changing what the reader sees.
_BREAK_AFTER = frozenset(":@")
_WWW_DOT = re.compile(r"(?i)(?<=www)(?=\.)")
_LEADING_SPACE = re.compile(r"^[ \t]+", re.MULTILINE)  # an indented line would become a code block


def escape_md(text: object) -> str:
    """``text`` exactly as typed inside Markdown: no heading, list, quote, table, emphasis, code,
    math, HTML, link, image, autolinked address, colour directive, icon or emoji comes out of it."""
    raw = _WWW_DOT.sub(WORD_JOINER, str(text))
    raw = _LEADING_SPACE.sub(lambda m: "\u00a0" * len(m.group().expandtabs(4)), raw)
    out = []
    for ch in raw:
        if ch in _ASCII_PUNCTUATION:
            out.append("\\" + ch)
            if ch in _BREAK_AFTER:
                out.append(WORD_JOINER)
        else:
            out.append(ch)
    return "".join(out)


def shown_as(markdown_text: str) -> str:
    """What :func:`escape_md` output reads as once rendered (for tests and plain-text uses)."""
    return re.sub(r"\\(.)", r"\1", markdown_text.replace(WORD_JOINER, ""))


# invisible characters ----------------------------------------------------------------------

# Characters outside the format/control categories that still show nothing.
_INVISIBLE_EXTRA = frozenset(
    "\u115f\u1160\u3164\uffa0"  # Hangul fillers
    "\u2800"  # braille blank
    "\u034f"  # combining grapheme joiner
    "\u17b4\u17b5"  # Khmer inherent vowels
    "\u180b\u180c\u180d\u180f"  # Mongolian variation selectors
)
# (private-use characters stay allowed: municipalities use them for 外字)
_INVISIBLE_CATEGORIES = frozenset({"Cf", "Cc", "Cs", "Zl", "Zp"})


def _is_variation_selector(ch: str) -> bool:
    return "\ufe00" <= ch <= "\ufe0f" or "\U000e0100" <= ch <= "\U000e01ef"


def invisible_chars(text: str, allow: str = "") -> list[tuple[int, str]]:
    """(position from 1, character) of every character in ``text`` that shows nothing or changes
    how the text around it is shown: zero-width, bidi controls, other format and control
    characters, variation selectors, fillers; ``allow`` lists exceptions (e.g. a newline)."""
    return [(i, ch) for i, ch in enumerate(text, 1)
            if ch not in allow and (unicodedata.category(ch) in _INVISIBLE_CATEGORIES
                                    or ch in _INVISIBLE_EXTRA or _is_variation_selector(ch))]


def char_name(ch: str) -> str:
    """``U+200B ZERO WIDTH SPACE``: how a message names a character nobody can see."""
    return f"U+{ord(ch):04X} {unicodedata.name(ch, '')}".strip()


def refuse_invisible(text: str, multiline: bool = False) -> str:
    """``text`` unchanged, or a DxError naming the first invisible character and where it is.

    Names, titles and labels call this after normalising, so that ``試験町`` and
    ``試験\u200b町`` cannot both exist; ``multiline`` allows the newlines of a note.
    """
    found = invisible_chars(text, allow="\n\r\t" if multiline else "")
    if found:
        position, ch = found[0]
        shown = "".join(f"[{char_name(c)}]" if (i, c) in found else c for i, c in enumerate(text, 1))
        raise DxError("shell.error.invisible_char", char=char_name(ch), position=position,
                      count=len(found), text=shown[:120])
    return text
