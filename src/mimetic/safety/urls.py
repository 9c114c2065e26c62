"""App URLs: loopback only (unless a committed network policy allows a host), never with credentials."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from mimetic.errors import MimeticError
from mimetic.safety.redact import AUTH_PARAM_KEY, redact_text

LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


def _invalid(url: str, why: str) -> MimeticError:
    return MimeticError(  # the redactor also drops user:password@, so the URL is never echoed with it
        "MIMETIC_INVALID_APP_URL",
        f"--app-url must be an http(s) loopback URL such as http://127.0.0.1:5173 ({why}): {redact_text(url)}",
    )


def validate_app_url(url: str, allowed_hosts: Iterable[str] = ()) -> str:
    """Return the URL without its fragment, or raise MIMETIC_INVALID_APP_URL."""
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise _invalid(url, "it does not parse") from None
    if parts.scheme not in {"http", "https"} or not host:
        raise _invalid(url, "scheme must be http or https")
    if parts.username or parts.password or "@" in parts.netloc:
        raise _invalid(url, "credentials in URLs are not allowed")
    for key, _ in parse_qsl(parts.query, keep_blank_values=True):
        if AUTH_PARAM_KEY.search(key):
            raise _invalid(url, f"auth-like query parameter {key!r} is not allowed")
    allowed = LOOPBACK_HOSTS | {h.lower() for h in allowed_hosts}
    if host.lower() not in allowed:
        raise _invalid(url, f"host {host} is not loopback and no network policy allows it")
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", parts.query, ""))
