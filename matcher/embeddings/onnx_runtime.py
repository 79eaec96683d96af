"""The model's transformer run by ONNX Runtime: the same vectors as PyTorch, faster on CPU.

sentence-transformers' own ONNX backend goes through ``optimum-onnx``, whose releases require
an older ``transformers`` than sentence-transformers itself does, so the two cannot be
installed together. Only the transformer (the model's first module, where nearly all the time
goes) runs here; tokenizing, pooling and normalising stay sentence-transformers' own. It is
exported once per model with ``torch.onnx`` into a cache folder, named by the model's id.
"""

from __future__ import annotations

import os
import re
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

__all__ = ["OnnxTransformer", "exported"]

OPSET = 17


def exported(model: SentenceTransformer, model_id: str, folder: Path, *,
             again: bool = False) -> Path:
    """The ONNX file of ``model``'s transformer in ``folder``, exported on first use (or
    ``again``, replacing the one there).

    The export is written under a temporary name and renamed into place, so processes
    starting together (service workers) never read a half-written file.
    """
    import torch

    path = folder / f"{re.sub(r'[^A-Za-z0-9.-]+', '-', model_id)}.onnx"
    if path.exists() and not again:
        return path
    folder.mkdir(parents=True, exist_ok=True)
    transformer = model[0]
    example = transformer.preprocess(["an example sentence to trace the model with"])
    names = [name for name, value in example.items() if isinstance(value, torch.Tensor)]
    output = transformer.module_output_name

    class Traced(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.transformer = transformer

        def forward(self, *tensors: torch.Tensor) -> torch.Tensor:
            return self.transformer(dict(zip(names, tensors, strict=True)))[output]

    axes = {name: {0: "batch", 1: "sequence"} for name in [*names, output]}
    temporary = path.with_name(f"{path.name}.{os.getpid()}.partial")
    try:
        with warnings.catch_warnings():  # the tracer's notes on shapes it fixes
            warnings.simplefilter("ignore")
            torch.onnx.export(Traced().eval(), tuple(example[name] for name in names),
                              str(temporary), input_names=names, output_names=[output],
                              dynamic_axes=axes, opset_version=OPSET, dynamo=False)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return path


class OnnxTransformer:
    """Stands in for the model's first module: tokenized features in, the same features with
    the token embeddings added out."""

    def __init__(self, model: SentenceTransformer, path: Path) -> None:
        import onnxruntime

        self.session = onnxruntime.InferenceSession(str(path),
                                                    providers=["CPUExecutionProvider"])
        self.inputs = [node.name for node in self.session.get_inputs()]
        self.output = model[0].module_output_name

    def __call__(self, features: dict[str, Any]) -> dict[str, Any]:
        import torch

        arrays = {name: np.asarray(features[name]) for name in self.inputs}
        features[self.output] = torch.from_numpy(self.session.run(None, arrays)[0])
        return features
