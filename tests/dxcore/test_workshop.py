"""Workshop domain: codes, answer checks, the room's aggregate, the 幹部-vs-現場 gap, the warm-up."""

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dxcore import workshop as ws
from dxcore.content import load
from dxcore.errors import DxError
from dxcore.i18n import t
from dxcore.scoring import score

C = load()
PULSE = C.question_ids("pulse")


def room_of(rows, question_set="pulse", **kw):
    return ws.aggregate([ws.Response(role, answers) for role, answers in rows], question_set, C, **kw)


# codes and links -----------------------------------------------------------------

def test_codes_are_short_unambiguous_and_typed_forgivingly():
    codes = {ws.new_code() for _ in range(200)}
    assert len(codes) == 200
    assert all(len(c) == ws.CODE_LENGTH and set(c) <= set(ws.CODE_ALPHABET) for c in codes)
    assert not set("01IO") & set(ws.CODE_ALPHABET)
    assert ws.validate_code(" ａｂｃ-２３４ ") == "ABC234"  # 全角, lower case, a hyphen
    for bad in ("", "ABC23", "ABC2345", "ABC10O", "ABC 2!4"):
        with pytest.raises(DxError) as e:
            ws.validate_code(bad)
        assert e.value.key == "workshop.error.code_format"
    # the message says which characters a code uses, in both languages
    assert "0・1・I・O は使いません" in t("workshop.error.code_format", "ja", code="ABC10O", length=ws.CODE_LENGTH)
    assert "never use 0, 1, I or O" in t("workshop.error.code_format", "en", code="ABC10O", length=ws.CODE_LENGTH)


def test_participant_tokens_are_random_and_checked_by_shape():
    made = {ws.new_token() for _ in range(200)}
    assert len(made) == 200 and all(ws.is_token(t) for t in made)
    for bad in (None, 12345, "", "short", "x" * 65, "a" * 20 + "/", "a" * 20 + "'--", "あ" * 20, "a" * 20 + "\n"):
        assert not ws.is_token(bad), bad


def test_join_links_and_local_addresses():
    assert ws.join_path("ABC234") == "/?ws=ABC234"
    assert ws.join_url("http://192.168.10.5:8501/", "ABC234") == "http://192.168.10.5:8501/?ws=ABC234"
    assert ws.join_url("https://dx.example.lg.jp/navi", "ABC234") == "https://dx.example.lg.jp/navi/?ws=ABC234"
    assert ws.is_local_url("http://localhost:8501") and ws.is_local_url("http://127.0.0.1:8501/x")
    assert ws.is_local_url("http://[::1]:8501")
    assert not ws.is_local_url("http://192.168.10.5:8501") and not ws.is_local_url("https://dx.example.lg.jp")


def test_public_url_comes_from_the_environment(monkeypatch):
    monkeypatch.delenv(ws.PUBLIC_URL_ENV, raising=False)
    assert ws.public_url_from_env() is None
    monkeypatch.setenv(ws.PUBLIC_URL_ENV, " http://10.1.2.3:8501/ ")
    assert ws.public_url_from_env() == "http://10.1.2.3:8501"


def test_qr_code_is_local_svg_of_the_link():
    svg = ws.qr_svg("http://192.168.10.5:8501/?ws=ABC234")
    assert svg.startswith("<svg") and "viewBox" in svg and "<path" in svg
    assert "href" not in svg  # nothing to fetch
    assert ws.qr_svg("http://192.168.10.5:8501/?ws=ABC234") == svg
    assert ws.qr_svg("http://192.168.10.5:8501/?ws=XYZ789") != svg


# what a workshop asks --------------------------------------------------------------

def test_statements_per_set():
    assert ws.statement_ids("pulse", C) == PULSE and len(PULSE) == 7
    assert ws.statement_ids("full", C) == C.question_ids("full")
    assert ws.statement_ids("myths", C) == tuple(m.id for m in C.myths) and len(C.myths) >= 3
    with pytest.raises(DxError) as e:
        ws.statement_ids("quiz", C)
    assert e.value.key == "workshop.error.unknown_set"


def test_title_and_limit_checks():
    assert ws.validate_title("  研修  ") == "研修"
    with pytest.raises(DxError, match="title_required"):
        ws.validate_title("  ")
    with pytest.raises(DxError, match="title_too_long"):
        ws.validate_title("あ" * (ws.TITLE_MAX + 1))
    assert ws.validate_limit(None) is None and ws.validate_limit(0) is None and ws.validate_limit(30) == 30
    for bad in (-1, 2.5, True, ws.LIMIT_MAX + 1, "10"):
        with pytest.raises(DxError, match="bad_limit"):
            ws.validate_limit(bad)


