"""Chinese and English: gettext catalogs (made with Babel: ``make i18n``) and the language in force.

The language is chosen by ``--lang``, else ``EQUITYGRAPH_LANG``, else the locale (``LC_ALL``,
``LC_MESSAGES``, ``LANG``); it is held in a context variable, so each request of the served app
can have its own. Messages are English in the code; data values (names, roles as registered) are
never passed through here.
"""

from __future__ import annotations

import contextlib
import contextvars
import gettext
import os
from functools import lru_cache
from pathlib import Path

DOMAIN = "equitygraph"
LOCALES = Path(__file__).with_name("locale")
LANGUAGES = ("en", "zh")
_current: contextvars.ContextVar[str] = contextvars.ContextVar("equitygraph_language", default="")
_missing: set[str] = set()


def choose_language(explicit: str | None = None) -> str:
    """``explicit``, else ``EQUITYGRAPH_LANG``, else the locale: "zh" for any Chinese locale, else "en".

    Examples
    --------
    >>> choose_language("zh"), choose_language("en-GB"), choose_language("zh_CN.UTF-8")
    ('zh', 'en', 'zh')
    """
    for value in (explicit, os.environ.get("EQUITYGRAPH_LANG"), os.environ.get("LC_ALL"),
                  os.environ.get("LC_MESSAGES"), os.environ.get("LANG")):
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"


def current() -> str:
    return _current.get() or choose_language()


def lang_tag() -> str:
    """The language in force as an HTML ``lang`` value."""
    return "zh-CN" if current() == "zh" else "en"


def reset() -> None:
    """Back to the language the environment chooses (tests)."""
    _current.set("")


def set_language(lang: str) -> None:
    if lang not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, got {lang!r}")
    _current.set(lang)


@contextlib.contextmanager
def language(lang: str):
    """Messages in ``lang`` inside the block."""
    if lang not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, got {lang!r}")
    token = _current.set(lang)
    try:
        yield
    finally:
        _current.reset(token)


@lru_cache(maxsize=None)
def catalog(lang: str) -> dict[str, str]:
    """The translations of ``lang``: English message -> translation."""
    if lang == "en":
        return {}
    with open(LOCALES / lang / "LC_MESSAGES" / f"{DOMAIN}.mo", "rb") as f:
        translations = gettext.GNUTranslations(f)
    return {k: v for k, v in translations._catalog.items() if isinstance(k, str) and k}


def _(message: str) -> str:
    """``message`` in the language in force (a message with no translation is kept, and noted
    for :func:`untranslated`)."""
    lang = current()
    if lang == "en":
        return message
    found = catalog(lang).get(message)
    if found is None:
        _missing.add(message)
        return message
    return found


def role_name(role: str) -> str:
    """A standard officer role in the language in force; a title kept as registered stays as it is."""
    from ..graph.roles import OFFICER_ROLES

    return _(role.replace("_", " ")) if role in OFFICER_ROLES else role


def known(message: str) -> str:
    """``message`` translated where the catalog has it, else as it is (a heading already translated
    with its data passes through unchanged)."""
    lang = current()
    return message if lang == "en" else catalog(lang).get(message, message)


def N_(message: str) -> str:
    """Marks ``message`` for the catalog where it is translated later (at render time)."""
    return message


def untranslated() -> set[str]:
    """Every message asked for in a language other than English that has no translation (tests)."""
    return set(_missing)


def said_as(name: str) -> list[str]:
    """The results that hold the sentence ``name`` (written by ``analyze`` in each language) in the
    language in force, the one to read first first: ``name_zh`` then ``name`` in Chinese (an analysis
    made before reasons were kept in Chinese wrote only ``name``)."""
    return [name] if current() == "en" else [f"{name}_{current()}", name]


def said(results: dict, name: str):
    """The sentence result ``name`` of one entity's ``results`` in the language in force (:func:`said_as`)."""
    return next((results[n] for n in said_as(name) if results.get(n) is not None), None)
