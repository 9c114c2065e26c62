"""`Redactor.json_records` judges whole records on their JSON text: it must never keep a secret that the
per-string redactor would scrub, whatever surrounds the secret in its string or its record."""

from __future__ import annotations

import json

import pytest

from mimetic.safety.redact import Redactor, redact_value

SECRET = 'q"uo\\te-canary\u00e9-value'  # JSON escapes its quote and backslash
TRICKY = [
    {"tail": "line one\nsk-" + "a" * 24},  # a control character right before a shape with a lookbehind
    {"tail": "build\ne2b_" + "b" * 16},  # ...and one with a word boundary
    {"url": "see HTTPS://Desktop.E2B.dev/s/1 now"},
    {"url": "open http://me:hunter22@example.com/x"},
    {"query": "/cb?a=x\n?token=abcdef"},  # the second parameter hides behind the first in JSON text
    {"auth": "Bearer\nabcdefghijklmnop"},
    {"key": "-----BEGIN RSA PRIVATE KEY-----"},
    {"label": "E2B desktop", "prompt": "serve on http://127.0.0.1:3000"},  # e2b and http in different strings
    {"nested": [{"deep": {"known": f"prefix {SECRET} suffix"}}]},
    {f"key {SECRET}": 1},
    {"plain": "nothing to see", "n": 3, "ok": True, "none": None},
]


@pytest.fixture(autouse=True)
def known_secret(monkeypatch):
    monkeypatch.setenv("APP_SECRET", SECRET)


def test_records_are_redacted_exactly_like_their_strings():
    expected = [redact_value(value) for value in TRICKY]
    texts = [json.dumps(value, ensure_ascii=False, separators=(",", ":")) for value in TRICKY]
    got = [json.loads(text) for text in Redactor().json_records(texts, batch=4)]
    assert got == expected
    assert all(SECRET not in json.dumps(value) for value in got)


def test_a_clean_record_is_kept_byte_for_byte():
    text = json.dumps({"label": "E2B desktop - owner/repo", "step": "Queued -> running", "progress": 10})
    assert list(Redactor().json_records([text])) == [text]


def test_each_distinct_string_is_scrubbed_once(monkeypatch):
    redactor = Redactor()
    calls = []
    scrub = redactor._scrub
    monkeypatch.setattr(redactor, "_scrub", lambda text: calls.append(text) or scrub(text))
    redactor.value([{"step": "token=abc", "again": "token=abc"}] * 50)
    assert calls.count("token=abc") == 1