def test_answers_are_checked_against_the_workshops_set():
    full_only = next(q for q in C.question_ids("full") if q not in PULSE)
    assert ws.validate_answers("pulse", {PULSE[0]: 5, PULSE[1]: None, PULSE[2]: 3.0}, C) == {
        PULSE[0]: 5, PULSE[1]: None, PULSE[2]: 3}
    with pytest.raises(DxError) as e:
        ws.validate_answers("pulse", {PULSE[0]: 3, full_only: 3}, C)
    assert e.value.key == "workshop.error.unknown_statement" and full_only in e.value.params["ids"]
    with pytest.raises(DxError) as e:
        ws.validate_answers("pulse", {PULSE[0]: 6, PULSE[1]: True, PULSE[2]: "3"}, C)
    assert e.value.key == "workshop.error.bad_value"
    assert all(f"{q} =" in e.value.params["problems"] for q in PULSE[:3])
    with pytest.raises(DxError, match="no_answers"):
        ws.validate_answers("pulse", {}, C)
    with pytest.raises(DxError, match="answers_shape"):
        ws.validate_answers("pulse", [3, 4], C)


def test_myth_answers_take_true_false_or_unknown():
    assert ws.validate_answers("myths", {"M1": False, "M2": True, "M3": None}, C) == {
        "M1": ws.FALSE, "M2": ws.TRUE, "M3": None}
    assert ws.validate_answers("myths", {"M1": 0, "M2": 1}, C) == {"M1": 0, "M2": 1}
    with pytest.raises(DxError) as e:
        ws.validate_answers("myths", {"M1": 3}, C)
    assert e.value.key == "workshop.error.bad_myth_value"
    with pytest.raises(DxError, match="unknown_statement"):
        ws.validate_answers("myths", {PULSE[0]: 1}, C)


def test_role_groups_come_from_the_questionnaire():
    assert ws.role_group("executive", C) == "executive"
    assert ws.role_group("frontline", C) == "frontline"
    assert {ws.role_group(r, C) for r in ("dx_office", "it", "other", "nobody")} == {"other"}
    with pytest.raises(DxError, match="unknown_role"):
        ws.validate_role("mayor", C)


# the room --------------------------------------------------------------------------

def test_an_empty_room_has_no_result():
    room = room_of([])
    assert room.participants == 0 and room.result is None and room.gaps == ()
    assert all(v is None for v in room.means.values()) and len(room.means) == 7
    assert [g.count for g in room.groups] == [0, 0, 0]


def test_room_means_distribution_and_pattern_risks():
    q0, q1 = PULSE[0], PULSE[1]
    room = room_of([
        ("frontline", {q0: 5, q1: None}),
        ("frontline", {q0: 4}),
        ("it", {q0: 1, q1: None}),
    ])
    assert room.participants == 3
    d0 = room.distribution[0]
    assert d0.question_id == q0 and dict(d0.counts) == {1: 1, 2: 0, 3: 0, 4: 1, 5: 1} and d0.unknown == 0
    assert d0.mean == pytest.approx(10 / 3) and room.means[q0] == pytest.approx(10 / 3)
    d1 = room.distribution[1]
    assert d1.answered == 0 and d1.unknown == 2 and d1.mean is None and room.means[q1] is None
    # the room's pattern risks are scoring applied to the room's mean answers
    assert room.result == score(room.means, "pulse", C)
    assert room.result.pattern(C.question_index[q0].pattern).risk is not None


def test_role_groups_and_the_anonymity_threshold():
    q = PULSE[0]
    rows = [("executive", {q: 5})] * 2 + [("frontline", {q: 1})] * 3 + [("dx_office", {q: 3})]
    room = room_of(rows)
    execs, front, other = room.groups
    assert (execs.count, front.count, other.count) == (2, 3, 1)
    assert not execs.shown and execs.result is None  # two executives: their answers would show
    assert front.shown and front.means[q] == 1 and front.result is not None
    assert room.gaps == ()  # needs both sides shown
    everyone = room_of(rows, min_group=1)  # the facilitator's own view
    assert everyone.group("executive").shown and everyone.group("executive").means[q] == 5
    assert [r.id for r in everyone.roles] == ["executive", "dx_office", "frontline"]
    assert everyone.gaps[0].question_id == q and everyone.gaps[0].difference == 4


def test_gaps_are_the_statements_where_top_and_front_line_disagree_most():
    a, b, c, d = PULSE[:4]
    execs = [("executive", {a: 5, b: 3, c: 2, d: 4})] * 3
    front = [("frontline", {a: 1, b: 3, c: 4, d: None})] * 3
    room = room_of(execs + front + [("it", {a: 3})])
    assert [(g.question_id, g.difference) for g in room.gaps] == [(a, 4.0), (c, -2.0)]  # b: no gap; d: one side
    assert room.group("other").count == 1 and not room.group("other").shown
    assert len(room_of(execs + front, top_gaps=1).gaps) == 1


