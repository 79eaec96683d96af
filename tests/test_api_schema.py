"""Property-based run of the service against its own OpenAPI schema (schemathesis): whatever
the input, no server error; every response matches the documented schema and status; and the
schema and validation agree both ways: a request the schema allows is never refused as
malformed (422), and one it does not allow is refused."""

from __future__ import annotations

import re
import shutil
from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
)

from api.app import create_app
from graph_schema import open_store
from service.keys import new_key
from tests.conftest import README

EXAMPLES = 10  # per operation and mode: enough to reach every branch of validation, bounded
# in time (about two minutes for the whole run on two cores)
FEWER = {"GET /analytics/evaluation": 3}  # each new k starts a background evaluation process

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance, positive_data_acceptance, negative_data_rejection]

_key: dict[str, str] = {}  # the admin key, fixed in negative cases so they break the request
# itself rather than leave the key out

ACCEPTED = ["2xx", "400", "401", "403", "404", "409", "429"]
"""What a request the schema allows may get. 400 is this API's answer to a well-formed request
the rules refuse (an interest listed twice, a tie to oneself, group rules no pool can meet),
which no schema can state, and 429 to one that finds the same heavy work under way or enough
evaluations waiting their turn; a 422 would mean the schema and validation disagree."""


REFUSED = ["400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "428", "429",
           "5xx"]
"""What a request the schema does not allow may get: schemathesis's list, and 413 for a body
too large to read (refused before its content is looked at)."""


@pytest.fixture(scope="module")
def api_schema(generated_store: str, tmp_path_factory: pytest.TempPathFactory):
    location = str(tmp_path_factory.mktemp("schema") / "service.db")
    shutil.copy(generated_store, location)
    text, key = new_key("admin")
    with open_store(location) as store:
        store.add_key(key)
    _key["Authorization"] = f"Bearer {text}"
    config = schemathesis.Config.from_dict({
        "auth": {"openapi": {"HTTPBearer": {"bearer": text}}},
        "checks": {"positive_data_acceptance": {"expected-statuses": ACCEPTED},
                   "negative_data_rejection": {"expected-statuses": REFUSED}}})
    return schemathesis.openapi.from_asgi("/openapi.json", create_app(location), config=config)


def _run(operation: schemathesis.APIOperation, mode: GenerationMode,
         statuses: Counter[int]) -> None:
    """Requests to ``operation`` generated in ``mode``, every check on each response. With the
    key fixed, an operation whose every parameter takes any string has no negative case."""

    @given(case=operation.as_strategy(generation_mode=mode, headers=_key if mode.is_negative
                                      and operation.headers else None))
    @settings(max_examples=FEWER.get(operation.label, EXAMPLES), deadline=None,
              database=None, suppress_health_check=list(HealthCheck))
    def check(case: schemathesis.Case) -> None:
        # A generous timeout: a group proposal over a large pool can take seconds when the
        # cores are shared (evaluations answer at once and run in the background).
        response = case.call_and_validate(checks=CHECKS, timeout=120)
        statuses[response.status_code] += 1

    try:
        check()
    except Unsatisfiable:
        assert mode.is_negative, operation.label


def test_no_server_error_and_the_schema_and_validation_agree(api_schema) -> None:
    statuses: dict[GenerationMode, Counter[int]] = {mode: Counter() for mode in GenerationMode}
    operations = [result.ok() for result in api_schema.get_all_operations()]
    for operation in operations:
        for mode in GenerationMode:
            _run(operation, mode, statuses[mode])
    positive, negative = statuses[GenerationMode.POSITIVE], statuses[GenerationMode.NEGATIVE]
    assert len(operations) >= 25 and positive.total() >= 5 * len(operations)
    assert not any(status >= 500 for status in positive | negative)
    assert sum(n for status, n in positive.items() if status < 300) > positive.total() / 3
    assert 422 not in positive and negative[422] > negative.total() / 2
    print(f"schemathesis: {len(operations)} operations; allowed requests got "
          f"{dict(sorted(positive.items()))}, refused ones {dict(sorted(negative.items()))}")


def test_the_schema_documents_every_route(api_schema) -> None:
    paths = api_schema.raw_schema["paths"]
    assert {"/members", "/members/{member_id}/recommendations/{kind}", "/groups/proposals",
            "/search", "/analytics/evaluation", "/ready"} <= set(paths)
    for path, operations in paths.items():
        for method, operation in operations.items():
            assert operation.get("description") or operation.get("summary"), (method, path)
            if path not in ("/health", "/ready"):
                assert {"401", "403", "503"} <= set(operation["responses"]), (method, path)


def _shape(path: str) -> str:
    """A route's path with its parameters unnamed, as the README and the schema both give it."""
    return re.sub(r"\{[^}]*\}|[a-z]+(\\\|[a-z]+)+", "{}", path)


def test_the_readme_gives_every_query_parameter_of_the_api() -> None:
    readme = README.read_text(encoding="utf-8")
    shown = {(method, _shape(path)): [p.split("=")[0] for p in query.split("&")]
             for method, path, query in re.findall(r"`([A-Z]+) (/[^`?]*)\?([^`]*)`", readme)}
    taken = {(method.upper(), _shape(path)): names
             for path, operations in create_app().openapi()["paths"].items()
             for method, operation in operations.items()
             if (names := [p["name"] for p in operation.get("parameters", [])
                           if p["in"] == "query"])}
    assert ("GET", "/search") in taken and shown == taken
