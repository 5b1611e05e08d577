"""Human-readable terminal output for the CLI (rich). Machines use ``--json`` instead."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

MARK = {"valid": "[green]✔[/]", "invalid": "[red]✘[/]", "absent": "[dim]–[/]"}
FIELD_CHECK = {"document_number": "document_number", "birth_date": "birth_date", "expiry_date": "expiry_date"}


def print_mrz_report(report: dict[str, Any], console: Console | None = None) -> None:
    """Print a ``kyc mrz`` report: the lines, each field with its check, repairs, reasons, timing."""
    out = console or Console()
    ok = report["valid"]
    head = "[bold green]VALID MRZ[/]" if ok else "[bold red]NO VALID MRZ[/]"
    kind = report.get("format") or report.get("doc_type") or "unknown format"
    out.print(f"{head}  {kind}  ({report['elapsed_ms']:.0f} ms)")
    if report["lines"]:
        for line in report["lines"]:
            out.print(f"  [bold]{line}[/]", highlight=False, markup=True)
    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    table.add_column("field")
    table.add_column("value")
    table.add_column("check", justify="center")
    checks = report.get("checks", {})
    for name, value in report.get("fields", {}).items():
        check = checks.get(FIELD_CHECK.get(name, ""), None)
        if name == "optional_data" and "optional_data" in checks:
            check = checks["optional_data"]
        table.add_row(name, "" if value is None else str(value), MARK.get(check or "", ""))
    if "composite" in checks:
        table.add_row("composite", "", MARK[checks["composite"]])
    if report.get("fields"):
        out.print(table)
    for repair in report.get("repairs", []):
        out.print(
            f"  repaired line {repair['line']} pos {repair['pos']}: {repair['from']!r} → {repair['to']!r}"
        )
    quality = report.get("quality", {})
    if "name_confidence" in quality:
        out.print(f"  name confidence {quality['name_confidence']:.2f}")
    for reason in report.get("reasons", []):
        colour = "yellow" if reason.get("retryable") else "red"
        out.print(f"  [{colour}]{reason['code']}[/]: {reason['message']}")


def print_models(info: dict[str, dict[str, Any]], model_dir: Path, console: Console | None = None) -> None:
    """Print the manifest entries with their status on this machine."""
    out = console or Console()
    out.print(f"model directory: {model_dir}")
    table = Table(show_header=True, header_style="bold", box=None)
    for col in ("name", "file", "status", "licence"):
        table.add_column(col)
    colours = {"ok": "green", "absent": "yellow", "mismatch": "red"}
    for name, entry in info.items():
        status = entry["status"]
        table.add_row(name, entry["file"], f"[{colours.get(status, 'white')}]{status}[/]", entry["licence"])
    out.print(table)


def _second_opinion_text(second: dict[str, Any]) -> str:
    return (
        f"{second['decision'].replace('_', ' ')}, distance {second['distance']:.3f} "
        f"(threshold {second['distance_threshold']:.3f} ± {second['review_band']:.2f}, {second['model']})"
    )


def print_face_report(report: dict[str, Any], console: Console | None = None) -> None:
    """Print a ``kyc face-compare`` report: decision, similarity vs threshold, each face's evidence."""
    out = console or Console()
    colours = {"match": "green", "no_match": "red", "uncertain": "yellow", "no_face": "red"}
    decision = report["decision"]
    head = f"[bold {colours.get(decision, 'white')}]{decision.upper().replace('_', ' ')}[/]"
    if report["similarity"] is not None:
        head += (
            f"  similarity {report['similarity']:.3f} (threshold {report['threshold']:.2f} ± {report['review_band']:.3f})"
            f"  distance {report['distance']:.3f}"
        )
    out.print(f"{head}  model {report['model']}  ({report['elapsed_ms']:.0f} ms)")
    if report.get("second_opinion"):
        out.print(f"  second model: {_second_opinion_text(report['second_opinion'])}")
    for key, face in report["faces"].items():
        if face["found"]:
            box = ", ".join(f"{v:.0f}" for v in face["box"])
            extra = f", turned {face['rotation']}°" if face["rotation"] else ""
            out.print(f"  {key}: face at [{box}] score {face['score']:.2f}{extra}")
        else:
            out.print(f"  {key}: [red]no face found[/]")
    live = report.get("liveness")
    if live:
        colour = {"live": "green", "spoof": "red", "uncertain": "yellow"}[live["decision"]]
        out.print(
            f"  liveness: [{colour}]{live['decision']}[/] p(live) {live['live_probability']:.3f}"
            f" (accept ≥ {live['accept_threshold']:.2f}, reject < {live['reject_threshold']:.2f})"
        )
    misuse = report.get("misuse")
    if misuse:
        status = ", ".join(misuse["codes"]) or "[green]none[/]"
        out.print(f"  selfie misuse checks: {status}")
    for reason in report.get("reasons", []):
        colour = "yellow" if reason.get("retryable") else "red"
        out.print(f"  [{colour}]{reason['code']}[/]: {reason['message']}")


