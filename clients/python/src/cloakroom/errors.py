"""The exceptions the client raises. None of their texts holds a session ID, token or API key."""

from __future__ import annotations

from typing import Optional


class CloakroomError(Exception):
    """Base of every error this package raises."""


class ConfigurationError(CloakroomError):
    """The client's settings are missing or malformed (the text names which and how to fix it)."""


class ServiceUnavailable(CloakroomError):
    """cloakroomd could not be reached, timed out, or answered 503 (its store is down).

    Nothing was changed by the call that raised it, or the change is unknown: retry later, or
    answer 503 yourself. The session back-ends turn it into a 503 page. ``reason`` is the API's
    code when cloakroomd answered (``store_unavailable``, ``store_full``), None when unreachable.
    """

    def __init__(self, message: str = "cloakroomd is unavailable", reason: Optional[str] = None) -> None:
        super().__init__(message)
        self.reason = reason


class APIError(CloakroomError):
    """cloakroomd refused the call: ``status`` and the stable ``code`` from its error answer."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{code} ({status}): {message}")
        self.status = status
        self.code = code
        self.message = message


class SessionNotFound(APIError):
    """No live session has this ID (unknown, ended, expired, or its stored bytes are unreadable)."""


class VersionConflict(APIError):
    """The session changed since the version named in ``if_version``: read it again and retry."""


class Unauthorized(APIError):
    """The API key is missing or unknown (401), or lacks the scope the call needs (403)."""


def error_for(status: int, code: str, message: str) -> CloakroomError:
    """The exception for an error answer of cloakroomd."""
    if status == 503:
        return ServiceUnavailable(f"cloakroomd is unavailable ({code}): {message}", code)
    if code in ("session_not_found", "session_unreadable"):
        return SessionNotFound(status, code, message)
    if code == "version_conflict":
        return VersionConflict(status, code, message)
    if status in (401, 403) and code in ("unauthorized", "forbidden"):
        return Unauthorized(status, code, message)
    return APIError(status, code, message)
