"""What the console reads: the queue (filters, counts per reason, pages), one case, its timeline.

Every query takes the reviewer's ``tenant_id``: another tenant's case is simply not found.

Tabs: ``open`` holds completed cases whose current decision is ``review`` or ``rejected`` and that no
reviewer has decided yet; ``decided`` holds the cases a reviewer decided (newest first).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal
from urllib.parse import urlencode

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session

from ...store.models import AuditLog, Result, Verification

Tab = Literal["open", "decided"]
QUEUE_DECISIONS = ("review", "rejected")
PAGE_SIZE = 50


def _report_text(*path: str) -> ColumnElement[Any]:
    return func.jsonb_extract_path_text(Result.report, *path)


COUNTRY = _report_text("document", "mrz", "fields", "issuing_country")


@dataclass(frozen=True)
class QueueFilter:
    """The queue's query string: tab, reason code, issuing country, creation date range (UTC), page."""

    tab: Tab = "open"
    reason: str | None = None
    country: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    page: int = 1

    @classmethod
    def parse(cls, params: dict[str, str]) -> QueueFilter:
        """From request query parameters; malformed values are ignored rather than refused."""

        def day(key: str) -> date | None:
            try:
                return date.fromisoformat(params.get(key, ""))
            except ValueError:
                return None

        page = params.get("page", "1")
        return cls(
            tab="decided" if params.get("tab") == "decided" else "open",
            reason=params.get("reason") or None,
            country=(params.get("country") or "").upper()[:3] or None,
            date_from=day("from"),
            date_to=day("to"),
            page=max(1, int(page)) if page.isdigit() else 1,
        )

    def query(self, **change: Any) -> str:
        """This filter as a query string, with ``change`` applied (page 1 unless ``page`` is given)."""
        f = replace(self, **{"page": 1, **change})
        items = {"tab": f.tab if f.tab != "open" else None, "reason": f.reason, "country": f.country,
                 "from": f.date_from and f.date_from.isoformat(), "to": f.date_to and f.date_to.isoformat(),
                 "page": f.page if f.page > 1 else None}  # fmt: skip
        return urlencode({k: v for k, v in items.items() if v})


@dataclass(frozen=True)
class QueueRow:
    id: str
    created_at: datetime
    decision: str
    engine_decision: str | None
    source: str
    reasons: list[str]
    country: str | None
    name: str | None
    similarity: float | None
    live: float | None


@dataclass
class QueuePage:
    rows: list[QueueRow]
    total: int
    reason_counts: list[tuple[str, int]]
    countries: list[str]
    filter: QueueFilter
    pages: int = field(init=False)

    def __post_init__(self) -> None:
        self.pages = max(1, -(-self.total // PAGE_SIZE))


def _base(tenant_id: str, f: QueueFilter, *, with_reason: bool = True,
          with_country: bool = True) -> Select[Any]:  # fmt: skip
    q = (
        select(Verification.id)
        .join(Result, Result.verification_id == Verification.id)
        .where(
            Verification.tenant_id == tenant_id,
            Verification.status == "completed",
            Verification.erased_at.is_(None),
        )  # fmt: skip
    )
    if f.tab == "open":
        q = q.where(Result.decision.in_(QUEUE_DECISIONS), Result.source != "review")
    else:
        q = q.where(Result.source == "review")
    if with_reason and f.reason:
        q = q.where(Result.reason_codes.contains([f.reason]))
    if with_country and f.country:
        q = q.where(COUNTRY == f.country)
    if f.date_from:
        q = q.where(Verification.created_at >= datetime.combine(f.date_from, time(), tzinfo=UTC))
    if f.date_to:
        end = datetime.combine(f.date_to + timedelta(days=1), time(), tzinfo=UTC)
        q = q.where(Verification.created_at < end)
    return q


def _order(f: QueueFilter) -> tuple[Any, ...]:
    """Oldest first in the work queue; most recently decided first among decided cases."""
    if f.tab == "open":
        return (Verification.created_at.asc(), Verification.id.asc())
    return (Result.updated_at.desc().nulls_last(), Verification.id.desc())


def queue_page(session: Session, tenant_id: str, f: QueueFilter) -> QueuePage:
    """One page of the queue with the total, the counts per reason code and the countries present."""
    base = _base(tenant_id, f)
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    cols = (Verification.id, Verification.created_at, Result.decision, Result.engine_decision, Result.source,
            Result.reason_codes, COUNTRY,
            func.concat_ws(" ", _report_text("document", "mrz", "fields", "given_names"),
                           _report_text("document", "mrz", "fields", "surname")),
            _report_text("face", "similarity"), _report_text("liveness", "live_probability"))  # fmt: skip
    rows = session.execute(
        base.with_only_columns(*cols).order_by(*_order(f)).offset((f.page - 1) * PAGE_SIZE).limit(PAGE_SIZE)
    ).all()
    codes = (
        _base(tenant_id, f, with_reason=False)
        .with_only_columns(func.jsonb_array_elements_text(Result.reason_codes).label("code"))
        .subquery()
    )
    counts = session.execute(
        select(codes.c.code, func.count()).group_by(codes.c.code).order_by(func.count().desc(), codes.c.code)
    ).all()
    countries = session.scalars(
        _base(tenant_id, f, with_country=False).with_only_columns(COUNTRY).distinct().order_by(COUNTRY)
    ).all()
    return QueuePage(
        rows=[
            QueueRow(
                r[0], r[1], r[2], r[3], r[4], list(r[5] or []), r[6], r[7] or None, _float(r[8]), _float(r[9])
            )
            for r in rows
        ],  # fmt: skip
        total=total,
        reason_counts=[(c, n) for c, n in counts],
        countries=[c for c in countries if c],
        filter=f,
    )


def neighbours(
    session: Session, tenant_id: str, f: QueueFilter, case_id: str
) -> tuple[str | None, str | None]:
    """The (previous, next) case ids around ``case_id`` in the queue ``f`` (for j/k)."""
    ids = list(session.scalars(_base(tenant_id, f).order_by(*_order(f)).limit(5000)))
    if case_id not in ids:
        return None, ids[0] if ids else None
    i = ids.index(case_id)
    return (ids[i - 1] if i > 0 else None), (ids[i + 1] if i + 1 < len(ids) else None)


def load_case(
    session: Session, tenant_id: str, case_id: str, *, for_update: bool = False
) -> tuple[Verification, Result | None] | None:
    """The tenant's verification and its result, or None (another tenant's id is not found).
    ``for_update`` locks the row until commit, so two reviewers cannot decide at once."""
    q = select(Verification).where(Verification.id == case_id, Verification.tenant_id == tenant_id)
    v = session.scalar(q.with_for_update() if for_update else q)
    if v is None:
        return None
    return v, session.get(Result, v.id)


def existing_cases(session: Session, tenant_id: str, ids: list[str]) -> set[str]:
    """Which of ``ids`` are verifications of this tenant (duplicate-identity links point only there)."""
    if not ids:
        return set()
    q = select(Verification.id).where(Verification.tenant_id == tenant_id, Verification.id.in_(ids))
    return set(session.scalars(q))


def timeline(session: Session, tenant_id: str, case_id: str) -> list[AuditLog]:
    """The audit entries of one verification, oldest first."""
    q = (
        select(AuditLog)
        .where(AuditLog.verification_id == case_id, AuditLog.tenant_id == tenant_id)
        .order_by(AuditLog.at, AuditLog.id)
    )
    return list(session.scalars(q))


def _float(value: str | None) -> float | None:
    try:
        return None if value is None else float(value)
    except ValueError:
        return None
