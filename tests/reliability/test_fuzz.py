"""Fuzzing the HTTP contract (see tests/reliability/fuzzing.py): about a thousand
generated requests, valid and invalid, over every operation, as an administrator
and as a teacher. Not one may be answered with a 5xx or in a way /openapi.json does
not describe. ``scripts/fuzz 10000`` runs the long version."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ejournal.api.app import create_app
from ejournal.service import Service
from tests.reliability.fuzzing import fuzz

CASES = 1000
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}


def test_a_thousand_fuzzed_requests_meet_no_5xx_and_no_undocumented_answer(
    tmp_path: Path,
) -> None:
    report = fuzz(f"sqlite:///{tmp_path / 'fuzz.sqlite3'}", CASES)
    print(report.summary())
    assert report.errors == 0, "\n".join(report.failures)
    assert report.cases >= CASES
    assert len(report.operations) >= 50, report.operations
    assert min(report.operations.values()) >= 2, report.operations
    # Valid requests got through to the domain, not only to the validators.
    assert report.statuses[200] >= CASES // 20, report.statuses


@pytest.fixture(scope="module")
def openapi(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    path = tmp_path_factory.mktemp("openapi") / "ejournal.sqlite3"
    app = create_app(lambda: Service(f"sqlite:///{path}"), start_runner=False)
    with TestClient(app) as client:
        schema: dict[str, Any] = client.get("/openapi.json").json()
    return schema


def operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, op)
        for path, ops in schema["paths"].items()
        for method, op in ops.items()
    ]


def test_every_route_documents_its_problem_answers(openapi: dict[str, Any]) -> None:
    """Regression: routes declared problem+json answers with no schema, no 503 and
    no 413 on most routes, and queries no 400."""
    assert "Problem" in openapi["components"]["schemas"]
    for method, path, op in operations(openapi):
        responses = op["responses"]
        errors = {code for code in responses if code[0] in "45"}
        must = {"400", "413"}
        if path != "/api/v1/health":
            must.add("503")
        if op.get("security"):
            must.add("401")
        if path.startswith("/api/v1/commands/"):
            must |= {"403", "404", "409", "422"}
        assert must <= errors, (method, path, sorted(errors))
        for code in errors:
            content = responses[code]["content"]
            assert list(content) == ["application/problem+json"], (path, code)
            assert content["application/problem+json"]["schema"] == PROBLEM_REF
        assert "500" not in responses


def test_answers_are_documented_as_json_not_as_strings(
    openapi: dict[str, Any],
) -> None:
    """Regression: the orjson response class was not a JSONResponse, so every 200
    was documented as ``{"type": "string"}`` and every real answer broke it."""
    for method, path, op in operations(openapi):
        for response in op["responses"].values():
            schema = response.get("content", {}).get("application/json", {})
            assert schema.get("schema", {}).get("type") != "string", (method, path)
    login = openapi["paths"]["/api/v1/auth/login"]["post"]["responses"]["200"]
    assert login["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/LoginAnswer"
    }
    command = openapi["paths"]["/api/v1/commands/record-mark"]["post"]
    assert "CommandAnswer" in str(command["responses"]["200"])
