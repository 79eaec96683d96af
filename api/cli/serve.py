"""``qconnect serve``: the HTTP service, run by uvicorn."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Annotated

import typer

from api.cli.common import StoreOption, app
from models.settings import get_settings

if TYPE_CHECKING:
    from fastapi import FastAPI


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on "
                                             "\\[default: QCONNECT_HOST or 127.0.0.1].")] = None,
    port: Annotated[int | None, typer.Option(help="Port \\[default: QCONNECT_PORT or 8000].")]
    = None,
    store: StoreOption = None,
    workers: Annotated[int, typer.Option(
        min=1, help="Processes serving the port, each holding the community in memory and "
        "following the others' writes through the store's change feed.")] = 1,
) -> None:
    """Serve the HTTP API until stopped (Ctrl-C or SIGTERM let requests in flight finish)."""
    import uvicorn

    from api.app import create_app

    settings = get_settings()
    if workers == 1:
        target: FastAPI | str = create_app(store)
    else:  # each worker process makes its own app, reading the store from its settings
        if store:
            os.environ["QCONNECT_STORE"] = store
        target = "api.app:create_app"
    # Logging is the service's own (service.logs, api.request_log): JSON lines, one per request.
    uvicorn.run(target, factory=workers > 1, workers=workers,
                host=host or settings.host, port=port or settings.port,
                log_config=None, access_log=False, timeout_graceful_shutdown=10)
