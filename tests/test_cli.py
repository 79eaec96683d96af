"""The command line end to end, on each store: import, export, stats, migrations, refusals."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from api.cli import app
from graph_schema.bundle import BundleError, read_bundle, write_bundle
from graph_schema.schema import latest_version
from models import Community
from tests.conftest import README

runner = CliRunner()


def _run(*args: str) -> str:
    result = runner.invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, result.output + result.stderr
    return result.stdout


def _stats(location: str) -> dict[str, int]:
    return json.loads(_run("stats", "--store", location, "--json"))


def test_import_export_round_trip(store_location: str, tiny: Community, tmp_path: Path) -> None:
    bundle = write_bundle(tiny, tmp_path / "in")
    _run("import", bundle, "--store", store_location)
    _run("export", tmp_path / "out", "--store", store_location)
    back = read_bundle(tmp_path / "out")
    assert back.members == tiny.members
    assert {t.pair: t for t in back.connections} == {t.pair: t for t in tiny.connections}
    assert (back.groups, back.skills) == (tiny.groups, tiny.skills)
    assert back.topics == sorted(tiny.topics, key=lambda t: t.id)


def test_importing_twice_changes_nothing(store_location: str, tiny: Community,
                                         tmp_path: Path) -> None:
    bundle = write_bundle(tiny, tmp_path / "in")
    _run("import", bundle, "--store", store_location)
    _run("export", tmp_path / "first", "--store", store_location)
    counts = _stats(store_location)
    _run("import", bundle, "--store", store_location)
    _run("export", tmp_path / "second", "--store", store_location)
    assert _stats(store_location) == counts
    for name in ("members.jsonl", "connections.csv", "groups.jsonl"):
        assert (tmp_path / "first" / name).read_bytes() == (tmp_path / "second" / name).read_bytes()


def test_refused_import_names_the_line_and_changes_nothing(
    store_location: str, tiny: Community, tmp_path: Path
) -> None:
    _run("import", write_bundle(tiny, tmp_path / "good"), "--store", store_location)
    before = _stats(store_location)
    bad = write_bundle(tiny, tmp_path / "bad")
    with (bad / "members.jsonl").open("a", encoding="utf-8") as f:
        f.write('{"id": "zoe", "visibility": "secret"}\n')
    result = runner.invoke(app, ["import", str(bad), "--store", store_location])
    assert result.exit_code == 1
    assert "members.jsonl:6: visibility:" in result.stderr
    assert "nothing was imported" in result.stderr
    assert _stats(store_location) == before


def test_a_bundle_that_cannot_be_written_is_a_clear_error(store_location: str, tiny: Community,
                                                         tmp_path: Path) -> None:
    _run("import", write_bundle(tiny, tmp_path / "in"), "--store", store_location)
    taken = tmp_path / "a file"
    taken.write_text("kept")
    for command in (["export", str(taken), "--store", store_location],
                    ["generate", str(taken), "--members", "5"]):
        result = runner.invoke(app, command)
        assert result.exit_code == 1, result.output
        assert result.stderr.startswith(f"error: cannot write a bundle to {taken}")
        assert "Traceback" not in result.output
    assert taken.read_text() == "kept"


def test_a_mistyped_store_is_refused_not_made(tmp_path: Path) -> None:
    missing = tmp_path / "no such folder" / "store.db"
    for command in (["stats"], ["export", str(tmp_path / "out")], ["search", "run charts"]):
        result = runner.invoke(app, [*command, "--store", str(missing)])
        assert result.exit_code == 1, (command, result.output)
        assert result.stderr == f"error: no store at {str(missing)!r}\n"
    assert not missing.parent.exists() and not (tmp_path / "out").exists()


_FOREIGN = {
    "invoices.db": "CREATE TABLE invoice (id INTEGER PRIMARY KEY, total REAL);"
                   "INSERT INTO invoice VALUES (1, 9.5)",
    # a migrations table of the same name, made otherwise, and a table qconnect also makes
    "migrated.db": "CREATE TABLE schema_migration (version TEXT PRIMARY KEY);"
                   "INSERT INTO schema_migration VALUES ('20240101');"
                   "CREATE TABLE member (id TEXT PRIMARY KEY, email TEXT)",
}
# A writer in write-ahead-log mode that died with its last writes in the log beside the file:
# opening the file to write would checkpoint them into it.
_LEFT_IN_ITS_LOG = """
import os, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("PRAGMA journal_mode=WAL")
db.execute("CREATE TABLE invoice (id INTEGER PRIMARY KEY, total REAL)")
db.commit()
os._exit(0)
"""


def test_another_applications_database_is_refused_and_left_as_it_was(
        tiny: Community, tmp_path: Path) -> None:
    """A store named by mistake that is some other application's SQLite file: no command,
    reading or writing, adds qconnect's tables to it or changes a byte of it or of the log
    beside it."""
    files = tmp_path / "theirs"
    files.mkdir()
    for name, sql in _FOREIGN.items():
        with closing(sqlite3.connect(files / name)) as db, db:
            db.executescript(sql)
    subprocess.run([sys.executable, "-c", _LEFT_IN_ITS_LOG, str(files / "logged.db")],
                   check=True)
    before = {path.name: path.read_bytes() for path in files.iterdir()}
    bundle = write_bundle(tiny, tmp_path / "in")
    for name, tables in (("invoices.db", "invoice"), ("migrated.db", "schema_migration"),
                         ("logged.db", "invoice")):
        foreign = files / name
        for command in (["stats"], ["import", str(bundle)], ["schema", "migrate"],
                        ["search", "run charts"]):
            result = runner.invoke(app, [*command, "--store", str(foreign)])
            assert (result.exit_code, result.stderr) == (1, (
                f"error: the file {foreign} is a database qconnect did not make (it has the "
                f"tables {tables}); give qconnect a store file of its own\n")), command
    assert {path.name: path.read_bytes() for path in files.iterdir()
            if not path.name.endswith("-shm")} == {
        name: data for name, data in before.items() if not name.endswith("-shm")}


def test_an_import_may_not_rename_a_declared_term_or_give_its_name_another_id(
        store_location: str, tiny: Community, tmp_path: Path) -> None:
    """Members and groups name a topic, and narrower topics name their parent's id: an import
    that gives a declared topic's id another name, or its name another id, is refused."""
    _run("import", write_bundle(tiny, tmp_path / "in"), "--store", store_location)
    _run("export", tmp_path / "before", "--store", store_location)
    safety, spc = tiny.topics[0], tiny.skills[0]
    renamed = [safety.model_copy(update={"name": "safety of patients"}), *tiny.topics[1:]]
    for changed, said in (
            ({"topics": renamed},
             "topic id 't-safety' is 'patient safety' already: a declared topic is not renamed "
             "(members and groups name it)"),
            ({"skills": [spc.model_copy(update={"id": "s-charts"})]},
             "skill 'statistical process control' has the id 's-spc' already, not 's-charts'")):
        bundle = write_bundle(tiny.model_copy(update=changed), tmp_path / next(iter(changed)))
        result = runner.invoke(app, ["import", str(bundle), "--store", store_location])
        assert (result.exit_code, result.stderr.splitlines()[-1]) == (1, f"error: {said}")
    _run("export", tmp_path / "after", "--store", store_location)
    for name in ("members.jsonl", "topics.jsonl", "skills.jsonl", "groups.jsonl"):
        assert (tmp_path / "before" / name).read_bytes() == (tmp_path / "after" / name).read_bytes()


