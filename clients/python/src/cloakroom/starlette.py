"""Starlette / FastAPI sessions kept by cloakroomd:
``app.add_middleware(CloakroomSessionMiddleware)`` in place of Starlette's ``SessionMiddleware``.

``request.session`` is a dict as with Starlette's middleware, backed by cloakroomd instead of a
signed cookie. Only changed keys are written; `login` rotates the ID on sign-in; emptying the
session (``request.session.clear()``) ends it. When cloakroomd cannot be reached the request
gets a 503 before the app runs, or instead of the app's answer when its changes could not be
stored: never an empty session that would overwrite data.
"""

from __future__ import annotations

import logging
from email.utils import format_datetime
from http.cookies import SimpleCookie
from typing import Any, Dict, Optional

from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import _state
from ._cookie import CookieSettings
from .async_client import AsyncClient
from .errors import ServiceUnavailable

log = logging.getLogger("cloakroom.starlette")

_UNAVAILABLE = "Sessions are unavailable for a moment; please retry."


class CloakroomSessionDict(dict):
    """``request.session``: the session's data, with the state that saves it."""

    def __init__(self, data: Dict[str, Any], state: _state.SessionState) -> None:
        super().__init__(data)
        self.state = state


class CloakroomSessionMiddleware:
    """ASGI middleware putting a cloakroomd session on ``request.session``.

    ``client`` defaults to an `AsyncClient` configured from CLOAKROOM_URL and CLOAKROOM_API_KEY;
    the cookie is ``__Host-session`` (Secure, HttpOnly, SameSite=Lax) unless ``cookie`` says
    otherwise.
    """

    def __init__(self, app: ASGIApp, client: Optional[AsyncClient] = None, cookie: Optional[CookieSettings] = None) -> None:
        self.app = app
        self.client = client or AsyncClient()
        self.cookie = cookie or CookieSettings()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        connection = HTTPConnection(scope)
        cookie = connection.cookies.get(self.cookie.name)
        state = _state.SessionState()
        call = state.resume_call(cookie, connection.client.host if connection.client else None, connection.headers.get("user-agent"))
        try:
            session = await self.client._send(call) if call else None
        except ServiceUnavailable:
            log.warning("cloakroomd unavailable while reading a session; answering 503")
            await _unavailable(scope, receive, send)
            return
        scope["session"] = CloakroomSessionDict(state.resumed(cookie, session), state)
        started = False

        async def send_with_cookie(message: Message) -> None:
            nonlocal started
            if message["type"] != "http.response.start":
                await send(message)
                return
            started = True
            try:
                action = await _state.arun(state.save(dict(scope["session"])), self.client)
            except ServiceUnavailable:
                log.warning("cloakroomd unavailable while saving a session; answering 503")
                await send({"type": "http.response.start", "status": 503,
                            "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"retry-after", b"1")]})
                await send({"type": "http.response.body", "body": _UNAVAILABLE.encode()})
                raise _Replaced() from None
            headers = MutableHeaders(scope=message)
            headers.add_vary_header("Cookie")
            if action.kind != "keep":
                headers.append("Set-Cookie", self._cookie_header(action, state))
                if action.kind == "set":
                    headers["Cache-Control"] = "no-store"
            await send(message)

        try:
            await self.app(scope, receive, send_with_cookie)
        except _Replaced:
            return

    def _cookie_header(self, action: _state.CookieAction, state: _state.SessionState) -> str:
        cookie: SimpleCookie = SimpleCookie()
        name = self.cookie.name
        cookie[name] = action.session_id if action.kind == "set" else ""
        morsel = cookie[name]
        morsel["path"] = self.cookie.path
        if self.cookie.domain:
            morsel["domain"] = self.cookie.domain
        if action.kind == "clear":
            morsel["expires"] = "Thu, 01 Jan 1970 00:00:00 GMT"
            morsel["max-age"] = 0
        elif state.session is not None:
            morsel["expires"] = format_datetime(state.session.absolute_expires_at, usegmt=True)
        morsel["secure"] = self.cookie.secure
        morsel["httponly"] = self.cookie.http_only
        morsel["samesite"] = self.cookie.same_site
        return morsel.OutputString()


class _Replaced(Exception):
    """The app's answer was replaced by a 503 (its session changes could not be stored)."""


async def _unavailable(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "websocket":
        await send({"type": "websocket.close", "code": 1013})
        return
    await PlainTextResponse(_UNAVAILABLE, status_code=503, headers={"Retry-After": "1"})(scope, receive, send)


def _state_of(request: HTTPConnection) -> _state.SessionState:
    session = request.scope.get("session")
    if not isinstance(session, CloakroomSessionDict):
        raise RuntimeError("cloakroom.starlette needs CloakroomSessionMiddleware installed")
    return session.state


def login(request: HTTPConnection, user_id: str) -> None:
    """Signs ``user_id`` in on the request's session: its answer carries a new ID (the old one stops
    working everywhere) and cloakroomd records the user. Call it on every successful sign-in."""
    _state_of(request).sign_in(user_id)


def rotate(request: HTTPConnection) -> None:
    """Gives the request's session a new ID with its answer (after a privilege change)."""
    _state_of(request).sign_in(None)


def increment(request: HTTPConnection, key: str, by: float = 1) -> Any:
    """Adds ``by`` to the number under ``request.session[key]`` (0 when absent) and answers the
    value as this request sees it; stored as one atomic increment when the answer goes out, so
    concurrent increments of one key all count."""
    session = request.scope.get("session")
    return _state_of(request).increment(session, key, by)  # type: ignore[arg-type]


def user_id(request: HTTPConnection) -> Optional[str]:
    """The signed-in user cloakroomd records for the request's session, if any."""
    return _state_of(request).user_id


__all__ = ["CloakroomSessionMiddleware", "CloakroomSessionDict", "increment", "login", "rotate", "user_id"]
