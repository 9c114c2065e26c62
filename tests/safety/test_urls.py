import pytest

from mimetic.errors import MimeticError
from mimetic.safety.urls import validate_app_url


@pytest.mark.parametrize("url", ["http://127.0.0.1:5173", "http://localhost:3000/app", "http://[::1]:8080/#x"])
def test_loopback_urls_are_accepted_without_their_fragment(url):
    assert "#" not in validate_app_url(url)


@pytest.mark.parametrize(
    "url", ["https://example.com", "http://127.0.0.1/?token=abc", "http://user:pw@localhost", "ftp://127.0.0.1",
            "http://127.0.0.1:99999", "http://10.0.0.1:80", "http://127.0.0.1/?api_key=1"],
)
def test_non_loopback_credentialed_or_malformed_urls_are_rejected(url):
    with pytest.raises(MimeticError) as info:
        validate_app_url(url)
    assert info.value.code == "MIMETIC_INVALID_APP_URL"
    assert "token=abc" not in info.value.message  # the error never echoes a credential


def test_a_network_policy_may_allow_a_named_host():
    assert validate_app_url("http://staging.internal:8080", allowed_hosts=["staging.internal"])
