"""The service does not start with one of the city's public lines as its hotline (issue 16
leftover): ``WATEROPS_HOTLINE=12319`` (the city-management line) is refused with the reason,
from the environment as from the arguments, the demo too."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from api.app import create_app
from api.settings import Settings

NAMED = {"issuer_name_zh": "开封某某供水有限公司", "public_url": "https://water.example.cn"}


def test_the_city_management_line_is_refused_at_start_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(ValidationError, match="city-management service line"):
        Settings(data_dir=tmp_path, hotline="12319", **NAMED)
    monkeypatch.setenv("WATEROPS_HOTLINE", "0371-12319")
    with pytest.raises(ValidationError, match=r"set WATEROPS_HOTLINE .* to the utility's own"):
        Settings(data_dir=tmp_path, seed_demo_users=True)
    # the utility's own number starts the service
    monkeypatch.setenv("WATEROPS_HOTLINE", " 0371-12345678 ")
    settings = Settings(data_dir=tmp_path, **NAMED)
    with TestClient(create_app(settings)) as client:
        assert client.get("/outages").status_code == 200
    assert settings.notice_issuer()[1] == "0371-12345678"
