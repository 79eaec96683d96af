"""The HTTP service: ``create_app()`` builds it, ``qconnect serve`` runs it with uvicorn.

The store, the model and the community's snapshot are opened once, when the service starts
(``lifespan``), and closed when it stops; uvicorn lets requests in flight finish first, and
closing the community stops the work it runs in the background (an analysts' evaluation under
way is ended with its process). While it runs, a task looks every few seconds for writes made
beside it and reads them in.
Routes live in ``api/routers``, one module per resource, each parsing a request, calling one
use case of ``service/`` and returning its answer; who may call what is the use cases' own rule
(``service/access.py``), checked at the door by ``api/deps.py``; errors become HTTP statuses in
``api/errors.py``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from fastapi.concurrency import run_in_threadpool
from threadpoolctl import threadpool_limits

from api.deps import each_query_parameter_once
from api.errors import ERROR_RESPONSES, install_error_handlers
from api.request_log import RequestLog
from api.routers import (
    analytics,
    connections,
    groups,
    health,
    members,
    operation,
    recommendations,
    search,
    terms,
)
from api.web import install_pages
from models.errors import QConnectError
from models.settings import get_settings
from service import config
from service.community import LiveCommunity, start_community
from service.logs import configure_logging

__all__ = ["ROUTERS", "create_app"]

log = logging.getLogger("qconnect.api")

DESCRIPTION = """Peer matching for an improvement community: profiles, "people like you" and
"who can help me" suggestions with their reasons, search, interest groups and their proposals,
and aggregates for analysts.

Every route but `/health` and `/ready` needs an API key from `qconnect keys create`, sent as
`Authorization: Bearer KEY`. A member key acts for its own member only."""


MAX_BODY_BYTES = 2_000_000
"""Larger request bodies are refused (413) before they are read whole; the largest legitimate
one, a proposal pool of 20,000 ids, is a fraction of this."""

ROUTERS = (health.router, members.router, recommendations.router, connections.router,
           groups.router, search.router, terms.topics, terms.skills, members.organisations,
           analytics.router, operation.router)
"""Every router of the service, one per resource; all but the probes need a key."""


async def _follow(live: LiveCommunity, interval: float) -> None:
    """Every ``interval`` seconds, read in what other processes wrote to the store."""
    while True:
        await asyncio.sleep(interval)
        try:
            if await run_in_threadpool(live.follow):
                log.info("reloaded", extra={"fields": {"members": len(live.snapshot)}})
        except QConnectError as exc:  # the store is down: requests say so; look again later
            log.warning("changes beside the service not read",
                        extra={"fields": {"error": type(exc).__name__}})
        except Exception:  # anything else is a fault, but must not stop the following
            log.exception("following the store failed")


def create_app(store: str | None = None) -> FastAPI:
    """The service over the store at ``store`` (default: the configured one)."""
    settings = get_settings()
    configure_logging(settings.log_level)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Each request's matrix work is small; BLAS threads per request only fight the
        # concurrent requests for the cores (measured: 2.7x the throughput with one thread).
        threadpool_limits(limits=1, user_api="blas")
        live = app.state.community = start_community(store, config.encoder())
        following = None
        try:
            log.info("ready", extra={"fields": {"members": len(live.snapshot),
                                                "trained": live.trained}})
            if settings.follow_interval:
                following = asyncio.create_task(_follow(live, settings.follow_interval))
            yield
        finally:
            if following:
                following.cancel()
                await asyncio.gather(following, return_exceptions=True)
            # A reload the cancelled task left running in a worker thread ends first; an
            # evaluation under way in the background is stopped.
            await run_in_threadpool(live.close)
            log.info("stopped")

    app = FastAPI(title="qconnect", version="0.1.0", description=DESCRIPTION,
                  lifespan=lifespan, max_body_size=MAX_BODY_BYTES,
                  # /docs is served from the npm files (install_pages); FastAPI's own pages
                  # would load scripts and fonts from other sites.
                  docs_url=None, redoc_url=None,
                  dependencies=[Depends(each_query_parameter_once)])
    install_error_handlers(app)
    app.add_middleware(RequestLog)
    for router in ROUTERS:
        app.include_router(router, responses=ERROR_RESPONSES if router is not health.router
                           else None)
    install_pages(app)
    return app
