"""One path from training to members: the rankers ``qconnect train`` learns are the ones
``qconnect recommend`` and the HTTP service rank with, under the same rules, and
``qconnect evaluate`` measures exactly those lists, so the figures it prints are what members
get."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app
from graph_schema.bundle import write_bundle
from matcher.evaluation.metrics import ndcg
from matcher.synthetic.generator import generate_community
from models.settings import get_settings
from tests.conftest import serving

runner = CliRunner()
K = 10


def _run(*args: object) -> str:
    result = runner.invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, result.output + result.stderr
    return result.stdout


def test_evaluate_measures_what_recommend_and_the_service_serve(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    community = generate_community(160, seed=5)
    bundle = write_bundle(community, tmp_path / "bundle")
    tied = {m.id: set() for m in community.members}
    for tie in community.connections:
        tied[tie.source].add(tie.target)
        tied[tie.target].add(tie.source)
    ids = sorted(tied)
    # For some members, someone they are not tied to yet: the ties evaluate should find.
    asking = [m for m in ids if tied[m]][:15]
    test = {m: [next(o for o in reversed(ids) if o != m and o not in tied[m])] for m in asking}
    (tmp_path / "test.json").write_text(json.dumps(test), encoding="utf-8")

    monkeypatch.setenv("QCONNECT_RANKERS", str(tmp_path / "rankers"))
    monkeypatch.setattr("service.config.platformdirs.user_cache_dir",
                        lambda *_, **__: str(tmp_path / "cache"))
    get_settings.cache_clear()
    try:
        store = str(tmp_path / "store.db")
        _run("import", bundle, "--store", store)
        _run("train", "--store", store)
        lines = _run("recommend", "people", *asking, "-k", K, "--store", store, "--json")
        on_the_command_line = {line["member"]: [r["id"] for r in line["recommendations"]]
                               for line in map(json.loads, lines.splitlines())}
        with serving(store) as api:
            over_http = {}
            for member in asking:  # in the same order, so exposure is counted alike
                found = api.client.get(f"/members/{member}/recommendations/people",
                                       params={"k": K}, headers=api.headers("member", member))
                over_http[member] = [s["id"] for s in found.json()["data"]]
        report = json.loads(_run("evaluate", bundle, "--test", tmp_path / "test.json",
                                 "-k", K, "--json"))
    finally:
        get_settings.cache_clear()

    assert over_http == on_the_command_line
    assert all(len(found) == K for found in on_the_command_line.values())
    served = {(r["task"], r["method"]): r for r in report["results"]}[("people", "qconnect")]
    members_get = sum(ndcg(on_the_command_line[m], set(test[m]), K) for m in asking) / len(asking)
    assert served["queries"] == len(asking)
    assert served["ndcg"] == pytest.approx(members_get, abs=1e-4)
    assert report["training"]["people"]["chosen"]  # and it says what training chose
