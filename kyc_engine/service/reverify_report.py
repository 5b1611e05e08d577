"""The diff report of a re-verification run: ``reverify-<run>.csv`` (one row per changed decision: old and
new decision and reason codes, tenant, verification id, external_ref, what ``--apply`` does with it) and
``reverify-<run>.html`` (counts by transition, by action and by reason code; the rows; the failed items)."""

from __future__ import annotations

import csv
import html
import json
from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy import select

from ..errors import InputError
from ..store import repo
from ..store.models import Result, ReverifyItem, ReverifyRun, Verification
from ..worker.runtime import Runtime

KEPT_OVERRIDE = "kept (reviewer override)"
CSV_FIELDS = ("verification_id", "tenant_id", "external_ref", "old_decision", "new_decision",
              "old_reasons", "new_reasons", "action")  # fmt: skip


def diff_rows(rt: Runtime, run_id: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Every done item whose decision changes, with what --apply does to it; and the failed items."""
    with rt.session() as s:
        run = s.get(ReverifyRun, run_id)
        applied = run is not None and run.status == "applied"
        q = (
            select(ReverifyItem, Verification, Result)
            .join(Verification, Verification.id == ReverifyItem.verification_id)
            .outerjoin(Result, Result.verification_id == ReverifyItem.verification_id)
            .where(ReverifyItem.run_id == run_id)
            .order_by(Verification.tenant_id, Verification.created_at, Verification.id)
        )
        rows, failed = [], []
        for item, v, result in s.execute(q).tuples():
            if item.status == "failed":
                failed.append(
                    {
                        "verification_id": v.id,
                        "tenant_id": v.tenant_id,
                        "error": (item.error or {}).get("code"),
                    }
                )
                continue
            if item.status != "done" or item.new_decision == item.old_decision:
                continue
            rows.append({
                "verification_id": v.id,
                "tenant_id": v.tenant_id,
                "external_ref": v.external_ref or "",
                "old_decision": item.old_decision,
                "new_decision": item.new_decision,
                "old_reasons": " ".join(item.old_reasons),
                "new_reasons": " ".join(item.new_reasons or []),
                "action": action(item, v, result, applied),
            })  # fmt: skip
    return rows, failed


def action(item: ReverifyItem, v: Verification, result: Result | None, applied: bool) -> str:
    if v.erased_at is not None or result is None:
        return "skipped (erased)"
    if result.source == "review":
        return KEPT_OVERRIDE
    if result.decision == item.new_decision:
        return "applied" if applied or result.source == "reverify" else "already so"
    if result.decision != item.old_decision:
        return "skipped (changed since planned)"
    return "apply"


def write_report(
    rt: Runtime, run_id: str, rows: list[dict[str, Any]], failed: list[dict[str, Any]], out_dir: Path
) -> tuple[Path, Path]:
    """``reverify-<run>.csv`` (one row per changed decision) and ``reverify-<run>.html`` (counts by
    transition and by reason, the rows, the failed items)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    csv_path, html_path = out_dir / f"reverify-{run_id}.csv", out_dir / f"reverify-{run_id}.html"
    with csv_path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=CSV_FIELDS)
        writer.writeheader()
        writer.writerows(rows)
    with rt.session() as s:
        run = s.get(ReverifyRun, run_id)
        counts = repo.reverify_counts(s, run_id)
    if run is None:
        raise InputError(f"no re-verification run {run_id}", code="input.unknown_run")
    transitions = Counter(f"{r['old_decision']} → {r['new_decision']}" for r in rows)
    actions = Counter(r["action"] for r in rows)
    added: Counter[str] = Counter()
    removed: Counter[str] = Counter()
    for r in rows:
        old, new = set(r["old_reasons"].split()), set(r["new_reasons"].split())
        added.update(new - old)
        removed.update(old - new)
    e = html.escape

    def table(head: tuple[str, ...], body: list[tuple[Any, ...]]) -> str:
        th = "".join(f"<th>{e(h)}</th>" for h in head)
        trs = "".join("<tr>" + "".join(f"<td>{e(str(c))}</td>" for c in row) + "</tr>" for row in body)
        return f"<table><tr>{th}</tr>{trs}</table>"

    reasons = sorted(set(added) | set(removed), key=lambda c: (-added[c] - removed[c], c))
    page = f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Re-verification {e(run_id)}</title><style>body{{font-family:sans-serif;margin:2em}}
table{{border-collapse:collapse;margin:1em 0}}td,th{{border:1px solid #bbb;padding:2px 8px;text-align:left}}</style>
</head><body><h1>Re-verification {e(run_id)}</h1>
<p>Mode {e(run.mode)}, status {e(run.status)}, policy {e(run.policy_version)}, filters {e(json.dumps(run.filters))},
started {e(run.created_at.isoformat())}. Items {run.total}: done {counts.get("done", 0)},
failed {counts.get("failed", 0)}, pending {counts.get("pending", 0)}; decisions changed: {len(rows)}.</p>
<h2>Changes by decision</h2>{table(("old → new", "count"), sorted(transitions.items()))}
<h2>Changes by action</h2>{table(("action", "count"), sorted(actions.items()))}
<h2>Counts by reason (changed decisions)</h2>
{table(("reason code", "added", "removed"), [(c, added[c], removed[c]) for c in reasons])}
<h2>Changed decisions</h2>{table(CSV_FIELDS, [tuple(r[k] for k in CSV_FIELDS) for r in rows])}
<h2>Failed items</h2>{table(("verification_id", "tenant_id", "error"), [tuple(f.values()) for f in failed])}
</body></html>
"""
    html_path.write_text(page, encoding="utf-8")
    return csv_path, html_path
