"""Reviewer console fixtures: one deployment for the whole session (fresh PostgreSQL database, real
Redis, a real `kyc worker` process), two tenants, reviewer accounts, and generated cases submitted
through the HTTP API that the worker decides as `review` or `rejected`. Nothing of ours is mocked.

Needs ../shared (face photos and models) and PostgreSQL/Redis; skips with the reason otherwise."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from kyc_engine.service.review.sessions import create_reviewer
from kyc_engine.store import repo
from kyc_engine.store.models import Result, Verification
from tests.conftest import REPO, SHARED_FACES, SHARED_MODELS, require_shared
from tests.service.conftest import (
    Deployment,
    Receiver,
    _services_up,
    auth,
    case_submission,
    make_settings,
    settings_env,
    wait_for,
)

PASSWORD = "correct horse battery staple"
SEED = 20261123


def _typo(name: str) -> str:
    """One letter of the first given name changed: the engine sends such a name to review."""
    first, *rest = name.split(" ")
    i = len(first) // 2
    repl = "e" if first[i].lower() != "e" else "a"
    return " ".join([first[:i] + (repl.upper() if first[i].isupper() else repl) + first[i + 1 :], *rest])


def generated_case(index: int, *, typo: bool = False) -> dict[str, Any]:
    """Case ``index`` of samples.cases (seed 20261123) as upload bytes and registration."""
    from samples.cases import make_case
    from samples.photograph import encode_jpeg

    item = make_case(index, SEED)
    registration = dict(item["registration"])
    if typo:
        registration["full_name"] = _typo(registration["full_name"])
    return {
        "selfie": encode_jpeg(*item["selfie"]),
        "document": encode_jpeg(*item["document"]),
        "registration": registration,
        "category": item["case"]["category"],
    }


#: label -> (samples.cases index, typo in the name). Decisions: rejected, rejected, rejected, review, and
#: "alb" (an Albanian ID card with another person's selfie: rejected) is the browser test's own case.
CASES = {"face": (2, False), "name": (3, False), "birth": (4, False), "typo": (0, True), "alb": (12, False)}


@dataclass
class Console:
    d: Deployment
    tenant: repo.NewTenant
    other_tenant: repo.NewTenant
    cases: dict[str, str]  # label -> verification id (tenant A)
    other_case: str  # a case of the other tenant
    receiver: Receiver
    users: dict[str, str] = field(default_factory=dict)  # label -> username
    _clients: dict[str, TestClient] = field(default_factory=dict)

    def client(self) -> TestClient:
        """A fresh cookie jar on the deployment's running app. It shares the deployment client's event loop
        (its portal), where the lifespan opened the app's async database pool and Redis client: as in
        uvicorn, one loop serves every request."""
        c = TestClient(self.d.client.app, raise_server_exceptions=True, follow_redirects=False)
        c.portal = self.d.client.portal
        return c

    def login(self, username: str, password: str = PASSWORD) -> TestClient:
        c = self.client()
        form = c.get("/review/login")
        token = form.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
        r = c.post("/review/login", data={"username": username, "password": password, "csrf": token})
        assert r.status_code == 303, r.text[:500]
        return c

    def as_user(self, label: str) -> TestClient:
        """A signed-in client for ``users[label]``, shared by the tests (logins are throttled)."""
        if label not in self._clients:
            self._clients[label] = self.login(self.users[label])
        return self._clients[label]

    def result(self, label: str) -> Result:
        with self.d.rt.session() as s:
            row = s.get(Result, self.cases[label])
            assert row is not None
            return row


def create_reviewer_cli(
    d: Deployment, tenant_id: str, username: str, role: str
) -> subprocess.CompletedProcess[str]:
    """`kyc reviewer create ... --password-stdin`, as an operator runs it."""
    return subprocess.run(
        [sys.executable, "-m", "kyc_engine.cli", "reviewer", "create", "--tenant", tenant_id,
         "--username", username, "--role", role, "--password-stdin"],
        input=PASSWORD + "\n", capture_output=True, text=True, cwd=REPO, env=settings_env(d.settings), timeout=120,
    )  # fmt: skip


@pytest.fixture(scope="session")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    why = _services_up()
    if why:
        pytest.skip(why)
    require_shared(SHARED_FACES)
    require_shared(SHARED_MODELS)
    tmp = tmp_path_factory.mktemp("review")
    d = Deployment(make_settings(tmp, "rv", review_cookie_secure=False), tmp)
    receiver = Receiver([])
    try:
        tenant, other = d.tenant("acme"), d.tenant("globex")
        d.start_worker()  # loads the models while the cases are generated
        ids: dict[str, str] = {}
        for label, (index, typo) in CASES.items():
            case = generated_case(index, typo=typo)
            r = d.client.post("/v1/verifications", headers=auth(tenant.api_key),
                              **case_submission(case, callback_url=receiver.url, external_ref=f"ref-{label}"))  # fmt: skip
            assert r.status_code == 202, r.text
            ids[label] = r.json()["id"]
        r = d.client.post("/v1/verifications", headers=auth(other.api_key),
                          **case_submission(generated_case(2), callback_url=receiver.url))  # fmt: skip
        other_id = r.json()["id"]

        def done() -> bool:
            if "Traceback" in d.worker_logs():  # fail now rather than at the timeout
                raise AssertionError("the worker crashed:\n" + d.worker_logs())
            with d.rt.session() as s:
                rows = s.scalars(
                    select(Verification.status).where(Verification.id.in_([*ids.values(), other_id]))
                )
                return all(st in ("completed", "failed") for st in rows)

        try:
            wait_for(done, 420, "the worker to decide the generated cases", step=1.0)
        except AssertionError:
            raise AssertionError("worker did not finish:\n" + d.worker_logs()) from None
        console = Console(d, tenant, other, ids, other_id, receiver)
        proc = create_reviewer_cli(d, tenant.tenant_id, "alice", "reviewer")
        assert proc.returncode == 0, proc.stderr
        assert json.loads(proc.stdout)["username"] == "alice"
        with d.rt.session() as s:
            create_reviewer(s, tenant.tenant_id, "bob", PASSWORD, "reviewer")
            create_reviewer(s, tenant.tenant_id, "carol", PASSWORD, "admin")
            create_reviewer(s, other.tenant_id, "mallory", PASSWORD, "reviewer")
            s.commit()
        console.users = {"reviewer": "alice", "reviewer2": "bob", "admin": "carol", "other": "mallory"}
        yield console
    finally:
        receiver.close()
        d.close()


@pytest.fixture(scope="session")
def docs_dir() -> Path:
    return REPO / "docs"
