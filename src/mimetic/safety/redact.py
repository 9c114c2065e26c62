"""One redactor for every sink: bundle, events, tails, previews, Observer, drafts, error messages.

Two sources of truth are scrubbed: well-known secret shapes (upstream §7.2) and the *values* of
secrets this process knows about (environment variables with secret-like names and everything
loaded from an `--env-file`), so a canary that matches no pattern is still caught. A known value is
also caught encoded: base64 (standard and URL-safe, at each of the three byte alignments, so it is
found inside a longer base64 blob), hex (lower and upper case) and URL-encoded (quoted, or every byte
as `%XX`).
"""

from __future__ import annotations

import base64
import json
import os
import re
import threading
from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import Any
from urllib.parse import quote, quote_plus

# A URL naming e2b: its match holds no quote or space, so it is found in a record's JSON text as in its string.
_E2B_URL = re.compile(r"https?://[^\s\"'<>]*e2b[^\s\"'<>]*", re.IGNORECASE)
# Each secret shape with the lower-case literals one of its matches must contain: a large text is only
# searched with the (slow, case-insensitive) pattern when one of them is in it.
SECRET_RULES: tuple[tuple[tuple[str, ...], re.Pattern[str]], ...] = (
    # `(?<![a-z-])` keeps flags such as --ask-for-approval from tripping the sk- rule.
    (("sk-",), re.compile(r"(?<![a-z0-9-])sk-(?:proj-)?[a-z0-9_-]{20,}", re.IGNORECASE)),
    (("e2b_",), re.compile(r"\be2b_[a-z0-9_-]{12,}", re.IGNORECASE)),
    (("ghp_", "gho_", "ghu_", "ghs_", "ghr_"), re.compile(r"\bgh[pousr]_[a-z0-9_]{12,}", re.IGNORECASE)),
    (("github_pat_",), re.compile(r"\bgithub_pat_[a-z0-9_]{12,}", re.IGNORECASE)),
    (("e2b",), _E2B_URL),
    (("-----begin",), re.compile(r"-----BEGIN (?:RSA |OPENSSH |EC |DSA )?PRIVATE KEY-----", re.IGNORECASE)),
    (("begin ",), re.compile(r"BEGIN (?:RSA|OPENSSH|PRIVATE) KEY", re.IGNORECASE)),
    (("bearer",), re.compile(r"\bBearer\s+[a-z0-9._~+/-]{12,}=*", re.IGNORECASE)),
)
SECRET_PATTERNS: tuple[re.Pattern[str], ...] = tuple(pattern for _, pattern in SECRET_RULES)
REPLACEMENT = "[REDACTED_SECRET]"

# Query keys whose values are credentials (token=, api_key=, password=, sig=, ...).
AUTH_PARAM_KEY = re.compile(
    r"(token|secret|password|passwd|credential|auth|apikey|api_key|signature|bearer|jwt|session|key$|^sig$)",
    re.IGNORECASE,
)
_URL_QUERY = re.compile(r"([?&])([A-Za-z0-9_.-]+)=([^&#\s\"'<>]*)")
# `scheme://user:password@host` (or a token as the user name): everything between `//` and the last
# `@` of the authority is a credential.
_URL_USERINFO = re.compile(r"//[^/?#\s\"'<>]+@")
USERINFO_REPLACEMENT = "//[redacted-userinfo]@"

SECRET_ENV_NAME = re.compile(r"(KEY|TOKEN|SECRET|PASSWORD|PASSWD|PAT|CREDENTIAL|AUTH)", re.IGNORECASE)
_MIN_SECRET_LEN = 6

_lock = threading.Lock()
_known_values: set[str] = set()


def register_secret(value: str) -> None:
    """Remember a secret value so every later write scrubs it."""
    if value and len(value) >= _MIN_SECRET_LEN:
        with _lock:
            _known_values.add(value)


def _env_secret_values() -> tuple[str, ...]:
    # Read on every redactor (the environment may change), so the scan is cached on the environment's
    # raw items: os.environ decodes every variable each time it is iterated, which costs more than the
    # redaction of a short text.
    raw = getattr(os.environ, "_data", None)
    return _secret_values_in(tuple(raw.items()) if isinstance(raw, dict) else tuple(os.environ.items()))


