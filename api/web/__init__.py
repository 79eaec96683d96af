"""The web pages members, coordinators and analysts use, served beside the JSON API.

Each module is one area of pages, a thin adapter over the same use cases as the API
(:mod:`api.web.pages` has what they share). The look is the NHS.UK frontend, copied from npm
into ``vendor/`` by ``scripts/install``; without it the pages are plain HTML that still work.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from api.web import analysts, coordinate, for_you, people, profile, sign_in
from api.web.pages import STATIC, VENDOR

__all__ = ["PAGES", "install_pages"]

PAGES = (sign_in.router, for_you.router, people.router, profile.router, coordinate.router,
         analysts.router)
"""Every router of pages."""


def install_pages(app: FastAPI) -> None:
    """Serve the pages, their files, and the API's docs from the same files (so ``/docs``
    works without internet)."""
    for router in PAGES:
        app.include_router(router)
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
