"""MRZ benchmark: kyc_engine vs PassportEye on the same generated phone photos, in the same run.

    python -m benchmarks.mrz --count 300 --seed 20261123          # writes benchmarks/RESULTS.md

Reports the fully-correct MRZ rate, per-field accuracy, false-valid count (reported valid but wrong),
p50/p95 latency per photo (file bytes in, fields out, models already loaded), with ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from benchmarks.common import RESULTS, machine, now_utc, pct, write_section

FIELDS = (
    "document_code", "issuing_country", "surname", "given_names", "document_number", "nationality",
    "birth_date", "sex", "expiry_date", "optional_data", "optional_data_2",
)  # fmt: skip
REPO = Path(__file__).resolve().parents[1]


def ensure_dataset(out: Path, count: int, seed: int) -> list[Path]:
    from samples.generate import generate_set

    images = sorted(out.glob("*.jpg"))
    if len(images) >= count:
        return images[:count]
    out.mkdir(parents=True, exist_ok=True)
    print(f"generating {count} photos into {out} (seed {seed}) ...")
    generate_set(out, count, seed)
    return sorted(out.glob("*.jpg"))[:count]


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), transient=False
    )


def run_engine(images: list[Path]) -> list[dict[str, Any]]:
    from kyc_engine.engine import Engine
    from kyc_engine.imageio import load_image_file
    from kyc_engine.settings import get_settings
    from kyc_engine.verify import clear_check_digit_failure

    settings = get_settings()
    engine = Engine.from_settings(settings)
    out = []
    with _progress() as bar:
        task = bar.add_task("kyc_engine ", total=len(images))
        for path in images:
            t0 = time.perf_counter()
            image = load_image_file(path, max_bytes=settings.limits.max_upload_bytes, max_pixels=settings.limits.max_pixels)
            mrz = engine.read_mrz(image)
            report = mrz.to_dict()
            ms = (time.perf_counter() - t0) * 1000
            out.append({"id": path.stem, "ms": ms, "valid": report["valid"], "lines": report["lines"],
                        "fields": report["fields"], "reason": report.get("reason"),
                        "name_confidence": report["quality"].get("name_confidence"),
                        # what `kyc verify` makes of a failed reading: final rejection or retry
                        "rejected_outright": clear_check_digit_failure(mrz)})
            bar.advance(task)
    return out


def _yymmdd(iso: str | None) -> str | None:
    return None if not iso else iso[2:4] + iso[5:7] + iso[8:10]


def _pe_fields(d: dict[str, Any]) -> dict[str, str | None]:
    def clean(v: Any) -> str | None:
        return None if v is None else " ".join(str(v).replace("<", " ").split())

    kind = d.get("mrz_type")
    optional = d.get("personal_number") if kind == "TD3" else d.get("optional1")
    sex = d.get("sex")
    return {
        "document_code": clean(d.get("type")),
        "issuing_country": clean(d.get("country")),
        "surname": clean(d.get("surname")),
        "given_names": clean(d.get("names")),
        "document_number": clean(d.get("number")),
        "nationality": clean(d.get("nationality")),
        "birth_date": d.get("date_of_birth"),
        "sex": "X" if sex == "<" else sex,
        "expiry_date": d.get("expiration_date"),
        "optional_data": clean(optional) or "",
        "optional_data_2": (clean(d.get("optional2")) or "") if kind == "TD1" else None,
    }


def run_passporteye(images: list[Path]) -> list[dict[str, Any]]:
    import warnings

    warnings.filterwarnings("ignore")
    from passporteye import read_mrz

    out = []
    with _progress() as bar:
        task = bar.add_task("PassportEye", total=len(images))
        for path in images:
            t0 = time.perf_counter()
            try:
                mrz = read_mrz(str(path))
            except Exception as exc:  # the peer crashing on an image counts as not read
                mrz, err = None, repr(exc)
            else:
                err = None
            ms = (time.perf_counter() - t0) * 1000
            d = mrz.to_dict() if mrz is not None else {}
            raw = [ln.replace(" ", "") for ln in str(d.get("raw_text", "")).splitlines() if ln.strip()]
            out.append({"id": path.stem, "ms": ms, "valid": bool(d.get("valid")), "lines": raw,
                        "fields": _pe_fields(d) if d else {}, "error": err})
            bar.advance(task)
    return out


def score(results: list[dict[str, Any]], truths: dict[str, dict[str, Any]], *, dates_as_yymmdd: bool) -> dict[str, Any]:
    per_field: Counter[str] = Counter()
    correct = false_valid = valid = data_wrong = name_flagged = name_unflagged = 0
    by_group: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    failures = []
    for r in results:
        truth = truths[r["id"]]
        expected = dict(truth["fields"])
        if dates_as_yymmdd:
            expected["birth_date"] = _yymmdd(expected["birth_date"])
            expected["expiry_date"] = _yymmdd(expected["expiry_date"])
        got = r["fields"] or {}
        ok_fields = [f for f in FIELDS if got.get(f) == expected.get(f)]
        per_field.update(ok_fields)
        all_ok = len(ok_fields) == len(FIELDS)
        lines_ok = r["lines"] == truth["mrz_lines"]
        fully = all_ok and lines_ok and r["valid"]
        correct += fully
        valid += r["valid"]
        if r["valid"] and not fully:
            false_valid += 1
            wrong = {f for f in FIELDS if f not in ok_fields}
            if wrong - {"surname", "given_names"}:
                data_wrong += 1
            elif (r.get("name_confidence") or 1.0) < 0.8:
                name_flagged += 1
            else:
                name_unflagged += 1
        for group in (f"severity={truth['photo']['severity']}", f"layout={truth['layout']}"):
            by_group[group][0] += fully
            by_group[group][1] += 1
        if not fully:
            failures.append({"id": r["id"], "layout": truth["layout"], "severity": truth["photo"]["severity"],
                             "valid": r["valid"], "reason": r.get("reason"),
                             "rejected_outright": bool(r.get("rejected_outright")),
                             "wrong_fields": [f for f in FIELDS if f not in ok_fields]})
    n = len(results)
    times = [r["ms"] for r in results]
    return {
        "n": n, "fully_correct": correct, "valid": valid, "false_valid": false_valid,
        "false_valid_data": data_wrong, "false_valid_name_flagged": name_flagged,
        "false_valid_name_unflagged": name_unflagged,
        "per_field": {f: per_field[f] / n for f in FIELDS},
        "p50_ms": pct(times, 50), "p95_ms": pct(times, 95), "mean_ms": sum(times) / n,
        "groups": {k: v for k, v in sorted(by_group.items())}, "failures": failures,
    }


def render(eng: dict[str, Any], peer: dict[str, Any] | None, args: argparse.Namespace, gen_s: float) -> str:
    lines = [
        "## MRZ reading: kyc_engine vs PassportEye",
        "",
        f"- Date: {now_utc()}; machine: {machine()}",
        f"- Data: {eng['n']} generated phone photos (`python -m samples.generate`, seed {args.seed}), 1600×1200, "
        "mixed layouts and severities; ground truth beside each image.",
        f"- Rerun: `.venv/bin/python -m benchmarks.mrz --count {args.count} --seed {args.seed}`",
        "- Time per photo = file bytes → decoded → fields, models loaded once beforehand, single process.",
        "- *Fully correct* = reported valid, and every MRZ line and every parsed field equal to the truth. "
        "*False valid* = reported valid but not fully correct.",
        "",
        "| metric | kyc_engine | PassportEye 2.2.2 | ratio |",
        "|---|---|---|---|",
    ]

    def row(name: str, a: str, b: str, ratio: str = "") -> None:
        lines.append(f"| {name} | {a} | {b} | {ratio} |")

    n = eng["n"]
    if peer:
        row("fully correct", f"{eng['fully_correct']}/{n} ({eng['fully_correct'] / n:.1%})",
            f"{peer['fully_correct']}/{n} ({peer['fully_correct'] / n:.1%})")
        row("reported valid", str(eng["valid"]), str(peer["valid"]))
        row("false valid", str(eng["false_valid"]), str(peer["false_valid"]))
        row("… of which check-digit-protected data wrong", str(eng["false_valid_data"]), str(peer["false_valid_data"]))
        row("… of which only the name wrong, flagged `mrz.name_uncertain`", str(eng["false_valid_name_flagged"]), "–")
        row("… of which only the name wrong, not flagged", str(eng["false_valid_name_unflagged"]),
            str(peer["false_valid_name_flagged"] + peer["false_valid_name_unflagged"]))
        row("p50 ms / photo", f"{eng['p50_ms']:.0f}", f"{peer['p50_ms']:.0f}", f"{peer['p50_ms'] / eng['p50_ms']:.1f}× faster")
        row("p95 ms / photo", f"{eng['p95_ms']:.0f}", f"{peer['p95_ms']:.0f}", f"{peer['p95_ms'] / eng['p95_ms']:.1f}× faster")
        for f in FIELDS:
            row(f"field `{f}`", f"{eng['per_field'][f]:.1%}", f"{peer['per_field'][f]:.1%}")
    else:
        row("fully correct", f"{eng['fully_correct']}/{n} ({eng['fully_correct'] / n:.1%})", "not run")
        row("false valid", str(eng["false_valid"]), "not run")
        row("p50 / p95 ms", f"{eng['p50_ms']:.0f} / {eng['p95_ms']:.0f}", "not run")
    lines += ["", "PassportEye dates are compared as YYMMDD (it does not resolve centuries).", "",
              "Fully correct by group (kyc_engine):", "", "| group | correct | of |", "|---|---|---|"]
    for group, (ok, total) in eng["groups"].items():
        lines.append(f"| {group} | {ok} | {total} |")
    if eng["failures"]:
        outright = sum(f["rejected_outright"] for f in eng["failures"] if not f["valid"])
        lines += ["", f"kyc_engine misses (all genuine documents). Of those not reported valid, `kyc verify` rejects "
                  f"**{outright}** outright as a clear check-digit failure (the photo passed the quality gate, the "
                  f"lines were read whole, one field failed: what a tampered MRZ looks like) and asks for another "
                  f"photo (retry) for the rest.", ""]
        for fail in eng["failures"][:20]:
            verdict = ", verify: rejected outright" if fail["rejected_outright"] and not fail["valid"] else ""
            lines.append(f"- `{fail['id']}` {fail['layout']}/{fail['severity']}: valid={fail['valid']}, "
                         f"reason={fail['reason']}{verdict}, wrong fields: {', '.join(fail['wrong_fields']) or 'lines only'}")
    lines.append(f"\n(generation of the set took {gen_s:.0f} s; not part of the timings)")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--seed", type=int, default=20261123)
    parser.add_argument("--data", type=Path, default=None, help="dataset folder (default var/bench/mrz-SEED)")
    parser.add_argument("--no-peer", action="store_true", help="skip PassportEye")
    parser.add_argument("--no-write", action="store_true", help="do not update RESULTS.md")
    args = parser.parse_args()
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")  # the same Tesseract threading for both readers
    data = args.data or REPO / "var" / "bench" / f"mrz-{args.seed}"
    t0 = time.perf_counter()
    images = ensure_dataset(data, args.count, args.seed)
    gen_s = time.perf_counter() - t0
    truths = {p.stem: json.loads(p.with_suffix(".json").read_text()) for p in images}
    eng = score(run_engine(images), truths, dates_as_yymmdd=False)
    peer = None if args.no_peer else score(run_passporteye(images), truths, dates_as_yymmdd=True)
    text = render(eng, peer, args, gen_s)
    print(text)
    raw = REPO / "var" / "bench" / f"mrz-{args.seed}-results.json"
    raw.write_text(json.dumps({"engine": eng, "peer": peer}, indent=1))
    if not args.no_write:
        write_section("mrz", text, RESULTS)
        print(f"\nwritten to {RESULTS}")


if __name__ == "__main__":
    main()