def test_schema_migrate_is_idempotent(store_location: str) -> None:
    first = json.loads(_run("schema", "migrate", "--store", store_location, "--json"))
    again = json.loads(_run("schema", "migrate", "--store", store_location, "--json"))
    assert first["version"] == again["version"] == latest_version()
    assert again["applied"] == []


def test_unreachable_neo4j_is_a_clear_error() -> None:
    result = runner.invoke(app, ["stats", "--store", "bolt://127.0.0.1:1", "--json"])
    assert result.exit_code == 1
    assert "unavailable" in result.stderr


def test_text_with_unicode_line_breaks_survives_export_and_import(
        store_location: str, tiny: Community, tmp_path: Path) -> None:
    odd = "one\u2028two\u2029three\x85four\x1cfive\x0bsix"
    members = [m.model_copy(update={"bio": f"{m.id}: {odd}"}) for m in tiny.members]
    groups = [tiny.groups[0].model_copy(update={"description": odd})]
    community = tiny.model_copy(update={"members": members, "groups": groups})
    _run("import", write_bundle(community, tmp_path / "in"), "--store", store_location,
         "--no-embed")
    _run("export", tmp_path / "first", "--store", store_location)
    assert read_bundle(tmp_path / "first").members[0].bio == f"ana: {odd}"
    _run("import", tmp_path / "first", "--store", store_location, "--no-embed")
    _run("export", tmp_path / "second", "--store", store_location)
    for name in ("members.jsonl", "connections.csv", "groups.jsonl"):
        assert (tmp_path / "first" / name).read_bytes() == (tmp_path / "second" / name).read_bytes()


