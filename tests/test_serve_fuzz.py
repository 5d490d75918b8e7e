"""Fuzzing the server's OpenAPI schema with schemathesis: no request gets a 5xx."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from lmtask.ladder import ClassifierSpec
from lmtask.serve import ServeConfig, ServedModel, create_app


def _app():
    """The code-language detector, loaded before the schema is read (no lifespan here)."""
    config = ServeConfig(max_wait_ms=0, text_model=None)
    served = ServedModel.from_spec(ClassifierSpec(task="code-language"))
    served.load(config)
    return create_app([served], config)


schema = schemathesis.openapi.from_asgi("/openapi.json", _app())


@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_generated_request_gets_a_server_error(case):
    response = case.call()
    assert response.status_code < 500, (case.path, case.body, response.text)
    if case.path == "/v1/classify" and response.status_code == 200:
        data = response.json()["data"]
        assert [d["index"] for d in data] == list(range(len(data)))


@pytest.mark.parametrize("path", ["/v1/generate"])
def test_generate_without_a_model_is_404_not_500(path):
    from fastapi.testclient import TestClient

    with TestClient(_app()) as c:
        assert c.post(path, json={"input": "x"}).status_code == 404
