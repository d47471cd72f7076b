"""Where the service may POST notice events (issue 16: a webhook URL had no allow-list, so an
admin account could make the server call its own loopback, the intranet or the cloud's metadata
address: server-side request forgery).

The rule (``api.webhooks.check_target``): a receiver on a loopback, private, link-local or
otherwise non-public address is refused unless its host is listed in ``WATEROPS_WEBHOOK_HOSTS``;
when that list is set, only its hosts are accepted. Checked when an admin subscribes (422) and
again before every delivery, on the addresses the host resolves to then.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import pytest

from api.webhooks import TargetRefused, check_target
from ops.errors import InvalidRequest
from tests.api.conftest import make_service
from tests.api.test_webhooks import (
    FAST,
    Receiver,
    _deliveries,
    _draft,
    _publish,
    _subscribe,
    _until,
)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hook",
        "http://localhost/hook",
        "http://[::1]/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.10/hook",
        "http://169.254.169.254/latest/meta-data/",  # the cloud's metadata address
        "http://0.0.0.0/hook",
    ],
)
def test_a_non_public_receiver_is_refused_unless_its_host_is_listed(url: str) -> None:
    with pytest.raises(TargetRefused, match="WATEROPS_WEBHOOK_HOSTS"):
        check_target(url, ())
    host = url.split("//")[1].split("/")[0].rsplit(":", 1)[0] if "[" not in url else "::1"
    check_target(url, (host,))  # listed: the utility's own intranet receiver


def test_with_a_list_only_its_hosts_are_accepted() -> None:
    allowed = ("sms.example.com", ".kfwater.example")
    check_target("https://sms.example.com/in", allowed)
    check_target("https://hooks.kfwater.example/in", allowed)  # a listed domain's host
    with pytest.raises(TargetRefused, match="not in WATEROPS_WEBHOOK_HOSTS"):
        check_target("https://attacker.example.net/in", allowed)
    assert issubclass(TargetRefused, InvalidRequest)  # the service answers 422


def test_a_public_address_needs_no_list() -> None:
    check_target("https://93.184.215.14/hook", ())


def test_the_service_refuses_to_subscribe_the_metadata_address(tmp_path: Path) -> None:
    with contextmanager(make_service)("sqlite", tmp_path, **FAST) as svc:
        answer = svc.post(
            "/api/webhooks", "admin", json={"url": "http://169.254.169.254/latest/meta-data/"}
        )
        assert answer.status_code == 422, answer.text
        assert "169.254.169.254" in answer.json()["detail"]
        assert "WATEROPS_WEBHOOK_HOSTS" in answer.json()["detail"]
        assert svc.get("/api/webhooks", "admin").json() == []


def test_a_delivery_to_a_host_no_longer_allowed_is_not_sent(tmp_path: Path) -> None:
    """Checked again before sending: a subscription made while its host was listed, with the
    list changed since (or a name that now resolves to the intranet), sends nothing."""
    receiver = Receiver()
    receiver.start()
    try:
        listed = {**FAST, "webhook_max_attempts": 2}
        with contextmanager(make_service)("sqlite", tmp_path, **listed) as svc:
            hook = _subscribe(svc, receiver.url)
        unlisted = {**listed, "webhook_hosts": ""}
        with contextmanager(make_service)("sqlite", tmp_path, **unlisted) as svc:
            outage_id, etag = _draft(svc, "P000300")
            _publish(svc, outage_id, etag)
            _until(lambda: len(_deliveries(svc, hook["id"], state="dead")) == 1)
            (row,) = _deliveries(svc, hook["id"])
            assert row["last_status"] is None
            assert "127.0.0.1" in row["last_error"]
            assert "WATEROPS_WEBHOOK_HOSTS" in row["last_error"]
        assert receiver.got == []
    finally:
        receiver.stop()
