from __future__ import annotations

import functools
import hashlib
import http.server
import shutil
import threading
from pathlib import Path

import pytest

from kyc_engine.errors import ModelError
from kyc_engine.manifest import ModelRegistry, fetch_model, read_manifest
from kyc_engine.settings import DEFAULT_MANIFEST

MANIFEST = """
schema = 1
[models.tiny]
file = "tiny.onnx"
source = "model_dir"
sha256 = "{sha}"
bytes = {size}
licence = "MIT"
required = {required}
url = "{url}"
"""
PAYLOAD = b"not really a model, but hashed like one\n" * 10


def write_manifest(tmp_path: Path, *, required: bool = True, url: str = "", sha: str | None = None) -> Path:
    path = tmp_path / "manifest.toml"
    path.write_text(
        MANIFEST.format(
            sha=sha or hashlib.sha256(PAYLOAD).hexdigest(),
            size=len(PAYLOAD),
            required=str(required).lower(),
            url=url,
        )
    )
    return path


def test_project_manifest_entries_are_complete() -> None:
    specs = {s.name: s for s in read_manifest(DEFAULT_MANIFEST)}
    assert {"mrz_ocr", "yunet", "minifasnet_v2", "minifasnet_v1se", "sface"} <= set(specs)
    for spec in specs.values():
        assert len(spec.sha256) == 64 and spec.licence and spec.bytes > 0


def test_project_manifest_matches_shared_models(shared_models: Path) -> None:
    registry = ModelRegistry.load(DEFAULT_MANIFEST, shared_models)
    assert registry.get("mrz_ocr").available
    assert registry.get("yunet").available
    assert registry.get("sface").status == "absent"  # not distributed; the engine skips it


def test_good_file_loads(tmp_path: Path) -> None:
    (tmp_path / "tiny.onnx").write_bytes(PAYLOAD)
    registry = ModelRegistry.load(write_manifest(tmp_path), tmp_path)
    assert registry.path("tiny") == tmp_path / "tiny.onnx"


def test_mismatching_file_fails_at_start(tmp_path: Path) -> None:
    (tmp_path / "tiny.onnx").write_bytes(PAYLOAD + b"x")
    with pytest.raises(ModelError) as info:
        ModelRegistry.load(write_manifest(tmp_path), tmp_path)
    assert info.value.code == "model.hash_mismatch"
    assert "does not match" in info.value.message


def test_missing_required_file_names_the_setting(tmp_path: Path) -> None:
    with pytest.raises(ModelError) as info:
        ModelRegistry.load(write_manifest(tmp_path), tmp_path)
    assert info.value.code == "model.missing"
    assert "KYC_MODEL_DIR" in info.value.message


def test_missing_optional_file_is_reported_absent(tmp_path: Path) -> None:
    registry = ModelRegistry.load(write_manifest(tmp_path, required=False), tmp_path)
    assert registry.get("tiny").status == "absent"
    with pytest.raises(ModelError):
        registry.path("tiny")


def test_fetch_from_file_url_keeps_only_a_matching_file(tmp_path: Path) -> None:
    src = tmp_path / "src" / "tiny.onnx"
    src.parent.mkdir()
    src.write_bytes(PAYLOAD)
    dest = tmp_path / "models"
    spec = read_manifest(write_manifest(tmp_path, url=src.as_uri()))[0]
    assert fetch_model(spec, dest).read_bytes() == PAYLOAD
    bad = read_manifest(write_manifest(tmp_path, url=src.as_uri(), sha="0" * 64))[0]
    (dest / "tiny.onnx").unlink()
    with pytest.raises(ModelError) as info:
        fetch_model(bad, dest)
    assert info.value.code == "model.hash_mismatch"
    assert list(dest.iterdir()) == []  # the partial download was discarded


def test_fetch_over_http_on_loopback(tmp_path: Path) -> None:
    served = tmp_path / "www"
    served.mkdir()
    shutil.copyfile(write_manifest(tmp_path), served / "ignored.toml")
    (served / "tiny.onnx").write_bytes(PAYLOAD)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(served))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/tiny.onnx"
        spec = read_manifest(write_manifest(tmp_path, url=url))[0]
        assert fetch_model(spec, tmp_path / "models").read_bytes() == PAYLOAD
        missing = read_manifest(write_manifest(tmp_path, url=url + ".nope"))[0]
        with pytest.raises(ModelError) as info:
            fetch_model(missing, tmp_path / "models2")
        assert info.value.code == "model.fetch_failed"
    finally:
        server.shutdown()


def test_required_files_are_only_required_for_the_stages_being_built(tmp_path: Path) -> None:
    path = write_manifest(tmp_path)
    path.write_text(path.read_text().replace('required = true', 'required = true\nstage = "faces"'))
    registry = ModelRegistry.load(path, tmp_path, stages=("mrz",))
    assert registry.get("tiny").status == "absent"
    with pytest.raises(ModelError):
        ModelRegistry.load(path, tmp_path, stages=("faces",))


def test_face_stage_files_come_from_the_wheel_and_match() -> None:
    registry = ModelRegistry.load(DEFAULT_MANIFEST, Path("/nonexistent"), stages=("mrz",))
    assert registry.get("dlib_resnet_v1").available
    assert registry.get("dlib_shape_predictor_5").available
    assert registry.get("yunet").status == "absent"
