"""`mimetic doctor` says, for each provider whose key (or endpoint) is set, whether the configured actor model is
available — asked of each real SDK against its fake with a metadata call, never a model turn."""

from __future__ import annotations

from fixtures.actor_support import CANARY_KEY, files_containing
from fixtures.fake_anthropic import serve_fake_anthropic
from fixtures.fake_brain import ScriptBrain
from fixtures.fake_chat import serve_fake_chat
from fixtures.fake_responses import serve_fake_openai


def entries(call) -> dict[str, dict]:
    return {e["name"]: e for e in call.json()["environment"] if e["kind"] == "actor-model"}


def test_doctor_reports_each_configured_actor_model_without_a_model_turn(cli, project, monkeypatch):
    with serve_fake_openai(ScriptBrain([]), available={"gpt-5.5"}) as openai_fake, \
            serve_fake_anthropic(ScriptBrain([])) as anthropic_fake, \
            serve_fake_chat(ScriptBrain([])) as chat_fake:
        monkeypatch.setenv("OPENAI_API_KEY", CANARY_KEY)
        monkeypatch.setenv("OPENAI_BASE_URL", openai_fake.base_url)
        monkeypatch.setenv("ANTHROPIC_API_KEY", CANARY_KEY)
        monkeypatch.setenv("ANTHROPIC_BASE_URL", anthropic_fake.base_url)
        monkeypatch.setenv("MIMETIC_ACTOR_BASE_URL", chat_fake.base_url)
        monkeypatch.delenv("MIMETIC_ACTOR_MODEL", raising=False)
        call = cli("doctor", "--json")
        found = entries(call)
        # The operator names one model for every kind: only the endpoint that serves it says available.
        monkeypatch.setenv("MIMETIC_ACTOR_MODEL", "qwen2.5-vl-7b-instruct")
        named = entries(cli("doctor", "--json"))

    assert call.exit_code == 1  # the project is not set up; actor models never decide the exit code
    openai_entry = found["actor model: openai-cua gpt-5.4-mini"]
    assert openai_entry["present"] is False and "does not exist" in openai_entry["message"]
    assert found["actor model: anthropic claude-sonnet-5-5"]["present"] is True
    assert found["actor model: openai-compatible (none)"]["present"] is False
    assert "MIMETIC_ACTOR_MODEL" in found["actor model: openai-compatible (none)"]["message"]
    assert named["actor model: openai-compatible qwen2.5-vl-7b-instruct"]["present"] is True
    assert named["actor model: openai-cua qwen2.5-vl-7b-instruct"]["present"] is False
    for fake, path in ((openai_fake, "/v1/models/"), (anthropic_fake, "/v1/models/"), (chat_fake, "/v1/models")):
        assert fake.served.requests and all(r.method == "GET" and r.path.startswith(path)
                                            for r in fake.served.requests)
    assert files_containing(project, CANARY_KEY) == []


def test_doctor_lists_no_actor_model_when_no_provider_is_configured(cli, monkeypatch):
    for name in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "MIMETIC_ACTOR_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    assert entries(cli("doctor", "--json")) == {}
