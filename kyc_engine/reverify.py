"""``kyc reverify``: the command line (arguments, then :func:`kyc_engine.service.reverify.reverify`).

Kept apart from the machinery so that building the ``kyc`` parser does not import rq and SQLAlchemy.
"""

from __future__ import annotations

import argparse
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from .policy import SEVERITY
from .settings import Settings


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "reverify",
        help="re-run stored verifications under the current models and a policy; diff report; --apply",
        description="Re-verify stored, completed verifications through the queue (run `kyc worker`), write "
        "a CSV and an HTML report of every decision that would change (old vs new, with reason codes), and "
        "with --apply record the changes (audit entry, verification.updated webhook). Reviewer overrides "
        "and erased verifications are never changed. Interrupted? Run the same command again or --resume.",
    )
    p.add_argument(
        "--since",
        type=_date_arg,
        metavar="DATE",
        help="only verifications created on or after DATE (YYYY-MM-DD)",
    )
    p.add_argument(
        "--decision", choices=SEVERITY, metavar="D", help="only verifications whose current decision is D"
    )
    p.add_argument("--tenant", metavar="T", help="only this tenant (id or name)")
    p.add_argument(
        "--policy",
        type=Path,
        metavar="FILE",
        help="policy TOML (default: KYC_POLICY_PATH or the packaged one)",
    )
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--dry-run", action="store_true", help="report only (the default)")
    mode.add_argument("--apply", action="store_true", help="report, then record the changed decisions")
    p.add_argument("--resume", metavar="RUN_ID", help="continue (or, with --apply, apply) this run")
    p.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        default=Path("var/reverify"),
        help="report folder (default var/reverify)",
    )
    p.add_argument(
        "--window", type=int, metavar="N", default=8, help="jobs kept on the queue at once (default 8)"
    )


def _date_arg(value: str) -> datetime:
    try:
        return datetime.combine(date.fromisoformat(value), datetime.min.time(), tzinfo=UTC)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value!r}") from None


def cmd_reverify(args: argparse.Namespace, settings: Settings) -> dict[str, Any]:
    """Run ``kyc reverify``; returns the summary the CLI prints."""
    from .service.reverify import reverify

    summary = reverify(settings, since=args.since, decision=args.decision, tenant=args.tenant,
                       policy_path=args.policy, apply=args.apply, resume=args.resume, out_dir=args.out,
                       window=args.window)  # fmt: skip
    return summary
