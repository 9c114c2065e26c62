import os

import pytest

from mimetic.errors import MimeticError
from mimetic.safety.envfile import load_env_file, parse_env_text
from mimetic.safety.redact import redact_text


def test_env_text_supports_export_quotes_escapes_and_trailing_comments():
    text = 'A=1\nexport B="x\\ny"\nC=\'lit # x\' # note\nD=plain # comment\n# skipped\n\n'
    assert parse_env_text(text) == [("A", "1"), ("B", "x\ny"), ("C", "lit # x"), ("D", "plain")]


@pytest.mark.parametrize("bad,line", [("A=1\nnot an assignment\n", 2), ('A="open\n', 1), ("1A=x\n", 1),
                                      ("A=it's\n", 1), ("A='x' y\n", 1)])
def test_malformed_env_lines_fail_naming_the_line(bad, line):
    with pytest.raises(MimeticError) as info:
        parse_env_text(bad)
    assert info.value.code == "MIMETIC_ENV_FILE_INVALID"
    assert f"line {line}" in info.value.message


def test_loading_never_overrides_existing_variables_and_registers_values_as_secrets(tmp_path, monkeypatch):
    monkeypatch.setenv("KEEP_ME", "original")
    monkeypatch.delenv("NEW_VAR_FOR_TEST", raising=False)
    (tmp_path / "x.env").write_text("KEEP_ME=replaced\nNEW_VAR_FOR_TEST=canary-value-123\n")
    result = load_env_file("x.env", tmp_path)
    assert result.loaded == ["NEW_VAR_FOR_TEST"] and result.skipped == ["KEEP_ME"]
    assert os.environ["KEEP_ME"] == "original"
    assert "canary-value-123" not in redact_text("token is canary-value-123")
    monkeypatch.delenv("NEW_VAR_FOR_TEST")


def test_missing_env_file_is_a_clear_error(tmp_path):
    with pytest.raises(MimeticError) as info:
        load_env_file("nope.env", tmp_path)
    assert info.value.code == "MIMETIC_ENV_FILE_NOT_FOUND"
