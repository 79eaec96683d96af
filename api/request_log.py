"""Structured logs and request ids.

Each request gets an id (the caller's ``X-Request-ID`` when it is a sane token, else a fresh
one), returned in the response header and written on every log line about it. Every log line
of the service, its libraries' included, is JSON and carries no personal data: the route's
template (``/members/{member_id}``), never the path with ids in it, nor query strings, bodies,
key material or the messages of exceptions (which can quote any of these).
"""

from __future__ import annotations

import json
import logging
import re
import time
import traceback
import uuid
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["JsonFormatter", "RequestLog", "configure_logging"]

log = logging.getLogger("qconnect.api")
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message and the record's ``fields``."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {"time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"), "level": record.levelname,
                 "logger": record.name, "message": record.getMessage(),
                 **getattr(record, "fields", {})}
        if record.exc_info and record.exc_info[1] is not None:
            entry["error"] = _trace(record.exc_info[1])
        return json.dumps(entry, default=str)


def _trace(error: BaseException) -> str:
    """Where ``error`` (and the errors it was raised from) happened: each one's frames and
    type, but not its message, which can quote input (an id, a name, a search)."""
    chain: list[BaseException] = []
    found: BaseException | None = error
    while found is not None and found not in chain:
        chain.append(found)
        found = found.__cause__ or (None if found.__suppress_context__ else found.__context__)
    lines = ["Traceback (most recent call last):\n"]
    for raised in reversed(chain):
        kind = type(raised)
        module = "" if kind.__module__ == "builtins" else f"{kind.__module__}."
        lines += [*traceback.format_tb(raised.__traceback__), f"{module}{kind.__qualname__}\n"]
    return "".join(lines)


class _JsonLines(logging.StreamHandler):  # type: ignore[type-arg]
    """The service's one handler: JSON lines on standard error."""


LIBRARIES = logging.WARNING
"""The level of every other library's logs (the Neo4j driver, the model's libraries, Python's
warnings): below it, they can carry queries and their parameters."""


def configure_logging(level: str) -> None:
    """Every logger's lines as JSON on standard error: qconnect's from ``level``; uvicorn's own
    (started, stopping, a malformed request, a failed request's traceback) from INFO or
    ``level``, if higher; everything else from :data:`LIBRARIES`. uvicorn's access log is off:
    its lines name the path with its ids and query, and :class:`RequestLog` writes one line
    per request instead."""
    handler = _JsonLines()
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    # Replace this function's handler if it ran before; leave any other (a test's) in place.
    root.handlers[:] = [h for h in root.handlers if not isinstance(h, _JsonLines)] + [handler]
    own = logging.getLevelNamesMapping().get(level.upper())
    if own is None:
        raise ValueError(f"QCONNECT_LOG_LEVEL must be a level such as INFO or DEBUG, not {level!r}")
    root.setLevel(max(LIBRARIES, own))
    levels = {"qconnect": own, "uvicorn": max(logging.INFO, own), "uvicorn.error": logging.NOTSET,
              "uvicorn.asgi": logging.NOTSET, "uvicorn.access": logging.CRITICAL + 1}
    for name, at in levels.items():  # NOTSET: as their parent, uvicorn
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
        logger.setLevel(at)
    # captureWarnings(True) does nothing when it ran before, even if warnings.showwarning has
    # been put back since (leaving warnings.catch_warnings does): take the warnings over anew.
    logging.captureWarnings(False)
    logging.captureWarnings(True)


class RequestLog:
    """ASGI middleware: a request id on every request and response, and one log line each."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = given if _REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status = [500]

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
                message["headers"] = [*message.get("headers", []),
                                      (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            if log.isEnabledFor(logging.INFO):
                log.info("request", extra={"fields": _fields(scope, request_id, status[0],
                                                             started)})


def _fields(scope: Scope, request_id: str, status: int, started: float) -> dict[str, Any]:
    route = scope.get("route")
    return {"request_id": request_id, "method": scope["method"],
            "route": getattr(route, "path", "unmatched"), "status": status,
            "ms": round((time.perf_counter() - started) * 1000, 2)}
