"""Django's documented session behaviours on SESSION_ENGINE = "cloakroom.django", against a real
cloakroomd: login() rotates through cycle_key, logout() ends, set_expiry, flush, clear_expired."""

from __future__ import annotations

import django
import pytest
from conftest import concurrently
from django.conf import settings

COOKIE = "sessionid"


@pytest.fixture(scope="module")
def django_app(server):
    import cloakroom.django as engine

    settings.configure(
        DEBUG=False,
        SECRET_KEY="tests-only",
        ALLOWED_HOSTS=["testserver"],
        ROOT_URLCONF=__name__,
        SESSION_ENGINE="cloakroom.django",
        CLOAKROOM_URL=server.url,
        CLOAKROOM_API_KEY=server.key,
        INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth", "django.contrib.sessions"],
        MIDDLEWARE=[
            "cloakroom.django.ServiceUnavailableMiddleware",
            "django.contrib.sessions.middleware.SessionMiddleware",
            "django.contrib.auth.middleware.AuthenticationMiddleware",
        ],
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
        USE_TZ=True,
    )
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.contrib.auth.models import User

    User.objects.create_user("ada", password="correct horse")
    User.objects.create_user("grace", password="battery staple")
    yield engine


def _views():
    from django.contrib.auth import authenticate, login, logout
    from django.http import HttpResponse, JsonResponse
    from django.urls import path

    def me(request):
        return JsonResponse({"name": request.session.get("name"), "user": request.user.username or None})

    def set_value(request, key, value):
        request.session[key] = value
        return HttpResponse("ok")

    def sign_in(request, name, password):
        user = authenticate(request, username=name, password=password)
        if user is None:
            return HttpResponse(status=401)
        login(request, user)
        return HttpResponse("ok")

    def sign_out(request):
        logout(request)
        return HttpResponse("bye")

    def expire_in(request, seconds):
        request.session.set_expiry(seconds)
        request.session["short"] = True
        return JsonResponse({"age": request.session.get_expiry_age()})

    def incr(request):
        return HttpResponse(str(request.session.increment("n")))

    def flush(request):
        request.session.flush()
        return HttpResponse("flushed")

    return [
        path("me", me),
        path("set/<str:key>/<str:value>", set_value),
        path("login/<str:name>/<str:password>", sign_in),
        path("logout", sign_out),
        path("expire/<int:seconds>", expire_in),
        path("flush", flush),
        path("incr", incr),
    ]


def __getattr__(name):
    if name == "urlpatterns":  # read by Django once settings name this module
        return _views()
    raise AttributeError(name)


@pytest.fixture()
def web(django_app, running):
    from django.test import Client as DjangoClient

    return DjangoClient()


def test_values_survive_between_requests(web, client):
    web.get("/set/name/ada")
    sid = web.cookies[COOKIE].value
    assert web.get("/me").json() == {"name": "ada", "user": None}
    assert client.resume(sid).data == {"name": "ada"}


def test_login_rotates_through_cycle_key_and_records_the_user(web, client):
    web.get("/set/theme/dark")
    before = web.cookies[COOKIE].value
    assert web.get("/login/ada/correct horse").status_code == 200
    after = web.cookies[COOKIE].value
    assert after != before and client.resume(before) is None
    session = client.resume(after)
    assert session.user_id is not None and session.data["theme"] == "dark"
    assert web.get("/me").json() == {"name": None, "user": "ada"}
    assert session.handle in {s.handle for s in client.list_sessions(session.user_id).sessions}


def test_login_as_another_user_flushes_into_a_new_session(web, client):
    web.get("/login/ada/correct horse")
    first = web.cookies[COOKIE].value
    web.get("/login/grace/battery staple")
    second = web.cookies[COOKIE].value
    assert second != first and client.resume(first) is None
    assert web.get("/me").json() == {"name": None, "user": "grace"}


def test_logout_ends_the_session(web, client):
    web.get("/login/ada/correct horse")
    sid = web.cookies[COOKIE].value
    web.get("/logout")
    assert client.resume(sid) is None and web.get("/me").json() == {"name": None, "user": None}


def test_log_out_everywhere(django_app, web, client):
    from django.test import Client as DjangoClient

    other = DjangoClient()
    web.get("/login/grace/battery staple")
    other.get("/login/grace/battery staple")
    user_id = client.resume(web.cookies[COOKIE].value).user_id
    assert client.end_user_sessions(user_id) >= 2
    assert other.get("/me").json()["user"] is None


def test_set_expiry_and_flush(web, client):
    assert web.get("/expire/60").json() == {"age": 60}
    sid = web.cookies[COOKIE].value
    assert web.cookies[COOKIE]["max-age"] == 60
    assert client.resume(sid).data["short"] is True
    web.get("/flush")
    assert client.resume(sid) is None


def test_clear_expired_is_a_no_op(django_app):
    django_app.SessionStore.clear_expired()


def test_a_read_only_request_writes_nothing(web, client):
    web.get("/set/name/ada")
    sid = web.cookies[COOKIE].value
    version = client.resume(sid).version
    response = web.get("/me")
    assert COOKIE not in response.cookies and client.resume(sid).version == version


def test_a_bad_cookie_is_no_session(django_app):
    from django.test import Client as DjangoClient

    for value in ("garbage", "A" * 43, "x" * 5000):
        web = DjangoClient()
        web.cookies[COOKIE] = value
        assert web.get("/me").json() == {"name": None, "user": None}


def test_32_concurrent_requests_changing_distinct_keys_lose_nothing(django_app, client):
    from django.test import Client as DjangoClient

    sid = client.create(data={"name": "ada"}).id
    def change(index):
        web = DjangoClient()
        web.cookies[COOKIE] = sid
        assert web.get(f"/set/k{index}/{index}").status_code == 200

    assert concurrently(32, change) == []
    data = client.resume(sid).data
    assert {f"k{i}" for i in range(32)} <= set(data) and data["name"] == "ada"


def test_32_concurrent_increments_of_one_key_all_count(django_app, client):
    from django.test import Client as DjangoClient

    sid = client.create(data={"n": 0}).id

    def bump(index):
        web = DjangoClient()
        web.cookies[COOKIE] = sid
        assert web.get("/incr").status_code == 200

    assert concurrently(32, bump) == []
    assert client.resume(sid).data["n"] == 32


def test_a_server_down_answers_503_and_keeps_the_data(web, server, client):
    web.get("/set/name/ada")
    sid = web.cookies[COOKIE].value
    server.stop()
    try:
        assert web.get("/me").status_code == 503
        assert web.get("/set/name/eve").status_code == 503
    finally:
        server.start()
    assert client.resume(sid).data == {"name": "ada"}
