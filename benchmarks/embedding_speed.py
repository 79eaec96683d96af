"""Embedding throughput: qconnect's pipeline against a bare SentenceTransformer.encode.

    .venv/bin/python -m benchmarks.embedding_speed [--members 1000] [--repeats 3]

Both embed the same member profile texts with the same model in the same process, alternating
runs; the pipeline also composes the texts, hashes them, checks what is current and writes the
vectors to an embedded store. Prints texts/s (median of the repeats) and the ratio; the target
is a ratio of at least 0.9 (the pipeline adds under 10%).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from graph_schema import open_store
from matcher.embeddings.encoder import BATCH_SIZE
from matcher.embeddings.profile_text import member_text
from matcher.embeddings.refresh import embed_store
from matcher.synthetic.generator import generate_community
from service import config


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    community = generate_community(args.members, seed=2)
    texts = [member_text(m) for m in community.members]
    encoder = config.encoder()
    model = encoder.model  # the very SentenceTransformer the pipeline wraps
    model.encode(texts[:64], batch_size=BATCH_SIZE)  # warm up
    bare, pipeline = [], []
    with tempfile.TemporaryDirectory() as folder:
        for run in range(args.repeats):
            start = time.perf_counter()
            model.encode(texts, batch_size=BATCH_SIZE, normalize_embeddings=True)
            bare.append(time.perf_counter() - start)

            with open_store(str(Path(folder) / f"run{run}.db")) as store:
                store.write(community)
                start = time.perf_counter()
                embed_store(store, encoder, kinds=("member",))
                pipeline.append(time.perf_counter() - start)

    n = len(texts)
    bare_rate, pipe_rate = n / statistics.median(bare), n / statistics.median(pipeline)
    words = statistics.mean(len(t.split()) for t in texts)
    print(f"{n:,} member profile texts, {words:.0f} words on average, model {encoder.model_id}")
    print(f"{'':<34} {'texts/s':>8}")
    print(f"{'bare SentenceTransformer.encode':<34} {bare_rate:>8.1f}")
    print(f"{'qconnect pipeline (embed_store)':<34} {pipe_rate:>8.1f}")
    print(f"pipeline / bare: {pipe_rate / bare_rate:.3f}")


if __name__ == "__main__":
    main()
