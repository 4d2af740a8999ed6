"""Devices cannot grow the server's caches past the limits it was started with: 40 devices sending their DevInfs
before logging in leave as many remembered as the limit says, as /metrics shows."""

import re
from collections.abc import Iterator

import httpx
import pytest

from syncmld.caches import CacheLimits, configure
from tests.hostile.conftest import MakeClient
from tests.hostile.wire import XML, devinf_put, message

pytestmark = pytest.mark.anyio

DEVICES = 40


@pytest.fixture(autouse=True)
def default_limits_after() -> Iterator[None]:
    """The process's caches get their default limits back for the tests that follow."""
    yield
    configure(CacheLimits())


async def devinfs_kept(client: httpx.AsyncClient) -> float:
    scraped = (await client.get("/metrics")).text
    found = re.search(r'^syncmld_cache_entries\{cache="devinfs"\} (\S+)$', scraped, re.MULTILINE)
    assert found is not None, scraped
    return float(found.group(1))


async def devinfs_sent(client: httpx.AsyncClient) -> None:
    for number in range(DEVICES):
        device = f"IMEI:cached-{number}"
        answered = await client.post(
            "/syncml", content=message(devinf_put(device), device=device), headers={"Content-Type": XML}
        )
        assert answered.status_code == 200


@pytest.mark.parametrize("limit", [1, 4, CacheLimits().devinfs])
async def test_devices_cannot_grow_the_devinfs_remembered_past_the_limit(make_client: MakeClient, limit: int) -> None:
    client = await make_client(caches=CacheLimits(devinfs=limit))
    await devinfs_sent(client)
    assert await devinfs_kept(client) == limit


async def test_a_devinf_larger_than_the_limit_is_not_remembered(make_client: MakeClient) -> None:
    client = await make_client(caches=CacheLimits(devinf_bytes=200))
    before = await devinfs_kept(client)
    await devinfs_sent(client)
    assert await devinfs_kept(client) == before