def test_warm_up_tally_and_score():
    rows = [("frontline", {"M1": ws.FALSE, "M2": ws.FALSE, "M3": ws.TRUE}),
            ("frontline", {"M1": ws.TRUE, "M2": None}),
            ("executive", {"M1": ws.FALSE, "M2": ws.FALSE, "M3": ws.FALSE})]
    room = room_of(rows, "myths")
    assert room.result is None and room.gaps == ()
    m1, m2, m3, *_ = room.myths
    assert (m1.true, m1.false, m1.unknown, m1.correct, m1.correct_rate) == (1, 2, 0, 2, 66.7)
    assert (m2.true, m2.false, m2.unknown, m2.correct) == (0, 2, 1, 2)
    assert (m3.responses, m3.correct) == (2, 1)
    assert room.myth_score == pytest.approx(round(5 / 3, 2))


def test_history_role_is_the_shared_role_or_other():
    assert ws.history_role({"frontline": 4}) == "frontline"
    assert ws.history_role({"frontline": 4, "executive": 1}) == "other"
    assert ws.history_role({}) == "other"


answer_values = st.one_of(st.none(), st.integers(1, 5))
response = st.tuples(st.sampled_from([r.id for r in C.roles]),
                     st.dictionaries(st.sampled_from(PULSE), answer_values, max_size=7))


@settings(max_examples=60, deadline=None)
@given(st.lists(response, max_size=25), st.randoms())
def test_aggregate_counts_everyone_once_whatever_the_order(rows, rnd):
    room = room_of(rows)
    answered = [r for r in rows if r[1]]
    assert room.participants == len(answered)
    assert sum(g.count for g in room.groups) == len(answered)
    for d in room.distribution:
        assert d.responses == sum(1 for _, a in answered if d.question_id in a) <= room.participants
        assert d.mean is None or 1 <= d.mean <= 5
    shuffled = list(rows)
    rnd.shuffle(shuffled)
    again = room_of(shuffled)
    assert again.means == room.means and again.result == room.result and again.gaps == room.gaps
    # counting first (as the database does) gives the same room
    assert ws.aggregate(ws.headcount([ws.Response(r, a) for r, a in rows]), "pulse", C) == room


# tables ----------------------------------------------------------------------------

def test_raw_rows_are_anonymous_and_mark_unknown():
    header, rows = ws.raw_rows([ws.Response("executive", {PULSE[0]: 4, PULSE[1]: None}),
                                ws.Response("it", {PULSE[2]: 1})], "pulse", "わからない", C)
    assert header == ["participant", "role", "group", *PULSE]
    assert rows[0][:5] == [1, "executive", "executive", 4, "わからない"] and rows[0][5] is None
    assert rows[1][:3] == [2, "it", "other"] and rows[1][5] == 1
    _, myth_rows = ws.raw_rows([ws.Response("other", {"M1": ws.TRUE, "M2": ws.FALSE})], "myths", "?", C)
    assert myth_rows[0][3:6] == ["true", "false", None]


def test_statement_and_pattern_rows():
    rng = random.Random(5)
    rows = [(role, {q: rng.randint(1, 5) for q in PULSE}) for role in ["executive"] * 3 + ["frontline"] * 3]
    room = room_of(rows)
    header, per_statement = ws.statement_rows(room)
    assert header[:2] == ["statement", "responses"] and header[-3:] == ["mean_executive", "mean_frontline",
                                                                        "mean_other"]
    assert len(per_statement) == 7 and all(r[1] == 6 for r in per_statement)
    assert per_statement[0][-1] is None  # no "other" group in the room
    header, per_pattern = ws.pattern_rows(room)
    assert header[:4] == ["scope", "id", "participants", "overall"]
    assert [r[:3] for r in per_pattern[:4]] == [["room", "all", 6], ["group", "executive", 3],
                                                ["group", "frontline", 3], ["group", "other", 0]]
    assert per_pattern[0][3] == room.result.overall
    header, myth_rows = ws.statement_rows(room_of([("it", {"M1": 0})], "myths"))
    assert header[-2:] == ["correct", "correct_rate"] and myth_rows[0][-2:] == [1, 100.0]


def test_room_to_dict_for_the_cli():
    rows = [("executive", {q: 5 for q in PULSE})] + [("frontline", {q: 2 for q in PULSE})]
    out = ws.room_to_dict(room_of(rows, min_group=1))
    assert out["participants"] == 2
    assert [p["id"] for p in out["patterns"]] == [p.id for p in C.patterns]
    assert set(out["roles"]) == {"executive", "frontline"} and out["roles"]["executive"]["count"] == 1
    assert out["roles"]["executive"]["patterns"][0]["risk"] is not None
    assert out["gaps"] and out["gaps"][0]["difference"] == 3.0


