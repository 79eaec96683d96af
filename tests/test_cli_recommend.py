"""The command line for finding people: train, recommend (people, helpers, groups), evaluate."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app
from graph_schema import open_store
from graph_schema.bundle import write_bundle
from graph_schema.store import copy_store
from matcher.recommend.recommender import HELPER_MIN_LEVEL
from matcher.synthetic.generator import generate_community
from models import Community
from models.settings import get_settings

runner = CliRunner()
Trained = tuple[str, dict, Path]  # store location, the train command's JSON, rankers folder


def _invoke(*args: object) -> tuple[int, str, str]:
    result = runner.invoke(app, [str(a) for a in args])
    return result.exit_code, result.stdout, result.stderr


def _run(*args: object) -> str:
    code, out, err = _invoke(*args)
    assert code == 0, out + err
    return out


def _lines(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines() if line.strip()]


@pytest.fixture(scope="module")
def trained(generated_store: str, tmp_path_factory: pytest.TempPathFactory
            ) -> Iterator[Trained]:
    """A copy of the generated store, trained, with its rankers in a temporary folder."""
    folder = tmp_path_factory.mktemp("cli-recommend")
    location, rankers = str(folder / "store.db"), folder / "rankers"
    with open_store(generated_store) as source, open_store(location) as target:
        copy_store(source, target)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("QCONNECT_RANKERS", str(rankers))
        get_settings.cache_clear()
        try:
            yield location, json.loads(_run("train", "--store", location, "--json")), rankers
        finally:
            get_settings.cache_clear()


def _neighbours(community: Community, member: str) -> set[str]:
    return ({t.target for t in community.connections if t.source == member}
            | {t.source for t in community.connections if t.target == member})


def test_train_learns_both_rankers_and_saves_them_in_the_rankers_folder(trained: Trained) -> None:
    _, report, rankers = trained
    assert report["people"]["kind"] == report["groups"]["kind"] == "logistic regression"
    saved = Path(report["saved_in"])
    assert saved.parent == rankers
    assert (saved / "people.joblib").exists() and (saved / "groups.joblib").exists()


def test_recommend_people_one_line_per_member(trained: Trained, generated: Community) -> None:
    location = trained[0]
    ids = [generated.members[0].id, generated.members[1].id]
    code, out, err = _invoke("recommend", "people", *ids, "-k", 5, "--store", location, "--json")
    assert code == 0, out + err
    assert "no trained ranker" not in err
    lines = _lines(out)
    assert [line["member"] for line in lines] == ids
    for line in lines:
        found = line["recommendations"]
        assert len(found) == 5
        assert all(set(s) == {"id", "score", "reasons"} for s in found)
        scores = [s["score"] for s in found]
        assert scores == sorted(scores, reverse=True)
        suggested = {s["id"] for s in found}
        assert line["member"] not in suggested
        assert not suggested & _neighbours(generated, line["member"])
        assert all(s["reasons"] for s in found)


def test_members_file_adds_to_the_ids_given(trained: Trained, generated: Community,
                                            tmp_path: Path) -> None:
    first, second, third = (m.id for m in generated.members[:3])
    listed = tmp_path / "members.txt"
    listed.write_text(f"{second}\n\n  {third}  \n", encoding="utf-8")
    out = _run("recommend", "people", first, "--members-file", listed, "-k", 3,
               "--store", trained[0], "--json")
    assert [line["member"] for line in _lines(out)] == [first, second, third]


def test_a_members_file_not_in_utf8_is_a_clear_error(trained: Trained, tmp_path: Path) -> None:
    listed = tmp_path / "members.txt"
    listed.write_bytes(b"m\xff00001\n")
    code, out, err = _invoke("recommend", "people", "--members-file", listed,
                             "--store", trained[0])
    assert code == 1 and out == "" and f"error: cannot read {listed}: 'utf-8' codec" in err


def test_unknown_member_is_an_error_line_and_the_others_still_print(
    trained: Trained, generated: Community,
) -> None:
    first, second = generated.members[0].id, generated.members[1].id
    code, out, _ = _invoke("recommend", "people", first, "nobody-here", second, "-k", 5,
                           "--store", trained[0], "--json")
    assert code == 1
    lines = _lines(out)
    assert [line["member"] for line in lines] == [first, "nobody-here", second]
    assert "nobody-here" in lines[1]["error"] and "recommendations" not in lines[1]
    assert len(lines[0]["recommendations"]) == len(lines[2]["recommendations"]) == 5


def test_recommend_helpers_and_groups(trained: Trained, generated: Community) -> None:
    member = next(m for m in generated.members if m.wants_to_learn)
    for kind in ("helpers", "groups"):
        lines = _lines(_run("recommend", kind, member.id, "-k", 3, "--store", trained[0],
                            "--json"))
        assert [line["member"] for line in lines] == [member.id]
        assert lines[0]["recommendations"], kind
    joined = {g.id for g in generated.groups if member.id in (*g.members, *g.coordinators)}
    suggested = {s["id"] for s in lines[0]["recommendations"]}
    assert suggested <= {g.id for g in generated.groups} and not suggested & joined


def test_recommend_helpers_for_a_named_skill(trained: Trained, generated: Community) -> None:
    def level(member_id: str, skill: str) -> int:
        member = next(m for m in generated.members if m.id == member_id)
        return max((s.level or 3 for s in member.skills if s.name == skill), default=0)

    asker = generated.members[0].id
    skill = next(s.name for m in generated.members[1:] for s in m.skills
                 if (s.level or 3) >= HELPER_MIN_LEVEL)
    lines = _lines(_run("recommend", "helpers", asker, "--skill", skill, "-k", 5,
                        "--store", trained[0], "--json"))
    found = lines[0]["recommendations"]
    assert found
    assert all(level(s["id"], skill) >= HELPER_MIN_LEVEL for s in found)


# -- evaluate ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small() -> Community:
    return generate_community(150, seed=3)


@pytest.fixture(scope="module")
def small_bundle(small: Community, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_bundle(small, tmp_path_factory.mktemp("bundle"))


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """evaluate keeps its store in the user cache folder: here, a temporary one (shared by
    this module's evaluations of one bundle, so it is embedded once)."""
    folder = tmp_path_factory.mktemp("cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("service.config.platformdirs.user_cache_dir",
                      lambda *_, **__: str(folder))
        yield folder


def test_evaluate_prints_every_method(small_bundle: Path, cache: Path) -> None:
    report = json.loads(_run("evaluate", small_bundle, "--json", "-k", 5))
    assert report["k"] == 5
    rows = {(r["task"], r["method"]): r for r in report["results"]}
    assert ("people", "qconnect") in rows and ("people", "Adamic-Adar") in rows
    assert rows["people", "qconnect"]["queries"] > 0
    assert list(cache.glob("evaluate/*.db"))  # the evaluation store went to the cache given


def test_evaluate_refuses_a_malformed_test_file(small_bundle: Path, cache: Path,
                                                tmp_path: Path) -> None:
    """Each answer must be a list of ids: a string would be read as its letters, a number
    fails later, an empty file or a member answering for themself measures nothing."""
    test = tmp_path / "test.json"
    for text, said in (
            ('{"m00001": ["m00002"', f"cannot read {test} as JSON: Expecting"),
            ('["m00001", "m00002"]', "not a JSON object of id lists (input should be a valid "
                                     "dictionary)"),
            ('{"m00001": 5}', "not a JSON object of id lists (m00001: input should be a valid "
                              "list)"),
            ('{"m00001": "m00002"}', "not a JSON object of id lists (m00001: input should be a "
                                     "valid list)"),
            ('{"m00001": ["m00002", 3]}', "(m00001.1: input should be a valid string)"),
            ('{}', "the held-out test holds no held-out ids"),
            ('{"m00001": []}', "the held-out test holds no held-out ids"),
            ('{"m00001": ["m00002", "m00001"]}',
             "the held-out test has 'm00001' as their own answer"),
            ('{"ghost": ["m00002"], "shade": ["m00003"]}',
             "no member the held-out test names is in the community (such as 'ghost'): is the "
             "test this community's?")):
        test.write_text(text, encoding="utf-8")
        code, out, err = _invoke("evaluate", small_bundle, "--test", test, "--json")
        assert (code, out) == (1, ""), text
        assert err.splitlines()[-1].startswith("error: ") and said in err, (text, err)


def test_evaluate_with_a_test_file(small: Community, small_bundle: Path, cache: Path,
                                   tmp_path: Path) -> None:
    ids = [m.id for m in small.members]
    test = {}
    for member in ids[:4]:  # a member each is not yet tied to: the ties to find
        known = _neighbours(small, member) | {member}
        test[member] = [next(other for other in reversed(ids) if other not in known)]
    path = tmp_path / "test.json"
    path.write_text(json.dumps(test), encoding="utf-8")
    report = json.loads(_run("evaluate", small_bundle, "--test", path, "--json", "-k", 5))
    people = [r for r in report["results"] if r["task"] == "people"]
    assert {r["method"] for r in people} >= {"qconnect", "Adamic-Adar", "random"}
    assert all(r["queries"] == len(test) for r in people)
