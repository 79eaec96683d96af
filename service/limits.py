"""Bounds on work too heavy to run many times at once inside requests.

Requests run in one pool of threads, shared by every route. Work that takes seconds of CPU
(forming groups from a large pool, exporting a large community), run by many requests at once
or waited for by them, fills that pool and holds the interpreter, and members' suggestions queue
behind it. Such work runs for one request at a time: another request that finds it under way is
told to come back (:class:`BusyError`, HTTP 429 with ``Retry-After``), not made to wait. What
depends only on the community is kept, for as long as the snapshot it was computed from lives,
so asking again costs nothing. (Evaluations, heavier still, run in the background:
:mod:`service.evaluations`.)
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Generic, TypeVar

from matcher.recommend.snapshot import Snapshot
from models.errors import BusyError

__all__ = ["OneAtATime", "PerSnapshot"]

T = TypeVar("T")


class OneAtATime:
    """Work that runs for one request at a time; ``what`` names it to the others."""

    def __init__(self, what: str) -> None:
        self.what = what
        self._running = threading.Lock()

    @contextmanager
    def turn(self) -> Iterator[None]:
        """Run the block, or raise :class:`BusyError` at once if it is running already."""
        if not self._running.acquire(blocking=False):
            raise BusyError(f"{self.what} is being computed for another request; try again "
                            "in a few seconds")
        try:
            yield
        finally:
            self._running.release()


class PerSnapshot(Generic[T]):
    """``compute(snapshot)`` for the snapshot last asked about, computed for one request at a
    time and kept only while that snapshot lives (so nothing of it, say of an erased member,
    outlives it)."""

    def __init__(self, what: str, compute: Callable[[Snapshot], T]) -> None:
        self._compute = compute
        self._turn = OneAtATime(what)
        self._guard = threading.Lock()
        self._of: weakref.ref[Snapshot] | None = None
        self._value: T | None = None

    def get(self, snapshot: Snapshot) -> T:
        with self._guard:
            if self._of is not None and self._of() is snapshot:
                return self._value  # type: ignore[return-value]
        with self._turn.turn():
            value = self._compute(snapshot)
        with self._guard:
            self._of, self._value = weakref.ref(snapshot, self._forget), value
        return value

    def _forget(self, gone: weakref.ref[Snapshot]) -> None:
        """The snapshot ``gone`` was computed for no longer lives: drop its value."""
        if self._of is gone:  # no lock: this may run inside any thread, even one in get()
            self._of = self._value = None
