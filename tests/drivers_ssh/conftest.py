import pytest
from drivers_ssh_fakes import FakeState, start_fake


@pytest.fixture
async def fake_factory():
    servers = []

    async def make(kind: str, **state_kw):
        srv = await start_fake(kind, FakeState(**state_kw))
        servers.append(srv)
        return srv

    yield make
    for s in servers:
        s.server.close()
        await s.server.wait_closed()