@lru_cache(maxsize=8)
def _secret_values_in(items: tuple[tuple[Any, Any], ...]) -> tuple[str, ...]:
    decode = (lambda v: os.fsdecode(v) if isinstance(v, bytes) else v)
    return tuple(value for name, value in map(lambda item: (decode(item[0]), decode(item[1])), items)
                 if SECRET_ENV_NAME.search(name) and value and len(value) >= _MIN_SECRET_LEN)


def known_secret_values() -> list[str]:
    with _lock:
        values = set(_known_values)
    values.update(_env_secret_values())
    # Longest first so a value that contains another is replaced whole.
    return sorted(values, key=len, reverse=True)


def encoded_forms(value: str) -> set[str]:
    """The value and every encoding of it a log or file might carry (see the module docstring)."""
    raw = value.encode("utf-8")
    forms = {value, raw.hex(), raw.hex().upper(), quote(value, safe=""), quote_plus(value, safe=""),
             "".join(f"%{byte:02X}" for byte in raw), "".join(f"%{byte:02x}" for byte in raw)}
    for encode in (base64.b64encode, base64.urlsafe_b64encode):
        for shift in range(3):
            # The value preceded by `shift` bytes: keep only the characters made of its own bits alone,
            # which appear whatever surrounds it in a longer blob.
            text = encode(b"\0" * shift + raw).decode("ascii")
            forms.add(text[-(-8 * shift // 6): 8 * (shift + len(raw)) // 6])
    return {form for form in forms if len(form) >= _MIN_SECRET_LEN}


@lru_cache(maxsize=16)
def _forms_of(values: tuple[str, ...]) -> tuple[str, ...]:
    forms = set().union(*map(encoded_forms, values)) if values else set()
    return tuple(sorted(forms, key=len, reverse=True))  # longest first, so a longer form is replaced whole


def known_secret_forms() -> tuple[str, ...]:
    """Every known secret value in every encoding, longest first."""
    return _forms_of(tuple(known_secret_values()))


_SECRET_RE = re.compile("|".join(f"(?:{p.pattern})" for p in SECRET_PATTERNS), re.IGNORECASE)


def _shapes_in(text: str) -> list[re.Pattern[str]]:
    """The secret shapes whose literals the text contains (the only ones worth searching it with)."""
    lower = text.lower()
    return [pattern for anchors, pattern in SECRET_RULES if any(anchor in lower for anchor in anchors)]


def redact_url_params(text: str) -> str:
    def repl(match: re.Match[str]) -> str:
        sep, key, value = match.groups()
        if value and AUTH_PARAM_KEY.search(key):
            return f"{sep}{key}=[redacted-url-param]"
        return match.group(0)

    return _URL_QUERY.sub(repl, text)


# What may need redaction in a whole JSON record's text: a hit in any of its strings shows in the
# serialised text (JSON escapes only quotes, backslashes and control characters, which no anchor
# holds). Rules whose match depends on the characters around it are found by looser tests here, so a
# record that might need redaction always goes through the per-string path (`Redactor.json`).
_RECORD_ANCHORS = tuple(sorted({a for anchors, pattern in SECRET_RULES for a in anchors if pattern is not _E2B_URL}))
_URL_QUERY_KEY = re.compile(r"[?&]([A-Za-z0-9_.-]+)=")
_CACHED_TEXT_LIMIT = 4096


@lru_cache(maxsize=16)
def _json_forms(forms: tuple[str, ...]) -> tuple[str, ...]:
    """Each form also as it shows inside JSON text (a secret holding a quote or a backslash is escaped there)."""
    return tuple({variant for form in forms
                  for variant in (form, json.dumps(form)[1:-1], json.dumps(form, ensure_ascii=False)[1:-1])})


def compact(value: Any) -> str:
    """Compact JSON text: the form records are judged, kept and written in (run.json lines, the Observer)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


# `_E2B_URL` for a lower-cased text: a case-sensitive pattern with a literal prefix is searched fast.
_E2B_URL_LOWER = re.compile(r"https?://[^\s\"'<>]*e2b")


class Redactor:
    """One snapshot of the known secret values, reused for every string of a write (or of a live run).

    Each distinct string is scrubbed once: a 10,000-lane document repeats most of its strings, and the
    same redactor redacts run.json and the Observer data built from the same bundle."""

    def __init__(self) -> None:
        self._forms = known_secret_forms()
        self._seen: dict[str, str] = {}
        self._json_forms = _json_forms(self._forms)

    @property
    def current(self) -> bool:
        """Still the known secret values of now (a secret registered later needs a new redactor)."""
        return self._forms == known_secret_forms()

    def text(self, text: str) -> str:
        if not text:
            return text
        done = self._seen.get(text)
        if done is None:
            done = self._scrub(text)
            if len(text) <= _CACHED_TEXT_LIMIT:
                self._seen[text] = done
        return done

    def _scrub(self, text: str) -> str:
        # Substring tests are fast; a regex is built only from the forms this text actually holds.
        present = [form for form in self._forms if form in text]
        if present:
            text = re.compile("|".join(map(re.escape, present))).sub(REPLACEMENT, text)
        if _shapes_in(text):
            text = _SECRET_RE.sub(REPLACEMENT, text)
        if "@" in text:
            text = _URL_USERINFO.sub(USERINFO_REPLACEMENT, text)
        return redact_url_params(text) if "=" in text else text

    def json_records(self, texts: Iterable[str], *, batch: int = 256) -> Iterator[str]:
        """Records given as compact JSON text, redacted, lazily. A record is judged on its text, a batch
        at a time: one none of whose rules can apply is kept as it is, which costs a fraction of walking
        its strings; the others are parsed, walked (`value`) and serialised again."""
        pending: list[str] = []
        for text in texts:
            pending.append(text)
            if len(pending) >= batch:
                yield from self._settled(pending)
                pending = []
        yield from self._settled(pending)

    def _settled(self, pending: list[str]) -> Iterator[str]:
        # Every rule's match lies inside one string (no match holds a quote), so a clean batch text means
        # every record of it is clean.
        if not self._may_hold_secret("\n".join(pending)):
            yield from pending
            return
        for text in pending:
            yield compact(self.value(json.loads(text))) if self._may_hold_secret(text) else text

    def _may_hold_secret(self, text: str) -> bool:
        lower = text.lower()  # plain substring tests: a case-insensitive alternation is 10x slower
        return bool(any(anchor in lower for anchor in _RECORD_ANCHORS)
                    or ("e2b" in lower and _E2B_URL_LOWER.search(lower))
                    or ("@" in text and _URL_USERINFO.search(text))
                    or ("=" in text and any(AUTH_PARAM_KEY.search(key) for key in _URL_QUERY_KEY.findall(text)))
                    or any(form in text for form in self._json_forms))

    def value(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {self.text(k) if isinstance(k, str) else k: self.value(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.value(v) for v in value]
        return value


_shared: Redactor | None = None
_SHARED_SEEN_LIMIT = 50_000  # distinct strings remembered by the shared redactor before it starts afresh


def _shared_redactor() -> Redactor:
    """One redactor for the one-off `redact_text`/`redact_value` calls of this process (a `feedback list`
    compacts the same reason for 3,000 lanes), replaced as soon as the known secrets change."""
    global _shared
    shared = _shared
    if shared is None or not shared.current or len(shared._seen) > _SHARED_SEEN_LIMIT:
        shared = _shared = Redactor()
    return shared


def redact_text(text: str) -> str:
    return _shared_redactor().text(text)


def redact_value(value: Any) -> Any:
    """Redact every string inside a JSON-like value (keys included)."""
    return _shared_redactor().value(value)


def find_secrets(text: str) -> list[str]:
    """Names of the rules a text trips (never the matched values themselves)."""
    found = []
    if any(form in text for form in known_secret_forms()):
        found.append("known secret value")
    for pattern in _shapes_in(text):
        if pattern.search(text):
            found.append(f"pattern {pattern.pattern[:24]}…")
    for match in _URL_QUERY.finditer(text):
        _, key, value = match.groups()
        if value and AUTH_PARAM_KEY.search(key) and not value.startswith("[redacted"):
            found.append(f"auth-like URL parameter {key}")
            break
    return found


def compact_error(text: str, limit: int = 240) -> str:
    """Redacted, single-line, bounded: the shape every persisted error reason takes."""
    text = " ".join(redact_text(str(text)).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
