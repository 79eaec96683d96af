"""Structured logs and request ids.

Each request gets an id (the caller's ``X-Request-ID`` when it is a sane token, else a fresh
one), returned in the response header and written on every log line about it. Log lines are
JSON and carry no personal data: the route's template (``/members/{member_id}``), never the
path with ids in it, nor query strings, bodies or key material.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response

__all__ = ["JsonFormatter", "configure_logging", "install_request_log"]

log = logging.getLogger("qconnect.api")
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message and the record's ``fields``."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {"time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"), "level": record.levelname,
                 "logger": record.name, "message": record.getMessage(),
                 **getattr(record, "fields", {})}
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure_logging(level: str) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("qconnect")
    logger.handlers[:] = [handler]
    logger.setLevel(level.upper())
    logger.propagate = False


def install_request_log(app: FastAPI) -> None:
    @app.middleware("http")
    async def request_log(request: Request,
                          call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        given = request.headers.get("x-request-id", "")
        request_id = given if _REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
        request.state.request_id = request_id
        started = time.perf_counter()
        response = await call_next(request)
        route = request.scope.get("route")
        log.info("request", extra={"fields": {
            "request_id": request_id, "method": request.method,
            "route": getattr(route, "path", "unmatched"), "status": response.status_code,
            "ms": round((time.perf_counter() - started) * 1000, 2)}})
        response.headers["X-Request-ID"] = request_id
        return response
