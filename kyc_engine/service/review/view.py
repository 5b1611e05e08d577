"""The case page's view model, built from the stored report, the registration data and the audit log.

Pure functions over dicts: no database, no images. The templates only lay out what is computed here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from ...mrz.formats import MrzFormat
from ...store.models import AuditLog

DUPLICATE = "face.duplicate_identity"


@dataclass(frozen=True)
class MrzCell:
    char: str
    css: str  # "" | "check-valid" | "check-invalid" | "span-invalid" | "repaired" (space separated)
    title: str = ""


@dataclass(frozen=True)
class FieldRow:
    label: str
    registration: str | None
    mrz: str | None
    viz: str | None
    status: str  # "match" | "mismatch" | "uncertain" | "info" | "not_compared"
    note: str = ""


@dataclass(frozen=True)
class Issue:
    source: str
    name: str
    value: Any
    threshold: Any
    detail: str = ""


@dataclass(frozen=True)
class TimelineEntry:
    at: Any
    label: str
    actor: str | None
    summary: str
    note: str | None
    css: str


@dataclass
class CaseView:
    reasons: list[dict[str, Any]]
    face: dict[str, Any]
    liveness: dict[str, Any] | None
    misuse: dict[str, Any] | None
    mrz: dict[str, Any]
    mrz_rows: list[list[MrzCell]]
    fields: list[FieldRow]
    name: dict[str, Any]
    issues: list[Issue]
    notes: list[str] = field(default_factory=list)
    side: str = "front"  # the side whose MRZ was read


def mrz_cells(mrz: dict[str, Any]) -> list[list[MrzCell]]:
    """The MRZ lines as characters, check digits marked valid/invalid, failing data and repairs marked."""
    lines: list[str] = mrz.get("lines") or []
    marks: dict[tuple[int, int], list[str]] = {}
    titles: dict[tuple[int, int], str] = {}
    try:
        layout = MrzFormat(str(mrz.get("format"))).layout
    except ValueError:
        layout = None
    checks: dict[str, str] = mrz.get("checks") or {}
    for spec in layout.checks if layout else ():
        status = checks.get(spec.name)
        if status not in ("valid", "invalid"):
            continue
        pos = (spec.digit.line, spec.digit.start)
        marks.setdefault(pos, []).append(f"check-{status}")
        titles[pos] = f"{spec.name.replace('_', ' ')} check digit: {status}"
        if status == "invalid":
            for span in spec.data:
                for p in span.positions():
                    marks.setdefault(p, []).append("span-invalid")
    for rep in mrz.get("repairs") or []:
        pos = (int(rep.get("line", -1)), int(rep.get("pos", -1)))
        marks.setdefault(pos, []).append("repaired")
        titles.setdefault(pos, f"read {rep.get('from')!s}, repaired to {rep.get('to')!s}")
    return [
        [
            MrzCell(c, " ".join(dict.fromkeys(marks.get((i, j), []))), titles.get((i, j), ""))
            for j, c in enumerate(line)
        ]
        for i, line in enumerate(lines)
    ]


def _norm(value: Any) -> str:
    return "".join(ch for ch in str(value).upper() if ch.isalnum())


def _status(match: Any, registered: Any, document: Any) -> str:
    if match is True:
        return "match"
    if match is False:
        return "mismatch"
    if registered in (None, "") or document in (None, ""):
        return "not_compared"
    return "match" if _norm(registered) == _norm(document) else "mismatch"


def _viz_values(fields: dict[str, Any]) -> dict[str, str | None]:
    """``document.viz.fields`` (``{name: {"value", "confidence", "valid", ...}}``) as the rows' keys."""

    def value(name: str) -> str | None:
        f = fields.get(name) or {}
        return str(f["value"]) if f.get("value") and f.get("valid", True) else None

    surname, given = value("surname"), value("given_names")
    return {
        "name": " / ".join(n for n in (surname, given) if n) or None,
        "birth_date": value("birth_date"),
        "id_number": " · ".join(v for v in (value("document_number"), value("personal_number")) if v) or None,
        "sex": value("sex"),
        "country": None,  # the visual zone's nationality is not read (the MRZ carries it)
        "document_number": value("document_number"),
        "expiry_date": value("expiry_date"),
    }


