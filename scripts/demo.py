"""The README's main job: make specimen photos from the bundled generator, then read them with `kyc`.

Run through `make demo`. The photos are generated at run time (seeded, reproducible) into var/demo/,
using faces from ../shared/faces when present and a drawn silhouette otherwise.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from samples.generate import generate_set  # noqa: E402

KYC = str(REPO / ".venv" / "bin" / "kyc")


def main() -> int:
    out = REPO / "var" / "demo"
    images = sorted(out.glob("*.jpg"))
    if len(images) < 2:
        out.mkdir(parents=True, exist_ok=True)
        generate_set(out, 1, 7, layouts=["kaz_id"], severity_mix={"normal": 1.0})  # Kazakh ID card, TD1 + IIN
        generate_set(out, 1, 8, layouts=["alb_passport"], severity_mix={"normal": 1.0})  # Albanian passport, TD3
        images = sorted(out.glob("*.jpg"))
    rc = 0
    for image in images[:2]:
        print(f"\n$ kyc mrz {image.relative_to(REPO)}", flush=True)
        rc |= subprocess.call([KYC, "mrz", str(image)])
    print(f"\n$ kyc mrz --json {images[0].relative_to(REPO)}", flush=True)
    rc |= subprocess.call([KYC, "mrz", "--json", str(images[0])])
    return rc


if __name__ == "__main__":
    sys.exit(main())
