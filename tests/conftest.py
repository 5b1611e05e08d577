"""Shared test helpers: where ../shared lives, and skipping cleanly when it is absent."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SHARED_MODELS = SHARED / "models"
SHARED_FACES = SHARED / "faces"


def require_shared(path: Path) -> Path:
    """Skip the calling test with a clear reason when a ../shared resource is missing."""
    if not path.exists():
        pytest.skip(f"{path} is absent (../shared beside the checkout holds development data)")
    return path


@pytest.fixture
def shared_models() -> Path:
    return require_shared(SHARED_MODELS)


@pytest.fixture
def shared_faces() -> Path:
    return require_shared(SHARED_FACES)
