"""The contract app (POST /login?user=, GET /me, POST /incr, GET /hello) on Flask and on Django,
with the session layer chosen by BENCH_LAYER, for scripts/bench_python.py under gunicorn:

- flask-cloakroom: cloakroom.flask's interface, /incr as an atomic increment;
- flask-cloakroom-plain: the same, /incr as session["n"] += 1 (a read-modify-write);
- flask-session: Flask-Session on Redis (BENCH_REDIS_URL);
- django-cloakroom: SESSION_ENGINE = "cloakroom.django", /incr as an atomic increment;
- django-cache: Django's cache sessions on its Redis cache (BENCH_REDIS_URL).

Cloakroom's layers read CLOAKROOM_URL and CLOAKROOM_API_KEY."""
import os

LAYER = os.environ.get("BENCH_LAYER", "flask-cloakroom")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")


def _flask():
    from flask import Flask, request, session

    app = Flask(__name__)
    app.secret_key = "bench-only"
    atomic = LAYER == "flask-cloakroom"
    if LAYER.startswith("flask-cloakroom"):
        from cloakroom import CookieSettings
        from cloakroom.flask import CloakroomSessionInterface, increment, login

        app.session_interface = CloakroomSessionInterface(cookie=CookieSettings.insecure_for_development())
    else:
        import redis
        from flask_session import Session

        app.config.update(SESSION_TYPE="redis", SESSION_REDIS=redis.Redis.from_url(REDIS_URL))
        Session(app)
        login = None

    @app.get("/hello")
    def hello():
        return "hello"

    @app.post("/login")
    def sign_in():
        user = request.args.get("user", "anonymous")
        if login:
            login(user)
        else:
            app.session_interface.regenerate(session)  # Flask-Session's own rotation
        session["user"] = user
        return "ok"

    @app.get("/me")
    def me():
        return {"user": session.get("user"), "n": session.get("n", 0)}

    @app.post("/incr")
    def incr():
        if atomic:
            return str(increment("n"))
        session["n"] = session.get("n", 0) + 1
        return str(session["n"])

    return app


def _django():
    from django.conf import settings

    engine = "cloakroom.django" if LAYER == "django-cloakroom" else "django.contrib.sessions.backends.cache"
    settings.configure(
        DEBUG=False,
        SECRET_KEY="bench-only",
        ALLOWED_HOSTS=["*"],
        ROOT_URLCONF=__name__,
        SESSION_ENGINE=engine,
        INSTALLED_APPS=["django.contrib.sessions"],
        MIDDLEWARE=["django.contrib.sessions.middleware.SessionMiddleware"],
        CACHES={"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}},
        DATABASES={},
    )
    import django
    from django.core.wsgi import get_wsgi_application

    django.setup()
    return get_wsgi_application()


def _django_urls():
    from django.http import HttpResponse, JsonResponse
    from django.urls import path
    from django.views.decorators.csrf import csrf_exempt

    def hello(request):
        return HttpResponse("hello")

    @csrf_exempt
    def sign_in(request):
        request.session.cycle_key()
        request.session["user"] = request.GET.get("user", "anonymous")
        return HttpResponse("ok")

    def me(request):
        return JsonResponse({"user": request.session.get("user"), "n": request.session.get("n", 0)})

    @csrf_exempt
    def incr(request):
        if hasattr(request.session, "increment"):
            return HttpResponse(str(request.session.increment("n")))
        request.session["n"] = request.session.get("n", 0) + 1
        return HttpResponse(str(request.session["n"]))

    return [path("hello", hello), path("login", sign_in), path("me", me), path("incr", incr)]


def __getattr__(name):
    if name == "urlpatterns":
        return _django_urls()
    raise AttributeError(name)


application = _django() if LAYER.startswith("django") else _flask()
