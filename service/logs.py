"""The service's log lines: JSON, one object a line on standard error, for every logger.

Every log line of the service, its libraries' and its evaluation process's included, is JSON
and carries no personal data: no ids, query strings, bodies, key material or the messages of
exceptions (which can quote any of these); a traceback gives frames and exception types only.
The HTTP service (where :mod:`api.request_log` adds one line per request) and the evaluation
process (:mod:`service.evaluation_worker`, which writes to the service's standard error) both
set logging up here.
"""

from __future__ import annotations

import json
import logging
import traceback

__all__ = ["LIBRARIES", "JsonFormatter", "configure_logging", "trace"]


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message and the record's ``fields``."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {"time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"), "level": record.levelname,
                 "logger": record.name, "message": record.getMessage(),
                 **getattr(record, "fields", {})}
        if record.exc_info and record.exc_info[1] is not None:
            entry["error"] = trace(record.exc_info[1])
        return json.dumps(entry, default=str)


def trace(error: BaseException) -> str:
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
    its lines name the path with its ids and query, and :class:`api.request_log.RequestLog`
    writes one line per request instead."""
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
