import pytest

from dxcore.lgcode import LgCodeError, check_digit, find_prefecture, prefecture_of, validate


@pytest.mark.parametrize("code", ["011002", "130001", "131016", "271004", "472018"])
def test_known_codes_pass(code):
    assert validate(code) == code


def test_full_width_and_spaces_are_accepted():
    assert validate(" １３１０１６ ") == "131016"


@pytest.mark.parametrize("raw,reason", [("131015", "check_digit"), ("13101", "format"),
                                         ("13101a", "format"), ("", "format"), ("990001", "prefecture")])
def test_bad_codes_are_refused_with_a_reason(raw, reason):
    with pytest.raises(LgCodeError) as e:
        validate(raw)
    assert e.value.reason == reason
    assert raw in e.value.message("ja") or reason == "format"


def test_check_digit_rule():
    # 1*6 + 3*5 + 1*4 + 0*3 + 1*2 = 27; 27 % 11 = 5; 11 - 5 = 6
    assert check_digit("13101") == 6
    # remainder 0 -> 11 -> last digit 1; remainder 1 -> 10 -> 0
    assert check_digit("00000") == 1
    assert check_digit("20000") == 0  # 12 % 11 = 1


def test_prefectures():
    assert prefecture_of("131016").name["ja"] == "東京都"
    assert find_prefecture("Osaka").code == "27" and find_prefecture("北海道").code == "01"
    assert find_prefecture("どこか県") is None
