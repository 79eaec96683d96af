"""A throwaway local Neo4j for tests, benchmarks and notebooks, run by ``scripts/neo4j``.

Never point :func:`wipe` at a database whose data matters: it empties it, schema included.
"""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["running_neo4j", "wipe"]

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "neo4j"


@contextmanager
def running_neo4j(port: int = 7698) -> Iterator[str]:
    """Start a Neo4j with a temporary data folder; yield its Bolt URI; stop it afterwards."""
    if not SCRIPT.exists():
        raise FileNotFoundError(f"{SCRIPT} is missing: a local Neo4j needs a source checkout")
    with tempfile.TemporaryDirectory(prefix="qconnect-neo4j-") as data_dir:
        started = subprocess.run(
            [str(SCRIPT), "start", "--data-dir", data_dir, "--port", str(port)],
            check=True, capture_output=True, text=True,
        )
        try:
            yield started.stdout.strip().splitlines()[-1]
        finally:
            subprocess.run([str(SCRIPT), "stop", "--data-dir", data_dir],
                           check=False, capture_output=True)


def wipe(uri: str) -> None:
    """Empty the database at ``uri``: every node, constraint and index."""
    from neo4j import GraphDatabase

    with GraphDatabase.driver(uri, notifications_min_severity="OFF") as driver:
        with driver.session() as session:
            session.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS").consume()
        for record in driver.execute_query("SHOW CONSTRAINTS YIELD name").records:
            driver.execute_query(f"DROP CONSTRAINT `{record['name']}`")
        for record in driver.execute_query(
            "SHOW INDEXES YIELD name, owningConstraint, type "
            "WHERE owningConstraint IS NULL AND type <> 'LOOKUP'"
        ).records:
            driver.execute_query(f"DROP INDEX `{record['name']}`")
