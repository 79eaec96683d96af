"""What the settings mean for the application: which model embeds, where trained rankers and
caches live, and the rules every suggestion list keeps.

``matcher`` takes each of these as an argument and never reads settings itself; this module is
the one place that turns ``QCONNECT_*`` settings into them.
"""

from __future__ import annotations

import hashlib
import re
from functools import cache
from pathlib import Path

import platformdirs

from matcher.embeddings.encoder import Encoder, default_model_path, get_encoder, model_id
from matcher.recommend.rerank import RerankPolicy
from models.settings import get_settings

__all__ = ["cache_folder", "encoder", "file_name_for", "model_path", "ranker_folder",
           "rerank_policy", "snapshot_model_id"]


def model_path() -> str:
    """The folder of the sentence-transformers model (``QCONNECT_MODEL``, else the shipped
    all-MiniLM-L6-v2)."""
    return get_settings().model or default_model_path()


@cache
def _model_id(path: str) -> str:
    return model_id(path)


def snapshot_model_id() -> str:
    """The id of the configured model, whose embeddings snapshots read (no model is loaded)."""
    return _model_id(model_path())


def encoder() -> Encoder:
    """The process's encoder for the configured model and backend, loaded on first use."""
    onnx = get_settings().encoder_backend == "onnx"
    return get_encoder(model_path(), cache_folder("onnx") if onnx else None)


def rerank_policy() -> RerankPolicy:
    settings = get_settings()
    return RerankPolicy(settings.max_exposure_share, settings.min_other_organisations)


def file_name_for(location: str) -> str:
    """A readable, unique file name for a store location or path.

    >>> file_name_for("bolt://db.example:7687")
    'bolt-db-example-7687-6e27f59d'
    """
    slug = re.sub(r"[^A-Za-z0-9]+", "-", location).strip("-")[-40:]
    return f"{slug}-{hashlib.blake2b(location.encode(), digest_size=4).hexdigest()}"


def ranker_folder(store_location: str) -> Path:
    """Where the rankers trained on the store at ``store_location`` live."""
    base = get_settings().rankers or Path(platformdirs.user_data_dir("qconnect")) / "rankers"
    return Path(base) / file_name_for(store_location)


def cache_folder(purpose: str) -> Path:
    """A folder of the user's cache for ``purpose`` (``~/.cache/qconnect/<purpose>``)."""
    return Path(platformdirs.user_cache_dir("qconnect")) / purpose