# the phone's pages, the warm-up's order, values from a client, the join limit ------------

def test_a_phone_answers_any_set_in_at_most_three_pages_cut_at_patterns():
    assert ws.pages("pulse", C) == (C.question_ids("pulse"),)
    assert ws.pages("myths", C) == (ws.statement_ids("myths", C),)
    full = ws.pages("full", C)
    assert 2 <= len(full) <= ws.MAX_PAGES
    assert tuple(q for page in full for q in page) == C.question_ids("full")  # every statement, in order
    for before, after in zip(full, full[1:]):  # a pattern is never cut in two
        assert C.question_index[before[-1]].pattern != C.question_index[after[0]].pattern
    assert max(map(len, full)) - min(map(len, full)) <= 6  # as even as whole patterns allow


def test_the_warm_up_order_is_the_workshops_own_and_the_same_everywhere():
    ids = set(ws.statement_ids("myths", C))
    orders = {ws.statement_ids("myths", C, code) for code in ("ABCDEF", "GHJKLM", "NPQRST", "UVWXYZ", "234567",
                                                              "89ABCD", "EFGHJK", "LMNPQR")}
    assert all(set(o) == ids for o in orders) and len(orders) > 1  # shuffled per workshop
    assert ws.statement_ids("myths", C, "abcdef") == ws.statement_ids("myths", C, "ABCDEF")  # as typed
    assert ws.statement_ids("myths", C) == tuple(m.id for m in C.myths)  # no code: the content's order
    assert ws.pages("myths", C, "GHJKLM") == (ws.statement_ids("myths", C, "GHJKLM"),)
    assert ws.statement_ids("pulse", C, "ABCDEF") == C.question_ids("pulse")  # the questionnaire keeps its order


def test_choices_from_a_client_keep_only_what_the_set_allows():
    unknown = -1
    q1, q2, q3, q4 = PULSE[:4]
    got = ws.answers_from_choices("pulse", {q1: 3, q2: unknown, q3: 99, q4: "5", "P9-9": 2, PULSE[4]: None,
                                            PULSE[5]: True}, unknown, C)
    assert got == {q1: 3, q2: None}
    assert ws.answers_from_choices("myths", {"M1": 1, "M2": 0, "M3": 2}, unknown, C) == {"M1": 1, "M2": 0}


def test_the_join_limiter_counts_per_address_in_a_sliding_window():
    now = [0.0]
    limiter = ws.JoinLimiter(3, 60, clock=lambda: now[0])
    assert [limiter.allow("10.0.0.1") for _ in range(4)] == [True, True, True, False]
    assert limiter.allow("10.0.0.2") and limiter.allow(None)  # others, and this computer, are separate
    assert limiter.retry_after("10.0.0.1") == 60
    now[0] = 59.5
    assert not limiter.allow("10.0.0.1") and limiter.retry_after("10.0.0.1") == 1
    now[0] = 60.0
    assert limiter.allow("10.0.0.1")  # the first three have left the window
    assert all(ws.JoinLimiter(0, 60).allow("x") for _ in range(100))  # 0: no limit


def test_the_join_limiter_forgets_the_oldest_addresses_first(monkeypatch):
    monkeypatch.setattr(ws.JoinLimiter, "MAX_ADDRESSES", 3)
    limiter = ws.JoinLimiter(1, 60, clock=lambda: 0.0)
    for a in "abcd":
        assert limiter.allow(a)
    assert limiter.allow("a") and not limiter.allow("d")  # "a" was forgotten, "d" is remembered


@pytest.mark.parametrize("raw, expected", [("", ws.JOIN_LIMIT), ("100/30", (100, 30.0)), ("0", (0, 60.0)),
                                           (" 5 ", (5, 60.0))])
def test_the_join_limit_comes_from_the_environment(monkeypatch, raw, expected):
    monkeypatch.setenv("DX_JOIN_LIMIT", raw)
    assert ws.join_limit_from_env() == expected


@pytest.mark.parametrize("raw", ["lots", "10/0", "-1/60", "10/x"])
def test_a_bad_join_limit_is_refused_with_a_sentence(monkeypatch, raw):
    monkeypatch.setenv("DX_JOIN_LIMIT", raw)
    with pytest.raises(DxError) as e:
        ws.join_limit_from_env()
    assert "DX_JOIN_LIMIT" in e.value.message("ja")


def test_a_room_pin_is_a_few_digits_and_typed_pins_are_normalised():
    pins = {ws.new_pin() for _ in range(50)}
    assert all(len(p) == ws.PIN_LENGTH and p.isdigit() for p in pins) and len(pins) > 10
    assert ws.normalise_pin(" １２３４ ") == "1234" and ws.normalise_pin(None) == ""
