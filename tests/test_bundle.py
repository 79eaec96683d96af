"""Bundles: exact round trips, and refusal of bad input with every problem named."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from graph_schema.bundle import BundleError, read_bundle, write_bundle
from models import Community, Connection, Member
from models.errors import QConnectError
from tests.conftest import SHARED_DATA


def _write(folder: Path, **files: str) -> Path:
    folder.mkdir(exist_ok=True)
    for name, text in files.items():
        (folder / name.replace("_", ".")).write_text(text, encoding="utf-8")
    return folder


def _problems(folder: Path) -> list[str]:
    with pytest.raises(BundleError) as refused:
        read_bundle(folder)
    return refused.value.problems


def test_write_then_read_is_the_same_community(tmp_path: Path, tiny: Community) -> None:
    assert read_bundle(write_bundle(tiny, tmp_path)) == tiny


def test_writing_is_stable(tmp_path: Path, tiny: Community) -> None:
    first = write_bundle(tiny, tmp_path / "a")
    second = write_bundle(read_bundle(first), tmp_path / "b")
    for name in ("members.jsonl", "connections.csv", "groups.jsonl", "topics.jsonl",
                 "skills.jsonl"):
        assert (first / name).read_bytes() == (second / name).read_bytes()


def test_missing_folder_and_members_file(tmp_path: Path) -> None:
    assert "not a folder" in _problems(tmp_path / "nope")[0]
    assert "members.jsonl: missing" in _problems(tmp_path)[0]


def test_each_bad_member_line_is_named(tmp_path: Path) -> None:
    folder = _write(tmp_path, members_jsonl="\n".join([
        '{"id": "a"}',
        '{"id": "b", "skills": [{"name": "Lean", "level": 9}]}',
        "{not json",
        '["a list"]',
        '{"id": "a"}',
        '{"name": "no id"}',
        '{"id": "c", "open_to_connect": "no", "consent": {"analytics": 0}}',
    ]) + "\n")
    problems = _problems(folder)
    assert problems[0].startswith("members.jsonl:2: skills.0.level:")
    assert problems[1].startswith("members.jsonl:3: not valid JSON")
    assert problems[2] == "members.jsonl:4: expected a JSON object"
    assert problems[3] == "members.jsonl:5: duplicate id 'a' (first on line 1)"
    assert problems[4].startswith("members.jsonl:6: id:")
    assert problems[5].startswith("members.jsonl:7: open_to_connect:")  # booleans are JSON's
    assert "; consent.analytics:" in problems[5]


def test_bad_connections_are_named(tmp_path: Path) -> None:
    folder = _write(
        tmp_path,
        members_jsonl='{"id": "a"}\n{"id": "b"}\n',
        connections_csv="source,target,kind,since\n"
        "a,b,peer,2020-01-01\nb,a,,\na,zed,,\na,a,,\na,b,peer,someday\na,b,x,,extra\n",
    )
    assert _problems(folder) == [
        "connections.csv:3: b–a already connected on line 2",
        "connections.csv:4: unknown member 'zed'",
        "connections.csv:5: a member cannot be connected to themself (a)",
        "connections.csv:6: since: Input should be a valid date or datetime, "
        "input is too short",
        "connections.csv:7: more fields than the header names",
    ]


def test_connections_header_is_checked(tmp_path: Path) -> None:
    folder = _write(tmp_path, members_jsonl='{"id": "a"}\n', connections_csv="from,to\n")
    assert _problems(folder) == ["connections.csv:1: header must be source,target,kind,since"]


def test_groups_and_vocabularies_are_checked(tmp_path: Path) -> None:
    folder = _write(
        tmp_path,
        members_jsonl='{"id": "a"}\n',
        groups_jsonl='{"id": "g", "name": "G", "members": ["a", "ghost"]}\n',
        topics_jsonl='{"id": "t1", "name": "x", "parent": "t2"}\n'
        '{"id": "t2", "name": "y", "parent": "t1"}\n{"id": "t3", "name": "x", "parent": "t9"}\n',
    )
    assert _problems(folder) == [
        "groups.jsonl:1: unknown member 'ghost'",
        "topics.jsonl:3: name 'x' also on line 1",
        "topics.jsonl:3: parent 't9' is not an id in this file",
        "topics.jsonl:1: 't1' is its own ancestor",
        "topics.jsonl:2: 't2' is its own ancestor",
    ]


def test_text_must_be_utf8(tmp_path: Path) -> None:
    folder = _write(tmp_path, members_jsonl='{"id": "a"}\n')
    (folder / "members.jsonl").write_bytes(b'{"id": "a"}\n{"id": "\xff"}\n')
    assert _problems(folder) == ["members.jsonl:2: not UTF-8 text (byte 20)"]


@pytest.mark.skipif(not (SHARED_DATA / "bundles/lastfm-2k").is_dir(),
                    reason="the shared lastfm-2k bundle is not on this machine")
def test_real_bundle_round_trips(tmp_path: Path) -> None:
    original = read_bundle(SHARED_DATA / "bundles/lastfm-2k")
    again = read_bundle(write_bundle(original, tmp_path))
    assert again == original
    assert len(again.members) == 1892 and len(again.connections) == 10174


def test_unicode_line_breaks_stay_inside_their_record(tmp_path: Path) -> None:
    # JSON strings may hold U+2028, U+2029 and U+0085 raw: they end no record, and the lines
    # after them keep their numbers.
    folder = _write(tmp_path, members_jsonl='{"id": "a", "bio": "one\u2028two\u2029three\x85"}\n'
                    '{"id": "b", "name": "B\u2028"}\n{"id": "c", "visibility": "secret"}\n')
    assert [p.split(" ")[0] for p in _problems(folder)] == ["members.jsonl:3:"]
    (folder / "members.jsonl").write_text(
        '{"id": "a", "bio": "one\u2028two\u2029three\x85"}\r\n{"id": "b"}\r\n', encoding="utf-8")
    read = read_bundle(folder)
    assert read.members[0].bio == "one\u2028two\u2029three\x85"
    written = write_bundle(read, tmp_path / "out") / "members.jsonl"
    # written escaped, so a reader splitting at every Unicode line break sees one line a record
    assert written.read_text(encoding="utf-8").splitlines() == [
        r'{"id": "a", "bio": "one\u2028two\u2029three\u0085"}', '{"id": "b"}']
    assert read_bundle(written.parent) == read


def test_hostile_lines_are_named_not_crashed_on(tmp_path: Path) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    folder = _write(
        tmp_path,
        members_jsonl=f'{{"id": "a", "notes": {deep}}}\n{{"id": "b", "n": {"9" * 5000}}}\n'
        f'{{"id": "c", "notes": {"[" * 21 + "]" * 21}}}\n{{"id": "d"}}\n{{"id": "e"}}\n',
        connections_csv=f"source,target,kind\nd,e,{'k' * 200_000}\nd,e,peer\n",
        groups_jsonl=f'{{"id": "g", "name": "G", "tags": {deep}}}\n',
    )
    assert _problems(folder) == [
        "members.jsonl:1: not valid JSON (nested too deeply)",
        "members.jsonl:2: not valid JSON (a number longer than 4,300 digits)",
        "members.jsonl:3: unknown fields (notes) nest deeper than 20 levels",
        "connections.csv:2: not valid CSV (field larger than field limit (131072))",
        "groups.jsonl:1: not valid JSON (nested too deeply)",
    ]


def test_json_that_no_export_could_give_back_is_refused(tmp_path: Path) -> None:
    folder = _write(
        tmp_path,
        members_jsonl='{"id": "a", "zz": NaN}\n{"id": "b", "yy": -Infinity}\n'
        '{"id": "c", "id": "d"}\n{"id": "e", "x": {"k": 1, "k": 2}}\n{"id": "f"}\n',
    )
    assert _problems(folder) == [
        "members.jsonl:1: not valid JSON (NaN is not a JSON value)",
        "members.jsonl:2: not valid JSON (-Infinity is not a JSON value)",
        "members.jsonl:3: not valid JSON (the field 'id' is given twice)",
        "members.jsonl:4: not valid JSON (the field 'k' is given twice)",
    ]


def test_unknown_fields_are_kept_within_a_bound(tmp_path: Path) -> None:
    kept, too_long = json.dumps("n" * 19_000), json.dumps("n" * 20_000)
    folder = _write(
        tmp_path,
        members_jsonl=f'{{"id": "a", "notes": {kept}}}\n'
        f'{{"id": "b", "notes": {too_long}, "x": null}}\n',
        groups_jsonl=f'{{"id": "g", "name": "G", "minutes": {too_long}, "tags": []}}\n',
    )
    assert _problems(folder) == [
        "members.jsonl:2: unknown fields (notes, x) take 20,024 characters as JSON, more than "
        "the 20,000 allowed",
        "groups.jsonl:1: unknown fields (minutes, tags) take 20,027 characters as JSON, more "
        "than the 20,000 allowed",
    ]
    (folder / "members.jsonl").write_text('{"id": "a", "notes": null, "tags": []}\n')
    (folder / "groups.jsonl").write_text('{"id": "g", "name": "G", "members": [], "tags": []}\n')
    again = write_bundle(read_bundle(folder), tmp_path / "out")
    # unknown fields come back as they were, null and empty ones too
    for name in ("members.jsonl", "groups.jsonl"):
        assert (again / name).read_text() == (folder / name).read_text()


_WRITE_UNDER_A_FILE_SIZE_LIMIT = """
import resource, signal, sys
from graph_schema.bundle import read_bundle, write_bundle
from models.errors import QConnectError
community = read_bundle(sys.argv[1])
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a file over the limit is then an OSError
resource.setrlimit(resource.RLIMIT_FSIZE, (int(sys.argv[3]), resource.RLIM_INFINITY))
try:
    write_bundle(community, sys.argv[2])
