"""Every API call as a method, written once for both clients: each builds its `Call` and hands it
to the client's `_send`, which answers the result (Client) or an awaitable of it (AsyncClient)."""

from __future__ import annotations

from typing import Any, Iterable, Mapping, Optional

from . import _calls


class Operations:
    """The API v1 calls. IDs, tokens and keys travel in bodies, never in URLs or error texts."""

    def _send(self, call: _calls.Call) -> Any:  # pragma: no cover - each client defines it
        raise NotImplementedError

    def create(
        self,
        user_id: Optional[str] = None,
        data: Optional[Mapping[str, Any]] = None,
        ip: Optional[str] = None,
        user_agent: Optional[str] = None,
    ) -> Any:
        """Creates a session (signed in when ``user_id`` is given); answers an `IssuedSession`."""
        return self._send(_calls.create(user_id, dict(data) if data is not None else None, ip, user_agent))

    def resume(self, session_id: str, ip: Optional[str] = None, user_agent: Optional[str] = None) -> Any:
        """The live `Session` with this ID (its idle expiry slides), or None: unknown, ended,
        expired, unreadable or malformed IDs all read as "no session"."""
        return self._send(_calls.resume(session_id, ip, user_agent))

    def update(
        self,
        session_id: str,
        set: Optional[Mapping[str, Any]] = None,
        unset: Optional[Iterable[str]] = None,
        increment: Optional[Mapping[str, float]] = None,
        if_version: Optional[int] = None,
    ) -> Any:
        """Changes only the named keys (so concurrent changes to other keys survive); answers the
        `Session`. Raises `SessionNotFound`, or `VersionConflict` when ``if_version`` is stale."""
        return self._send(_calls.update(session_id, set, unset, increment, if_version))

    def rotate(self, session_id: str, user_id: Optional[str] = None) -> Any:
        """A new ID for the session (the old one stops working), signing ``user_id`` in when given;
        answers an `IssuedSession`. Call it on every sign-in."""
        return self._send(_calls.rotate(session_id, user_id))

    def end(self, session_id: str) -> Any:
        """Ends the session. Ending an unknown or ended session is not an error."""
        return self._send(_calls.end(session_id))

    def list_sessions(self, user_id: str, limit: Optional[int] = None, cursor: Optional[str] = None) -> Any:
        """One page (`SessionList`) of the user's live sessions, newest first."""
        return self._send(_calls.list_sessions(user_id, limit, cursor))

    def end_user_sessions(self, user_id: str, except_id: Optional[str] = None) -> Any:
        """Ends every session of the user ("log out everywhere"), but ``except_id`` when given;
        answers how many ended."""
        return self._send(_calls.end_user_sessions(user_id, except_id))

    def end_user_session(self, user_id: str, handle: str) -> Any:
        """Ends the user's session with this handle (from a listing); answers whether one ended."""
        return self._send(_calls.end_user_session(user_id, handle))

    def grant_tokens(self, session_id: str, scope: Optional[str] = None) -> Any:
        """An access token bound to the session and a refresh token (`TokenPair`)."""
        return self._send(_calls.grant_tokens(session_id, scope))

    def refresh_tokens(self, refresh_token: str) -> Any:
        """Uses a refresh token once: answers a new `TokenPair`. A reused one ends its session."""
        return self._send(_calls.refresh_tokens(refresh_token))

    def introspect_token(self, token: str) -> Any:
        """Whether an access or refresh token is active, with its claims (RFC 7662 style dict)."""
        return self._send(_calls.introspect_token(token))

    def revoke_token(self, token: str) -> Any:
        """Revokes an access or refresh token; answers whether it was active."""
        return self._send(_calls.revoke_token(token))

    def check_limit(self, bucket: str, key: str, cost: Optional[int] = None) -> Any:
        """Counts an attempt against a configured rate-limit bucket; answers a `LimitDecision`."""
        return self._send(_calls.check_limit(bucket, key, cost))

    def reset_limit(self, bucket: str, key: str) -> Any:
        """Forgets the attempts counted for ``key`` in ``bucket`` (e.g. after a good sign-in)."""
        return self._send(_calls.reset_limit(bucket, key))

    def health(self) -> Any:
        """The server's health answer (a dict with ``status``)."""
        return self._send(_calls.health())
