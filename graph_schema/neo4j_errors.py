"""What the Neo4j driver's failures mean to the rest of qconnect, and outages once known.

During an outage every operation would wait out the driver's connection timeout and retries
(6–7.5 s) before failing, which a health probe takes for a hung service. So the first
operation to find the server unreachable says so (:class:`Outage`); from then on operations
are refused at once, and a background thread asks the server every second whether it answers
again. When it does, operations go through as before: nothing needs restarting.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from neo4j.exceptions import (
    ConstraintError,
    DatabaseUnavailable,
    DriverError,
    Neo4jError,
    ServiceUnavailable,
    SessionExpired,
)

from models.errors import ConflictError, QConnectError, StoreUnavailableError

__all__ = ["Outage", "translated"]

log = logging.getLogger("qconnect.store")


class Outage:
    """Whether the store is known to be down; ``probe`` raises unless the store answers."""

    def __init__(self, probe: Callable[[], None], *, every: float = 1.0) -> None:
        self._probe = probe
        self._every = every
        self._known: str | None = None  # the message operations are refused with meanwhile
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._waiting: threading.Thread | None = None

    def check(self) -> None:
        """Refuse at once while the store is known to be down."""
        known = self._known
        if known is not None:
            raise StoreUnavailableError(known)

    def found(self, message: str) -> None:
        """An operation found the store unreachable (``message`` says how): refuse operations
        from now on, until the probe finds it answering again."""
        with self._lock:
            if self._known is not None or self._stopping.is_set():
                return
            self._known = message
            log.warning("store unreachable: operations fail at once until it answers")
            self._waiting = threading.Thread(target=self._wait, name="store-probe", daemon=True)
            self._waiting.start()

    def _wait(self) -> None:
        while not self._stopping.wait(self._every):
            try:
                self._probe()
            except Exception:  # any failure means not back yet; the probe runs until it is
                continue
            with self._lock:
                self._known = None
            log.info("store reachable again")
            return

    def close(self) -> None:
        """Stop probing (before the connection the probe uses is closed)."""
        with self._lock:
            self._stopping.set()
            waiting = self._waiting
        if waiting is not None:
            waiting.join()


@contextmanager
def translated(location: str, outage: Outage) -> Iterator[None]:
    """Driver failures as qconnect's own errors, so callers never see driver types; while the
    server at ``location`` is known to be unreachable, that error at once."""
    outage.check()
    try:
        yield
    except ConstraintError as exc:
        raise ConflictError(f"write refused, nothing changed: {exc.message}") from exc
    except (ServiceUnavailable, SessionExpired, DatabaseUnavailable, OSError) as exc:
        message = f"Neo4j at {location} is unavailable: {exc}"
        outage.found(message)
        raise StoreUnavailableError(message) from exc
    except Neo4jError as exc:
        if exc.code == "Neo.TransientError.General.MemoryPoolOutOfMemoryError":
            raise QConnectError(
                "the write is larger than Neo4j's transaction memory allows, so nothing was "
                "written: raise the server's heap or dbms.memory.transaction.total.max, or "
                "import the bundle in parts") from exc
        raise QConnectError(f"Neo4j refused the request: {exc}") from exc
    except DriverError as exc:
        raise QConnectError(f"Neo4j refused the request: {exc}") from exc
