"""The development blob key: made once, atomically, when processes start together."""

from __future__ import annotations

import base64
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from kyc_engine.store.blobs import _create_dev_key


def test_processes_starting_together_end_up_with_one_complete_key(tmp_path: Path) -> None:
    path = tmp_path / "var" / "dev-blob.key"
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda _: _create_dev_key(path), range(32)))
    key = path.read_bytes()
    assert len(base64.urlsafe_b64decode(key)) == 32
    assert [p.name for p in path.parent.iterdir()] == ["dev-blob.key"]  # no temporary file left behind
    assert path.stat().st_mode & 0o777 == 0o600
    _create_dev_key(path)
    assert path.read_bytes() == key  # an existing key is never replaced
