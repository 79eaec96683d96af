"""One place that turns qconnect's errors into HTTP responses.

Every error body is ``{"detail": ...}``: for bad fields (422) FastAPI's list of field errors,
each naming the field in ``loc``; otherwise one sentence (400 for a request that cannot be
carried out as asked, 401 without a valid key, 403 for a caller who may not do this, 404
unknown, 409 a clash with what is stored). Heavy work already under way for another request is
``429``, and a store that cannot be reached ``503``, both with ``Retry-After``: the client may
try again (the service reconnects to the store by itself).
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError

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

__all__ = ["ERROR_RESPONSES", "ErrorBody", "install_error_handlers"]


class ErrorBody(BaseModel):
    detail: str


ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    400: {"model": ErrorBody, "description": "A request the service cannot carry out as "
          "asked, e.g. group rules no pool can meet; nothing changed."},
    401: {"model": ErrorBody, "description": "No key, or a key that is not valid."},
    403: {"model": ErrorBody, "description": "The key's role or member may not do this."},
    404: {"model": ErrorBody, "description": "No such member, group, tie or skill (hidden "
          "members count as none for those who may not see them)."},
    409: {"model": ErrorBody, "description": "The write clashes with what is stored, e.g. an "
          "id in use or a member without consent; nothing changed."},
    429: {"model": ErrorBody, "description": "The same heavy work (a proposal, an export) is "
          "under way for another request; retry after the number of seconds in Retry-After."},
    503: {"model": ErrorBody, "description": "The store is unreachable; retry after the "
          "number of seconds in Retry-After."},
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


def _qconnect_error(request: Request, exc: Exception) -> JSONResponse:
    status = next(code for kind, code in _STATUS if isinstance(exc, kind))
    retry = {"Retry-After": str(get_settings().retry_after)}
    headers = {401: {"WWW-Authenticate": "Bearer"}, 429: retry, 503: retry}.get(status)
    return JSONResponse({"detail": str(exc)}, status_code=status, headers=headers)


def _invalid(request: Request, exc: Exception) -> JSONResponse:
    """A model built inside a use case (a merged profile, a group) refused its data: bad
    input."""
    assert isinstance(exc, ValidationError)
    errors = exc.errors(include_url=False, include_context=False, include_input=False)
    return JSONResponse({"detail": jsonable_encoder(
        [{**e, "loc": ["body", *e["loc"]]} for e in errors])}, status_code=422)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(QConnectError, _qconnect_error)
    app.add_exception_handler(ValidationError, _invalid)
