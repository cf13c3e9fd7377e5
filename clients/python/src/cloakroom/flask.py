"""Flask sessions kept by cloakroomd: ``app.session_interface = CloakroomSessionInterface()``.

``session[...]`` works as before. The session is read on first use (a request that never touches
it costs no call), only changed keys are written, and `login` rotates the ID on sign-in. When
cloakroomd cannot be reached the request gets a 503 (`CloakroomUnavailable`, which an
``errorhandler`` can catch), never an empty session that would overwrite data.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any, Dict, Iterator, Optional

from flask import Flask, Request, Response, session as current_session
from flask.sessions import SessionInterface, SessionMixin
from werkzeug.exceptions import ServiceUnavailable as HTTPServiceUnavailable

from . import _state
from ._cookie import CookieSettings
from .client import Client
from .errors import ServiceUnavailable

log = logging.getLogger("cloakroom.flask")


class CloakroomUnavailable(HTTPServiceUnavailable, ServiceUnavailable):
    """cloakroomd could not be reached: a 503 to the browser; catch it with ``errorhandler``."""

    description = "Sessions are unavailable for a moment; please retry."


class CloakroomSession(SessionMixin):
    """``flask.session`` backed by cloakroomd, read on first use."""

    def __init__(self, client: Client, cookie: Optional[str], request: Request) -> None:
        self._client = client
        self._cookie = cookie
        self._ip = request.remote_addr
        self._user_agent = request.headers.get("User-Agent")
        self._data: Optional[Dict[str, Any]] = None
        self.state = _state.SessionState()
        self.accessed = False

    @property
    def data(self) -> Dict[str, Any]:
        """The session's data, read from cloakroomd the first time."""
        if self._data is None:
            self.accessed = True
            call = self.state.resume_call(self._cookie, self._ip, self._user_agent)
            try:
                session = self._client._send(call) if call else None
            except ServiceUnavailable:
                raise CloakroomUnavailable() from None
            self._data = self.state.resumed(self._cookie, session)
        return self._data

    @property
    def loaded(self) -> bool:
        return self._data is not None

    @property
    def new(self) -> bool:  # type: ignore[override]
        return self.data is not None and self.state.session_id is None

    @property
    def modified(self) -> bool:  # type: ignore[override]
        return self._data is not None

    @modified.setter
    def modified(self, value: bool) -> None:
        # Changes are found by comparing with what was read, nested ones included.
        pass

    @property
    def user_id(self) -> Optional[str]:
        """The signed-in user cloakroomd records for this session, if any."""
        self.data
        return self.state.user_id

    def __getitem__(self, key: str) -> Any:
        return self.data[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.data[key] = value

    def __delitem__(self, key: str) -> None:
        del self.data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.data)

    def __len__(self) -> int:
        return len(self.data)

    def __repr__(self) -> str:
        return f"<CloakroomSession keys={sorted(self._data) if self._data is not None else 'unread'}>"


class CloakroomSessionInterface(SessionInterface):
    """Flask's session interface on cloakroomd.

    ``client`` defaults to a `Client` configured from CLOAKROOM_URL and CLOAKROOM_API_KEY; the
    cookie is ``__Host-session`` (Secure, HttpOnly, SameSite=Lax) unless ``cookie`` says otherwise.
    """

    def __init__(self, client: Optional[Client] = None, cookie: Optional[CookieSettings] = None) -> None:
        self.client = client or Client()
        self.cookie = cookie or CookieSettings()

    def open_session(self, app: Flask, request: Request) -> CloakroomSession:
        return CloakroomSession(self.client, request.cookies.get(self.cookie.name), request)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        if not isinstance(session, CloakroomSession) or not session.loaded:
            return
        response.vary.add("Cookie")
        try:
            action = _state.run(session.state.save(session.data), self.client)
        except ServiceUnavailable:
            # The changes could not be stored: the answer must not claim they were.
            log.warning("cloakroomd unavailable while saving a session; answering 503")
            _make_unavailable(response)
            return
        if action.kind == "set":
            expires: Optional[datetime] = session.state.session.absolute_expires_at if session.state.session else None
            response.set_cookie(
                self.cookie.name,
                action.session_id or "",
                expires=expires,
                path=self.cookie.path,
                domain=self.cookie.domain,
                secure=self.cookie.secure,
                httponly=self.cookie.http_only,
                samesite=self.cookie.same_site,
            )
            response.headers["Cache-Control"] = "no-store"
        elif action.kind == "clear":
            response.delete_cookie(
                self.cookie.name,
                path=self.cookie.path,
                domain=self.cookie.domain,
                secure=self.cookie.secure,
                httponly=self.cookie.http_only,
                samesite=self.cookie.same_site,
            )


def _make_unavailable(response: Response) -> None:
    response.status_code = 503
    response.set_data(CloakroomUnavailable.description)
    response.mimetype = "text/plain"
    response.headers["Retry-After"] = "1"
    response.headers.pop("Set-Cookie", None)


def _current() -> CloakroomSession:
    if not isinstance(current_session._get_current_object(), CloakroomSession):  # type: ignore[attr-defined]
        raise RuntimeError("cloakroom.flask needs app.session_interface = CloakroomSessionInterface(...)")
    return current_session._get_current_object()  # type: ignore[attr-defined]


def login(user_id: str) -> None:
    """Signs ``user_id`` in on the current session: at the end of the request it gets a new ID (the
    old one stops working everywhere) and cloakroomd records the user for listing and
    "log out everywhere". Call it on every successful sign-in."""
    session = _current()
    session.data  # read first: what the session holds moves to the new ID
    session.state.sign_in(user_id)


def rotate() -> None:
    """Gives the current session a new ID at the end of the request (after a privilege change)."""
    session = _current()
    session.data
    session.state.sign_in(None)


def increment(key: str, by: float = 1) -> Any:
    """Adds ``by`` to the number under ``session[key]`` (0 when absent) and answers the value as
    this request sees it (concurrent requests' increments arrive at save).
    Stored as one atomic increment, so concurrent requests incrementing one key all count (a
    plain ``session[key] += 1`` keeps only the last writer's value)."""
    session = _current()
    return session.state.increment(session.data, key, by)


def end_session() -> None:
    """Ends the current session now and clears its cookie (sign-out)."""
    session = _current()
    session.data.clear()
    call = session.state.end()
    if call:
        try:
            session._client._send(call)
        except ServiceUnavailable:
            raise CloakroomUnavailable() from None
