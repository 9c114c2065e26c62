"""The e2b substrate through the real e2b-desktop SDK objects, pointed at loopback instead of E2B's cloud.

A loopback HTTP server (`fixtures.fake_e2b.control_plane`) speaks the control plane's REST shapes
(401/404 JSON bodies, 204 on delete), so the real `Sandbox.create`/`Sandbox.kill` build and send
their actual requests, and the real exceptions they raise reach the adapter's error mapping.
"""

from __future__ import annotations

import socket

import pytest
from fixtures.fake_e2b import control_plane

from mimetic.errors import MimeticError
from mimetic.lanes.e2b import E2BSubstrate
from mimetic.lanes.substrate import LaneSpec
from mimetic.project import Project

API_KEY = "e2b_" + "x" * 30


@pytest.fixture
def plane():
    with control_plane() as served:
        yield served


@pytest.fixture(autouse=True)
def _no_connection_retries(monkeypatch):
    # The SDK retries refused connections with backoff; one attempt is enough to prove the mapping.
    import e2b.api.client_sync as client_sync

    monkeypatch.setattr(client_sync, "connection_retries", 0)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def real_substrate(project, api_url: str, **params) -> E2BSubstrate:
    return E2BSubstrate(project=Project(project), run_id="run-1", timeout_s=7200,
                        api_params={"api_url": api_url, "retries": 0, "request_timeout": 5, **params})


SPEC = LaneSpec(run_id="run-1", index=0, label="repo-01", repo="fixture/todo", stream_id="oss-01-desktop",
                sim_id="oss-01", env={"MIMETIC_OSS_META_ACTOR_MODEL": "gpt-test", "OPENAI_API_KEY": "canary-openai-1x"})


def test_real_create_sends_the_tagged_request_and_a_401_becomes_an_auth_error(project, plane):
    url, requests = plane
    with pytest.raises(MimeticError) as err:
        real_substrate(project, url, api_key=API_KEY).launch(SPEC)
    assert err.value.code == "MIMETIC_E2B_AUTH" and "E2B_API_KEY" in err.value.message
    assert API_KEY not in err.value.message
    sent = requests[0]
    assert sent["path"] == "/v2/sandboxes" and sent["key"] == API_KEY
    assert sent["body"]["templateID"] == "desktop"
    assert sent["body"]["timeout"] == 3600
    assert sent["body"]["metadata"] == {"mimetic_run": "run-1", "lane": "oss-01-desktop", "tool": "mimetic-cli"}
    assert sent["body"]["envVars"] == {"MIMETIC_OSS_META_ACTOR_MODEL": "gpt-test", "DISPLAY": ":0"}


def test_real_create_against_a_closed_port_is_an_unreachable_error(project):
    with pytest.raises(MimeticError) as err:
        real_substrate(project, f"http://127.0.0.1:{closed_port()}", api_key=API_KEY).launch(SPEC)
    assert err.value.code == "MIMETIC_E2B_UNREACHABLE" and "oss-01-desktop" in err.value.message
    assert API_KEY not in err.value.message


def test_real_create_without_any_key_is_an_auth_error_before_any_request(project, plane):
    url, requests = plane
    sub = real_substrate(project, url)
    assert sub.missing_requirements() == ["E2B_API_KEY"]
    with pytest.raises(MimeticError) as err:
        sub.launch(SPEC)
    assert err.value.code == "MIMETIC_E2B_AUTH"
    assert requests == []


def test_real_kill_by_id_reports_killed_and_already_gone(project, plane):
    url, requests = plane
    sub = real_substrate(project, url, api_key=API_KEY)
    assert sub.kill_outcome("live1") == "killed"
    assert sub.kill_outcome("gone1") == "already_gone"
    assert [(r["method"], r["path"]) for r in requests] == [("DELETE", "/sandboxes/live1"),
                                                             ("DELETE", "/sandboxes/gone1")]
