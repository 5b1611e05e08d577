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
