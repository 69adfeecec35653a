"""User text in Markdown shows as typed; invisible characters never make a name."""

from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dxcore import plan, workshop
from dxcore.errors import DxError
from dxcore.store import repo, repo_kpi
from dxcore.text import WORD_JOINER, escape_md, invisible_chars, refuse_invisible, shown_as
from tests.injections import INJECTIONS

CASES = [*INJECTIONS, "text\n===", "    code", "1. li", "> q", "| a | b |", "&amp;", "~~s~~", "`c`", ":smile:"]


@pytest.mark.parametrize("text", CASES)
def test_every_markdown_character_is_escaped_and_reads_back_as_typed(text):
    out = escape_md(text)
    assert shown_as(out) == text.replace("    ", "\u00a0" * 4)
    # no ASCII punctuation is left unescaped (CommonMark: a backslash escapes each of them)
    i = 0
    while i < len(out):
        if out[i] == "\\":
            assert out[i + 1] in string.punctuation
            i += 2
            continue
        assert out[i] not in string.punctuation, (text, out, i)
        i += 1


@pytest.mark.parametrize("text, broken", [
    ("http://evil.example", "http\\:" + WORD_JOINER),  # the scheme's colon is followed by a word joiner
    ("WWW.evil.example", "WWW" + WORD_JOINER + "\\."),  # so is www, before its dot
    ("a@evil.example", "\\@" + WORD_JOINER),  # and an e-mail's @
    (":material/home:", "\\:" + WORD_JOINER + "material"),
])
def test_autolinks_and_shortcodes_are_broken_by_an_invisible_word_joiner(text, broken):
    assert broken in escape_md(text)


@given(st.text(max_size=60))
def test_any_text_reads_back_as_typed(text):
    out = escape_md(text)
    assert shown_as(out) == shown_as(escape_md(shown_as(out)))
    if "\n" not in text and not text.startswith((" ", "\t")) and WORD_JOINER not in text and "\\" not in text:
        assert shown_as(out) == text


@pytest.mark.parametrize("ch", ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u202e", "\u2066", "\u200e",
                                "\u00ad", "\u0000", "\u0007", "\u3164", "\ufe0f", "\U000e0100", "\n", "\u2028"])
def test_invisible_characters_are_refused_with_where_and_which(ch):
    with pytest.raises(DxError) as e:
        refuse_invisible(f"試験{ch}町")
    assert e.value.key == "shell.error.invisible_char"
    assert e.value.params["position"] == 3 and e.value.params["char"].startswith(f"U+{ord(ch):04X}")
    assert f"U+{ord(ch):04X}" in e.value.message("ja") and f"U+{ord(ch):04X}" in e.value.message("en")


def test_visible_text_passes_and_notes_keep_their_lines():
    for text in ("試験町", "千代田区 DX推進課", "ｶﾀｶﾅ", "Ünïcödé", "外字\ue000", "絵文字🚀"):
        assert refuse_invisible(text) == text
    assert refuse_invisible("一行目\n二行目\tタブ", multiline=True) == "一行目\n二行目\tタブ"
    assert invisible_chars("a\u200bb\u202ec") == [(2, "\u200b"), (4, "\u202e")]


def test_look_alike_organisation_names_cannot_both_exist(engine):
    repo.create_org(engine, "試験町")
    with pytest.raises(DxError) as e:
        repo.create_org(engine, "試験\u200b町")
    assert e.value.key == "shell.error.invisible_char"
    assert [o.name for o in repo.list_orgs(engine)] == ["試験町"]


def test_workshop_titles_plan_text_and_kpi_names_refuse_them_too(engine):
    org = repo.create_org(engine, "試験町")
    for attempt in (lambda: workshop.validate_title("研修\u202e会"),
                    lambda: plan.clean_changes({"owner": "総務\u200d課"}, today=None),
                    lambda: repo_kpi.add_custom_kpi(engine, org.id, "件数\u2060", "件", "higher")):
        with pytest.raises(DxError) as e:
            attempt()
        assert e.value.key == "shell.error.invisible_char"
    assert plan.clean_changes({"note": "一行目\n二行目"}, today=None) == {"note": "一行目\n二行目"}


def test_prefecture_mismatch_names_both_prefectures():
    with pytest.raises(DxError) as e:
        repo.create_org(None, "x", "131016", "27")
    assert "東京都" in e.value.message("ja") and "大阪府" in e.value.message("ja") and "27" not in e.value.message("ja")