def field_rows(registration: dict[str, Any], report: dict[str, Any]) -> list[FieldRow]:
    """Registration vs MRZ vs visual zone, one row per field, with the engine's own verdict when it has one."""
    document = report.get("document") or {}
    fields: dict[str, Any] = (document.get("mrz") or {}).get("fields") or {}
    viz = _viz_values((document.get("viz") or {}).get("fields") or {})
    rm: dict[str, Any] = report.get("registration_match") or {}
    valid = bool((document.get("mrz") or {}).get("valid"))
    names = [fields.get("surname"), fields.get("given_names")]
    mrz_name = " / ".join(n for n in names if n) or None
    name = rm.get("name") or {}
    name_status = {"match": "match", "no_match": "mismatch", "uncertain": "uncertain"}.get(
        str(name.get("decision")), ""
    )
    idn = rm.get("id_number") or {}
    personal = fields.get("optional_data") or None
    id_doc = fields.get("document_number")
    id_note = f"matched the {str(idn.get('matched_field')).replace('_', ' ')}" if idn.get("matched") else ""
    country = rm.get("country") or {}
    rows = [
        FieldRow("Name", registration.get("full_name"), mrz_name, viz.get("name"),
                 name_status or _status(None, registration.get("full_name"), mrz_name),
                 f"score {name['score']} (match ≥ {name.get('match_threshold')})" if "score" in name else ""),
        FieldRow("Birth date", registration.get("birth_date"), fields.get("birth_date"), viz.get("birth_date"),
                 _status((rm.get("birth_date") or {}).get("match"), registration.get("birth_date"),
                         fields.get("birth_date"))),
        FieldRow("ID number", registration.get("id_number"),
                 " · ".join(v for v in (id_doc, personal) if v) or None, viz.get("id_number"),
                 _status(idn.get("matched") if "matched" in idn else None, registration.get("id_number"),
                         personal or id_doc) if registration.get("id_number") else "not_compared", id_note),
        FieldRow("Sex", registration.get("sex"), fields.get("sex"), viz.get("sex"),
                 _status((rm.get("sex") or {}).get("match"), registration.get("sex"), fields.get("sex"))
                 if registration.get("sex") else "not_compared"),
        FieldRow("Country", registration.get("country"),
                 " · ".join(dict.fromkeys(v for v in (fields.get("issuing_country"), fields.get("nationality")) if v))
                 or None, viz.get("country"),
                 _status(country.get("match"), registration.get("country"), fields.get("issuing_country"))
                 if registration.get("country") else "not_compared"),
        FieldRow("Document number", None, id_doc, viz.get("document_number"), "info"),
        FieldRow("Expiry date", None, fields.get("expiry_date"), viz.get("expiry_date"), "info"),
    ]  # fmt: skip
    if registration.get("company_id"):
        rows.append(FieldRow("Company ID", registration["company_id"], None, None, "info"))
    if not valid:
        rows = [FieldRow(r.label, r.registration, r.mrz, r.viz, "not_compared" if r.status != "info" else "info",
                         "MRZ not read valid") for r in rows]  # fmt: skip
    return rows


