"""Flask's documented session behaviours on CloakroomSessionInterface, against a real cloakroomd."""

from __future__ import annotations

import pytest
from conftest import concurrently
from flask import Flask, session

from cloakroom import Client, SessionNotFound
from cloakroom.flask import CloakroomSessionInterface, CloakroomUnavailable, end_session, increment, login

COOKIE = "__Host-session"


@pytest.fixture()
def app(running):
    app = Flask(__name__)
    app.session_interface = CloakroomSessionInterface(Client(running.url, running.key))

    @app.get("/hello")
    def hello():
        return "hello"

    @app.get("/me")
    def me():
        return {"name": session.get("name"), "visits": session.get("visits", 0)}

    @app.post("/set/<key>/<value>")
    def set_value(key, value):
        session[key] = value
        return "ok"

    @app.post("/visit")
    def visit():
        session["visits"] = session.get("visits", 0) + 1
        return str(session["visits"])

    @app.post("/incr")
    def incr():
        return str(increment("n"))

    @app.post("/cart/<item>")
    def add_to_cart(item):
        session.setdefault("cart", []).append(item)  # a nested change, without session.modified
        return "ok"

    @app.post("/login/<user>")
    def sign_in(user):
        login(user)
        session["name"] = user
        return "ok"

    @app.post("/logout")
    def logout():
        session.clear()
        return "bye"

    @app.post("/slow")
    def slow():
        session["seen"] = True
        app.config["DURING_REQUEST"]()
        return "ok"

    caught = app.config["CAUGHT"] = []

    @app.errorhandler(CloakroomUnavailable)
    def unavailable(error):
        caught.append(error)
        return ("later", 503) if app.config.get("OWN_PAGE") else error

    @app.post("/end")
    def end():
        end_session()
        return "ended"

    return app



def cookie_of(response):
    headers = [h for h in response.headers.getlist("Set-Cookie") if h.startswith(COOKIE + "=")]
    return headers[0] if headers else None


def session_id(client):
    cookie = client.get_cookie(COOKIE)
    return cookie.value if cookie else None


def test_values_survive_between_requests_and_the_cookie_is_secure(app, running):
    web = app.test_client()
    first = web.post("/set/name/ada", base_url="https://localhost")
    header = cookie_of(first)
    assert header and "Secure" in header and "HttpOnly" in header and "SameSite=Lax" in header and "Path=/" in header
    assert "Domain" not in header and first.headers["Cache-Control"] == "no-store"
    assert web.get("/me", base_url="https://localhost").json == {"name": "ada", "visits": 0}


def test_a_request_that_never_touches_the_session_makes_no_call_and_no_cookie(app):
    web = app.test_client()
    response = web.get("/hello")
    assert cookie_of(response) is None and "Cookie" not in response.headers.get("Vary", "")


def test_a_read_only_request_writes_nothing(app, client):
    web = app.test_client()
    web.post("/set/name/ada", base_url="https://localhost")
    version = client.resume(session_id(web)).version
    response = web.get("/me", base_url="https://localhost")
    assert cookie_of(response) is None
    assert client.resume(session_id(web)).version == version


def test_nested_changes_are_saved(app, client):
    web = app.test_client()
    web.post("/cart/apple", base_url="https://localhost")
    web.post("/cart/pear", base_url="https://localhost")
    assert client.resume(session_id(web)).data["cart"] == ["apple", "pear"]


def test_login_rotates_the_id_and_records_the_user(app, client):
    web = app.test_client()
    web.post("/set/theme/dark", base_url="https://localhost")
    before = session_id(web)
    web.post("/login/ada", base_url="https://localhost")
    after = session_id(web)
    assert after != before and client.resume(before) is None
    resumed = client.resume(after)
    assert resumed.user_id == "ada" and resumed.data == {"theme": "dark", "name": "ada"}
    assert resumed.handle in {s.handle for s in client.list_sessions("ada").sessions}


