"""Service fixtures: a fresh PostgreSQL database and rq queue per test session (safe under xdist),
real Redis, the real FastAPI app, real `kyc worker` processes. Nothing of ours is mocked."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import psycopg
import pytest
from cryptography.fernet import Fernet
from fastapi.testclient import TestClient
from redis import Redis
from sqlalchemy import select

from kyc_engine.service.app import create_app
from kyc_engine.settings import ServiceSettings, Settings
from kyc_engine.store import repo
from kyc_engine.store.db import migrate
from kyc_engine.store.models import Verification
from kyc_engine.worker.runtime import Runtime
from tests.conftest import REPO

PG = "postgresql://postgres@127.0.0.1:5432"
REDIS_URL = "redis://127.0.0.1:6379/0"
TODAY = "2026-11-01"  # the sample generator's fixed clock


def _services_up() -> str | None:
    try:
        with psycopg.connect(f"{PG}/postgres", connect_timeout=3):
            pass
        Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except Exception as exc:  # pragma: no cover - CI starts them via scripts/services.sh
        return f"PostgreSQL/Redis on 127.0.0.1 not reachable ({type(exc).__name__}); run scripts/services.sh"
    return None


def _create_db(name: str) -> None:
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def _drop_db(name: str) -> None:
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _clear_redis(queue: str) -> None:
    r = Redis.from_url(REDIS_URL)
    for key in r.scan_iter(f"*{queue}*", count=1000):
        r.delete(key)


def make_settings(tmp: Path, label: str, **service: Any) -> Settings:
    token = f"{label}_{os.environ.get('PYTEST_XDIST_WORKER', 'gw')}_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    db = f"kyct_{token}".lower()
    base = {
        "database_url": f"postgresql+psycopg://postgres@127.0.0.1:5432/{db}",
        "redis_url": REDIS_URL,
        "queue_name": f"kyct-{token}",
        "blob_dir": tmp / "blobs",
        "blob_key": Fernet.generate_key().decode(),
        "rate_limit_per_minute": 10_000,
        "queued_grace_s": 1.0,
        "processing_timeout_s": 10.0,
        "reconcile_interval_s": 1.0,
        "webhook_poll_s": 0.3,
        "webhook_backoff_s": 0.5,
        "webhook_timeout_s": 5.0,
        "callback_allow_private": True,  # the tests' webhook receivers listen on 127.0.0.1
        # pytest's own processes keep both cores busy for minutes: an idle-class worker could starve
        "worker_sched_idle": False,
    }
    base.update(service)
    return Settings(today=TODAY, service=ServiceSettings(**base))


def settings_env(settings: Settings) -> dict[str, str]:
    """The same settings as KYC_* variables, for a worker subprocess."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KYC_")}
    env["KYC_TODAY"] = str(settings.today)
    for key, value in settings.service.model_dump().items():
        if value is None:
            continue
        if hasattr(value, "get_secret_value"):
            value = value.get_secret_value()
        env[f"KYC_SERVICE__{key.upper()}"] = str(value)
    return env


class Deployment:
    """One database + queue + blob dir, the app client, and `kyc worker` processes on demand."""

    def __init__(self, settings: Settings, log_dir: Path) -> None:
        self.settings = settings
        self.log_dir = log_dir
        self.db_name = settings.service.database_url.rsplit("/", 1)[1]
        self.workers: list[subprocess.Popen[bytes]] = []
        _create_db(self.db_name)
        migrate(settings.service.database_url)
        self.rt = Runtime.build(settings, pool_size=2)
        self._client_cm = TestClient(create_app(settings), raise_server_exceptions=False)
        self.client = self._client_cm.__enter__()

    def tenant(self, name: str = "acme") -> repo.NewTenant:
        with self.rt.session() as s:
            t = repo.create_tenant(s, self.rt.cipher, name)
            s.commit()
        return t

    def start_worker(self) -> subprocess.Popen[bytes]:
        log = (self.log_dir / f"worker-{len(self.workers)}.log").open("wb")
        # its own process group: the worker, the rq scheduler it forks and its background process
        proc = subprocess.Popen([sys.executable, "-m", "kyc_engine.cli", "-v", "worker"], cwd=REPO,
                                env=settings_env(self.settings), stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)  # fmt: skip
        self.workers.append(proc)
        return proc

    @staticmethod
    def _signal_group(proc: subprocess.Popen[bytes], sig: int) -> None:
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            pass

    def kill9(self, proc: subprocess.Popen[bytes]) -> None:
        """kill -9 the worker and everything it started (as a container or systemd stop would)."""
        self._signal_group(proc, signal.SIGKILL)
        proc.wait()

    def stop_workers(self) -> None:
        for proc in self.workers:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.workers:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                pass
            self._signal_group(proc, signal.SIGKILL)  # whatever is left of the group (rq's scheduler)
            proc.wait()
        self.workers = []

    def worker_logs(self) -> str:
        return "\n".join(
            p.read_text(errors="replace")[-3000:] for p in sorted(self.log_dir.glob("worker-*.log"))
        )

    def close(self) -> None:
        self.stop_workers()
        self._client_cm.__exit__(None, None, None)
        with self.rt.session() as s:
            vids = list(s.scalars(select(Verification.id)))
        for vid in vids:
            for key in self.rt.redis.scan_iter(f"rq:job:{vid}_*"):
                self.rt.redis.delete(key)
        self.rt.close()
        _clear_redis(self.settings.service.queue_name)
        _drop_db(self.db_name)


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    why = _services_up()
    if why:
        pytest.skip(why)
    tmp = tmp_path_factory.mktemp("svc")
    d = Deployment(make_settings(tmp, "m"), tmp)
    yield d
    d.close()


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def jpeg(width: int = 320, height: int = 240, seed: int = 0) -> bytes:
    """A valid photo-sized JPEG (noise): enough for the API, which validates but does not verify."""
    rng = np.random.default_rng(seed)
    img = rng.integers(0, 255, (height, width, 3), dtype=np.uint8)
    ok, buf = cv2.imencode(".jpg", img)
    assert ok
    return buf.tobytes()


