"""The fake Responses server speaks the wire format the real `openai` SDK parses, in both directions."""

from __future__ import annotations

import openai
import pytest

from fixtures.fake_responses import (
    api_error, click, computer_call, keypress, serve_fake_responses, type_text, verdict_message,
)
from mimetic.actors.openai_cua import ActorApiError, ResponsesActor
from mimetic.actors.computer import Action


def test_real_sdk_parses_scripted_computer_calls_and_sends_screenshot_outputs():
    script = [computer_call(click(10, 20), reasoning="Click the box.", tokens=(900, 30)),
              computer_call(type_text("milk"), keypress("ENTER"), call_id="call_2", batched=True, tokens=(950, 40)),
              verdict_message("passed", tokens=(1000, 120))]
    with serve_fake_responses(script) as fake:
        client = openai.OpenAI(api_key="test-key", base_url=fake.base_url, max_retries=0)
        actor = ResponsesActor(client, model="computer-use-preview", size=(1440, 960), environment="browser",
                               instructions="be a person")
        first = actor.begin("Add milk", b"\x89PNG first", 10)
        second = actor.after([("call_1", b"\x89PNG second")], 10)
        final = actor.after([("call_2", b"\x89PNG third")], 10)
    assert first.calls[0].actions == [Action("click", x=10, y=20, button="left")]
    assert first.reasoning == "Click the box."
    assert (first.input_tokens, first.output_tokens) == (900, 30)
    assert second.calls[0].actions == [Action("type", text="milk"), Action("keypress", keys=("ENTER",))]
    assert final.calls == [] and '"verdict": "passed"' in final.text

    bodies = fake.response_requests()
    assert fake.requests[0].headers["authorization"] == "Bearer test-key"
    opening = bodies[0]
    assert opening["model"] == "computer-use-preview" and opening["truncation"] == "auto"
    assert opening["tools"] == [{"type": "computer_use_preview", "display_width": 1440, "display_height": 960,
                                 "environment": "browser"}]
    image = opening["input"][0]["content"][1]
    assert image["type"] == "input_image" and image["detail"] == "auto"
    assert image["image_url"].startswith("data:image/png;base64,")
    assert "previous_response_id" not in opening
    answer = bodies[1]
    assert answer["previous_response_id"] == "resp_1"
    (output,) = answer["input"]
    assert output["type"] == "computer_call_output" and output["call_id"] == "call_1"
    assert output["output"]["type"] == "computer_screenshot"
    assert output["output"]["image_url"].startswith("data:image/png;base64,")
    assert "acknowledged_safety_checks" not in output
    assert bodies[2]["previous_response_id"] == "resp_2"


@pytest.mark.parametrize(("status", "expected_status", "reason"), [
    (401, "blocked", "OpenAI rejected the API key (401)"),
    (429, "blocked", "OpenAI rate limit or quota exhausted (429)"),
    (400, "failed", "OpenAI API error (400): bad input here"),
])
def test_sdk_status_errors_become_classified_actor_errors(status, expected_status, reason):
    with serve_fake_responses([api_error(status, "bad input here")]) as fake:
        client = openai.OpenAI(api_key="test-key", base_url=fake.base_url, max_retries=0)
        actor = ResponsesActor(client, model="computer-use-preview", size=(800, 600), environment="linux",
                               instructions="x")
        with pytest.raises(ActorApiError) as caught:
            actor.begin("goal", b"png", 10)
    assert caught.value.status == expected_status
    assert caught.value.reason == reason
