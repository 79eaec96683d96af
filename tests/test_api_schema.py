"""Property-based run of the service against its own OpenAPI schema (schemathesis): whatever
the input, no server error, and every response matches the documented schema and status."""

from __future__ import annotations

import shutil
from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.app import create_app
from graph_schema import open_store
from service.keys import new_key

EXAMPLES = 12  # per operation: enough to reach every branch of validation, bounded in time

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]

_key: dict[str, str] = {}


@pytest.fixture(scope="module")
def api_schema(generated_store: str, tmp_path_factory: pytest.TempPathFactory):
    location = str(tmp_path_factory.mktemp("schema") / "service.db")
    shutil.copy(generated_store, location)
    text, key = new_key("admin")
    with open_store(location) as store:
        store.add_key(key)
    _key["Authorization"] = f"Bearer {text}"
    return schemathesis.openapi.from_asgi("/openapi.json", create_app(location))


def test_no_server_error_and_no_schema_violation(api_schema) -> None:
    statuses: Counter[int] = Counter()
    operations = [result.ok() for result in api_schema.get_all_operations()]
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        def check(case: schemathesis.Case) -> None:
            response = case.call_and_validate(headers=_key, checks=CHECKS)
            statuses[response.status_code] += 1

        check()
    assert len(operations) >= 25 and sum(statuses.values()) >= 10 * len(operations)
    assert not any(status >= 500 for status in statuses)
    print(f"schemathesis: {len(operations)} operations, {sum(statuses.values())} requests, "
          f"statuses {dict(sorted(statuses.items()))}: no server error, no schema violation")


def test_the_schema_documents_every_route(api_schema) -> None:
    paths = api_schema.raw_schema["paths"]
    assert {"/members", "/members/{member_id}/recommendations/{kind}", "/groups/proposals",
            "/search", "/analytics/evaluation", "/ready"} <= set(paths)
    for path, operations in paths.items():
        for method, operation in operations.items():
            assert operation.get("description") or operation.get("summary"), (method, path)
            if path not in ("/health", "/ready"):
                assert {"401", "403", "503"} <= set(operation["responses"]), (method, path)


