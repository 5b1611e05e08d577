"""The ``kyc`` command.

Exit codes (stable, documented in ``kyc --help``):
  0  the check passed (``mrz``: a valid MRZ was read; ``face-compare``: the faces match and, with
     ``--selfie``, the selfie passed liveness and the misuse checks; ``verify``: decision verified)
  1  the check ran but did not pass (no MRZ, check digits disagree, ...): see the reason codes
  2  usage error (bad arguments)
  3  input error: the file is missing, not an image, truncated, too large ...
  4  model or configuration error: a model file is missing or differs from the manifest
  5  unexpected internal error (a bug: please report it with the JSON output)
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .errors import InputError, KycError, ModelError
from .settings import Settings, get_settings

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INPUT, EXIT_MODEL, EXIT_INTERNAL = 0, 1, 2, 3, 4, 5

EPILOG = """exit codes:
  0  passed: valid MRZ / faces match / decision verified
  1  ran, did not pass: see the reason codes (verify: rejected, review or retry)
  2  usage error (bad arguments)
  3  input error: not an image, truncated, too large, invalid registration JSON ...
  4  model or configuration error: missing or mismatching model file, invalid policy file
  5  internal error (a bug; the JSON output says what)

environment: settings come from KYC_* variables, e.g. KYC_MODEL_DIR=/opt/kyc/models (see README)."""


def _non_negative(text: str) -> float:
    """argparse type: a number of hours, 0 or more."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value >= 0:  # also refuses nan
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kyc",
        description="kyc_engine: offline eKYC verification (document MRZ, faces, liveness, registration data).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    mrz = sub.add_parser(
        "mrz",
        help="read and validate the machine-readable zone of an ID card, passport or visa photo",
        description=(
            "Find the document in IMAGE, read its MRZ (TD1, TD2, TD3, MRV-A/B), validate every ICAO 9303 "
            "check digit, repair confusable characters only where the check digits then agree, and print "
            "the fields. A photo, a scan or a crop of the MRZ all work."
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    mrz.add_argument("image", type=Path, help="JPEG, PNG, WEBP, TIFF or BMP file")
    mrz.add_argument("--json", action="store_true", help="print exactly one JSON object (for machines)")

    faces = sub.add_parser(
        "face-compare",
        help="compare the faces in two images (selfie or document photo): same person or not",
        description=(
            "Find the main face in A and in B (in a document photo, its portrait), align and embed them, and "
            "compare with the calibrated threshold. similarity is 0..1, higher = more alike; the threshold "
            "sits at 0.5 and a band around it gives decision 'uncertain' (a person should look)."
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    faces.add_argument("a", type=Path, help="first image (e.g. the selfie)")
    faces.add_argument("b", type=Path, help="second image (e.g. the ID document photo)")
    faces.add_argument("--json", action="store_true", help="print exactly one JSON object (for machines)")
    faces.add_argument(
        "--selfie",
        action="store_true",
        help="A is a selfie and B the document: also run passive liveness (MiniFASNet) on A and the selfie "
        "misuse checks (a photo of an ID card; the same picture as the document)",
    )

    verify = sub.add_parser(
        "verify",
        help="verify an applicant: selfie + ID document photo + registration data -> decision with reasons",
        description=(
            "Read the document's MRZ (check digits, expiry, age), compare the selfie with the document "
            "portrait, check the selfie for liveness and misuse, compare the registration data (name with "
            "transliteration, birth date, ID number and its national semantics) and apply the policy. "
            "Decision: verified | rejected | review | retry, with reason codes."
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    verify.add_argument("--selfie", type=Path, required=True, help="the applicant's selfie")
    verify.add_argument(
        "--document", type=Path, required=True, help="photo of the ID document (portrait side)"
    )
    verify.add_argument(
        "--document-back", type=Path, help="photo of the back (ID cards with the MRZ on the back)"
    )
    verify.add_argument(
        "--registration",
        type=Path,
        required=True,
        help='JSON file: {"full_name", "birth_date": "YYYY-MM-DD", "id_number", "country", "sex", "company_id"}',
    )
    verify.add_argument(
        "--policy", type=Path, help="policy TOML (default: the packaged policy or KYC_POLICY_PATH)"
    )
    verify.add_argument(
        "--lang", default="en", help="language of the applicant messages: en, sw, kk, ru, sq (default en)"
    )
    verify.add_argument("--json", action="store_true", help="print exactly one JSON object (for machines)")

    models = sub.add_parser(
        "models",
        help="list the model files and check them against the manifest (exit 4 if a required one is missing)",
    )
    models.add_argument("--json", action="store_true", help="print JSON")
    _add_service_commands(sub)
    return parser


def _add_service_commands(sub: Any) -> None:
    """serve / worker / purge / tenant / migrate: the HTTP service side (needs PostgreSQL and Redis)."""
    serve = sub.add_parser(
        "serve",
        help="run the HTTP API (FastAPI, /v1; needs PostgreSQL and Redis, see KYC_SERVICE__*)",
        description="Migrate the database, then serve the API: POST /v1/verifications, GET/DELETE "
        "/v1/verifications/{id}, /healthz, /readyz, /metrics; OpenAPI at /docs and /openapi.json.",
    )
    serve.add_argument("--host", default="127.0.0.1", help="bind address (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    serve.add_argument(
        "--processes",
        type=int,
        help="API processes sharing the port (default KYC_SERVICE__API_PROCESSES, 1); more than one lets "
        "the API use several cores under many concurrent clients",
    )
    worker = sub.add_parser(
        "worker",
        help="process queued verifications (loads the models once), reconcile lost jobs, send webhooks",
        description="Build the engine once, then work the rq queue; run one per CPU core.",
    )
    worker.add_argument("--burst", action="store_true", help="exit when the queue is empty")
    purge = sub.add_parser(
        "purge",
        help="erase images and personal data of verifications older than the retention period, and image "
        "files no verification refers to",
        description="Erase verifications older than the retention period (an audit record of each stays), "
        "then remove files in the blob directory that no verification refers to: temporary files of "
        "unfinished uploads, and images of submissions whose row was never committed. Prints a JSON summary.",
    )
    purge.add_argument("--older-than-days", type=int, help="default: KYC_SERVICE__RETENTION_DAYS (30)")
    purge.add_argument(
        "--orphan-grace-hours",
        type=_non_negative,
        default=24.0,
        help="leave unreferenced files younger than this alone: they may belong to a submission in flight "
        "(default 24)",
    )
    tenant = sub.add_parser("tenant", help="create a tenant: prints its API key and webhook secret once")
    tenant.add_argument("action", choices=["create"], help="create")
    tenant.add_argument("name", help="tenant name")
    sub.add_parser("migrate", help="bring the service database schema to the newest revision")
    from .reverify import add_parser as add_reverify_parser

    add_reverify_parser(sub)
    from .service.review.commands import add_parser as add_reviewer_parser

    add_reviewer_parser(sub)


def _emit_error(err: KycError, as_json: bool) -> None:
    if as_json:
        print(json.dumps({"error": err.to_dict()}, ensure_ascii=False))
    else:
        print(f"error [{err.code}]: {err.message}", file=sys.stderr)


def _print_report(report: dict[str, Any], as_json: bool, renderer: str) -> None:
    """One JSON object for machines, or the named table renderer of ``render`` for people."""
    if as_json:
        print(json.dumps(report, ensure_ascii=False))
    else:
        from . import render

        getattr(render, renderer)(report)


def _cmd_mrz(args: argparse.Namespace, settings: Settings) -> int:
    from .engine import Engine
    from .imageio import load_image_file

    image = load_image_file(
        args.image, max_bytes=settings.limits.max_upload_bytes, max_pixels=settings.limits.max_pixels
    )
    engine = Engine.from_settings(settings, stages=("mrz",))
    report = engine.read_mrz(image).to_dict()
    _print_report(report, args.json, "print_mrz_report")
    return EXIT_OK if report["valid"] else EXIT_FAILED


def _cmd_face_compare(args: argparse.Namespace, settings: Settings) -> int:
    from .engine import Engine
    from .imageio import load_image_file

    limits = settings.limits
    a = load_image_file(args.a, max_bytes=limits.max_upload_bytes, max_pixels=limits.max_pixels)
    b = load_image_file(args.b, max_bytes=limits.max_upload_bytes, max_pixels=limits.max_pixels)
    stages = ("faces", "liveness") if args.selfie else ("faces",)
    engine = Engine.from_settings(settings, stages=stages)
    report = engine.compare_faces(a, b, selfie_checks=args.selfie).to_dict()
    _print_report(report, args.json, "print_face_report")
    return EXIT_OK if report["match"] and report["selfie_ok"] is not False else EXIT_FAILED


def _cmd_verify(args: argparse.Namespace, settings: Settings) -> int:
    from .engine import VERIFY_STAGES, Engine
    from .imageio import load_image_file
    from .policy import load_policy
    from .registration.model import parse_registration

    limits = settings.limits

    def image(path: Path) -> Any:
        return load_image_file(path, max_bytes=limits.max_upload_bytes, max_pixels=limits.max_pixels)

    try:
        raw = args.registration.read_bytes()
    except OSError as exc:
        raise InputError(f"Cannot read the registration file {args.registration}: {exc.strerror}",
                         code="input.not_found", detail={"path": str(args.registration)}) from exc  # fmt: skip
    registration = parse_registration(raw, today=settings.current_date())
    selfie, document = image(args.selfie), image(args.document)
    back = image(args.document_back) if args.document_back else None
    policy = load_policy(args.policy) if args.policy else None
    engine = Engine.from_settings(settings, stages=VERIFY_STAGES)
    report = engine.verify(selfie, document, registration, document_back=back, policy=policy).to_dict(
        args.lang
    )
    _print_report(report, args.json, "print_verify_report")
    return EXIT_OK if report["decision"] == "verified" else EXIT_FAILED


def _cmd_models(args: argparse.Namespace, settings: Settings) -> int:
    from .manifest import ModelRegistry

    registry = ModelRegistry.load(settings.manifest_path, settings.model_dir, stages=())
    info = registry.describe()
    if args.json:
        print(json.dumps(info))
    else:
        from .render import print_models

        print_models(info, settings.model_dir)
    missing = [n for n, e in info.items() if e["status"] != "ok" and registry.get(n).spec.required]
    return EXIT_MODEL if missing else EXIT_OK


def _cmd_service(args: argparse.Namespace, settings: Settings) -> int:
    from .service import commands

    if args.command == "serve":
        return commands.cmd_serve(settings, args.host, args.port, args.processes)
    if args.command == "worker":
        return commands.cmd_worker(settings, args.burst)
    if args.command == "purge":
        out = commands.cmd_purge(settings, args.older_than_days, args.orphan_grace_hours)
    elif args.command == "tenant":
        out = commands.cmd_tenant_create(settings, args.name)
    elif args.command == "reviewer":
        from .service.review.commands import cmd_reviewer

        out = cmd_reviewer(settings, args)
    else:
        out = commands.cmd_migrate(settings)
    print(json.dumps(out))
    return EXIT_OK


def _cmd_reverify(args: argparse.Namespace, settings: Settings) -> int:
    from .reverify import cmd_reverify

    print(json.dumps(cmd_reverify(args, settings)))
    return EXIT_OK


COMMANDS: dict[str, Any] = {
    "mrz": _cmd_mrz,
    "face-compare": _cmd_face_compare,
    "verify": _cmd_verify,
    "models": _cmd_models,
    "serve": _cmd_service,
    "worker": _cmd_service,
    "purge": _cmd_service,
    "tenant": _cmd_service,
    "reviewer": _cmd_service,
    "migrate": _cmd_service,
    "reverify": _cmd_reverify,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``kyc`` console script."""
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, stream=sys.stderr)
    as_json = bool(getattr(args, "json", False))
    try:
        return int(COMMANDS[args.command](args, get_settings()))
    except BrokenPipeError:  # the reader went away (e.g. `| head`): nothing left to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except InputError as err:
        _emit_error(err, as_json)
        return EXIT_INPUT
    except ModelError as err:
        _emit_error(err, as_json)
        return EXIT_MODEL
    except KycError as err:
        _emit_error(err, as_json)
        return EXIT_FAILED
    except Exception as exc:  # the CLI never shows a traceback; -v logs it
        logging.getLogger(__name__).debug("internal error", exc_info=True)
        _emit_error(KycError(f"internal error: {type(exc).__name__}: {exc}", code="engine.internal"), as_json)
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
