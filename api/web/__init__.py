"""The web pages members, coordinators and analysts use, served beside the JSON API.

Each module is one area of pages, a thin adapter over the same use cases as the API
(:mod:`api.web.pages` has what they share). The look is the NHS.UK frontend, copied from npm
into ``vendor/`` by ``scripts/install``; without it the pages are plain HTML that still work.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from api.errors import method_not_allowed
from api.web import analysts, coordinate, for_you, people, profile, sign_in
from api.web.pages import STATIC, VENDOR, error_page

__all__ = ["PAGES", "install_pages"]

PAGES = (sign_in.router, for_you.router, people.router, profile.router, coordinate.router,
         analysts.router)
"""Every router of pages."""


NO_SUCH_PAGE = {404: "There is no page at this address: the link may be mistyped or out of date.",
                405: "This address cannot be opened in a browser."}


async def _no_such_page(request: Request, exc: Exception) -> Response:
    """An address no page answers, opened in a browser (a mistyped or old link, a form's
    address typed in): a page saying so, with the way back. API clients, which do not ask for
    HTML, get the API's JSON answer as before."""
    assert isinstance(exc, HTTPException)
    if "text/html" in request.headers.get("accept", ""):
        return error_page(request, exc.status_code, NO_SUCH_PAGE[exc.status_code])
    if exc.status_code == 405:
        return method_not_allowed(request, exc)
    return await http_exception_handler(request, exc)


def install_pages(app: FastAPI) -> None:
    """Serve the pages, their files, and the API's docs from the same files (so ``/docs``
    works without internet)."""
    for router in PAGES:
        app.include_router(router)
    for status in NO_SUCH_PAGE:
        app.add_exception_handler(status, _no_such_page)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    if not VENDOR.is_dir():
        return
    app.mount("/vendor", StaticFiles(directory=VENDOR), name="vendor")
    # The NHS.UK stylesheet asks for its icons at /assets.
    app.mount("/assets", StaticFiles(directory=VENDOR / "nhsuk" / "assets"), name="assets")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url=app.openapi_url or "/openapi.json",
                                   title="qconnect API",
                                   swagger_js_url="/vendor/swagger-ui/swagger-ui-bundle.js",
                                   swagger_css_url="/vendor/swagger-ui/swagger-ui.css",
                                   swagger_favicon_url="/vendor/swagger-ui/favicon-32x32.png")
