"""Bounded memos of pure answers, kept per exact key for as long as a process repeats them
(a reader sees the same template parts, labels, periods and scores in form after form).

A memo is a plain dict owned by its module; `keep` stores into it and empties it when it is
full, so it never grows past `size` (no eviction order to maintain: a run's working set
refills it at once). What may be kept, and under which key, is the caller's rule."""

from __future__ import annotations

from typing import TypeVar

Value = TypeVar("Value")


def keep(memo: dict, key: object, value: Value, size: int) -> Value:
    """Store `value` under `key` (emptying `memo` first when it holds `size` entries)."""
    if len(memo) >= size:
        memo.clear()
    memo[key] = value
    return value
