"""Names as screening compares them: in Latin letters whatever their script, cut into words that
line up across transliterations, and how alike two names are.

A register writes 张晓明; a sanctions list writes ZHANG Xiaoming, Xiaoming Zhang or Чжан Сяомин.
Every name becomes a :class:`NameForm`: its words in Latin letters (Chinese characters by their
pinyin, other scripts by ICU's transliteration through ``normality``), a Latin word that is a run of
pinyin syllables cut into them (``xiaoming`` -> ``xiao ming``, so that it meets the characters one
by one), legal forms dropped from organisations' names; and, for a name in Chinese characters,
the characters themselves. Two names in characters are compared by their characters (homophones
are different people: 张晓明 is not 章晓鸣); a name in characters against one in Latin letters by
sound, and never scores more than :data:`SAME_SOUND` (the characters cannot be known from the
sound).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations

from rapidfuzz.distance import JaroWinkler, Levenshtein

from ..model import normalize_name
from ..names import is_cjk, pinyin_syllables, pinyin_words

#: The most a name in Chinese characters and one in Latin letters can score: the same sound.
SAME_SOUND = 0.9
#: Two words count as one spelled two ways from this similarity on (Levenshtein, normalised).
WORD_ALIKE = 0.8
#: A name of one word scores no more than this: a surname or a brand alone is no match without a
#: birth date or an identifier besides.
ONE_WORD = 0.65
#: What a score keeps when a word of the shorter name pairs with nothing (游立雄 is not Koo Li-hsiung).
UNPAIRED = 0.75
#: The Chinese legal forms an organisation's name ends with, longest first.
CJK_LEGAL_FORMS = ("股份有限公司", "有限责任公司", "集团有限公司", "有限合伙企业", "（有限合伙）", "(有限合伙)", "有限公司",
                   "股份公司", "株式会社", "合伙企业", "分公司", "公司")
#: Latin words of legal forms and joining words, dropped from organisations' names.
LATIN_LEGAL_WORDS = frozenset(
    "co ltd limited inc incorporated llc corp corporation company plc gmbh ag sa ooo oao zao pao ao jsc pjsc llp "
    "lp bv nv srl spa ab as oy kk the of and".split())
_SPLIT = re.compile(r"[^0-9a-z]+")


@dataclass(frozen=True)
class NameForm:
    """One name as screening compares it: its Latin words, its Chinese characters if written in
    them, and then their reading in Wade-Giles too (Taiwan's names: 王定宇 is Wang Ting-yu)."""

    words: tuple[str, ...]
    characters: str | None = None
    #: the same words spelled otherwise: in Wade-Giles; or not cut into syllables (Denise, not de ni se)
    respelled: tuple[str, ...] = ()

    @property
    def spellings(self) -> tuple[tuple[str, ...], ...]:
        return (self.words, self.respelled) if self.respelled else (self.words,)


def name_form(name: str, organisation: bool = False, person: bool = False) -> NameForm:
    """The form a name is compared in.

    Examples
    --------
    >>> name_form("张晓明")
    NameForm(words=('zhang', 'xiao', 'ming'), characters='张晓明', respelled=('chang', 'hsiao', 'ming'))
    >>> name_form("ZHANG Xiaoming")
    NameForm(words=('zhang', 'xiao', 'ming'), characters=None, respelled=('zhang', 'xiaoming'))
    >>> name_form("Huawei Technologies Co., Ltd.", organisation=True).words
    ('hua', 'wei', 'technologies')
    >>> name_form("深圳市华为技术有限公司", organisation=True).characters
    '深圳市华为技术'
    """
    text = normalize_name(name)
    if person:
        from rigour.names import remove_person_prefixes

        text = remove_person_prefixes(text).strip() or text
    if organisation:
        text = _without_cjk_legal_form(text)
    characters = "".join(ch for ch in text if is_cjk(ch)) or None
    plain = latin_words(text)
    if organisation:
        plain = [w for w in plain if w not in LATIN_LEGAL_WORDS] or plain
    words = tuple(w for piece in plain for w in _syllables(piece))
    other = tuple(wade_giles(w) for w in words) if characters else tuple(plain)
    return NameForm(words, characters, other if other != words else ())


_WG_WHOLE = {"zi": "tzu", "ci": "tzu", "si": "ssu", "zhi": "chih", "chi": "chih", "shi": "shih", "ri": "jih",
             "er": "erh", "you": "yu", "yan": "yen", "ye": "yeh", "yong": "yung", "yue": "yueh", "e": "o"}
_WG_INITIALS = (("zh", "ch"), ("ch", "ch"), ("sh", "sh"), ("z", "ts"), ("c", "ts"), ("j", "ch"), ("q", "ch"),
                ("x", "hs"), ("r", "j"), ("b", "p"), ("d", "t"), ("g", "k"))
_WG_FINALS = (("iong", "iung"), ("ian", "ien"), ("ong", "ung"), ("ie", "ieh"), ("ui", "uei"), ("ue", "ueh"))


@lru_cache(maxsize=1024)
def wade_giles(syllable: str) -> str:
    """A pinyin syllable in Wade-Giles as names are written in it (no apostrophes, no umlaut).

    Examples
    --------
    >>> [wade_giles(s) for s in ("ding", "qi", "chang", "xiong", "zheng", "duo", "ge", "zi")]
    ['ting', 'chi', 'chang', 'hsiung', 'cheng', 'to', 'ko', 'tzu']
    """
    if syllable in _WG_WHOLE:
        return _WG_WHOLE[syllable]
    initial, final = "", syllable
    for pinyin, wade in _WG_INITIALS:
        if syllable.startswith(pinyin):
            initial, final = wade, syllable[len(pinyin):]
            break
    else:
        for letter in "pmftnlkhsyw":
            if syllable.startswith(letter):
                initial, final = letter, syllable[1:]
                break
    for pinyin, wade in _WG_FINALS:
        if final.endswith(pinyin):
            final = final[: -len(pinyin)] + wade
            break
    if final == "e" and initial in ("k", "h"):
        final = "o"
    elif final == "uo" and initial not in ("k", "h", "sh", "ch"):
        final = "o"
    return initial + final


def latin_words(text: str) -> list[str]:
    """A text's words in Latin letters, lower case, as written (Chinese characters by their pinyin).

    Examples
    --------
    >>> latin_words("北京市朝阳区 Road 5"), latin_words("Минск")
    (['bei', 'jing', 'shi', 'chao', 'yang', 'qu', 'road', '5'], ['minsk'])
    """
    text = normalize_name(text)
    # a soft sign transliterates to an apostrophe or a prime (Кузьменко: Kuz'menko): not a word break
    latin = pinyin_words(text) if any(is_cjk(ch) for ch in text) else _ascii(text).replace("'", "").replace("\u02b9", "")
    return [piece for piece in _SPLIT.split(latin.lower()) if piece]


def _without_cjk_legal_form(text: str) -> str:
    for form in CJK_LEGAL_FORMS:
        if text.endswith(form) and len(text) > len(form):
            return text[: -len(form)]
    return text


def _ascii(text: str) -> str:
    if text.isascii():
        return text
    from normality import ascii_text

    return ascii_text(text) or ""


@lru_cache(maxsize=65536)
def _syllables(word: str) -> tuple[str, ...]:
    """A Latin word cut into pinyin syllables where it is a run of two to four of them, else the
    word itself (``xiaoming`` -> ``xiao ming``; ``putin`` stays)."""
    if not 4 <= len(word) <= 24 or not word.isalpha():
        return (word,)
    known = _cut_syllables()
    best: list[tuple[str, ...] | None] = [None] * (len(word) + 1)
    best[0] = ()
    for end in range(1, len(word) + 1):
        for start in range(max(0, end - 6), end):
            head = best[start]
            if head is not None and word[start:end] in known:
                cut = head + (word[start:end],)
                if best[end] is None or len(cut) < len(best[end]):
                    best[end] = cut
    cut = best[len(word)]
    return cut if cut is not None and 2 <= len(cut) <= 4 else (word,)


def _may_be_misspelt(x: str, y: str, syllables: frozenset[str]) -> bool:
    """Whether two different words may be one spelled two ways: not where either is one pinyin
    syllable (peng is not ping, liang is not liping), nor where both are runs of syllables
    (xiaoming is not xiaoping): those are other characters."""
    if x in syllables or y in syllables:
        return False
    return not (len(_syllables(x)) > 1 and len(_syllables(y)) > 1)


@lru_cache(maxsize=1)
def _spoken_syllables() -> frozenset[str]:
    """Every pinyin syllable and its Wade-Giles spelling."""
    return frozenset(pinyin_syllables()) | {wade_giles(s) for s in pinyin_syllables()}


@lru_cache(maxsize=1)
def _cut_syllables() -> frozenset[str]:
    """The syllables a word is cut into: those with a vowel and two letters or more (not n, m, ng)."""
    return frozenset(s for s in pinyin_syllables() if len(s) >= 2 and any(v in s for v in "aeiou"))


def name_keys(form: NameForm) -> set[str]:
    """The keys a name is found by before it is compared (blocking): its Chinese characters, each
    pair of its words (in either order), the same pairs of their first four letters (a spelling
    that differs at the end) and of the Soundex codes of its words of five letters or more (a
    spelling that differs inside), and each word of seven letters or more; a name of one word by the word.

    Examples
    --------
    >>> sorted(name_keys(name_form("Vladimir Putin")))
    ['p:putin|vladimir', 'q:puti|vlad', 's:P350|V435', 'w:vladimir']
    >>> name_keys(name_form("张晓明")) >= {'c:张晓明', 'p:xiao|zhang'}
    True
    """
    keys = {f"c:{form.characters}"} if form.characters else set()
    for spelled in form.spellings:
        keys |= _word_keys(spelled)
    return keys


def _word_keys(spelled: tuple[str, ...]) -> set[str]:
    keys = set()
    words = sorted(set(spelled))[:8]
    # A long word is found alone (Vladimirovna, Zhuravleva / Zjuravleva share no pair); no pinyin
    # syllable is that long, so "wang" or "zhuang" alone finds nothing.
    keys.update(f"w:{w}" for w in words if len(words) == 1 or len(w) >= 7)
    sounding = sorted({_soundex(w) for w in words if len(w) >= 5 and w.isalpha()})  # Viktor Sojko, Victor Soyko
    keys.update(f"s:{a}|{b}" for a, b in combinations(sounding, 2))
    for a, b in combinations(words, 2):
        keys.add(f"p:{a}|{b}")
        if len(a) > 4 or len(b) > 4:
            keys.add("q:" + "|".join(sorted((a[:4], b[:4]))))
    return keys


@lru_cache(maxsize=65536)
def _soundex(word: str) -> str:
    from rigour.text import soundex

    return soundex(word)


def name_similarity(a: NameForm, b: NameForm) -> tuple[float, str]:
    """How alike two names are, from 0 to 1, and how they were compared ("characters", "sound",
    "spelling").

    Every word of the shorter name is paired with its most alike word of the other (each word once,
    alike from :data:`WORD_ALIKE`; a pinyin syllable only with itself); the score is the part of the
    shorter name so paired, lowered a little by words only the longer name has (a patronymic, a middle
    name), and by a quarter when a word of the shorter name pairs with nothing.

    Examples
    --------
    >>> name_similarity(name_form("张晓明"), name_form("Xiaoming ZHANG"))
    (0.9, 'sound')
    >>> name_similarity(name_form("张晓明"), name_form("张晓明"))
    (1.0, 'characters')
    >>> round(name_similarity(name_form("Vladimir Putin"), name_form("Vladimir Vladimirovich PUTIN"))[0], 3)
    0.9
    """
    if a.characters and b.characters:
        return _aligned(tuple(a.characters), tuple(b.characters), exact=True), "characters"
    score = max(_aligned(x, y, exact=False) for x in a.spellings for y in b.spellings)
    if bool(a.characters) != bool(b.characters):
        return min(score, SAME_SOUND), "sound"
    return score, "spelling"


def _aligned(a: tuple[str, ...], b: tuple[str, ...], exact: bool) -> float:
    if not a or not b:
        return 0.0
    syllables = _spoken_syllables()  # two syllables are the same or two characters: peng is not ping
    pairs = []
    for i, x in enumerate(a):
        for j, y in enumerate(b):
            if x == y:
                pairs.append((1.0, i, j))
            elif not exact and min(len(x), len(y)) >= 4 and _may_be_misspelt(x, y, syllables):
                alike = Levenshtein.normalized_similarity(x, y)
                if 4 * min(len(x), len(y)) >= 3 * max(len(x), len(y)):  # Vitalij, Vitaly; not Xiao, Xiaoping
                    alike = max(alike, JaroWinkler.similarity(x, y) - 0.05)
                if alike >= WORD_ALIKE:
                    pairs.append((alike, i, j))
    pairs.sort(key=lambda p: (-p[0], p[1], p[2]))
    used_a, used_b, paired = set(), set(), 0.0
    for alike, i, j in pairs:
        if i not in used_a and j not in used_b:
            used_a.add(i)
            used_b.add(j)
            paired += alike * (len(a[i]) + len(b[j])) / 2
    weight_a, weight_b = sum(map(len, a)), sum(map(len, b))
    shorter, longer = min(weight_a, weight_b), max(weight_a, weight_b)
    score = paired / shorter * (0.8 + 0.2 * paired / longer)
    if len(used_a) < min(len(a), len(b)):
        score *= UNPAIRED
    if min(len(a), len(b)) == 1:
        score = min(score, ONE_WORD)
    return min(score, 1.0)
