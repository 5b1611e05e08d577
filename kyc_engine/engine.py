"""The engine: owns the stages (built once per process) and runs them on one case.

``Engine.from_settings(settings)`` loads and verifies the models named in the manifest; the service and
the worker build one Engine at start and only ever call its methods.
"""

from __future__ import annotations

import logging
import os
from dataclasses import replace
from datetime import date

from .detect.document import DocumentDetector
from .errors import ModelError
from .face_stage import FaceCompareReport, FaceStage
from .imageio import LoadedImage, downscale
from .manifest import ModelRegistry
from .match.index import DuplicateIndex
from .mrz_stage import MrzReport, MrzStage
from .ocr.mrz_ocr import MrzRecognizer
from .ocr.viz import VizReader
from .policy import Policy, cached_policy
from .quality import QualityThresholds
from .registration.model import Registration
from .settings import Settings
from .verify import VerifyReport, run_verification

log = logging.getLogger(__name__)

__all__ = ["Engine", "MrzReport", "VerifyReport"]

#: Every stage ``kyc verify`` needs.
VERIFY_STAGES = ("mrz", "faces", "liveness")


class Engine:
    """Composes the stages. Construct with :meth:`from_settings`; tests may inject stages directly."""

    def __init__(
        self,
        settings: Settings,
        *,
        models: ModelRegistry,
        mrz: MrzStage,
        faces: FaceStage | None = None,
        viz: VizReader | None = None,
    ) -> None:
        self.settings = settings
        self.models = models
        self.mrz = mrz
        self.faces = faces
        #: visual-zone reader (``kyc verify`` only); None: ``document.viz`` stays empty
        self.viz = viz
        #: 1:N gallery of verified faces; when set, ``verify`` raises ``face.duplicate_identity`` for a
        #: selfie already stored under another registration. The service fills it from PostgreSQL.
        self.face_index: DuplicateIndex | None = None

    @classmethod
    def from_settings(cls, settings: Settings, *, stages: tuple[str, ...] = ("mrz",)) -> Engine:
        """Verify the models against the manifest and build every stage once."""
        # Tesseract's OpenMP threads: 1 is twice as fast as the default on 2 cores (offline-stack notes).
        os.environ["OMP_THREAD_LIMIT"] = str(settings.ocr.threads)
        models = ModelRegistry.load(settings.manifest_path, settings.model_dir, stages)
        mrz_dir = settings.ocr.mrz_tessdata_dir or models.path("mrz_ocr").parent
        documents = DocumentDetector()
        mrz = MrzStage(
            documents,
            MrzRecognizer(mrz_dir),
            quality=QualityThresholds(),
            work_max_side=settings.limits.work_max_side,
            today=settings.current_date,
        )
        faces = None
        if "faces" in stages or "liveness" in stages:
            faces = FaceStage.from_registry(
                models, liveness="liveness" in stages, document_detector=documents
            )
        viz = None
        if "faces" in stages and "liveness" in stages:  # the verify stages: read the visual zone too
            viz = VizReader(settings.ocr.tessdata_dir)
            viz.warm_up()
        return cls(settings, models=models, mrz=mrz, faces=faces, viz=viz)

    def verify(
        self,
        selfie: LoadedImage,
        document: LoadedImage,
        registration: Registration,
        *,
        document_back: LoadedImage | None = None,
        policy: Policy | None = None,
        face_index: DuplicateIndex | None = None,
    ) -> VerifyReport:
        """Selfie + document (+ back) + registration data → decision with reasons (see ``verify``).

        Build the engine with ``stages=VERIFY_STAGES``; ``policy`` defaults to the settings' policy file;
        ``face_index`` (default :attr:`face_index`) is the 1:N gallery searched for duplicate identities."""
        if self.faces is None:
            raise ModelError(
                "kyc verify needs the face stage: Engine.from_settings(s, stages=VERIFY_STAGES)."
            )
        return run_verification(
            self,
            selfie,
            document,
            registration,
            document_back=document_back,
            policy=policy or cached_policy(self.settings.policy_path),
            face_index=face_index,
        )

    def today(self) -> date:
        return self.settings.current_date()

    def read_mrz(self, image: LoadedImage) -> MrzReport:
        """Find the document, read its MRZ, validate and repair it. Never raises for business outcomes."""
        return self.mrz.read(image)

    def compare_faces(
        self, a: LoadedImage, b: LoadedImage, *, selfie_checks: bool = False
    ) -> FaceCompareReport:
        """Compare the main faces of two images (selfies or whole document photos).

        ``selfie_checks``: ``a`` is a selfie and ``b`` the document: also run passive liveness (when
        the engine was built with the ``liveness`` stage) and the selfie misuse checks."""
        if self.faces is None:
            raise ModelError(
                "The face stage was not built: use Engine.from_settings(s, stages=(..., 'faces'))."
            )
        side = self.settings.limits.work_max_side
        (a_work, a_scale), (b_work, b_scale) = downscale(a.bgr, side), downscale(b.bgr, side)
        report = self.faces.compare(a_work, b_work, selfie_checks=selfie_checks)
        return replace(report, work_scale={"a": a_scale, "b": b_scale})
