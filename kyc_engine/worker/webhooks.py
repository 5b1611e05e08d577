"""Webhook delivery from the ``webhook_deliveries`` table (the worker's background loop runs it).

A delivery row is written in the same transaction as the result, so a completion is never announced
twice nor lost. Each attempt is signed afresh (see :mod:`.signing`) and logged in ``attempt_log``;
failures are retried with exponential back-off (``webhook_backoff_s`` doubling up to
``webhook_max_backoff_s``) for ``webhook_retry_hours`` (default 26 h), then marked ``failed``.
Rows are picked with ``FOR UPDATE SKIP LOCKED`` so several workers never send the same attempt.
Before each attempt the callback URL is checked again against the SSRF rules and the request is sent to
the address just checked; a URL that now resolves to a forbidden address ends the delivery as ``failed``
(error ``input.callback_url_forbidden``) without any request.
"""

from __future__ import annotations

import logging
import random
import time
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import select

from ..errors import InputError
from ..service.callbacks import CallbackForbidden, check_callback_url, pinned_request
from ..store import repo
from ..store.models import WebhookDelivery
from .runtime import Runtime
from .signing import HEADER, sign

log = logging.getLogger(__name__)

#: ``attempt_log`` error of a delivery refused at delivery time (see :mod:`kyc_engine.service.callbacks`).
FORBIDDEN = "input.callback_url_forbidden"


def backoff_s(attempts: int, base: float, cap: float) -> float:
    """Delay before attempt ``attempts + 1``: base, 2·base, 4·base ... up to ``cap``, ±10 % jitter."""
    delay = min(cap, base * (2 ** max(0, attempts - 1)))
    return delay * random.uniform(0.9, 1.1)


def _post(
    client: httpx.Client, url: str, body: bytes, secret: bytes, delivery_id: str, *, allow_private: bool
) -> tuple[int | None, str]:
    """One signed attempt. The URL is checked again here (its host resolved and every address judged),
    and the connection goes to the address that passed, so a DNS answer changed since submission
    (rebinding) cannot point the POST at an internal service. Redirects are never followed."""
    try:
        target = check_callback_url(url, allow_private=allow_private)
    except CallbackForbidden:
        return None, FORBIDDEN
    except InputError as exc:  # the name does not resolve (now): retried like a network error
        return None, exc.code
    pinned, host, extensions = pinned_request(target)
    headers = {
        **host,
        "Content-Type": "application/json",
        HEADER: sign(secret, body),
        "KYC-Delivery-Id": delivery_id,
        "User-Agent": "kyc-engine-webhooks/1",
    }
    try:
        response = client.post(pinned, content=body, headers=headers, extensions=extensions)
    except httpx.HTTPError as exc:
        return None, type(exc).__name__
    return response.status_code, "" if response.is_success else f"HTTP {response.status_code}"


def deliver_due(rt: Runtime, *, batch: int = 5) -> int:
    """Attempt every due delivery (up to ``batch``); returns how many attempts were made."""
    svc = rt.settings.service
    made = 0
    # trust_env=False: a proxy from the environment would resolve the host itself, undoing the pinning
    with (
        rt.session() as s,
        httpx.Client(timeout=svc.webhook_timeout_s, follow_redirects=False, trust_env=False) as client,
    ):
        rows = list(
            s.scalars(
                select(WebhookDelivery)
                .where(
                    WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= datetime.now(UTC)
                )
                .order_by(WebhookDelivery.next_attempt_at)
                .limit(batch)
                .with_for_update(skip_locked=True)
            )
        )
        for d in rows:
            if d.url is None or d.payload is None:
                d.status = "cancelled"
                continue
            secret = repo.webhook_secret(s, rt.cipher, d.tenant_id)
            started = time.perf_counter()
            code, error = _post(
                client, d.url, d.payload, secret, d.id, allow_private=svc.callback_allow_private
            )
            made += 1
            d.attempts += 1
            now = datetime.now(UTC)
            entry = {"at": now.isoformat(), "status_code": code, "error": error,
                     "ms": round((time.perf_counter() - started) * 1000, 1)}  # fmt: skip
            d.attempt_log = [*d.attempt_log, entry]
            if code is not None and 200 <= code < 300:
                d.status, d.delivered_at = "delivered", now
            elif error == FORBIDDEN:  # never retried: the target is not a public address
                d.status = "failed"
                log.warning("webhook %s: callback address forbidden at delivery time, not sent", d.id)
            elif now - d.created_at > timedelta(hours=svc.webhook_retry_hours):
                d.status = "failed"
                log.warning("webhook %s: giving up after %d attempts", d.id, d.attempts)
            else:
                delay = backoff_s(d.attempts, svc.webhook_backoff_s, svc.webhook_max_backoff_s)
                d.next_attempt_at = now + timedelta(seconds=delay)
            repo.audit(s, "webhook.attempt", tenant_id=d.tenant_id, verification_id=d.verification_id,
                       status_code=code, error=error, attempt=d.attempts)  # fmt: skip
        s.commit()
    return made
