from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from kyc_engine.settings import Settings


def test_environment_prefix_and_nesting(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("KYC_MODEL_DIR", str(tmp_path))
    monkeypatch.setenv("KYC_LIMITS__MAX_PIXELS", "1234")
    monkeypatch.setenv("KYC_TODAY", "2030-01-02")
    s = Settings()
    assert s.model_dir == tmp_path
    assert s.limits.max_pixels == 1234
    assert s.current_date() == date(2030, 1, 2)


def test_defaults_point_at_the_shared_model_dir() -> None:
    s = Settings()
    assert s.model_dir.name == "models" and s.model_dir.parent.name == "shared"
    assert s.manifest_path.is_file()


def test_every_reason_code_has_a_message_and_liveness_codes_exist() -> None:
    from kyc_engine.reasons import Reason, ReasonCode

    for code in ReasonCode:
        assert Reason(code).message, code
    assert Reason(ReasonCode("liveness.spoof")).retryable
    assert not Reason(ReasonCode("face.mismatch")).retryable
    assert Reason(ReasonCode.QUALITY_BLUR).to_dict()["code"] == "quality.blur"
