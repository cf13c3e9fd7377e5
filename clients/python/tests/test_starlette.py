"""Starlette's SessionMiddleware behaviours on CloakroomSessionMiddleware, against a real cloakroomd."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from starlette.applications import Starlette
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from cloakroom import AsyncClient
from cloakroom.starlette import CloakroomSessionMiddleware, increment, login, user_id

COOKIE = "__Host-session"
BASE = "https://testserver"


def make_app(server):
    async def me(request):
        return JSONResponse({"name": request.session.get("name"), "user": user_id(request)})

    async def set_value(request):
        request.session[request.path_params["key"]] = request.path_params["value"]
        return PlainTextResponse("ok")

    async def sign_in(request):
        login(request, request.path_params["user"])
        request.session["name"] = request.path_params["user"]
        return PlainTextResponse("ok")

    async def incr(request):
        return PlainTextResponse(str(increment(request, "n")))

    async def logout(request):
        request.session.clear()
        return PlainTextResponse("bye")

    app = Starlette(
        routes=[
            Route("/me", me),
            Route("/set/{key}/{value}", set_value, methods=["POST"]),
            Route("/login/{user}", sign_in, methods=["POST"]),
            Route("/logout", logout, methods=["POST"]),
            Route("/incr", incr, methods=["POST"]),
        ]
    )
    app.add_middleware(CloakroomSessionMiddleware, client=AsyncClient(server.url, server.key))
    return app


@pytest.fixture()
def web(running):
    with TestClient(make_app(running), base_url=BASE) as web:
        yield web


def test_values_survive_and_the_cookie_is_secure(web):
    response = web.post("/set/name/ada")
    header = response.headers["set-cookie"]
    assert header.startswith(COOKIE + "=") and "Secure" in header and "HttpOnly" in header
    assert "SameSite=Lax" in header and "Path=/" in header and response.headers["cache-control"] == "no-store"
    assert web.get("/me").json() == {"name": "ada", "user": None}


def test_a_read_only_request_sends_no_cookie_and_writes_nothing(web, client):
    web.post("/set/name/ada")
    sid = web.cookies[COOKIE]
    version = client.resume(sid).version
    assert "set-cookie" not in web.get("/me").headers
    assert client.resume(sid).version == version


def test_login_rotates_and_clear_ends(web, client):
    web.post("/set/theme/dark")
    before = web.cookies[COOKIE]
    web.post("/login/ada")
    after = web.cookies[COOKIE]
    assert after != before and client.resume(before) is None
    assert client.resume(after).user_id == "ada" and web.get("/me").json() == {"name": "ada", "user": "ada"}
    response = web.post("/logout")
    assert "max-age=0" in response.headers["set-cookie"].lower() and client.resume(after) is None


def test_a_bad_cookie_is_no_session(running):
    for value in ("garbage", "A" * 43, ""):
        with TestClient(make_app(running), base_url=BASE, cookies={COOKIE: value}) as web:
            response = web.get("/me")
            assert response.status_code == 200 and response.json() == {"name": None, "user": None}


def test_32_concurrent_requests_changing_distinct_keys_lose_nothing(running, client):
    sid = client.create(data={"name": "ada"}).id
    app = make_app(running)

    async def scenario():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=BASE, cookies={COOKIE: sid}) as web:
            answers = await asyncio.gather(*(web.post(f"/set/k{i}/{i}") for i in range(32)))
            assert all(answer.status_code == 200 for answer in answers)

    asyncio.run(scenario())
    data = client.resume(sid).data
    assert {f"k{i}" for i in range(32)} <= set(data) and data["name"] == "ada"


def test_32_concurrent_increments_of_one_key_all_count(running, client):
    sid = client.create(data={"n": 0}).id
    app = make_app(running)

    async def scenario():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=BASE, cookies={COOKIE: sid}) as web:
            answers = await asyncio.gather(*(web.post("/incr") for _ in range(32)))
            assert all(answer.status_code == 200 for answer in answers)

    asyncio.run(scenario())
    assert client.resume(sid).data["n"] == 32


def test_a_server_down_answers_503_and_keeps_the_data(server, client):
    with TestClient(make_app(server), base_url=BASE) as web:
        web.post("/set/name/ada")
        sid = web.cookies[COOKIE]
        server.stop()
        try:
            assert web.get("/me").status_code == 503
            assert web.post("/set/name/eve").status_code == 503
        finally:
            server.start()
    assert client.resume(sid).data == {"name": "ada"}
