"""Django sessions kept by cloakroomd: ``SESSION_ENGINE = "cloakroom.django"``.

``request.session`` behaves as with Django's own engines: ``login()`` rotates the ID through
``cycle_key`` (and cloakroomd records the user, so their sessions can be listed and ended),
``logout()`` ends the session, ``set_expiry`` and ``flush`` work, and ``clear_expired`` is a
no-op (cloakroomd expires sessions itself). Only changed keys are written.

Settings (or the environment): ``CLOAKROOM_URL``, ``CLOAKROOM_API_KEY``, and optionally
``CLOAKROOM_TIMEOUT``. Add ``cloakroom.django.ServiceUnavailableMiddleware`` to ``MIDDLEWARE``, before
``SessionMiddleware``, for a 503 page when cloakroomd cannot be reached (Django's 500 page otherwise).
"""

from __future__ import annotations

import logging
import threading
from typing import Any, Dict, Optional

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase, UpdateError
from django.http import HttpResponse

from . import _calls, _state
from ._session_id import looks_like_session_id
from .client import Client
from .errors import ServiceUnavailable

log = logging.getLogger("cloakroom.django")

_client: Optional[Client] = None
_client_lock = threading.Lock()

# The key django.contrib.auth keeps the signed-in user's primary key under.
_AUTH_USER_KEY = "_auth_user_id"


def client() -> Client:
    """The process's `Client`, made once from the settings (or the environment)."""
    global _client
    with _client_lock:
        if _client is None:
            _client = Client(
                url=getattr(settings, "CLOAKROOM_URL", None),
                api_key=getattr(settings, "CLOAKROOM_API_KEY", None),
                timeout=getattr(settings, "CLOAKROOM_TIMEOUT", 5.0),
            )
        return _client


class SessionStore(SessionBase):
    """Django's session engine on cloakroomd."""

    def __init__(self, session_key: Optional[str] = None) -> None:
        super().__init__(session_key)
        self._state = _state.SessionState()
        self._state.cookie_was_sent = session_key is not None

    def _validate_session_key(self, key: Optional[str]) -> bool:
        return looks_like_session_id(key)

    unavailable = False
    """Whether cloakroomd could not be reached (`ServiceUnavailableMiddleware` answers 503)."""

    def _send(self, call: _calls.Call) -> Any:
        try:
            return client()._send(call)
        except ServiceUnavailable:
            self.unavailable = True
            raise

    def load(self) -> Dict[str, Any]:
        call = self._state.resume_call(self.session_key, None, None)
        session = self._send(call) if call else None
        data = self._state.resumed(self.session_key, session)
        if session is None:
            self._session_key = None
        return data

    def exists(self, session_key: str) -> bool:
        call = _state.SessionState().resume_call(session_key, None, None)
        return call is not None and self._send(call) is not None

    def create(self) -> None:
        # Called by Django for a new session; cloakroomd names it when it is first saved.
        self._session_key = None
        self._state = _state.SessionState()
        self.modified = True

    def save(self, must_create: bool = False) -> None:
        data = self._get_session(no_load=must_create)
        user_id = data.get(_AUTH_USER_KEY)
        if user_id is not None and self._state.session_id is None:
            self._state.sign_in(str(user_id))
        elif user_id is not None and str(user_id) != self._state.user_id:
            self._state.sign_in(str(user_id))
        try:
            action = _state.run(self._state.save(dict(data)), client())
        except ServiceUnavailable:
            self.unavailable = True
            raise
        if action.kind == "set":
            self._session_key = action.session_id
        elif action.kind == "clear":
            self._session_key = None
            if data:
                # Ended elsewhere during the request: Django's own engines answer the same way.
                raise UpdateError()

    def delete(self, session_key: Optional[str] = None) -> None:
        # flush() calls it without reading the session first, so the cookie's key is used.
        key = session_key or self._state.session_id or self.session_key
        if looks_like_session_id(key):
            self._send(_calls.end(key))
        if key in (self.session_key, self._state.session_id):
            # What is stored after a flush (login() as another user) goes to a new session.
            self._state = _state.SessionState()

    def cycle_key(self) -> None:
        """A new ID with the same data: rotated by cloakroomd when the session is saved at the end
        of the request, so the old ID stops working everywhere."""
        self._get_session()
        self._state.sign_in(None)
        self.modified = True

    def increment(self, key: str, by: float = 1) -> Any:
        """Adds ``by`` to the number under ``self[key]`` (0 when absent) and answers the new value,
        stored as one atomic increment: concurrent increments of one key all count."""
        value = self._state.increment(self._get_session(), key, by)
        self.modified = True
        return value

    @classmethod
    def clear_expired(cls) -> None:
        """Nothing to do: cloakroomd expires sessions itself."""


class ServiceUnavailableMiddleware:
    """Answers 503 (``Retry-After: 1``) when cloakroomd cannot be reached, instead of a 500."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        try:
            response = self.get_response(request)
        except ServiceUnavailable:
            return _unavailable()
        # A failure while saving, in SessionMiddleware, reaches here as Django's 500 answer.
        if getattr(getattr(request, "session", None), "unavailable", False):
            return _unavailable()
        return response

    def process_exception(self, request: Any, exception: Exception) -> Optional[HttpResponse]:
        if isinstance(exception, ServiceUnavailable):
            return _unavailable()
        return None


def _unavailable() -> HttpResponse:
    log.warning("cloakroomd unavailable; answering 503")
    response = HttpResponse("Sessions are unavailable for a moment; please retry.", status=503, content_type="text/plain")
    response["Retry-After"] = "1"
    return response
