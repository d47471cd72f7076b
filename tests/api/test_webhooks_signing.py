"""The signature a receiver checks and the back-off between attempts (docs/webhooks.md)."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import random

from api.settings import Settings
from api.webhooks import Backoff, signature_header, verify_signature

SECRET = "0123456789abcdef-receiver"
BODY = '{"id":"evt_1","type":"notice.published","data":{"text":"停水通知"}}'.encode()


def test_the_signature_is_hmac_sha256_of_the_timestamp_and_the_body() -> None:
    header = signature_header(SECRET, 1_796_000_000, BODY)
    expected = hmac.new(SECRET.encode(), b"1796000000." + BODY, hashlib.sha256).hexdigest()
    assert header == f"t=1796000000,v1={expected}"
    assert verify_signature(SECRET, header, BODY, now=1_796_000_100)
    # another secret, another body, a replay long after, a malformed header: refused
    assert not verify_signature("another-secret-of-16+", header, BODY, now=1_796_000_100)
    assert not verify_signature(SECRET, header, BODY + b" ", now=1_796_000_100)
    assert not verify_signature(SECRET, header, BODY, now=1_796_000_000 + 301)
    assert not verify_signature(SECRET, "v1=" + expected, BODY, now=1_796_000_000)
    assert not verify_signature(SECRET, "t=soon,v1=" + expected, BODY, now=1_796_000_000)


def test_the_back_off_doubles_up_to_its_cap_with_jitter() -> None:
    backoff = Backoff(base=10.0, cap=3600.0, max_attempts=20)
    rng = random.Random(7)
    for attempts in range(1, 21):
        full = min(3600.0, 10.0 * 2 ** (attempts - 1))
        waits = [backoff.delay(attempts, rng) / dt.timedelta(seconds=1) for _ in range(200)]
        assert all(full / 2 <= w <= full for w in waits), attempts
        assert max(waits) - min(waits) > full / 4  # jittered, not one fixed wait


def test_the_default_schedule_tries_through_a_night() -> None:
    """With the defaults a receiver down overnight still gets the events: the waits before the
    last attempt add up to 5.5 to 11.5 hours (docs/webhooks.md)."""
    fields = Settings.model_fields
    backoff = Backoff(
        fields["webhook_backoff_seconds"].default,
        fields["webhook_backoff_max_seconds"].default,
        fields["webhook_max_attempts"].default,
    )
    full = sum(
        min(backoff.cap, backoff.base * 2 ** (n - 1)) for n in range(1, backoff.max_attempts)
    )
    assert 5.5 * 3600 <= full / 2 < full <= 11.5 * 3600
