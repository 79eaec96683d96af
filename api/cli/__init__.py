"""The ``qconnect`` command line: the stable interface scripts and benchmarks drive.

Commands print human-readable text by default and JSON with ``--json``; errors go to standard
error with a non-zero exit code, and a refused command changes nothing.
"""

# Importing the command modules registers their commands.
from api.cli import data, demo, find, groups, keys, members, serve  # noqa: F401
from api.cli.common import app

__all__ = ["app"]

if __name__ == "__main__":
    app()
