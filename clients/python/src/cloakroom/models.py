"""What cloakroomd answers, as typed values."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Dict, List, Optional


def _time(text: Optional[str]) -> Optional[datetime]:
    if text is None:
        return None
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@dataclass(frozen=True)
class SessionSummary:
    """A session without its data, as a listing shows it.

    ``handle`` is a public name for the session: safe to show, log and end a session by.
    """

    handle: str
    user_id: Optional[str]
    created_at: datetime
    last_seen_at: datetime
    idle_expires_at: datetime
    absolute_expires_at: datetime
    version: int
    ip: Optional[str] = None
    user_agent: Optional[str] = None
    device: Optional[str] = None
    authenticated_at: Optional[datetime] = None

    @classmethod
    def from_json(cls, value: Dict[str, Any]) -> "SessionSummary":
        return cls(**_summary_fields(value))


@dataclass(frozen=True)
class Session(SessionSummary):
    """A session with its data (a JSON object)."""

    data: Dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_json(cls, value: Dict[str, Any]) -> "Session":
        return cls(**_summary_fields(value), data=dict(value.get("data") or {}))


def _summary_fields(value: Dict[str, Any]) -> Dict[str, Any]:
    return {
        "handle": value["handle"],
        "user_id": value.get("user_id"),
        "created_at": _time(value["created_at"]),
        "last_seen_at": _time(value["last_seen_at"]),
        "idle_expires_at": _time(value["idle_expires_at"]),
        "absolute_expires_at": _time(value["absolute_expires_at"]),
        "version": value["version"],
        "ip": value.get("ip"),
        "user_agent": value.get("user_agent"),
        "device": value.get("device"),
        "authenticated_at": _time(value.get("authenticated_at")),
    }


@dataclass(frozen=True)
class IssuedSession:
    """A new session ID and its session. The ID is a secret: give it to the client in a cookie."""

    id: str = field(repr=False)
    session: Session

    @classmethod
    def from_json(cls, value: Dict[str, Any]) -> "IssuedSession":
        return cls(id=value["id"], session=Session.from_json(value["session"]))


@dataclass(frozen=True)
class SessionList:
    """One page of a user's sessions; ``next_cursor`` is None on the last page."""

    sessions: List[SessionSummary]
    next_cursor: Optional[str]

    @classmethod
    def from_json(cls, value: Dict[str, Any]) -> "SessionList":
        return cls([SessionSummary.from_json(item) for item in value["sessions"]], value.get("next_cursor"))


@dataclass(frozen=True)
class TokenPair:
    """An access token bound to a session and its one-use refresh token (both secrets)."""

    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    token_type: str
    expires_in: int
    scope: Optional[str] = None

    @classmethod
    def from_json(cls, value: Dict[str, Any]) -> "TokenPair":
        return cls(
            value["access_token"], value["refresh_token"], value["token_type"], value["expires_in"], value.get("scope")
        )


@dataclass(frozen=True)
class LimitDecision:
    """The answer of a rate-limit check: whether the attempt may go ahead, and when to retry."""

    allowed: bool
    remaining: int
    limit: int
    retry_after: float
    reset_after: float

    @classmethod
    def from_json(cls, value: Dict[str, Any]) -> "LimitDecision":
        return cls(value["allowed"], value["remaining"], value["limit"], value["retry_after"], value["reset_after"])