REGISTRATION = {"full_name": "Anna Müller", "birth_date": "1990-05-01", "country": "DEU"}


def submission(seed: int = 0, registration: dict | str | None = None, **extra: str) -> dict[str, Any]:
    """Keyword arguments for ``client.post`` of a valid multipart submission."""
    reg = registration if registration is not None else REGISTRATION
    data = {"registration": reg if isinstance(reg, str) else json.dumps(reg), **extra}
    files = {"selfie": ("s.jpg", io.BytesIO(jpeg(seed=seed)), "image/jpeg"),
             "document": ("d.jpg", io.BytesIO(jpeg(seed=seed + 1000)), "image/jpeg")}  # fmt: skip
    return {"data": data, "files": files}


def wait_for(predicate: Any, timeout: float, what: str, step: float = 0.2) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def real_case(tmp: Path, seed: int) -> dict[str, Any]:
    """A generated Kazakh ID card photo and a real selfie of its portrait's person (needs ../shared)."""
    from samples.generate import generate_set
    from tests.conftest import SHARED_FACES, SHARED_MODELS, require_shared

    faces = require_shared(SHARED_FACES)
    require_shared(SHARED_MODELS)
    out = tmp / f"case{seed}"
    photo = generate_set(out, 1, seed, layouts=["kaz_id"], severity_mix={"clean": 1.0})[0]
    truth = json.loads(photo.with_suffix(".json").read_text())
    source = Path(truth["portrait"]["source"])
    other = next(p for p in sorted((faces / source.parent).glob("*.jpg")) if p.name != source.name)
    img = cv2.imread(str(other))
    scale = 1000 / max(img.shape[:2])
    selfie = cv2.imencode(".jpg", cv2.resize(img, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC))[1]
    holder = truth["holder"]
    registration = {"full_name": f"{holder['given_names_viz']} {holder['surname_viz']}",
                    "birth_date": holder["birth_date"], "id_number": holder["iin"], "country": "KAZ",
                    "sex": holder["sex"]}  # fmt: skip
    return {"selfie": selfie.tobytes(), "document": photo.read_bytes(), "registration": registration}


def case_submission(case: dict[str, Any], **extra: str) -> dict[str, Any]:
    files = {"selfie": ("selfie.jpg", io.BytesIO(case["selfie"]), "image/jpeg"),
             "document": ("document.jpg", io.BytesIO(case["document"]), "image/jpeg")}  # fmt: skip
    return {
        "files": files,
        "data": {"registration": json.dumps(case["registration"], ensure_ascii=False), **extra},
    }


class Receiver:
    """A local webhook endpoint answering the given status codes in turn (then 200), with ``location`` as
    the Location header when given (redirects)."""

    def __init__(self, statuses: list[int] | tuple[int, ...] = (), location: str | None = None) -> None:
        self.statuses = list(statuses)
        self.calls: list[dict[str, Any]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.calls.append(
                    {"headers": dict(self.headers), "host": self.headers["Host"], "body": body}
                )
                status = outer.statuses.pop(0) if outer.statuses else 200
                self.send_response(status)
                if location:
                    self.send_header("Location", location)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def hosts(self) -> list[str]:
        """The Host header of each request received."""
        return [c["host"] for c in self.calls]

    def events(self, event: str) -> list[dict[str, Any]]:
        """The JSON bodies received for ``event``."""
        return [body for c in self.calls if (body := json.loads(c["body"]))["event"] == event]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
