"""One request's session, framework-neutral: read from the cookie's ID, changed by the app, then
saved as the fewest calls (create, update of changed keys, rotate, end) with the cookie to send.

Saving is a generator of `Call`s, so the blocking (Flask, Django) and asyncio (Starlette) back-ends
share it: each sends the calls with its own client."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, Generator, Optional

from . import _calls
from ._changes import changed_keys, json_forms
from ._session_id import looks_like_session_id
from .errors import SessionNotFound
from .models import IssuedSession, Session


@dataclass(frozen=True)
class CookieAction:
    """What the response does with the session cookie: ``set`` (to ``session_id``), ``clear`` or
    nothing (``keep``)."""

    kind: str
    session_id: Optional[str] = None


KEEP = CookieAction("keep")
CLEAR = CookieAction("clear")

Steps = Generator[_calls.Call, Any, CookieAction]


class SessionState:
    """The server-side identity of one request's session and what it held when read."""

    def __init__(self) -> None:
        self.session_id: Optional[str] = None
        self.original: Dict[str, str] = {}
        self.session: Optional[Session] = None
        self.rotation_requested = False
        self.user_id: Optional[str] = None
        self.ended = False
        self.cookie_was_sent = False
        self.client_facts: Dict[str, Optional[str]] = {}
        self.increments: Dict[str, float] = {}

    def resume_call(self, cookie: Optional[str], ip: Optional[str], user_agent: Optional[str]) -> Optional[_calls.Call]:
        """The call that reads the cookie's session, or None when there is nothing to read (no
        cookie, or one that is not a session ID: "no session", never an error)."""
        self.cookie_was_sent = cookie is not None
        self.client_facts = {"ip": ip, "user_agent": user_agent}
        if not looks_like_session_id(cookie):
            return None
        return _calls.resume(cookie, ip, user_agent)

    def resumed(self, cookie: Optional[str], session: Optional[Session]) -> Dict[str, Any]:
        """Records the resumed session (None: no session) and answers its data."""
        if session is None:
            return {}
        self.session_id, self.session, self.user_id = cookie, session, session.user_id
        self.original = json_forms(session.data)
        return dict(session.data)

    def sign_in(self, user_id: Optional[str]) -> None:
        """Asks for a new ID at save (the old one stops working), recording ``user_id`` when given."""
        self.rotation_requested = True
        if user_id is not None:
            self.user_id = user_id

    def increment(self, data: Dict[str, Any], key: str, by: float) -> Any:
        """Adds ``by`` to the number under ``key`` (0 when absent) here and, at save, on the server
        as one atomic increment: concurrent increments of one key all count."""
        current = data.get(key, 0)
        if isinstance(current, bool) or not isinstance(current, (int, float)):
            raise TypeError(f"The session value under {key!r} is not a number; it cannot be incremented")
        data[key] = current + by
        self.increments[key] = self.increments.get(key, 0) + by
        return data[key]

    def save(self, data: Dict[str, Any]) -> Steps:
        """The calls that store ``data``'s changes; answers what to do with the cookie."""
        if self.ended:
            return CLEAR if self.cookie_was_sent else KEEP
        if self.session_id is None:
            if not data and not self.rotation_requested:
                # A cookie that named no live session is cleared; an untouched new session stays unsaved.
                return CLEAR if self.cookie_was_sent else KEEP
            issued: IssuedSession = yield _calls.create(self.user_id, data, **self.client_facts)
            return self._issued(issued, data)
        if not data and self.original and not self.rotation_requested:
            # Emptied (a logout's clear()): the session ends, as a cookie session would be dropped.
            yield _calls.end(self.session_id)
            self.ended = True
            return CLEAR
        to_set, to_unset = changed_keys(self.original, data)
        increments = {key: by for key, by in self.increments.items() if key in data and key not in to_unset}
        for key in increments:
            to_set.pop(key, None)
        try:
            if to_set or to_unset or increments:
                stored: Session = yield _calls.update(self.session_id, to_set, to_unset, increments)
                for key in increments:
                    data[key] = stored.data.get(key, data[key])
                self.increments = {}
                self.original = json_forms(data)
            if self.rotation_requested:
                issued = yield _calls.rotate(self.session_id, self.user_id)
                return self._issued(issued, data)
        except SessionNotFound:
            # Ended elsewhere (log out everywhere) or expired since the read: its changes are
            # dropped rather than carried into a new session.
            self.ended = True
            return CLEAR
        return KEEP

    def end(self) -> Optional[_calls.Call]:
        """The call that ends the session now (None when there is none on the server)."""
        self.ended = True
        return _calls.end(self.session_id) if self.session_id else None

    def _issued(self, issued: IssuedSession, data: Dict[str, Any]) -> CookieAction:
        self.session_id, self.session, self.rotation_requested = issued.id, issued.session, False
        self.increments = {}
        self.original = json_forms(data)
        return CookieAction("set", issued.id)


def run(steps: Steps, client: Any) -> CookieAction:
    """Runs a save with a blocking `Client`."""
    try:
        call = next(steps)
        while True:
            try:
                result = client._send(call)
            except Exception as error:  # handed to the steps, which may recover (SessionNotFound)
                call = steps.throw(error)
            else:
                call = steps.send(result)
    except StopIteration as done:
        return done.value


async def arun(steps: Steps, client: Any) -> CookieAction:
    """Runs a save with an `AsyncClient`."""
    try:
        call = next(steps)
        while True:
            try:
                result = await client._send(call)
            except Exception as error:
                call = steps.throw(error)
            else:
                call = steps.send(result)
    except StopIteration as done:
        return done.value
