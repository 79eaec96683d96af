"""``qconnect serve``: the HTTP service, run by uvicorn."""

from __future__ import annotations

from typing import Annotated

import typer

from api.cli.common import StoreOption, app
from models.settings import get_settings


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on "
                                             "[default: QCONNECT_HOST or 127.0.0.1].")] = None,
    port: Annotated[int | None, typer.Option(help="Port [default: QCONNECT_PORT or 8000].")]
    = None,
    store: StoreOption = None,
) -> None:
    """Serve the HTTP API until stopped (Ctrl-C or SIGTERM let requests in flight finish)."""
    import uvicorn

    from api.app import create_app

    settings = get_settings()
    # Logging is the service's own (service.logs, api.request_log): JSON lines, one per request.
    uvicorn.run(create_app(store), host=host or settings.host, port=port or settings.port,
                log_config=None, access_log=False, timeout_graceful_shutdown=10)
