"""Pinyin keys for name search, computed once when a name is written."""

from __future__ import annotations

from functools import lru_cache

from pypinyin import lazy_pinyin


@lru_cache(maxsize=200_000)
def pinyin_keys(name: str) -> tuple[str, str]:
    """``("zhangsan", "zs")`` for 张三; latin letters pass through lower-cased."""
    syllables = [s.lower() for s in lazy_pinyin(name, errors=lambda chars: list(chars))]
    syllables = [s for s in syllables if s.strip()]
    full = "".join(syllables)
    initials = "".join(s[0] for s in syllables)
    return full, initials
