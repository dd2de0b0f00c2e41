"""Provisioning over SCIM against real worker processes: the `scim2-tester` compliance checks
for everything /scim/v2/ServiceProviderConfig declares, and a directory's deactivation closing
the colleague's open socket at once."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from scim2_client import BaseSyncSCIMClient
from scim2_tester import CheckResult, Status, check_server
from sqlmodel import select

from harness import Worker
from models import AuditEntry, Role
from services import provisioning_tokens
from tests.realtime.support import WAIT_SECONDS, Colleague, Socket, database
from tests.support import make_user

pytestmark = pytest.mark.trust  # real workers, as the other realtime cases

StartWorkers = Callable[..., list[Worker]]
PASSED = {Status.SUCCESS, Status.COMPLIANT, Status.ACCEPTABLE, Status.SKIPPED}


class HttpxScimClient(BaseSyncSCIMClient):
    """scim2-client's network engine over httpx's synchronous client (the one Kring has; the
    package's own engine wants httpx2)."""

    def __init__(self, client: httpx.Client, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.client = client

    def _stays_under_base_url(self, endpoint: str) -> bool:
        base = self.client.base_url
        url = self.client.build_request("GET", endpoint).url
        return (url.scheme, url.host, url.port) == (base.scheme, base.host, base.port) and url.raw_path.startswith(
            base.raw_path
        )

    def _parse_json(self, response: Any) -> Any:
        return response.json()

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        return self.client.request(method, url, **kwargs)


def run_compliance_checks(base_url: str, token: str) -> list[CheckResult]:
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=f"{base_url}/scim/v2/", headers=headers, timeout=WAIT_SECONDS) as http:
        return check_server(HttpxScimClient(http))


def report(results: list[CheckResult]) -> str:
    return "\n".join(
        f"{result.status.name} {result.resource_type or ''} {result.title}: {result.reason}" for result in results
    )


async def test_a_directory_provisions_compliantly_and_its_deactivation_closes_the_socket_at_once(
    fresh_database: str, start_workers: StartWorkers
) -> None:
    url = fresh_database
    async with database(url) as db:
        # Addresses a strict client takes: it refuses reserved names such as kring.test.
        admin = await make_user(db, role=Role.ADMIN, email="beheer@rivierenland.nl")
        colleague = await make_user(db, email="anna@rivierenland.nl")
        _, token = await provisioning_tokens.create_token(db, admin, "Entra ID")
    # The hubs' head check waits ten minutes here: a socket that closes at once was closed by the
    # event its deactivation published after commit, from the other worker, not by the log.
    a, b = start_workers(url, 2, KRING_REALTIME_SYNC_SECONDS="600")

    results = await asyncio.to_thread(run_compliance_checks, a.url, token)
    print(report(results))  # shown with -rP, or when the test fails
    failed = [result for result in results if result.status not in PASSED]
    assert not failed, "scim2-tester checks failed:\n" + report(failed)
    checked = {
        (result.resource_type, tag) for result in results if result.status is Status.SUCCESS for tag in result.tags
    }
    for resource_type in ("User", "Group"):
        for tag in ("crud:create", "crud:read", "crud:update", "crud:delete"):
            assert (resource_type, tag) in checked, f"{tag} never succeeded for {resource_type}:\n" + report(results)

    session = await Colleague(b, colleague).sign_in()
    socket = await Socket.open(b, cookie=session.cookie)
    async with httpx.AsyncClient(base_url=a.url, headers={"Authorization": f"Bearer {token}"}) as directory:
        found = await directory.get("/scim/v2/Users", params={"filter": f'userName eq "{colleague.email}"'})
        assert found.json()["totalResults"] == 1
        user = found.json()["Resources"][0]
        deactivate = {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "Replace", "path": "active", "value": "False"}],  # as Entra ID sends it
        }
        answer = await directory.patch(
            f"/scim/v2/Users/{user['id']}", json=deactivate, headers={"If-Match": user["meta"]["version"]}
        )
        assert answer.status_code == 200, answer.text
        assert answer.json()["active"] is False
    assert await socket.wait_closed() == 4001
    assert (await session.http.get("/api/v1/me")).status_code == 401  # the session ended with it
    async with database(url) as db:
        entries = (
            await db.exec(
                select(AuditEntry).where(AuditEntry.subject_type == "user", AuditEntry.subject_id == colleague.id)
            )
        ).all()
    assert [(entry.action, entry.actor_name) for entry in entries] == [("user.deactivated", "SCIM: Entra ID")]
    await socket.close()
    await session.close()
