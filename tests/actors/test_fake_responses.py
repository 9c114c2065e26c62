"""The Responses fake is strict the way the API is: the real `openai` SDK talking to it gets the API's errors
for a wrong tool/model pairing, unanswered calls and unknown models, and batched actions only from GA models."""

from __future__ import annotations

import openai
import pytest

from fixtures.fake_brain import ScriptBrain
from fixtures.fake_responses import insufficient_quota, rate_limited, serve_fake_openai

PNG = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")
SHOT = "data:image/png;base64," + PNG
OPENING = [{"role": "user", "content": [{"type": "input_text", "text": "go"},
                                        {"type": "input_image", "image_url": SHOT, "detail": "auto"}]}]
PREVIEW_TOOL = {"type": "computer_use_preview", "display_width": 1, "display_height": 1, "environment": "browser"}


def client(fake) -> openai.OpenAI:
    return openai.OpenAI(api_key="test-key", base_url=fake.base_url, max_retries=0)


@pytest.mark.parametrize(("model", "tool", "message"), [
    ("gpt-5.4", PREVIEW_TOOL, "Tool 'computer_use_preview' is not supported with gpt-5.4."),
    ("computer-use-preview", {"type": "computer"}, "Tool 'computer' is not supported with computer-use-preview."),
])
def test_a_tool_of_the_other_family_is_a_400_naming_tool_and_model(model, tool, message):
    with serve_fake_openai(ScriptBrain([])) as fake, pytest.raises(openai.BadRequestError) as caught:
        client(fake).responses.create(model=model, tools=[tool], input=OPENING)
    assert caught.value.status_code == 400
    assert caught.value.body["message"] == message and caught.value.body["type"] == "invalid_request_error"


def test_batched_actions_come_only_from_ga_models():
    moves = [("click", 1, 1), ("type", "x")]
    with serve_fake_openai(ScriptBrain([list(moves), list(moves)])) as fake:
        ga = client(fake).responses.create(model="gpt-5.4", tools=[{"type": "computer"}], input=OPENING)
        preview = client(fake).responses.create(model="computer-use-preview", tools=[PREVIEW_TOOL], input=OPENING,
                                                truncation="auto")
    (ga_call,) = [i for i in ga.output if i.type == "computer_call"]
    (preview_call,) = [i for i in preview.output if i.type == "computer_call"]
    assert [a.type for a in ga_call.actions] == ["click", "type"] and ga_call.action is None
    assert preview_call.action.type == "click" and preview_call.actions is None


def test_an_unanswered_call_an_orphan_output_and_an_unreplayable_reasoning_item_are_rejected():
    with serve_fake_openai(ScriptBrain([[("click", 1, 1)]])) as fake:
        sdk = client(fake)
        first = sdk.responses.create(model="gpt-5.4", tools=[{"type": "computer"}], input=OPENING, store=False)
        history = OPENING + [item.model_dump(exclude_none=True) for item in first.output]
        with pytest.raises(openai.BadRequestError, match="No tool output found for computer call call_1"):
            sdk.responses.create(model="gpt-5.4", tools=[{"type": "computer"}], input=history, store=False)
        orphan = {"type": "computer_call_output", "call_id": "call_9",
                  "output": {"type": "computer_screenshot", "image_url": SHOT}}
        with pytest.raises(openai.BadRequestError, match="No tool call found"):
            sdk.responses.create(model="gpt-5.4", tools=[{"type": "computer"}], input=OPENING + [orphan])
        bare = [dict(i, encrypted_content=None) if i.get("type") == "reasoning" else i for i in history]
        with pytest.raises(openai.NotFoundError, match="Items are not persisted when `store` is set to false"):
            sdk.responses.create(model="gpt-5.4", tools=[{"type": "computer"}], store=False,
                                 input=[{k: v for k, v in i.items() if v is not None} for i in bare])


def test_models_retrieve_and_the_two_kinds_of_429():
    with serve_fake_openai(ScriptBrain([]), available={"gpt-5.4-mini"}) as fake:
        sdk = client(fake)
        assert sdk.models.retrieve("gpt-5.4-mini").id == "gpt-5.4-mini"
        with pytest.raises(openai.NotFoundError) as gone:
            sdk.models.retrieve("computer-use-preview")
        fake.faults += [rate_limited(), insufficient_quota()]
        with pytest.raises(openai.RateLimitError) as limited:
            sdk.models.retrieve("gpt-5.4-mini")
        with pytest.raises(openai.RateLimitError) as broke:
            sdk.models.retrieve("gpt-5.4-mini")
    assert gone.value.body["code"] == "model_not_found"
    assert limited.value.body["code"] == "rate_limit_exceeded" and broke.value.body["code"] == "insufficient_quota"
    assert limited.value.response.headers["retry-after-ms"] == "1"
