"""The README's main job: generate a sample applicant, then run `kyc verify` on it (embedded, no server).

Run through `make demo`. Two cases are generated at run time (seeded, reproducible) into var/demo/ from the
bundled specimen generator and the face photos in ../shared/faces: a genuine applicant with a Kazakh ID card
(verified) and the same card with someone else's name typed at registration (rejected). Then `kyc mrz` reads
an Albanian passport photo. The clock is fixed at the generator's date so that the result never changes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from samples.generate import generate_set  # noqa: E402
from samples.identities import AS_OF  # noqa: E402

KYC = str(REPO / ".venv" / "bin" / "kyc")
FACES = REPO.parent / "shared" / "faces"
SEED = 20261123
SHOWN = {0: "a genuine applicant", 3: "someone else's name typed at registration"}


def run(*args: str) -> int:
    shown = " ".join(str(Path(a).relative_to(REPO)) if a.startswith(str(REPO)) else a for a in args)
    print(f"\n$ kyc {shown}", flush=True)
    return subprocess.call([KYC, *args], env={**os.environ, "KYC_TODAY": AS_OF.isoformat()})


def main() -> int:
    out = REPO / "var" / "demo"
    out.mkdir(parents=True, exist_ok=True)
    rc = 0
    if FACES.is_dir():
        from samples.cases import generate_cases

        index = out / "index.json"
        if not index.exists() or json.loads(index.read_text())["seed"] != SEED:
            generate_cases(out, max(SHOWN) + 1, SEED, prefix="demo")
        cases = json.loads(index.read_text())["cases"]
        for i, what in SHOWN.items():
            files = {k: str(out / v) for k, v in cases[i]["files"].items()}
            print(f"\n# {what}: registration {Path(files['registration']).read_text().strip()}")
            code = run("verify", "--selfie", files["selfie"], "--document", files["document"],
                       "--registration", files["registration"])  # fmt: skip
            rc |= code if cases[i]["expected_decision"] == "verified" else int(code != 1)
    else:
        print(f"{FACES} is absent: no face photos to build an applicant from; showing the MRZ reader only.")
    passport = sorted(out.glob("s8_*.jpg"))
    if not passport:
        passport = generate_set(out, 1, 8, layouts=["alb_passport"], severity_mix={"normal": 1.0})
    rc |= run("mrz", str(passport[0]))
    return rc


if __name__ == "__main__":
    sys.exit(main())
