"""One place that turns qconnect's errors into HTTP responses.

Every error body is ``{"detail": ...}``: for what the OpenAPI schema refuses (422) a list of
field errors, each with its ``type``, the field in ``loc`` and a ``msg``; otherwise one
sentence (400 for a request that cannot be carried out as asked, a rule beyond the schema
among them, 401 without a valid key, 403 for a caller who may not do this, 404 unknown, 405 a
method the path lacks, 409 a clash with what is stored). Heavy work already under way for
another request is ``429``, and a store that cannot be reached ``503`` (saying only that), both
with ``Retry-After``: the client may try again (the service reconnects to the store by itself).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from pydantic import BaseModel, ValidationError
from starlette.routing import Match

from models.errors import (
    BusyError,
    ConflictError,
    ForbiddenError,
    NotFoundError,
    QConnectError,
    StoreUnavailableError,
    UnauthorisedError,
)
from models.settings import get_settings

__all__ = ["ERROR_RESPONSES", "STORE_UNAVAILABLE", "ErrorBody", "install_error_handlers",
           "status_of"]


class ErrorBody(BaseModel):
    detail: str


ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    400: {"model": ErrorBody, "description": "A well-formed request the service cannot carry "
          "out as asked, e.g. an entry listed twice or group rules no pool can meet; nothing "
          "changed."},
    401: {"model": ErrorBody, "description": "No key, or a key that is not valid."},
    403: {"model": ErrorBody, "description": "The key's role or member may not do this."},
    404: {"model": ErrorBody, "description": "No such member, group, tie or skill (hidden "
          "members count as none for those who may not see them)."},
    409: {"model": ErrorBody, "description": "The write clashes with what is stored, e.g. an "
          "id in use or a member without consent; nothing changed."},
    413: {"description": "The request body is over 2 MB: refused before it is read, in plain "
          "text.", "content": {"text/plain": {"schema": {"type": "string"}}}},
    429: {"model": ErrorBody, "description": "The same heavy work (a proposal, an export) is "
          "under way for another request; retry after the number of seconds in Retry-After."},
    503: {"model": ErrorBody, "description": "The store is unreachable (and nothing more is "
          "said); retry after the number of seconds in Retry-After."},
}
"""Responses any authenticated route may give, documented once for every route."""

_STATUS: tuple[tuple[type[QConnectError], int], ...] = (
    (UnauthorisedError, 401),
    (ForbiddenError, 403),
    (NotFoundError, 404),
    (ConflictError, 409),
    (BusyError, 429),
    (StoreUnavailableError, 503),
    (QConnectError, 400),
)


STORE_UNAVAILABLE = "store unavailable: try again after the seconds in Retry-After"
"""All a client is told of an outage: where the store is and what the driver said are for the
service's operators (the command line says them), not for whoever calls."""


def status_of(exc: QConnectError) -> int:
    """The HTTP status of one of qconnect's errors, for the API and the web pages alike."""
    return next(code for kind, code in _STATUS if isinstance(exc, kind))


def _qconnect_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, QConnectError)
    status = status_of(exc)
    retry = {"Retry-After": str(get_settings().retry_after)}
    headers = {401: {"WWW-Authenticate": "Bearer"}, 429: retry, 503: retry}.get(status)
    detail = STORE_UNAVAILABLE if status == 503 else str(exc)
    return JSONResponse({"detail": detail}, status_code=status, headers=headers)


def _encodable(text: Any) -> Any:
    """``text`` with what UTF-8 cannot carry (a lone surrogate) written as an escape."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8") if isinstance(text, str) \
        else text


_RULE = "value_error"
"""The type of the errors qconnect's own validators raise: rules a schema cannot state (an
entry listed twice, a tie to oneself, a member also a coordinator of the same group)."""


def _field_errors(errors: Iterable[Mapping[str, Any]], *within: str) -> JSONResponse:
    """What the schema refuses is a 422 naming each refused field and why; a request the
    schema allows but the rules refuse is a 400 saying which rule. Neither echoes the refused
    value: it can be what JSON cannot carry (NaN, Infinity, a lone surrogate, all of which
    Python's JSON reader accepts), and it is the caller's own data anyway. A field's name can
    come from the input too (a key of an object), so names and messages are made encodable."""
    found = [{"type": e["type"], "loc": [*within, *map(_encodable, e["loc"])],
              "msg": _encodable(e["msg"])} for e in errors]
    if found and all(e["type"] == _RULE for e in found):
        return JSONResponse({"detail": "; ".join(_sentence(e) for e in found)}, status_code=400)
    return JSONResponse({"detail": found}, status_code=422)


def _sentence(error: Mapping[str, Any]) -> str:
    """``interests: name 'falls' is listed twice``: the field (without where in the request
    it was) and the rule's own message."""
    field = ".".join(map(str, error["loc"][1:]))
    message = error["msg"].removeprefix("Value error, ")
    return f"{field}: {message}" if field else message


def _bad_request(request: Request, exc: Exception) -> JSONResponse:
    """The request's body, path or query did not validate."""
    assert isinstance(exc, RequestValidationError)
    return _field_errors(exc.errors())


def _invalid(request: Request, exc: Exception) -> JSONResponse:
    """A model built inside a use case (a merged profile, a group) refused its data: bad
    input."""
    assert isinstance(exc, ValidationError)
    return _field_errors(exc.errors(include_url=False), "body")


def method_not_allowed(request: Request, exc: Exception) -> JSONResponse:
    """A method the path does not have (OPTIONS among them): 405, with every method the path
    has in ``Allow``, gathered over all its routes (routing alone names the first one's)."""
    allowed = sorted({method for route in iter_route_contexts(request.app.router.routes)
                      if route.matches(request.scope)[0] is not Match.NONE
                      for method in route.methods or ()})
    return JSONResponse({"detail": "method not allowed"}, status_code=405,
                        headers={"Allow": ", ".join(allowed)})


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(405, method_not_allowed)
    app.add_exception_handler(QConnectError, _qconnect_error)
    app.add_exception_handler(RequestValidationError, _bad_request)
    app.add_exception_handler(ValidationError, _invalid)
