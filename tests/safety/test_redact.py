import base64
import json
from urllib.parse import quote, quote_plus

import pytest

from mimetic.safety.redact import (
    compact_error, encoded_forms, find_secrets, redact_text, redact_url_params, redact_value,
)


def test_secret_shapes_are_replaced():
    text = "key sk-abcdefghijklmnopqrstuvwxyz012345 e2b_abcdefghijklmnop ghp_abcdefghijklmnop Bearer abcdefghijklmnopq"
    redacted = redact_text(text)
    assert "sk-abc" not in redacted and "e2b_abc" not in redacted and "ghp_abc" not in redacted
    assert "Bearer abcdef" not in redacted


def test_cli_flags_that_contain_sk_are_not_secrets():
    text = "codex exec --ask-for-approval never --sandbox read-only --task-kind-something-long-enough"
    assert redact_text(text) == text
    assert find_secrets(text) == []


def test_auth_like_url_parameters_are_redacted_but_others_kept():
    url = "http://127.0.0.1:6080/vnc.html?autoconnect=true&password=hunter2hunter2&view_only=true&api_key=abc"
    out = redact_url_params(url)
    assert "hunter2" not in out and "api_key=[redacted-url-param]" in out and "autoconnect=true" in out


def test_e2b_hosts_are_redacted_whole():
    assert "e2b.app" not in redact_text("stream at https://6080-abc.e2b.app/vnc.html")


def test_environment_secret_values_are_redacted_even_without_a_known_shape(monkeypatch):
    monkeypatch.setenv("MY_SERVICE_TOKEN", "plain-canary-value")
    assert redact_text("saw plain-canary-value here") == "saw [REDACTED_SECRET] here"


def test_compact_error_is_single_line_bounded_and_redacted():
    message = compact_error("line one\nline two " + "x" * 500 + " sk-" + "a" * 30)
    assert "\n" not in message and len(message) <= 240 and "sk-aaa" not in message


def test_url_credentials_are_redacted_in_every_sink_but_url_paths_with_at_signs_are_kept():
    text = "git clone https://x-access-token:hunter2canary@github.com/a/b.git failed; see https://unpkg.com/react@18/x"
    redacted = redact_text(text)
    assert "hunter2canary" not in redacted and "x-access-token" not in redacted
    assert "https://[redacted-userinfo]@github.com/a/b.git" in redacted
    assert "https://unpkg.com/react@18/x" in redacted
    assert redact_text("//@ts-ignore") == "//@ts-ignore"


CANARY = "cnry-Encoded/Value+9f3?&="  # bytes that base64, hex and URL encoding all change


def _encodings(secret: str) -> dict[str, str]:
    """The secret as an app log might print it, each inside longer text, at every base64 alignment."""
    raw = secret.encode()
    out = {"hex": raw.hex(), "HEX": raw.hex().upper(), "quoted": quote(secret, safe=""),
           "quote_plus": quote_plus(secret), "every byte": "".join(f"%{b:02x}" for b in raw)}
    for prefix in (b"", b"a", b"ab", b"abc", b'{"env":"'):
        for name, encode in (("b64", base64.b64encode), ("urlsafe", base64.urlsafe_b64encode)):
            out[f"{name} after {len(prefix)}"] = encode(prefix + raw + b'","more":1}').decode()
    return out


@pytest.mark.parametrize("form", list(_encodings(CANARY)))
def test_a_known_secret_is_redacted_and_found_in_every_encoding(monkeypatch, form):
    monkeypatch.setenv("APP_SECRET", CANARY)
    encoded = _encodings(CANARY)[form]
    line = f"boot: config={encoded} ready"
    assert find_secrets(line) == ["known secret value"]
    redacted = redact_text(line)
    assert "[REDACTED_SECRET]" in redacted
    assert not any(variant in redacted for variant in encoded_forms(CANARY))


def test_encoded_forms_of_unknown_values_are_left_alone(monkeypatch):
    monkeypatch.setenv("APP_SECRET", CANARY)
    text = "asset " + base64.b64encode(b"nothing secret in here at all").decode() + " " + b"plain bytes".hex()
    assert redact_text(text) == text and find_secrets(text) == []


def test_redact_value_redacts_dict_keys_as_well_as_values(monkeypatch):
    monkeypatch.setenv("APP_SECRET", CANARY)
    redacted = redact_value({CANARY: "x", "nested": [{f"k-{CANARY}": CANARY}], "n": 1, 2: None})
    assert CANARY not in json.dumps(redacted, default=str)
    assert redacted["nested"][0] == {"k-[REDACTED_SECRET]": "[REDACTED_SECRET]"}
    assert redacted["[REDACTED_SECRET]"] == "x" and redacted["n"] == 1 and redacted[2] is None