except QConnectError as exc:
    print(exc)
"""


def test_a_bundle_that_fails_part_way_leaves_the_bundle_there_was(tmp_path: Path,
                                                                  tiny: Community) -> None:
    """A bundle written over an older one, where a file fails part-way (here the process may
    not make a file larger than the new members file: the disk is full by then): every file is
    still the old one, no partial file is left, and a new folder is not left behind."""
    bigger = tiny.model_copy(update={"connections": [
        *tiny.connections, *(Connection(source="ana", target=f"m{n:04}", kind="peer" * 20)
                             for n in range(200))],
        "members": [*tiny.members, *(Member(id=f"m{n:04}") for n in range(200))]})
    new = write_bundle(bigger, tmp_path / "new")
    limit = (new / "members.jsonl").stat().st_size + 1  # connections.csv is larger
    assert (new / "connections.csv").stat().st_size > limit
    old = write_bundle(tiny, tmp_path / "old")
    before = {path.name: path.read_bytes() for path in old.iterdir()}
    for folder in (old, tmp_path / "not" / "yet"):
        result = subprocess.run(
            [sys.executable, "-c", _WRITE_UNDER_A_FILE_SIZE_LIMIT, str(new), str(folder),
             str(limit)], capture_output=True, text=True, check=True, cwd=Path(__file__).parents[1])
        assert result.stdout.startswith(f"cannot write a bundle to {folder}: File too large")
    assert {path.name: path.read_bytes() for path in old.iterdir()} == before
    assert not (tmp_path / "not").exists()


def test_a_folder_with_a_bundle_files_name_stops_the_write_before_anything_changes(
        tmp_path: Path, tiny: Community) -> None:
    old = write_bundle(tiny, tmp_path / "old")
    (old / "groups.jsonl").unlink()
    (old / "groups.jsonl").mkdir()
    before = {path.name: path.read_bytes() for path in old.iterdir() if path.is_file()}
    with pytest.raises(QConnectError, match="a folder has a file's name"):
        write_bundle(tiny.model_copy(update={"members": tiny.members[:2]}), old)
    assert {path.name: path.read_bytes() for path in old.iterdir() if path.is_file()} == before
    assert sorted(path.name for path in old.iterdir()) == sorted([*before, "groups.jsonl"])
