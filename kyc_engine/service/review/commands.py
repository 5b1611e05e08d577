"""``kyc reviewer create``: a reviewer console account. Imports nothing heavy (the CLI loads it).

kyc reviewer create --tenant TENANT_ID --username alice [--role admin] [--password-stdin]
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from ...errors import InputError
from ...settings import Settings


def add_parser(sub: Any) -> None:
    """Register the ``reviewer`` subcommand on the ``kyc`` subparsers."""
    p = sub.add_parser(
        "reviewer",
        help="create a reviewer console account (password from a prompt or --password-stdin)",
        description="Create an account for the reviewer console (/review) of one tenant. The password is "
        "read from a prompt (twice) or, with --password-stdin, from the first line of standard input.",
    )
    p.add_argument("action", choices=["create"], help="create")
    p.add_argument("--tenant", required=True, help="tenant id (from `kyc tenant create`)")
    p.add_argument("--username", required=True, help="login name (unique)")
    p.add_argument("--role", choices=["reviewer", "admin"], default="reviewer",
                   help="reviewer: works the queue; admin: may also change a reviewer's decision")  # fmt: skip
    p.add_argument("--password-stdin", action="store_true", help="read the password from standard input")


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Repeat password: ") != first:
        raise InputError("the two passwords differ", code="reviewer.password_mismatch")
    return first


def cmd_reviewer(settings: Settings, args: argparse.Namespace) -> dict[str, Any]:
    """Create the account; returns ``{"reviewer_id", "tenant_id", "username", "role"}``."""
    from ...store.db import migrate
    from ...worker.runtime import Runtime
    from .sessions import create_reviewer

    password = _read_password(args.password_stdin)
    migrate(settings.service.database_url)
    rt = Runtime.build(settings, pool_size=1)
    try:
        with rt.session() as s:
            reviewer_id = create_reviewer(s, args.tenant, args.username, password, args.role)
            s.commit()
    finally:
        rt.close()
    return {"reviewer_id": reviewer_id, "tenant_id": args.tenant, "username": args.username.strip(),
            "role": args.role}  # fmt: skip
