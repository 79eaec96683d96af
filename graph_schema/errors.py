"""The errors a store or bundle can raise; the API maps each family to one HTTP status."""

from __future__ import annotations

__all__ = [
    "BundleError",
    "ConflictError",
    "NotFoundError",
    "QConnectError",
    "StoreUnavailableError",
]


class QConnectError(Exception):
    """Root of every error qconnect raises on purpose; its message is fit to show a user."""


class BundleError(QConnectError):
    """A bundle was refused; ``problems`` lists each as ``file:line: reason``."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        shown = problems[:20]
        more = f"\n… and {len(problems) - len(shown)} more" if len(problems) > len(shown) else ""
        super().__init__("bundle refused, nothing was imported:\n" + "\n".join(shown) + more)


class NotFoundError(QConnectError):
    """The thing asked for is not in the store."""

    def __init__(self, kind: str, key: str) -> None:
        self.kind, self.key = kind, key
        super().__init__(f"no {kind} with id {key!r}")


class ConflictError(QConnectError):
    """A write would break a rule of the graph (a reference to a missing member, a clash)."""


class StoreUnavailableError(QConnectError):
    """The store cannot be reached (Neo4j down, file locked); retrying later may work."""
