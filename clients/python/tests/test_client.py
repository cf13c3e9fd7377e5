"""The blocking and asyncio clients against a real cloakroomd."""

from __future__ import annotations

import asyncio

import pytest

from cloakroom import (
    AsyncClient,
    Client,
    ConfigurationError,
    ServiceUnavailable,
    SessionNotFound,
    Unauthorized,
    VersionConflict,
)
from cloakroom.errors import APIError


def test_a_session_lives_through_create_resume_update_rotate_end(client):
    issued = client.create(user_id="ada", data={"theme": "dark"}, user_agent="pytest")
    assert issued.session.user_id == "ada" and issued.session.data == {"theme": "dark"}
    resumed = client.resume(issued.id)
    assert resumed.data == {"theme": "dark"} and resumed.handle == issued.session.handle
    updated = client.update(issued.id, set={"cart": 2}, unset=["theme"], increment={"visits": 1})
    assert updated.data == {"cart": 2, "visits": 1}
    rotated = client.rotate(issued.id)
    assert rotated.id != issued.id and client.resume(issued.id) is None
    assert client.resume(rotated.id).data == {"cart": 2, "visits": 1}
    client.end(rotated.id)
    assert client.resume(rotated.id) is None


def test_unknown_or_malformed_ids_are_no_session(client):
    assert client.resume("A" * 43) is None
    assert client.resume("not an id") is None
    with pytest.raises(SessionNotFound) as raised:
        client.update("A" * 43, set={"k": 1})
    assert raised.value.code == "session_not_found" and raised.value.status == 404
    assert "A" * 43 not in str(raised.value)


def test_a_stale_version_is_a_conflict(client):
    issued = client.create(data={"n": 1})
    client.update(issued.id, set={"n": 2})
    with pytest.raises(VersionConflict) as raised:
        client.update(issued.id, set={"n": 3}, if_version=issued.session.version)
    assert raised.value.code == "version_conflict"
    assert issued.id not in str(raised.value)


def test_a_users_sessions_are_listed_and_ended(client):
    first = client.create(user_id="grace")
    second = client.create(user_id="grace")
    listed = client.list_sessions("grace")
    assert {s.handle for s in listed.sessions} >= {first.session.handle, second.session.handle}
    assert client.end_user_session("grace", first.session.handle) is True
    assert client.end_user_session("grace", first.session.handle) is False
    assert client.resume(first.id) is None
    third = client.create(user_id="grace")
    assert client.end_user_sessions("grace", except_id=third.id) == 1
    assert client.resume(second.id) is None and client.resume(third.id) is not None


def test_user_ids_with_slashes_and_spaces_reach_the_server_whole(client):
    issued = client.create(user_id="team a/ops?x=1")
    assert [s.handle for s in client.list_sessions("team a/ops?x=1").sessions] == [issued.session.handle]


def test_tokens_and_limits(client):
    issued = client.create(user_id="linus")
    pair = client.grant_tokens(issued.id)
    assert client.introspect_token(pair.access_token)["active"] is True
    renewed = client.refresh_tokens(pair.refresh_token)
    assert renewed.refresh_token != pair.refresh_token
    assert client.revoke_token(renewed.access_token) is True
    assert pair.access_token not in repr(pair)
    decision = client.check_limit("login", "linus")
    assert decision.allowed and decision.limit == 5
    client.reset_limit("login", "linus")
    assert client.check_limit("login", "linus").remaining == 4
    with pytest.raises(APIError) as raised:
        client.check_limit("no-such-bucket", "x")
    assert raised.value.code == "invalid_data"


def test_a_wrong_key_is_unauthorized(running):
    with Client(running.url, "wrong") as client:
        with pytest.raises(Unauthorized) as raised:
            client.create()
    assert raised.value.status == 401 and "wrong" not in str(raised.value)


def test_settings_come_from_the_environment(running, monkeypatch):
    monkeypatch.setenv("CLOAKROOM_URL", running.url)
    monkeypatch.setenv("CLOAKROOM_API_KEY", running.key)
    with Client() as client:
        assert client.resume(client.create().id) is not None
    monkeypatch.delenv("CLOAKROOM_API_KEY")
    with pytest.raises(ConfigurationError, match="CLOAKROOM_API_KEY"):
        Client()
    with pytest.raises(ConfigurationError, match="http"):
        Client(url="127.0.0.1:8080", api_key="k")


def test_a_server_down_is_service_unavailable(server):
    issued_id = "B" * 43
    with Client(f"http://127.0.0.1:{_closed_port()}", "key", timeout=2) as client:
        with pytest.raises(ServiceUnavailable) as raised:
            client.resume(issued_id)
    assert issued_id not in str(raised.value) and "key" not in str(raised.value).replace("CLOAKROOM", "")


def test_the_async_client_makes_the_same_calls(running):
    async def scenario():
        async with AsyncClient(running.url, running.key) as client:
            issued = await client.create(user_id="ada", data={"n": 1})
            sessions = await asyncio.gather(*(client.update(issued.id, increment={"n": 1}) for _ in range(16)))
            assert max(s.data["n"] for s in sessions) == 17
            assert (await client.resume(issued.id)).data == {"n": 17}
            await client.end(issued.id)
            assert await client.resume(issued.id) is None
            with pytest.raises(SessionNotFound):
                await client.rotate(issued.id)

    asyncio.run(scenario())


def _closed_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
