"""Search forms: the str.translate pinyin against the character-by-character reading it replaced
(kept in graph/names.py for names with characters of no known reading)."""

from hypothesis import given, settings
from hypothesis import strategies as st

from equitygraph.graph.model import normalize_name
from equitygraph.graph.names import _pinyin_by_character, is_cjk, pinyin_forms


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