def quality_issues(report: dict[str, Any]) -> list[Issue]:
    """Every failed quality check (value vs threshold) and every face finding, in reading order."""
    out: list[Issue] = []
    quality = ((report.get("document") or {}).get("mrz") or {}).get("quality") or {}
    for check in quality.get("checks") or []:
        if check.get("passed") is False:
            out.append(Issue("document", str(check.get("name")), check.get("value"), check.get("threshold"),
                             str(check.get("region") or "")))  # fmt: skip
    region = quality.get("mrz_region") or {}
    for key, value in region.items() if isinstance(region, dict) else ():
        if isinstance(value, dict) and value.get("passed") is False:
            out.append(Issue("document MRZ", key, value.get("value"), value.get("threshold")))
    for who, face in ((report.get("face") or {}).get("faces") or {}).items():
        for issue in face.get("issues") or []:
            out.append(Issue(f"{who} face", str(issue), None, None))
        if face.get("found") is False:
            out.append(Issue(f"{who} face", "no face found", None, face.get("detector_threshold")))
    for reason in report.get("reasons") or []:
        if str(reason.get("code", "")).startswith("quality."):
            out.append(Issue("reason", reason["code"], None, None, reason.get("reviewer_message") or ""))
    return out


def reasons(report: dict[str, Any], known_cases: set[str]) -> list[dict[str, Any]]:
    """The report's reasons, each with ``duplicates``: the other cases a duplicate-identity hit names
    (``(id, link)``; ``link`` is False when that case is not one of this tenant's)."""
    out = []
    for r in report.get("reasons") or []:
        item = dict(r)
        detail = r.get("detail") or {}
        item["detail_json"] = json.dumps(detail, ensure_ascii=False, sort_keys=True) if detail else ""
        ids = duplicate_ids([r])
        item["duplicates"] = [(i, i in known_cases) for i in ids]
        out.append(item)
    return out


def duplicate_ids(reason_list: list[dict[str, Any]]) -> list[str]:
    """The other case ids named by ``face.duplicate_identity`` reasons."""
    ids = []
    for r in reason_list:
        if r.get("code") == DUPLICATE:
            d = r.get("detail") or {}
            for key in ("other_case_id", "other_case_ids", "case_id", "verification_id"):
                v = d.get(key)
                ids += [str(x) for x in v] if isinstance(v, list) else [str(v)] if v else []
    return list(dict.fromkeys(ids))


def case_view(report: dict[str, Any], registration: dict[str, Any], known_cases: set[str]) -> CaseView:
    """Everything the case page shows, from one stored report."""
    mrz = (report.get("document") or {}).get("mrz") or {}
    return CaseView(
        reasons=reasons(report, known_cases),
        face=report.get("face") or {},
        liveness=report.get("liveness"),
        misuse=report.get("misuse"),
        mrz=mrz,
        mrz_rows=mrz_cells(mrz),
        fields=field_rows(registration, report),
        name=(report.get("registration_match") or {}).get("name") or {},
        issues=quality_issues(report),
        notes=list(report.get("notes") or []),
        side=str((report.get("document") or {}).get("mrz_side") or "front"),
    )


_LABELS = {
    "verification.created": ("Submitted", "info"),
    "verification.completed": ("Engine decision", "engine"),
    "verification.failed": ("Processing failed", "bad"),
    "verification.erased": ("Erased", "bad"),
    "decision.review": ("Reviewer decision", "review"),
    "decision.reverify": ("Re-verification", "engine"),
    "webhook.attempt": ("Webhook attempt", "muted"),
}


def timeline(entries: list[AuditLog]) -> list[TimelineEntry]:
    """Audit entries as timeline rows: a label, who, what changed, the note."""
    out = []
    for e in entries:
        label, css = _LABELS.get(e.action, (e.action, "muted"))
        d = e.detail or {}
        if "before" in d and "after" in d:
            summary = f"{d['before']} → {d['after']}"
        elif e.action == "verification.completed":
            summary = f"{d.get('decision')}" + (
                f" · {', '.join(d.get('reasons') or [])}" if d.get("reasons") else ""
            )
        elif e.action == "webhook.attempt":
            summary = f"attempt {d.get('attempt')}: " + (
                str(d.get("status_code")) if d.get("status_code") else str(d.get("error"))
            )
        else:
            summary = ", ".join(f"{k} {v}" for k, v in d.items() if v not in (None, "", []) and k != "note")
        out.append(TimelineEntry(e.at, label, d.get("actor"), summary, d.get("note"), css))
    return out
