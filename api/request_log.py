"""Structured logs and request ids.

Each request gets an id (the caller's ``X-Request-ID`` when it is a sane token, else a fresh
one), returned in the response header and written on every log line about it. Log lines are
JSON (:mod:`service.logs`) and carry no personal data: the route's template
(``/members/{member_id}``), never the path with ids in it, nor query strings, bodies or key
material.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["RequestLog"]

log = logging.getLogger("qconnect.api")
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


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