def test_clear_and_end_session_end_it_and_clear_the_cookie(app, client):
    for path in ("/logout", "/end"):
        web = app.test_client()
        web.post("/set/name/ada", base_url="https://localhost")
        sid = session_id(web)
        response = web.post(path, base_url="https://localhost")
        assert "Max-Age=0" in cookie_of(response) or "expires=Thu, 01 Jan 1970" in cookie_of(response)
        assert client.resume(sid) is None


def test_log_out_everywhere_ends_every_browser(app, client):
    laptop, phone = app.test_client(), app.test_client()
    laptop.post("/login/grace", base_url="https://localhost")
    phone.post("/login/grace", base_url="https://localhost")
    assert client.end_user_sessions("grace") >= 2
    assert phone.get("/me", base_url="https://localhost").json == {"name": None, "visits": 0}


def test_a_bad_cookie_is_no_session(app):
    for value in ("garbage", "A" * 43, "", "../../etc/passwd", "é" * 43):
        web = app.test_client()
        web.set_cookie(COOKIE, value)
        response = web.get("/me", base_url="https://localhost")
        assert response.status_code == 200 and response.json == {"name": None, "visits": 0}


def test_32_concurrent_requests_changing_distinct_keys_lose_nothing(app, client):
    web = app.test_client()
    web.post("/set/name/ada", base_url="https://localhost")
    sid = session_id(web)
    def change(index):
        own = app.test_client()
        own.set_cookie(COOKIE, sid)
        assert own.post(f"/set/k{index}/{index}", base_url="https://localhost").status_code == 200

    assert concurrently(32, change) == []
    data = client.resume(sid).data
    assert {f"k{i}" for i in range(32)} <= set(data) and data["name"] == "ada"


def test_a_server_down_answers_503_and_keeps_the_data(app, server, client):
    web = app.test_client()
    web.post("/set/name/ada", base_url="https://localhost")
    sid = session_id(web)
    server.stop()
    try:
        read = web.get("/me", base_url="https://localhost")
        assert read.status_code == 503 and cookie_of(read) is None and b"unavailable" in read.data
        app.config["OWN_PAGE"] = True
        visit = web.post("/visit", base_url="https://localhost")
        assert visit.status_code == 503 and visit.data == b"later" and len(app.config["CAUGHT"]) == 2
    finally:
        server.start()
    assert client.resume(sid).data == {"name": "ada"}


def test_an_ended_session_is_not_resurrected_by_a_late_save(app, client):
    web = app.test_client()
    web.post("/set/name/ada", base_url="https://localhost")
    sid = session_id(web)
    app.config["DURING_REQUEST"] = lambda: client.end(sid)  # ended elsewhere while it runs

    response = web.post("/slow", base_url="https://localhost")
    assert response.status_code == 200 and client.resume(sid) is None
    with pytest.raises(SessionNotFound):
        client.update(sid, set={"x": 1})


def test_changes_that_cannot_be_saved_turn_the_answer_into_a_503(app, server, client):
    web = app.test_client()
    web.post("/set/name/ada", base_url="https://localhost")
    sid = session_id(web)
    app.config["DURING_REQUEST"] = server.stop  # cloakroomd goes down after the read
    try:
        response = web.post("/slow", base_url="https://localhost")
        assert response.status_code == 503 and cookie_of(response) is None
        assert response.headers["Retry-After"] == "1"
    finally:
        server.start()
    assert client.resume(sid).data == {"name": "ada"}


def test_32_concurrent_increments_of_one_key_all_count(app, client):
    web = app.test_client()
    assert web.post("/incr", base_url="https://localhost").data == b"1"
    sid = session_id(web)

    def bump(index):
        own = app.test_client()
        own.set_cookie(COOKIE, sid)
        for _ in range(5):
            assert own.post("/incr", base_url="https://localhost").status_code == 200

    assert concurrently(32, bump) == []
    assert client.resume(sid).data["n"] == 1 + 32 * 5
