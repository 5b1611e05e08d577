"""VIZ templates (``kyc_engine/data/viz_layouts.toml``): the field grid of each document layout.

A layout is data: the page area holding the label/value grid, its rows of field names, the label and value
font heights and the Tesseract language of the names. :meth:`VizLayout.value_boxes` turns that into one
box per field (rectified-page pixels) where the value line is searched.

Example::

    layouts = load_layouts()
    layout = layouts.choose(LayoutHint(format="TD1", issuing_country="KAZ"))   # kaz_id
    layout.value_boxes()["birth_date"]                                          # (261, 250, 567, 304)
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..errors import ModelError

__all__ = ["LayoutHint", "VizLayout", "VizLayouts", "load_layouts"]

Box = tuple[int, int, int, int]


@dataclass(frozen=True)
class LayoutHint:
    """What chooses the template: the MRZ format (``TD1``, ``TD2``, ``TD3``, ``MRV-A``, ``MRV-B``) and the
    issuing state as the MRZ writes it (``KAZ``, ``D``); both may be None (MRZ not read)."""

    format: str | None
    issuing_country: str | None = None


class VizLayout(BaseModel):
    """One template; coordinates in pixels of the rectified page."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    formats: tuple[str, ...]
    countries: tuple[str, ...] = ()
    lang: str = "eng"
    area: tuple[int, int, int, int]
    row_max: float = Field(gt=0)
    label_px: float = Field(gt=0)
    value_px: float = Field(gt=0)
    rows: tuple[tuple[str, ...], ...]

    def matches(self, hint: LayoutHint) -> bool:
        if hint.format not in self.formats:
            return False
        return not self.countries or hint.issuing_country in self.countries

    def value_boxes(self) -> dict[str, Box]:
        """Field -> the box (x0, y0, x1, y1) to search for its value line: from just under the label to
        the next row's label, the cell's width."""
        x0, y0, x1, y1 = self.area
        row_h = min((y1 - y0) / max(len(self.rows), 1), self.row_max)
        out: dict[str, Box] = {}
        for r, row in enumerate(self.rows):
            cell_w = (x1 - x0) / len(row)
            top = y0 + r * row_h + self.label_px * 1.1
            bottom = min(
                y0 + r * row_h + self.label_px * 1.25 + self.value_px * 1.2, y0 + (r + 1) * row_h + 2
            )
            for c, name in enumerate(row):
                left = x0 + c * cell_w
                out[name] = (round(left - 6), round(top), round(left + cell_w - 6), round(bottom))
        return out


class VizLayouts(BaseModel):
    """All templates, in the order they are tried, and the labels for the fallback."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str
    labels: dict[str, tuple[str, ...]] = {}
    layouts: tuple[VizLayout, ...] = Field(alias="layout")

    def choose(self, hint: LayoutHint) -> VizLayout | None:
        """The first template matching ``hint``, else None."""
        return next((layout for layout in self.layouts if layout.matches(hint)), None)


def load_layouts(path: Path | None = None) -> VizLayouts:
    """Read and validate a templates file (default: the packaged ``viz_layouts.toml``)."""
    try:
        if path is None:
            text = resources.files("kyc_engine").joinpath("data/viz_layouts.toml").read_text(encoding="utf-8")
        else:
            text = Path(path).read_text(encoding="utf-8")
        return VizLayouts.model_validate(tomllib.loads(text))
    except (OSError, tomllib.TOMLDecodeError, ValidationError) as exc:
        raise ModelError(f"VIZ layout file is invalid: {exc}", code="model.invalid") from exc


@lru_cache(maxsize=1)
def default_layouts() -> VizLayouts:
    """The packaged templates, read once."""
    return load_layouts()