_MARKS = {True: "[green]✔[/]", False: "[red]✘[/]", None: "[yellow]?[/]"}
_DECISION_COLOURS = {"verified": "green", "rejected": "red", "review": "yellow", "retry": "cyan"}


def _verify_rows(report: dict[str, Any]) -> list[tuple[bool | None, str, str]]:
    """(passed: True / False / None = doubtful or not run, check, evidence) for each check."""
    codes = {r["code"] for r in report["reasons"] if r.get("outcome") != "info"}
    mrz = report["document"]["mrz"]
    fields = mrz["fields"]
    rows: list[tuple[bool | None, str, str]] = []
    if mrz["valid"]:
        rows.append(
            (
                True,
                "document MRZ",
                f"{mrz['format']} {fields['issuing_country']} no. {fields['document_number']}",
            )
        )
    else:
        rows.append((False, "document MRZ", mrz.get("reason") or "not valid"))
    if mrz["valid"]:
        rows.append(("document.expired" not in codes, "document expiry", str(fields["expiry_date"])))
        rows.append(("applicant.underage" not in codes, "minimum age", f"born {fields['birth_date']}"))
    face = report.get("face") or {}
    if face.get("similarity") is not None:
        ok = {"match": True, "no_match": False}.get(face["decision"])
        rows.append(
            (
                ok,
                "face match",
                f"similarity {face['similarity']:.3f} (threshold {face['threshold']:.2f}, {face['model']})",
            )
        )
        if face.get("second_opinion"):
            second = face["second_opinion"]
            ok = {"match": True, "no_match": False}.get(second["decision"])
            rows.append((ok, "face match, second model", _second_opinion_text(second)))
    else:
        rows.append((False, "face match", "no face compared"))
    live = report.get("liveness")
    if live:
        ok = {"live": True, "spoof": False}.get(live["decision"])
        rows.append(
            (
                ok,
                "liveness",
                f"p(live) {live['live_probability']:.3f} (accept ≥ {live['accept_threshold']}, reject < {live['reject_threshold']})",
            )
        )
    misuse = report.get("misuse")
    if misuse is not None:
        rows.append((not misuse["codes"], "selfie misuse", ", ".join(misuse["codes"]) or "none"))
    reg = report.get("registration_match") or {}
    if "name" in reg:
        name = reg["name"]
        ok = {"match": True, "no_match": False}.get(name.get("decision"))
        rows.append((ok, "name", f"{name.get('decision')} (score {name.get('score', 0):.2f})"))
    if "birth_date" in reg:
        b = reg["birth_date"]
        rows.append((b["match"], "birth date", f"entered {b['registered']}, document {b['document']}"))
    ids = reg.get("id_number") or {}
    if ids.get("registered"):
        rows.append(
            (
                ids["matched"],
                "ID number",
                f"entered {ids['registered']}"
                + (f", matches {ids['matched_field']}" if ids["matched"] else ""),
            )
        )
    personal = reg.get("personal_number") or {}
    if personal.get("scheme_applied"):
        rows.append(
            (
                not personal["findings"],
                "personal number",
                f"{personal['number']} {', '.join(personal['findings'])}".strip(),
            )
        )
    for key, label in (("sex", "sex"), ("country", "country")):
        if key in reg:
            rows.append(
                (
                    reg[key]["match"],
                    label,
                    f"entered {reg[key]['registered']}, document {reg[key]['document']}",
                )
            )
    if "company_id" in reg:
        rows.append((reg["company_id"]["valid"], "company id", str(reg["company_id"]["registered"])))
    return rows  # fmt: skip


def print_verify_report(report: dict[str, Any], console: Console | None = None) -> None:
    """Print a ``kyc verify`` report: one line per check (✔ / ✘ / ?), the reasons, the decision."""
    out = console or Console()
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(width=2)
    table.add_column(style="bold")
    table.add_column()
    for passed, check, evidence in _verify_rows(report):
        table.add_row(_MARKS[passed], check, evidence)
    out.print(table)
    for reason in report["reasons"]:
        if reason.get("outcome") == "info":
            continue
        colour = _DECISION_COLOURS.get(reason.get("outcome", ""), "white")
        out.print(f"  [{colour}]{reason['code']}[/] ({reason.get('outcome')}): {reason['message']}")
    decision = report["decision"]
    out.print(
        f"[bold {_DECISION_COLOURS[decision]}]{decision.upper()}[/]  policy {report['policy_version']}"
        f"  ({report['elapsed_ms']:.0f} ms)"
    )