def test_each_problem_is_one_line_of_standard_error(tmp_path: Path) -> None:
    long_id = "m" + "x" * 120
    (tmp_path / "members.jsonl").write_text(
        f'{{"id": "{long_id}"}}\n{{"id": "{long_id}"}}\n'
        f'{{"id": "a", "notes": "{"n" * 20_000}"}}\n{{"id": "b", "n": {"9" * 5000}}}\n'
        '{"id": "c", "x": ' + "[" * 5000 + "]" * 5000 + "}\n")
    name = "[/bold] [red]a name long enough to pass the edge of a terminal eighty columns wide"
    (tmp_path / "topics.jsonl").write_text(
        f'{{"id": "t1", "name": "{name}"}}\n{{"id": "t2", "name": "{name}"}}\n')
    (tmp_path / "connections.csv").write_text(
        f"source,target\n{long_id},someone-not-in-the-bundle-at-all-with-a-long-name\n")
    with pytest.raises(BundleError) as refused:
        read_bundle(tmp_path)
    assert len(refused.value.problems) == 6
    assert sum(len(problem) > 80 for problem in refused.value.problems) >= 4
    result = runner.invoke(app, ["import", str(tmp_path), "--store", str(tmp_path / "s.db")])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "error: bundle refused, nothing was imported:", *refused.value.problems]


def test_help_shows_the_defaults_it_names() -> None:
    """Help text in square brackets is read as markup unless escaped, and vanishes."""
    for command, default in ((["stats"], "[default: QCONNECT_STORE]"),
                             (["serve"], "[default: QCONNECT_PORT or 8000]"),
                             (["groups", "save"], "[default: proposal-<today>]")):
        shown = runner.invoke(app, [*command, "--help"], env={"COLUMNS": "200"})
        assert shown.exit_code == 0 and default in shown.output, shown.output


def _options(text: str) -> set[str]:
    """The options ``text`` names, a flag and its ``--no-`` twin as one."""
    return {o.replace("--no-", "--") for o in re.findall(r"(?<![\w-])(--[a-z][a-z-]*|-k)\b", text)}


def _readme_commands() -> list[tuple[list[str], set[str]]]:
    """Each command the README's command list shows, with the options it names there."""
    readme = README.read_text(encoding="utf-8")
    listing = readme.split("## Commands", 1)[1].split("```")[1]
    entries: list[str] = []
    for line in listing.splitlines():
        if line.startswith("qconnect "):
            entries.append(line.removeprefix("qconnect "))
        elif line.lstrip().startswith(("[", "--")):  # a command's options, continued
            entries[-1] += " " + line
    found = []
    for entry in entries:
        for part in entry.split(" | "):
            words = part.split()
            path = [words.pop(0)]
            if path[0] in {"schema", "members", "groups", "keys"}:
                path.append(words.pop(0))
            found.append((path, _options(part)))
    return found


def test_the_readme_lists_every_command_with_the_options_it_has() -> None:
    """Each command in the README's list with exactly the options its ``--help`` gives, but
    ``--store``, which the README names once for all."""
    commands = _readme_commands()
    top = typer.main.get_command(app)
    every = {(name, sub) if sub else (name,) for name, command in top.commands.items()
             for sub in getattr(command, "commands", None) or [None]}
    assert {tuple(path) for path, _ in commands} == every
    for path, options in commands:
        shown = runner.invoke(app, [*path, "--help"], terminal_width=200)
        assert shown.exit_code == 0, (path, shown.output)
        assert options - {"--store"} == _options(shown.output) - {"--store", "--help"}, path


def test_a_store_another_process_keeps_locked_is_a_clear_error(tmp_path: Path,
                                                               tiny: Community) -> None:
    location = tmp_path / "store.db"
    write_bundle(tiny, tmp_path / "bundle")
    _run("import", tmp_path / "bundle", "--store", location, "--no-embed")
    before = _stats(str(location))
    holder = sqlite3.connect(location, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process's write under way, past the timeout
    try:
        refused = runner.invoke(app, ["feedback", "ana", "dismiss", "ben",
                                      "--store", str(location)])
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert refused.exit_code == 1 and isinstance(refused.exception, SystemExit), refused.output
    assert (f"cannot write to the store at {location} now: another process has been writing "
            "to it for too long; nothing was changed") in refused.stderr
    assert _stats(str(location)) == before


def test_an_argument_that_is_not_utf8_is_refused_before_anything_runs(
        store_location: str, tiny: Community, tmp_path: Path) -> None:
    """Bytes of an argument that are no UTF-8 character (here 0xFF) reach Python as lone
    surrogates, which no store, index or encoder takes: every command refuses them before it
    starts, showing the byte."""
    _run("import", write_bundle(tiny, tmp_path / "in"), "--store", store_location)
    counts = _stats(store_location)
    member = tiny.members[0].id
    for args, shown in ((["search", "run charts\udcff"], "run charts\\xff"),
                        (["members", "erase", f"{member}\udcff", "--yes"], f"{member}\\xff"),
                        (["members", "export", f"{member}\udcff"], f"{member}\\xff"),
                        (["recommend", "people", "\udcff"], "\\xff")):
        result = runner.invoke(app, [*args, "--store", store_location])
        assert (result.exit_code, result.stderr) == (1, (
            f"error: the argument '{shown}' is not UTF-8 text; give every argument in UTF-8 "
            "(nothing was done)\n")), args
    assert _stats(store_location) == counts
    assert runner.invoke(app, ["members", "export", member, "--store", store_location]
                         ).exit_code == 0
