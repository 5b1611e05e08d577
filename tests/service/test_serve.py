"""`kyc serve` as a real process: several API processes on one port, each with its own SO_REUSEPORT
socket so the kernel spreads connections over them, share one database, queue and configuration (the
environment), and every submission lands exactly once."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from kyc_engine.store import repo
from kyc_engine.store.db import migrate
from kyc_engine.worker.runtime import Runtime
from tests.conftest import REPO
from tests.service.conftest import (
    REGISTRATION,
    _clear_redis,
    _create_db,
    _drop_db,
    _services_up,
    jpeg,
    make_settings,
    settings_env,
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def _listening(port: int) -> list[int]:
    """The pid holding each socket listening on ``port`` (the first, should a child have inherited it)."""
    out = subprocess.run(["ss", "-tlnpH", f"sport = :{port}"], capture_output=True, text=True).stdout
    return [int(m.group(1)) for line in out.splitlines() if (m := re.search(r"pid=(\d+)", line))]


def _connection_owners(port: int, n: int) -> Counter[int]:
    """Open ``n`` connections at once; which process holds the server side of each."""
    conns = [socket.create_connection(("127.0.0.1", port)) for _ in range(n)]
    try:
        # a connection shows its owner once accepted; a process still in its start-up (blob writers,
        # heap freeze) accepts its share a little later, so wait until all are accepted
        deadline = time.monotonic() + 30
        while True:
            time.sleep(0.3)
            out = subprocess.run(["ss", "-tnpH", "state", "established", f"sport = :{port}"],
                                 capture_output=True, text=True).stdout  # fmt: skip
            owners = Counter(int(pid) for pid in re.findall(r"pid=(\d+)", out))
            if sum(owners.values()) >= n or time.monotonic() > deadline:
                return owners
    finally:
        for c in conns:
            c.close()


def _wait_healthy(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, log.read_text(errors="replace")[-2000:]
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"kyc serve did not answer /healthz: {log.read_text(errors='replace')[-2000:]}")


def test_two_api_processes_share_the_port_and_store_every_submission_once(tmp_path: Path) -> None:
    why = _services_up()
    if why:
        pytest.skip(why)
    settings = make_settings(tmp_path, "serve")
    db = settings.service.database_url.rsplit("/", 1)[1]
    _create_db(db)
    migrate(settings.service.database_url)
    rt = Runtime.build(settings, pool_size=1)
    port = _free_port()
    log = tmp_path / "serve.log"
    proc = None
    try:
        with rt.session() as s:
            key = repo.create_tenant(s, rt.cipher, "acme").api_key
            s.commit()
        env = settings_env(settings)
        env.pop("KYC_SERVICE__API_PROCESSES", None)  # the flag, not the setting, asks for two
        with log.open("wb") as out:
            proc = subprocess.Popen(
                [sys.executable, "-m", "kyc_engine.cli", "serve", "--port", str(port), "--processes", "2"],
                cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        url = f"http://127.0.0.1:{port}"
        _wait_healthy(url, proc, log)
        deadline = time.monotonic() + 60
        while len(_listening(port)) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        api = _listening(port)
        assert len(set(api)) == 2 and set(api) <= set(_children(proc.pid))  # one socket per API process
        spread = _connection_owners(port, 20)
        assert set(spread) == set(api), spread  # the kernel hands connections to both

        def submit(i: int) -> tuple[int, str]:
            files = {"selfie": ("s.jpg", jpeg(seed=i % 12), "image/jpeg"),
                     "document": ("d.jpg", jpeg(seed=i % 12 + 100), "image/jpeg")}  # fmt: skip
            r = httpx.post(f"{url}/v1/verifications", files=files, data={"registration": json.dumps(REGISTRATION)},
                           headers={"Authorization": f"Bearer {key}", "Idempotency-Key": f"k{i % 12}"},
                           timeout=30)  # fmt: skip
            assert r.status_code == 202, r.text
            return r.status_code, r.json()["id"]

        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(submit, range(24)))  # 12 keys, each sent twice, to either process
        assert {status for status, _ in answers} == {202}
        ids = {f"k{i % 12}": vid for i, (_, vid) in enumerate(answers) if i < 12}
        assert all(vid == ids[f"k{i % 12}"] for i, (_, vid) in enumerate(answers))
        with rt.session() as s:
            rows = s.execute(
                text("SELECT count(*), count(DISTINCT idempotency_key) FROM verifications")
            ).one()
        assert tuple(rows) == (12, 12)
        assert len({job for job in rt.queue.get_job_ids()}) == 12  # one job per verification, no second

        os.kill(api[0], signal.SIGKILL)  # a crashed API process is replaced
        # a new interpreter imports the app: slow when CI saturates both cores
        deadline = time.monotonic() + 180
        now = _listening(port)  # one reading per test: the victim may vanish between two
        while (len(set(now)) < 2 or api[0] in now) and time.monotonic() < deadline:
            time.sleep(0.2)
            now = _listening(port)
        assert len(set(now)) == 2 and api[0] not in now, log.read_text(errors="replace")[-3000:]
        assert submit(99)[0] == 202

        proc.send_signal(signal.SIGTERM)  # the supervisor alone is told to stop: it stops every process
        assert proc.wait(timeout=40) == 0
        assert _listening(port) == []
        proc = None
    finally:
        if proc is not None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        rt.close()
        _clear_redis(settings.service.queue_name)
        _drop_db(db)
