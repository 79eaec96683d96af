"""Community bundles: a folder of UTF-8 files that import and export speak.

``members.jsonl`` (required), ``connections.csv``, ``groups.jsonl``, ``topics.jsonl`` and
``skills.jsonl`` (optional). Reading checks every line and every reference before anything is
written anywhere, and reports each problem as ``file:line: reason``; a bundle with any problem
is refused whole.
"""

from __future__ import annotations

import csv
import errno
import io
import json
import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from models import Community, Connection, Group, Member, Skill, Topic
from models.errors import QConnectError

__all__ = ["CONNECTION_COLUMNS", "BundleError", "read_bundle", "write_bundle"]

CONNECTION_COLUMNS = ("source", "target", "kind", "since")
_LINES = re.compile(r"\r\n|\r|\n")
_Model = TypeVar("_Model", bound=BaseModel)


class BundleError(QConnectError):
    """A bundle was refused; ``problems`` lists each as ``file:line: reason``."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        shown = problems[:20]
        more = f"\n… and {len(problems) - len(shown)} more" if len(problems) > len(shown) else ""
        super().__init__("bundle refused, nothing was imported:\n" + "\n".join(shown) + more)


def _describe(error: ValidationError) -> str:
    parts = []
    for item in error.errors():
        where = ".".join(str(p) for p in item["loc"])
        message = item["msg"].removeprefix("Value error, ")
        parts.append(f"{where}: {message}" if where else message)
    return "; ".join(parts)


def _read_text(path: Path, problems: list[str]) -> str | None:
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        problems.append(f"{path.name}:{line}: not UTF-8 text (byte {exc.start})")
        return None


class _Refused(ValueError):
    """JSON that Python reads but a bundle may not hold."""


def _not_json(constant: str) -> Any:
    raise _Refused(f"{constant} is not a JSON value")


def _without_repeats(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: set[str] = set()
    for key, _ in pairs:
        if key in seen:
            raise _Refused(f"the field {key!r} is given twice")
        seen.add(key)
    return dict(pairs)


def _parse_json(line: str) -> Any:
    """``line`` as JSON; ValueError naming what is wrong, however hostile the line. Python's
    own extensions are refused (NaN and Infinity, which no export could give back), and so is
    a field given twice (which of the two was meant?)."""
    try:
        return json.loads(line, parse_constant=_not_json, object_pairs_hook=_without_repeats)
    except (json.JSONDecodeError, _Refused) as exc:
        raise ValueError(exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)) from exc
    except RecursionError as exc:
        raise ValueError("nested too deeply") from exc
    except ValueError as exc:  # Python refuses to convert integers this long
        raise ValueError(
            f"a number longer than {sys.get_int_max_str_digits():,} digits") from exc


def _jsonl(path: Path, model: type[_Model], problems: list[str]) -> Iterator[tuple[int, _Model]]:
    if not path.exists():
        return
    text = _read_text(path, problems)
    # Records end at a newline ("\n", "\r\n" or "\r", which JSON text cannot hold raw), never
    # at U+2028, U+0085 or the other characters str.splitlines() also breaks at: JSON strings
    # may hold those.
    for number, line in enumerate(_LINES.split(text or ""), start=1):
        if not line.strip():
            continue
        try:
            data = _parse_json(line)
        except ValueError as exc:
            problems.append(f"{path.name}:{number}: not valid JSON ({exc})")
            continue
        if not isinstance(data, dict):
            problems.append(f"{path.name}:{number}: expected a JSON object")
            continue
        try:
            yield number, model.model_validate(data)
        except ValidationError as exc:
            problems.append(f"{path.name}:{number}: {_describe(exc)}")


def _unique_ids(
    path: Path, rows: Iterator[tuple[int, _Model]], problems: list[str]
) -> list[tuple[int, _Model]]:
    first_seen: dict[str, int] = {}
    kept = []
    for number, row in rows:
        key = row.id  # type: ignore[attr-defined]
        if key in first_seen:
            problems.append(
                f"{path.name}:{number}: duplicate id {key!r} (first on line {first_seen[key]})"
            )
            continue
        first_seen[key] = number
        kept.append((number, row))
    return kept


def _vocabulary(
    path: Path, model: type[Topic | Skill], problems: list[str]
) -> list[Topic] | list[Skill]:
    rows = _unique_ids(path, _jsonl(path, model, problems), problems)
    ids = {row.id for _, row in rows}
    names: dict[str, int] = {}
    for number, row in rows:
        if row.name in names:
            problems.append(
                f"{path.name}:{number}: name {row.name!r} also on line {names[row.name]}")
        names.setdefault(row.name, number)
        if row.parent is not None and row.parent not in ids:
            problems.append(
                f"{path.name}:{number}: parent {row.parent!r} is not an id in this file")
    parents = {row.id: row.parent for _, row in rows}
    for number, row in rows:
        seen, node = set(), row.id
        while node is not None and node not in seen:
            seen.add(node)
            node = parents.get(node)
        if node == row.id:
            problems.append(f"{path.name}:{number}: {row.id!r} is its own ancestor")
    return [row for _, row in rows]


def _csv_rows(
    reader: csv.DictReader[str], path: Path, problems: list[str]
) -> Iterator[tuple[int, dict[str, str]]]:
    """The rows with their line numbers; a row the csv module cannot read (a field longer than
    its limit, a stray quote) is a problem of that line, and reading goes on."""
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            # DictReader counts lines only on success; its inner reader counts this one too.
            problems.append(f"{path.name}:{reader.reader.line_num}: not valid CSV ({exc})")
            continue
        yield reader.line_num, row


def _connections(path: Path, members: set[str], problems: list[str]) -> list[Connection]:
    if not path.exists():
        return []
    text = _read_text(path, problems)
    if text is None:
        return []
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        header = tuple(reader.fieldnames or ())
    except csv.Error:
        header = ()
    if header[:2] != CONNECTION_COLUMNS[:2] or not set(header) <= set(CONNECTION_COLUMNS):
        problems.append(f"{path.name}:1: header must be {','.join(CONNECTION_COLUMNS)}")
        return []
    kept: list[Connection] = []
    first_seen: dict[frozenset[str], int] = {}
    for number, row in _csv_rows(reader, path, problems):
        if None in row:
            problems.append(f"{path.name}:{number}: more fields than the header names")
            continue
        try:
            tie = Connection.model_validate({k: v or None for k, v in row.items()})
        except ValidationError as exc:
            problems.append(f"{path.name}:{number}: {_describe(exc)}")
            continue
        unknown = [m for m in (tie.source, tie.target) if m not in members]
        if unknown:
            problems.append(f"{path.name}:{number}: unknown member {unknown[0]!r}")
        elif tie.pair in first_seen:
            problems.append(
                f"{path.name}:{number}: {tie.source}–{tie.target} already connected "
                f"on line {first_seen[tie.pair]}"
            )
        else:
            first_seen[tie.pair] = number
            kept.append(tie)
    return kept


def _groups(path: Path, members: set[str], problems: list[str]) -> list[Group]:
    rows = _unique_ids(path, _jsonl(path, Group, problems), problems)
    for number, group in rows:
        unknown = [m for m in (*group.members, *group.coordinators) if m not in members]
        if unknown:
            problems.append(f"{path.name}:{number}: unknown member {unknown[0]!r}")
    return [group for _, group in rows]


def read_bundle(folder: str | os.PathLike[str]) -> Community:
    """Read and check a bundle; raise :class:`BundleError` listing every problem found.

    >>> read_bundle("no/such/folder")
    Traceback (most recent call last):
    ...
    graph_schema.bundle.BundleError: bundle refused, nothing was imported:
    no/such/folder: not a folder
    """
    root = Path(folder)
    if not root.is_dir():
        raise BundleError([f"{folder}: not a folder"])
    if not (root / "members.jsonl").is_file():
        raise BundleError([f"{root / 'members.jsonl'}: missing (every bundle needs it)"])
    problems: list[str] = []
    path = root / "members.jsonl"
    members = [m for _, m in _unique_ids(path, _jsonl(path, Member, problems), problems)]
    ids = {m.id for m in members}
    community = Community(
        members=members,
        connections=_connections(root / "connections.csv", ids, problems),
        groups=_groups(root / "groups.jsonl", ids, problems),
        topics=_vocabulary(root / "topics.jsonl", Topic, problems),
        skills=_vocabulary(root / "skills.jsonl", Skill, problems),
    )
    if problems:
        raise BundleError(problems)
    return community


# Unicode line breaks other than "\n" are written escaped, so every record stays one line for
# any reader (str.splitlines(), editors); JSON reads the escape back as the same character.
_LINE_BREAKS = str.maketrans({c: f"\\u{ord(c):04x}" for c in "\x85\u2028\u2029"})


def _jsonl_text(rows: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(row, ensure_ascii=False).translate(_LINE_BREAKS) + "\n"
                   for row in rows)


def write_bundle(community: Community, folder: str | os.PathLike[str]) -> Path:
    """Write ``community`` as a bundle into ``folder`` (created if needed); return the folder."""
    root = Path(folder)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CONNECTION_COLUMNS)
    for tie in community.connections:
        since = tie.since.isoformat() if tie.since else ""
        writer.writerow((tie.source, tie.target, tie.kind or "", since))
    files = {
        "members.jsonl": _jsonl_text([m.to_bundle() for m in community.members]),
        "connections.csv": buffer.getvalue(),
        "groups.jsonl": _jsonl_text([g.to_bundle() for g in community.groups]),
        "topics.jsonl": _jsonl_text([t.to_bundle() for t in community.topics]),
        "skills.jsonl": _jsonl_text([s.to_bundle() for s in community.skills]),
    }
    kept = {name: text for name, text in files.items()
            if text or name in ("members.jsonl", "connections.csv", "groups.jsonl")}
    made = [folder for folder in (root, *root.parents) if not folder.exists()]
    partial = {name: root / f"{name}.partial" for name in kept}
    try:
        # Every file is written whole before any replaces the one it updates: a disk that
        # fills, or any other failure, leaves the bundle there was, never old files beside new.
        root.mkdir(parents=True, exist_ok=True)
        try:
            for name in files:
                if (root / name).is_dir():  # the one thing that would stop a file's swap
                    raise IsADirectoryError(errno.EISDIR, "a folder has a file's name",
                                            str(root / name))
            for name, text in kept.items():
                partial[name].write_text(text, encoding="utf-8", newline="")
        except OSError:
            for path in partial.values():
                path.unlink(missing_ok=True)
            for folder in made:  # the folders this write made, deepest first
                folder.rmdir()
            raise
        for name in files:
            if name in kept:
                partial[name].replace(root / name)
            else:
                (root / name).unlink(missing_ok=True)
    except OSError as exc:  # a file where the folder should be, a folder one may not write…
        raise QConnectError(f"cannot write a bundle to {root}: {exc.strerror or exc}") from exc
    return root
