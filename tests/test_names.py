"""Search forms: the str.translate pinyin against the character-by-character reading it replaced
(kept in graph/names.py for names with characters of no known reading)."""

import unicodedata
from itertools import islice, product

from hypothesis import given, settings
from hypothesis import strategies as st

from pypinyin.pinyin_dict import pinyin_dict

from equitygraph.graph.model import normalize_name
from equitygraph.graph.names import (
    HETERONYMS,
    MAX_READINGS,
    _pinyin_by_character,
    _pinyin_table,
    is_cjk,
    pinyin_forms,
    pinyin_readings,
    search_forms,
)


def _by_character(name: str):
    norm = normalize_name(name)
    return _pinyin_by_character(norm) if any(is_cjk(ch) for ch in norm) else None


_NAME_CHARACTERS = st.one_of(
    st.sampled_from("华信投资有限公司深圳（）()·〇㐀鿿 -_.,&ＡＢ１２ab19ÜüÉ\u3000\t"),
    st.characters(min_codepoint=0x3400, max_codepoint=0x9fff),
    st.characters(min_codepoint=0x20000, max_codepoint=0x2ffff),
    st.characters(codec="utf-8"),
)


@settings(max_examples=400)
@given(st.text(_NAME_CHARACTERS, max_size=24))
def test_pinyin_forms_equal_the_character_by_character_reading(name):
    assert pinyin_forms(name) == _by_character(name)


def test_pinyin_forms_of_a_worked_example():
    assert pinyin_forms("华信投资（深圳）有限公司") == ("huaxintouzishenzhenyouxiangongsi", "hxtzszyxgs")
    assert pinyin_forms("Acme 华 Ltd.") == ("acmehualtd", "acmehltd")


def _every_reading(name: str):
    """Each character's options, the usual reading first, multiplied out character by character."""
    norm = normalize_name(name)
    if not any(is_cjk(ch) for ch in norm):
        return []
    table = _pinyin_table()
    options = []
    for ch in norm:
        if ch in HETERONYMS:
            options.append(HETERONYMS[ch])
        elif ch.isascii():
            options.append((ch,) if ch.isalnum() else ("",))
        else:
            options.append((table.get(ord(ch), ""),))
    return [("".join(c), "".join(r[:1] for r in c)) for c in islice(product(*options), MAX_READINGS)]


@settings(max_examples=300)
@given(st.text(st.one_of(st.sampled_from("".join(HETERONYMS)), _NAME_CHARACTERS), max_size=12))
def test_pinyin_readings_are_every_combination_of_the_two_way_readings(name):
    readings = pinyin_readings(name)
    assert readings == _every_reading(name)
    assert readings[:1] == ([pinyin_forms(name)] if pinyin_forms(name) else [])
    assert search_forms(name)[1:] == [form for reading in readings for form in reading]


def test_each_two_way_reading_is_one_pypinyin_lists_for_the_character():
    def plain(reading):
        bare = "".join(c for c in unicodedata.normalize("NFKD", reading) if not unicodedata.combining(c))
        return bare.replace("ü", "v")

    for ch, readings in HETERONYMS.items():
        listed = {plain(r) for r in pinyin_dict[ord(ch)].split(",")}
        assert len(readings) >= 2 and set(readings) <= listed, ch


def test_a_name_with_many_two_way_characters_keeps_the_first_readings_only():
    readings = pinyin_readings("长重行乐单")  # 2 * 2 * 2 * 2 * 3 = 48 combinations
    assert len(readings) == MAX_READINGS
    assert readings[0] == ("changzhongxingledan", "czxld")
    assert readings[1] == ("changzhongxingleshan", "czxls")
