"""Health, enrollment and authentication against the real server process."""

from __future__ import annotations

from typing import Any

import httpx

from sync.protocol import PROTOCOL_VERSION, EnrollResponse, Health
from tests.server.helpers import assert_error, new_source_id
from tests.support.server_process import ServerProcess


def test_health_needs_no_token(server: ServerProcess) -> None:
    response = httpx.get(f"{server.api}/health")
    assert response.status_code == 200
    health = Health.model_validate(response.json())
    assert health.status == "ok"
    assert health.protocol == PROTOCOL_VERSION
    assert health.version


def test_unknown_path_is_an_error_body(server: ServerProcess) -> None:
    assert_error(httpx.get(f"{server.api}/nothing-here"), 404, "not_found")
    assert_error(httpx.get(f"{server.api}/enroll"), 405, "method_not_allowed")


def test_the_api_describes_itself(server: ServerProcess) -> None:
    schema = httpx.get(f"{server.url}/openapi.json").json()
    assert {"/api/v1/health", "/api/v1/enroll", "/api/v1/events"} <= set(schema["paths"])


def test_enroll_makes_a_device_per_call_with_one_school_code(
    server: ServerProcess, school: dict[str, Any]
) -> None:
    code = school["enrollment_code"]
    first = httpx.post(
        f"{server.api}/enroll", json={"enrollment_code": code, "device_name": "Cart A #1"}
    )
    assert first.status_code == 200, first.text
    one = EnrollResponse.model_validate(first.json())
    assert one.school_id == school["school_id"]
    assert one.school_name == school["name"]
    # IT types codes by hand: case and the dash must not matter.
    typed = code.replace("-", "").lower()
    second = httpx.post(
        f"{server.api}/enroll", json={"enrollment_code": typed, "device_name": "Cart A #2"}
    )
    assert second.status_code == 200, second.text
    two = EnrollResponse.model_validate(second.json())
    assert two.device_id != one.device_id
    assert two.token != one.token
    devices = server.cli_json("device", "list")
    assert {d["device_id"] for d in devices} == {one.device_id, two.device_id}


def test_enroll_with_a_wrong_code_is_refused(server: ServerProcess, school: dict[str, Any]) -> None:
    response = httpx.post(
        f"{server.api}/enroll", json={"enrollment_code": "WRONG-CODE2", "device_name": "Laptop"}
    )
    assert_error(response, 403, "bad_enrollment_code")
    assert server.cli_json("device", "list") == []


def test_enroll_with_a_missing_field_names_it(server: ServerProcess) -> None:
    response = httpx.post(f"{server.api}/enroll", json={"enrollment_code": "ABCDE-FGHJK"})
    body = assert_error(response, 422, "invalid_payload")
    assert "device_name" in body["detail"]


def test_requests_without_a_valid_token_are_unauthorized(
    server: ServerProcess, school: dict[str, Any]
) -> None:
    source = new_source_id()
    payload = {"source_id": source, "events": []}
    no_header = httpx.post(f"{server.api}/events", json=payload)
    assert_error(no_header, 401, "unauthorized")
    assert no_header.headers["www-authenticate"] == "Bearer"
    with server.client("not-a-real-token") as client:
        assert_error(client.post("/events", json=payload), 401, "unauthorized")
        assert_error(client.get(f"/sources/{source}"), 401, "unauthorized")
    with httpx.Client(base_url=server.api, headers={"Authorization": "Basic abc"}) as client:
        assert_error(client.get(f"/sources/{source}"), 401, "unauthorized")


def test_a_revoked_device_is_unauthorized(server: ServerProcess, school: dict[str, Any]) -> None:
    enrolled = server.enroll_device(school["enrollment_code"], "Lost laptop")
    source = new_source_id()
    with server.client(enrolled["token"]) as client:
        assert client.get(f"/sources/{source}").status_code == 200
        revoked = server.cli_json("device", "revoke", enrolled["device_id"])
        assert revoked["revoked_at"]
        assert_error(client.get(f"/sources/{source}"), 401, "unauthorized")
        assert_error(
            client.post("/events", json={"source_id": source, "events": []}), 401, "unauthorized"
        )
