"""What the two OpenAI-SDK providers share: the client (lazily imported, SDK retries off: the loop owns
retries) and the classification of SDK exceptions into `ProviderError` kinds."""

from __future__ import annotations

from typing import Any

from mimetic.actors.providers.base import ModelCheck, ProviderError, retry_after_s
from mimetic.safety.redact import compact_error, register_secret


def make_client(api_key: str, base_url: str | None = None) -> Any:
    """The real SDK client; without `base_url` the SDK reads `OPENAI_BASE_URL` (a test points it at a fake)."""
    import openai

    register_secret(api_key)
    return openai.OpenAI(api_key=api_key, base_url=base_url, max_retries=0)


def error_body(exc: Any) -> dict[str, Any]:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        inner = body.get("error")
        return inner if isinstance(inner, dict) else body
    return {}


def classify(exc: BaseException, api: str) -> ProviderError:
    """An `openai` SDK exception as a ProviderError. Auth failures never echo the server's message (it may
    quote the key)."""
    import openai

    body = error_body(exc)
    message = body.get("message") if isinstance(body.get("message"), str) else ""
    code = str(body.get("code") or body.get("type") or "")
    detail = compact_error(f"{message}" + (f" ({code})" if code else ""), 300)
    if isinstance(exc, openai.AuthenticationError):
        return ProviderError("auth", f"{api} rejected the API key (401)")
    if isinstance(exc, openai.RateLimitError):
        if code == "insufficient_quota":
            return ProviderError("quota", f"{api} quota exhausted (429 insufficient_quota): the account has no "
                                          "credit left; add credit or raise the limit, retrying will not help")
        return ProviderError("rate_limited", f"{api} rate limited the request (429): {detail}",
                             retry_after_s=retry_after_s(exc))
    if isinstance(exc, openai.PermissionDeniedError):
        return ProviderError("auth", compact_error(f"{api} denied access (403): {detail}", 300))
    if isinstance(exc, openai.NotFoundError) or code == "model_not_found":
        return ProviderError("model", compact_error(f"{api}: {detail or 'not found (404)'}", 300))
    if isinstance(exc, openai.APITimeoutError):
        return ProviderError("timeout", f"{api} did not answer before the request timed out")
    if isinstance(exc, openai.InternalServerError):
        return ProviderError("server", compact_error(f"{api} server error ({exc.status_code}): {detail}", 300),
                             retry_after_s=retry_after_s(exc))
    if isinstance(exc, openai.APIStatusError):
        return ProviderError("invalid", compact_error(f"{api} API error ({exc.status_code}): {detail}", 300))
    if isinstance(exc, openai.APIConnectionError):
        return ProviderError("connection", compact_error(f"Could not reach the {api} API: {exc}", 300))
    return ProviderError("invalid", compact_error(f"{api} client error: {type(exc).__name__}: {exc}", 300))


def retrieve_model(client: Any, model: str, api: str, timeout_s: float) -> ModelCheck:
    """`models.retrieve(model)`: a metadata call, no model turn; 404 = unknown or shut down for this key."""
    try:
        found = client.models.retrieve(model, timeout=timeout_s)
    except Exception as exc:  # classified below; nothing raw leaves
        error = classify(exc, api)
        available = False if error.kind in ("model", "auth", "quota") else None
        return ModelCheck(available, error.reason, error.kind)
    return ModelCheck(True, f"{api} model {getattr(found, 'id', model)} is available")
