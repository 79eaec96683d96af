"""Embedding speed: qconnect's pipeline on each backend against a bare SentenceTransformer.encode.

    .venv/bin/python -m benchmarks.embedding_speed [--members 1000] [--queries 300] [--repeats 3]

All embed the same member profile texts with the same model in the same process, alternating
runs: the bare ``SentenceTransformer.encode`` (PyTorch), and qconnect's pipeline with the model
run by PyTorch and by ONNX Runtime; the pipeline also composes the texts, hashes them, checks
what is current and writes the vectors to an embedded store. Then the time to encode one search
query (short texts, one at a time, no cache) on each backend, and how far the backends' vectors
agree (cosine of each text's two vectors; share of each text's ten nearest texts that are the
same). Prints texts/s and milliseconds (medians of the repeats) and the ratios.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from graph_schema import open_store
from matcher.embeddings.encoder import BATCH_SIZE, Encoder
from matcher.embeddings.profile_text import member_text
from matcher.embeddings.refresh import embed_store
from matcher.synthetic.generator import generate_community
from service import config


def _nearest(vectors: np.ndarray, k: int = 10) -> np.ndarray:
    return np.argsort(-(vectors @ vectors.T), axis=1)[:, 1 : k + 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=1000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    community = generate_community(args.members, seed=2)
    texts = [member_text(m) for m in community.members]
    queries = [" ".join(text.split()[:8]) for text in texts[: args.queries]]
    encoders = {"torch": Encoder(config.model_path()),
                "onnx": Encoder(config.model_path(), onnx_folder=config.cache_folder("onnx"))}
    if encoders["onnx"].backend != "onnx":
        raise SystemExit("ONNX Runtime could not be set up (see the warning above)")
    model = encoders["torch"].model
    for encoder in encoders.values():
        encoder.encode(texts[:BATCH_SIZE])  # warm up
    bare: list[float] = []
    pipeline: dict[str, list[float]] = {name: [] for name in encoders}
    query: dict[str, list[float]] = {name: [] for name in encoders}
    with tempfile.TemporaryDirectory() as folder:
        for run in range(args.repeats):
            start = time.perf_counter()
            model.encode(texts, batch_size=BATCH_SIZE, normalize_embeddings=True)
            bare.append(time.perf_counter() - start)
            for name, encoder in encoders.items():
                with open_store(str(Path(folder) / f"{name}{run}.db")) as store:
                    store.write(community)
                    start = time.perf_counter()
                    embed_store(store, encoder, kinds=("member",))
                    pipeline[name].append(time.perf_counter() - start)
                for text in queries:
                    start = time.perf_counter()
                    encoder.encode([text])
                    query[name].append(time.perf_counter() - start)

    n = len(texts)
    rate = {name: n / statistics.median(times) for name, times in pipeline.items()}
    bare_rate = n / statistics.median(bare)
    words = statistics.mean(len(t.split()) for t in texts)
    print(f"{n:,} member profile texts, {words:.0f} words on average, model "
          f"{encoders['onnx'].model_id}")
    print(f"{'':<38} {'texts/s':>8} {'÷ bare':>7}")
    print(f"{'bare SentenceTransformer.encode':<38} {bare_rate:>8.1f} {1:>7.3f}")
    for name in encoders:
        print(f"{f'qconnect pipeline, {name}':<38} {rate[name]:>8.1f} "
              f"{rate[name] / bare_rate:>7.3f}")
    ms = {name: statistics.median(times) * 1000 for name, times in query.items()}
    print(f"one query ({len(queries)} texts × {args.repeats}), median ms: torch "
          f"{ms['torch']:.2f}, onnx {ms['onnx']:.2f}, torch ÷ onnx {ms['torch'] / ms['onnx']:.2f}")
    torch_vectors, onnx_vectors = (encoders[name].encode(texts) for name in ("torch", "onnx"))
    cosines = (torch_vectors * onnx_vectors).sum(axis=1)
    same = (_nearest(torch_vectors) == _nearest(onnx_vectors)).mean()
    print(f"agreement: cosine mean {cosines.mean():.6f}, min {cosines.min():.6f}; "
          f"ten nearest texts the same {same:.4f}")


if __name__ == "__main__":
    main()
